/**
 * A stateful TEST DOUBLE of the Kubernetes API, for berth's kubernetes runtime tests (no API server
 * can run on these machines). It lives under test/ and never ships.
 *
 * `startKubeDouble(opts)` serves, on 127.0.0.1, the documented API behaviour berth relies on —
 * discovery, CRUD with resourceVersions and conflicts, selectors, watch with bookmarks and 410 Gone,
 * status/scale subresources, finalizers, namespace deletion, simulated garbage collection, Leases,
 * Events — plus SIMULATED controllers: a kubelet that runs pods as real local processes under
 * bubblewrap (see kubelet.ts for the simulated network: pod port in env PORT, annotation
 * `double.berth.dev/port`, and EndpointSlices), StatefulSet / agent-sandbox Sandbox / Job
 * controllers, an EndpointSlice controller, an ingress controller on its own loopback port, a
 * volume provisioner and CSI snapshotter, and metrics.k8s.io PodMetrics. Each module's header names
 * the Kubernetes documentation it follows and where it simplifies; README.md sums them up.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import type http from "node:http";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { type ComputedResource, type FaultRule, type RequestRecord, createApiServer } from "./api-server.js";
import { ControllerLoop } from "./controller-loop.js";
import { crdResource, defaultCrdPaths, establishedStatus, readCrd } from "./crds.js";
import type { InvalidRecord } from "./crud.js";
import { builtinDefaulter, crdDefaulter } from "./defaults.js";
import { endpointSliceController } from "./endpoints.js";
import { eventRecorder } from "./events.js";
import { garbageCollector, namespaceController } from "./gc.js";
import { IngressController } from "./ingress-controller.js";
import { kubeconfigYaml } from "./kubeconfig.js";
import { Kubelet, NODE_NAME } from "./kubelet.js";
import { podMetrics } from "./metrics.js";
import { podSubresources } from "./pod-io.js";
import type { RuntimeTimings } from "./pod-runtime.js";
import {
  type KubeObject,
  type ResourceDef,
  ResourceTable,
  builtinResources,
  splitApiVersion,
} from "./resources.js";
import { reclaimOnDelete, storageController } from "./storage.js";
import { ObjectStore } from "./store.js";
import { sandboxController } from "./sandbox-controller.js";
import { jobController } from "./job-controller.js";
import { statefulSetController } from "./workloads.js";

export type { KubeObject } from "./resources.js";
export type { FaultRule, RequestRecord } from "./api-server.js";
export type { InvalidRecord } from "./crud.js";
export { PORT_ANNOTATION, NODE_NAME } from "./kubelet.js";
export { SANDBOX_HASH_LABEL, nameHash } from "./sandbox-controller.js";

/** The CSI driver of the seeded default StorageClass `standard`. */
export const DOUBLE_CSI_DRIVER = "csi.double.berth.dev";

export interface KubeDoubleOptions {
  /**
   * Called on every object a client creates, updates, patches or applies, with the stored object
   * as `old` on updates (for transition rules); messages → 422 Invalid.
   */
  validate?: (obj: KubeObject, old?: KubeObject) => string[];
  /** CRD YAML files to install; default ../shared/kubernetes/crds/*.yaml. `[]`: a cluster without them. */
  crds?: string[];
  /** Where volumes, snapshots and pod logs live; default a fresh temporary directory removed on close. */
  dataDir?: string;
  /** Objects created at start, after the default namespaces, node and StorageClass `standard`. */
  seed?: KubeObject[];
  /** Bearer token the kubeconfig carries and the double requires; default random. */
  token?: string;
  /** Watch bookmark interval (default 1000 ms; a real API server sends one about every minute). */
  bookmarkIntervalMs?: number;
  /** How many changes the watch history keeps (older resourceVersions get 410 Gone); default 5000. */
  historyLimit?: number;
  /** Compressed kubelet timings (defaults: probe 100 ms, back-off 100 ms doubling to 2 s, grace ≤ 2 s). */
  timings?: Partial<RuntimeTimings>;
}

export interface KubeDouble {
  url: string;
  /** The simulated ingress controller: plain HTTP, routed by Host and path (ingress-controller.ts). */
  ingressUrl: string;
  /** YAML text of a kubeconfig for `url` (plain http, bearer token). */
  kubeconfig: string;
  /** The same kubeconfig written to a file (for BERTH_KUBECONFIG). */
  kubeconfigPath: string;
  dataDir: string;
  /** Every stored object, optionally only those of one kind (e.g. "Pod", "Sandbox"). */
  objects(kind?: string): KubeObject[];
  /** Every request so far, with its RBAC verb. */
  requests(): RequestRecord[];
  /** Every write `validate` refused. */
  invalid(): InvalidRecord[];
  /** 127.0.0.1 port of a running pod (the simulated pod network), or undefined. */
  podPort(namespace: string, name: string): number | undefined;
  /** Resolves when the simulated controllers have caught up with every change so far. */
  settled(): Promise<void>;
  /**
   * Answers the next matching requests with an error Status instead (e.g. `{ verb: "update",
   * resource: "leases", code: 409, reason: "Conflict" }`); `times` defaults to 1.
   */
  failNext(rule: FaultRule): void;
  /** Failures of the simulated controllers (a test may assert there were none). */
  controllerErrors(): string[];
  /** Drops the watch history: resuming a watch from any earlier resourceVersion gets 410 Gone. */
  compactHistory(): void;
  close(): Promise<void>;
}

function seedObjects(): KubeObject[] {
  const ns = (name: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return [
    ns("default"),
    ns("kube-system"),
    ns("kube-public"),
    ns("kube-node-lease"),
    {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: NODE_NAME,
        labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux" },
      },
      status: {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "the simulated kubelet is ready",
          },
        ],
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      },
    },
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: DOUBLE_CSI_DRIVER,
      reclaimPolicy: "Delete",
      volumeBindingMode: "Immediate",
      allowVolumeExpansion: true,
    },
  ];
}

const repoRoot = path.resolve(import.meta.dirname, "..", "..", "..");

let bwrapChecked = false;

/** Pods run under bubblewrap: say so plainly instead of letting every pod crash-loop. */
function requireBwrap(): void {
  if (bwrapChecked) return;
  const r = spawnSync("bwrap", ["--version"], { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(
      "the Kubernetes API double runs pods under bubblewrap (bwrap): install the Debian package bubblewrap",
    );
  bwrapChecked = true;
}

export async function startKubeDouble(opts: KubeDoubleOptions = {}): Promise<KubeDouble> {
  requireBwrap();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kube-double-"));
  fs.mkdirSync(dataDir, { recursive: true });
  const token = opts.token ?? crypto.randomBytes(16).toString("hex");
  const table = new ResourceTable(builtinResources());
  const store = new ObjectStore(opts.historyLimit);
  store.setNamespaceDef(table.find("", "v1", "namespaces")!);
  const crdDef = table.find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
  const builtin = builtinDefaulter(store, table);
  const custom = crdDefaulter((def) => store.peek(crdDef, undefined, `${def.resource}.${def.group}`));
  store.defaulter = (def, obj, creating) => {
    builtin(def, obj, creating);
    custom(def, obj);
  };
  const crdDefs = new Map<string, ResourceDef>();
  store.subscribe((ev) => {
    if (ev.def !== crdDef) return;
    const uid = ev.object.metadata!.uid!;
    const prev = crdDefs.get(uid);
    if (prev) table.remove(prev);
    if (ev.type === "DELETED") return void crdDefs.delete(uid);
    const def = crdResource(ev.object);
    crdDefs.set(uid, def);
    table.add(def);
  });

  const internal = (obj: KubeObject) => {
    const { group, version } = splitApiVersion(obj.apiVersion!);
    const def = table
      .all()
      .find((d) => d.group === group && d.kind === obj.kind && d.versions.includes(version));
    if (!def) throw new Error(`the double serves no ${obj.apiVersion} ${obj.kind}`);
    return store.create(def, obj.metadata?.namespace, obj, { keepStatus: true });
  };
  for (const obj of seedObjects()) internal(obj);
  for (const file of opts.crds ?? defaultCrdPaths(repoRoot)) {
    const crd = readCrd(file);
    internal({ ...crd, status: establishedStatus(crd) });
  }
  for (const obj of opts.seed ?? []) internal(obj);

  const event = eventRecorder(store, table);
  const controllerErrors: string[] = [];
  const timings: RuntimeTimings = {
    probeIntervalMs: 100,
    restartBackoffMs: 100,
    restartBackoffMaxMs: 2000,
    maxGraceMs: 2000,
    ...opts.timings,
  };
  const kubelet = new Kubelet(store, table, dataDir, timings, event);
  const ingress = new IngressController(store, table);
  const loop = new ControllerLoop(
    store,
    [
      namespaceController(store, table),
      garbageCollector(store),
      storageController(store, table, dataDir, event),
      statefulSetController(store, table, event),
      sandboxController(store, table, event),
      jobController(store, table, event),
      kubelet,
      endpointSliceController(store, table),
      ingress,
    ],
    500,
    (name, err) =>
      process.stderr.write(`kube-double: ${name} failed: ${(err as Error).stack ?? String(err)}\n`),
  );
  kubelet.kick = () => loop.kick();
  const stopReclaim = reclaimOnDelete(store, dataDir);

  const requests: RequestRecord[] = [];
  const faults: FaultRule[] = [];
  const invalid: InvalidRecord[] = [];
  const computed = new Map<ResourceDef, ComputedResource>([
    [table.find("metrics.k8s.io", "v1beta1", "pods")!, podMetrics(store, table, kubelet)],
  ]);
  const pods = podSubresources(store, table, kubelet);
  const server: http.Server = createApiServer({
    store,
    table,
    token,
    crud: { store, invalid, ...(opts.validate ? { validate: opts.validate } : {}) },
    pods,
    computed,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 1000,
    requests,
    faults,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
  const kubeconfig = kubeconfigYaml(url, token);
  const ingressUrl = await ingress.listen();
  const kubeconfigPath = path.join(dataDir, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  loop.kick();

  return {
    url,
    ingressUrl,
    kubeconfig,
    kubeconfigPath,
    dataDir,
    objects: (kind) =>
      store
        .everything()
        .map((e) => e.object)
        .filter((o) => kind === undefined || o.kind === kind),
    requests: () => requests.map((r) => ({ ...r })),
    invalid: () => structuredClone(invalid),
    podPort(namespace, name) {
      const pod = store.get(table.find("", "v1", "pods")!, namespace, name);
      const rt = pod ? kubelet.runtimes.get(pod.metadata!.uid!) : undefined;
      return rt?.child ? rt.port : undefined;
    },
    settled: () => loop.settled(),
    compactHistory: () => store.compact(),
    controllerErrors: () => [...controllerErrors],
    failNext: (rule) => void faults.push({ ...rule }),
    async close() {
      loop.close();
      stopReclaim();
      pods.close();
      await ingress.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kubelet.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
