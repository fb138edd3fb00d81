/**
 * The Kubernetes API test double (test/support/kube-double), exercised through
 * @kubernetes/client-node exactly as berth's kubernetes driver speaks to a cluster: what a client
 * sees for every behaviour the driver relies on (status codes, Status bodies, watch events, pod
 * processes, files on volumes, logs, exec/attach streams, metrics, snapshots).
 */
import http from "node:http";
import { PassThrough, Readable } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/berth.js";
import {
  DOUBLE_CSI_DRIVER,
  type KubeDouble,
  type KubeObject,
  startKubeDouble,
} from "./support/kube-double/index.js";

let double: KubeDouble;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let custom: k8s.CustomObjectsApi;

beforeAll(async () => {
  double = await startKubeDouble({ bookmarkIntervalMs: 200 });
  kc = new k8s.KubeConfig();
  kc.loadFromString(double.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
});

afterAll(async () => {
  const errors = double?.controllerErrors() ?? [];
  await double?.close();
  expect(errors).toEqual([]);
});

/** The Status object of a failed client call. */
async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const body = typeof err.body === "string" ? JSON.parse(err.body) : err.body;
      return { code: err.code, body };
    }
    throw err;
  }
  throw new Error("the call succeeded");
}

const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

const configMap = (namespace: string, name: string, labels: Record<string, string>) =>
  core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels } } });

let nsCounter = 0;
async function namespace(): Promise<string> {
  const name = `t${++nsCounter}-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

const server = (extra = "") =>
  `const fs=require('fs');require('http').createServer((q,s)=>{${extra}s.end('hello '+(process.env.GREETING||''))}).listen(process.env.PORT,'127.0.0.1',()=>console.log('listening'))`;

/** A container serving "hello $GREETING" on $PORT and counting requests to /hit in <mountPath>/hits. */
function httpContainer(mountPath: string, volume: string, extra: Partial<k8s.V1Container>): k8s.V1Container {
  return {
    name: "main",
    command: ["node", "-e", server(`if(q.url==='/hit')fs.appendFileSync('${mountPath}/hits','x');`)],
    volumeMounts: [{ name: volume, mountPath }],
    ...extra,
  };
}

const claimTemplate = (name: string) => ({
  metadata: { name },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
});

function statefulSet(name: string, replicas: number): k8s.V1StatefulSet {
  const container = httpContainer("/data", "data", {
    image: "example.test/app:1",
    env: [
      { name: "GREETING", value: "world" },
      { name: "PORT", value: "8080" },
    ],
    ports: [{ containerPort: 8080, name: "http" }],
    readinessProbe: { httpGet: { path: "/", port: 8080 } },
  });
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      serviceName: name,
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container] } },
      volumeClaimTemplates: [claimTemplate("data")],
    },
  };
}

/** Creates a one-container pod running `command` and waits until it is ready. */
async function runPod(
  ns: string,
  name: string,
  command: string[],
  extra: Partial<k8s.V1Container> = {},
): Promise<void> {
  await core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name }, spec: { containers: [{ name: "main", image: "x", command, ...extra }] } },
  });
  await waitFor(
    async () => (await core.readNamespacedPod({ namespace: ns, name })).status?.containerStatuses?.[0]?.ready,
    `pod ${name} to be ready`,
  );
}

/** StatefulSet `web` (1 replica) and Service `web` (port 80 named http) selecting its pods. */
async function webWithService(ns: string): Promise<void> {
  await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("web", 1) });
  await core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
  });
}

const setReady = (ns: string, name: string) =>
  waitFor(
    async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name })).status?.readyReplicas === 1,
    `statefulset ${name} to be ready`,
  );

/** A stream and the text written to it so far. */
function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c) => {
    text += String(c);
  });
  return { stream, text: () => text };
}

describe("discovery", () => {
  it("lists core, built-in groups and the installed CRDs with their served versions", async () => {
    const coreVersions = await kc.makeApiClient(k8s.CoreApi).getAPIVersions();
    expect(coreVersions.versions).toEqual(["v1"]);
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const byName = new Map(groups.groups.map((g) => [g.name, g.versions.map((v) => v.version)]));
    expect(byName.get("agents.x-k8s.io")).toEqual(["v1beta1", "v1alpha1"]);
    expect(byName.get("snapshot.storage.k8s.io")).toEqual(["v1"]);
    expect(byName.get("coordination.k8s.io")).toEqual(["v1"]);
    const res = await fetch(`${double.url}/apis/agents.x-k8s.io/v1alpha1`, {
      headers: { authorization: authHeader() },
    });
    const list = (await res.json()) as { resources: { name: string; namespaced: boolean }[] };
    expect(list.resources.map((r) => r.name)).toEqual(["sandboxes", "sandboxes/status", "sandboxes/scale"]);
    const v1 = await (
      await fetch(`${double.url}/api/v1`, { headers: { authorization: authHeader() } })
    ).json();
    const names = (v1 as { resources: { name: string }[] }).resources.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "pods",
        "pods/log",
        "pods/exec",
        "pods/attach",
        "persistentvolumeclaims",
        "events",
      ]),
    );
  });

  it("a cluster started with crds: [] has no agent-sandbox group", async () => {
    const bare = await startKubeDouble({ crds: [] });
    try {
      const cfg = new k8s.KubeConfig();
      cfg.loadFromString(bare.kubeconfig);
      const groups = await cfg.makeApiClient(k8s.ApisApi).getAPIVersions();
      expect(groups.groups.map((g) => g.name)).not.toContain("agents.x-k8s.io");
      const res = await fetch(`${bare.url}/apis/agents.x-k8s.io/v1beta1/namespaces/default/sandboxes`, {
        headers: { authorization: `Bearer ${tokenOf(bare)}` },
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { kind: string }).kind).toBe("Status");
    } finally {
      await bare.close();
    }
  });
});

const tokenOf = (d: KubeDouble) => /token: (\S+)/.exec(d.kubeconfig)![1]!;
const authHeader = () => `Bearer ${tokenOf(double)}`;

describe("CRUD, resourceVersion and errors", () => {
  it("answers AlreadyExists, NotFound and Conflict with real Status objects", async () => {
    const ns = await namespace();
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "c" }, data: { a: "1" } },
    });
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const dup = await failure(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "c" } } }),
    );
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "AlreadyExists",
      code: 409,
      details: { name: "c", kind: "configmaps" },
    });
    const missing = await failure(core.readNamespacedConfigMap({ namespace: ns, name: "nope" }));
    expect(missing).toMatchObject({
      code: 404,
      body: { reason: "NotFound", message: 'configmaps "nope" not found' },
    });

    const updated = await core.replaceNamespacedConfigMap({
      namespace: ns,
      name: "c",
      body: { ...cm, data: { a: "2" } },
    });
    expect(Number(updated.metadata!.resourceVersion)).toBeGreaterThan(Number(cm.metadata!.resourceVersion));
    const stale = await failure(
      core.replaceNamespacedConfigMap({ namespace: ns, name: "c", body: { ...cm, data: { a: "3" } } }),
    );
    expect(stale).toMatchObject({ code: 409, body: { reason: "Conflict" } });
    const same = await core.replaceNamespacedConfigMap({ namespace: ns, name: "c", body: updated });
    expect(same.metadata!.resourceVersion).toBe(updated.metadata!.resourceVersion);
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: "c" })).data).toEqual({ a: "2" });
  });

  it("refuses creation in a missing namespace and bad names, changing nothing", async () => {
    const noNs = await failure(
      core.createNamespacedConfigMap({ namespace: "does-not-exist", body: { metadata: { name: "c" } } }),
    );
    expect(noNs).toMatchObject({
      code: 404,
      body: { reason: "NotFound", message: 'namespaces "does-not-exist" not found' },
    });
    const ns = await namespace();
    const bad = await failure(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "../Etc" } } }),
    );
    expect(bad).toMatchObject({ code: 422, body: { reason: "Invalid" } });
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items).toEqual([]);
  });

  it("patches with merge, strategic-merge and JSON patch", async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "c", labels: { a: "1", b: "2" } }, data: { x: "1" } },
    });
    const merged = await core.patchNamespacedConfigMap(
      { namespace: ns, name: "c", body: { metadata: { labels: { b: null, c: "3" } }, data: { y: "2" } } },
      mergePatch,
    );
    expect(merged.metadata?.labels).toEqual({ a: "1", c: "3" });
    expect(merged.data).toEqual({ x: "1", y: "2" });
    const jp = await core.patchNamespacedConfigMap(
      { namespace: ns, name: "c", body: [{ op: "replace", path: "/data/x", value: "9" }] },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    expect(jp.data).toEqual({ x: "9", y: "2" });
    const badOp = await failure(
      core.patchNamespacedConfigMap(
        { namespace: ns, name: "c", body: [{ op: "test", path: "/data/x", value: "0" }] },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
      ),
    );
    expect(badOp.code).toBe(422);

    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("s", 0) });
    const smp = await apps.patchNamespacedStatefulSet(
      {
        namespace: ns,
        name: "s",
        body: {
          spec: {
            template: { spec: { containers: [{ name: "main", env: [{ name: "EXTRA", value: "1" }] }] } },
          },
        },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    const container = smp.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe("example.test/app:1");
    expect(container.env?.map((e) => e.name)).toEqual(["GREETING", "PORT", "EXTRA"]);
    expect(smp.metadata!.generation).toBe(2);
  });

  it("filters lists by label selectors and metadata.name, and refuses unsupported selectors", async () => {
    const ns = await namespace();
    const mk = (name: string, labels: Record<string, string>) => configMap(ns, name, labels);
    await mk("a", { tier: "web", env: "prod" });
    await mk("b", { tier: "db", env: "prod" });
    await mk("c", { tier: "web" });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: ns, labelSelector, fieldSelector })).items.map(
        (i) => i.metadata!.name,
      );
    expect(await names("tier=web")).toEqual(["a", "c"]);
    expect(await names("tier!=web")).toEqual(["b"]);
    expect(await names("tier in (db, web),env")).toEqual(["a", "b"]);
    expect(await names("tier notin (web)")).toEqual(["b"]);
    expect(await names("!env")).toEqual(["c"]);
    expect(await names(undefined, "metadata.name=b")).toEqual(["b"]);
    expect(
      (await failure(core.listNamespacedConfigMap({ namespace: ns, fieldSelector: "data.x=1" }))).code,
    ).toBe(400);
    expect(
      (await failure(core.listNamespacedConfigMap({ namespace: ns, labelSelector: "a in (b" }))).code,
    ).toBe(400);
    const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    expect(page.items).toHaveLength(2);
    const rest = await core.listNamespacedConfigMap({
      namespace: ns,
      limit: 2,
      _continue: page.metadata!._continue!,
    });
    expect(rest.items.map((i) => i.metadata!.name)).toEqual(["c"]);
  });

  it("deletes a collection by label selector", async () => {
    const ns = await namespace();
    await configMap(ns, "a", { group: "one" });
    await configMap(ns, "b", { group: "one" });
    await configMap(ns, "c", { group: "two" });
    await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: "group=one" });
    const left = await core.listNamespacedConfigMap({ namespace: ns });
    expect(left.items.map((i) => i.metadata!.name)).toEqual(["c"]);
    expect(double.requests()).toContainEqual({
      verb: "deletecollection",
      group: "",
      version: "v1",
      resource: "configmaps",
      namespace: ns,
    });
  });

  it("requires the kubeconfig's token and records every request with its RBAC verb", async () => {
    const res = await fetch(`${double.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "Unauthorized" });
    const ns = await namespace();
    await core.listNamespacedPod({ namespace: ns });
    const r = double.requests();
    expect(r).toContainEqual({ verb: "create", group: "", version: "v1", resource: "namespaces" });
    expect(r).toContainEqual({ verb: "list", group: "", version: "v1", resource: "pods", namespace: ns });
  });

  it("answers bad JSON with 400 and stores nothing", async () => {
    const ns = await namespace();
    const res = await fetch(`${double.url}/api/v1/namespaces/${ns}/configmaps`, {
      method: "POST",
      headers: { authorization: authHeader(), "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items).toEqual([]);
  });
});

/** Runs `fn` against a second double started with `opts`, closing it afterwards. */
async function withDouble(
  opts: Parameters<typeof startKubeDouble>[0],
  fn: (d: KubeDouble, c: k8s.CoreV1Api) => Promise<void>,
): Promise<void> {
  const d = await startKubeDouble(opts);
  try {
    const cfg = new k8s.KubeConfig();
    cfg.loadFromString(d.kubeconfig);
    await fn(d, cfg.makeApiClient(k8s.CoreV1Api));
  } finally {
    await d.close();
  }
}

describe("validation hook", () => {
  it("answers 422 Invalid for what validate refuses and records it", async () => {
    const validate = (o: KubeObject) =>
      o.kind === "ConfigMap" && o.data?.bad ? ["data.bad: Forbidden: not allowed here"] : [];
    await withDouble({ validate }, async (d, c) => {
      await c.createNamespacedConfigMap({
        namespace: "default",
        body: { metadata: { name: "ok" }, data: { good: "1" } },
      });
      const bad = await failure(
        c.patchNamespacedConfigMap(
          { namespace: "default", name: "ok", body: { data: { bad: "1" } } },
          mergePatch,
        ),
      );
      expect(bad).toMatchObject({
        code: 422,
        body: {
          reason: "Invalid",
          details: { causes: [{ message: "data.bad: Forbidden: not allowed here" }] },
        },
      });
      expect(d.invalid()).toHaveLength(1);
      expect(d.invalid()[0]!.object.data).toEqual({ good: "1", bad: "1" });
      expect((await c.readNamespacedConfigMap({ namespace: "default", name: "ok" })).data).toEqual({
        good: "1",
      });
    });
  });
});

describe("watch", () => {
  function watchEvents(path: string, query: Record<string, string | number | boolean | undefined>) {
    const events: { type: string; object: KubeObject }[] = [];
    let done: unknown = "open";
    const ctl = new k8s.Watch(kc).watch(
      path,
      query,
      (type, object) => events.push({ type, object }),
      (err) => {
        done = err ?? null;
      },
    );
    return { events, ended: () => done !== "open", abort: async () => (await ctl).abort() };
  }

  it("streams changes after a resourceVersion, filtered by label, with bookmarks", async () => {
    const ns = await namespace();
    const first = await configMap(ns, "a", { w: "yes" });
    const w = watchEvents(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: first.metadata!.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: "w=yes",
    });
    await configMap(ns, "b", { w: "yes" });
    await configMap(ns, "c", { w: "no" });
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: "a", body: { metadata: { labels: { w: "no" } } } },
      mergePatch,
    );
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "b" });
    const changes = () => w.events.filter((e) => e.type !== "BOOKMARK");
    await waitFor(() => changes().length >= 3, "three changes");
    await waitFor(() => w.events.at(-1)?.type === "BOOKMARK", "a bookmark after them");
    await w.abort();
    const seen = w.events
      .filter((e) => e.type !== "BOOKMARK")
      .map((e) => `${e.type} ${e.object.metadata!.name}`);
    expect(seen).toEqual(["ADDED b", "DELETED a", "DELETED b"]);
    const bookmark = w.events.find((e) => e.type === "BOOKMARK")!;
    expect(Number(bookmark.object.metadata!.resourceVersion)).toBeGreaterThan(
      Number(first.metadata!.resourceVersion),
    );
  });

  it("feeds a client-node informer (list, then watch from the list's resourceVersion)", async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "before" } } });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    const seen: string[] = [];
    informer.on("add", (o) => seen.push(`add ${o.metadata!.name}`));
    informer.on("update", (o) => seen.push(`update ${o.metadata!.name}`));
    informer.on("delete", (o) => seen.push(`delete ${o.metadata!.name}`));
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "after" }, data: { a: "1" } },
    });
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: "after", body: { data: { a: "2" } } },
      mergePatch,
    );
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "before" });
    await waitFor(() => seen.length >= 4, "four informer events");
    await informer.stop();
    expect(seen).toEqual(["add before", "add after", "update after", "delete before"]);
    expect(informer.list().map((o) => o.metadata!.name)).toEqual(["after"]);
  });

  it("starts with the current objects when no resourceVersion is given", async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x" } } });
    const w = watchEvents(`/api/v1/namespaces/${ns}/configmaps`, {});
    await waitFor(() => w.events.length === 1, "the initial ADDED");
    await w.abort();
    expect(w.events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "x" } } });
  });

  it("answers a too-old resourceVersion with an ERROR event carrying 410 Expired", async () => {
    const ns = await namespace();
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x" } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "y" } } });
    double.compactHistory();
    const w = watchEvents(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: cm.metadata!.resourceVersion,
    });
    await waitFor(() => w.ended(), "the stream to end");
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired" },
    });
  });
});

describe("subresources, finalizers, namespaces and garbage collection", () => {
  it("status writes change only status; main writes keep status", async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("s", 0) });
    const withStatus = await apps.replaceNamespacedStatefulSetStatus({
      namespace: ns,
      name: "s",
      body: {
        ...(await apps.readNamespacedStatefulSet({ namespace: ns, name: "s" })),
        spec: { ...statefulSet("s", 5).spec! },
        status: { replicas: 7 },
      },
    });
    expect(withStatus.status?.replicas).toBe(7);
    expect(withStatus.spec?.replicas).toBe(0);
  });

  it("serves the scale subresource of StatefulSets", async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("s", 0) });
    const scale = await apps.readNamespacedStatefulSetScale({ namespace: ns, name: "s" });
    expect(scale).toMatchObject({ kind: "Scale", spec: { replicas: 0 } });
    await apps.patchNamespacedStatefulSetScale(
      { namespace: ns, name: "s", body: { spec: { replicas: 0 } } },
      mergePatch,
    );
    const bad = await failure(
      apps.replaceNamespacedStatefulSetScale({
        namespace: ns,
        name: "s",
        body: { metadata: { name: "s" }, spec: { replicas: -1 } },
      }),
    );
    expect(bad.code).toBe(422);
  });

  it("keeps an object with finalizers until they are removed", async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "f", finalizers: ["example.test/hold"] } },
    });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "f" });
    const held = await core.readNamespacedConfigMap({ namespace: ns, name: "f" });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: "f", body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    expect((await failure(core.readNamespacedConfigMap({ namespace: ns, name: "f" }))).code).toBe(404);
  });

  it("deleting a namespace removes everything in it, then the namespace", async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "a" } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "s" }, stringData: { k: "v" } },
    });
    await core.deleteNamespace({ name: ns });
    const refused = await failure(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "late" } } }),
    );
    expect(refused.code === 403 || refused.code === 404).toBe(true);
    await waitFor(
      async () => (await failure(core.readNamespace({ name: ns }))).code === 404,
      "the namespace to go",
    );
    expect(double.objects().filter((o) => o.metadata?.namespace === ns && o.kind !== "Event")).toEqual([]);
  });

  it("garbage-collects dependents of a deleted owner (simulated) and orphans them on request", async () => {
    const ns = await namespace();
    const owner = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "owner" } },
    });
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! };
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "dep", ownerReferences: [ref] } },
    });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "owner" });
    await waitFor(
      async () => (await failure(core.readNamespacedConfigMap({ namespace: ns, name: "dep" }))).code === 404,
      "the dependent to go",
    );

    const owner2 = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "owner2" } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: "dep2", ownerReferences: [{ ...ref, name: "owner2", uid: owner2.metadata!.uid! }] },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "owner2", propagationPolicy: "Orphan" });
    await waitFor(
      async () =>
        (await failure(core.readNamespacedConfigMap({ namespace: ns, name: "owner2" }))).code === 404,
      "the owner to go",
    );
    const orphan = await core.readNamespacedConfigMap({ namespace: ns, name: "dep2" });
    expect(orphan.metadata?.ownerReferences).toBeUndefined();
  });

  it("stores Leases (coordination.k8s.io/v1) with optimistic concurrency", async () => {
    const ns = await namespace();
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    const now = new Date();
    const lease = await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: { name: "leader" },
        spec: { holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: now, renewTime: now },
      },
    });
    await leases.replaceNamespacedLease({
      namespace: ns,
      name: "leader",
      body: { ...lease, spec: { ...lease.spec, holderIdentity: "b" } },
    });
    const c = await failure(
      leases.replaceNamespacedLease({
        namespace: ns,
        name: "leader",
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "c" } },
      }),
    );
    expect(c.code).toBe(409);
    expect((await leases.readNamespacedLease({ namespace: ns, name: "leader" })).spec?.holderIdentity).toBe(
      "b",
    );
  });
});

describe("simulated kubelet: StatefulSets run as real processes", () => {
  it("runs the pod, serves through its EndpointSlice port, keeps the PVC across scale to 0 and back", async () => {
    const ns = await namespace();
    await webWithService(ns);
    await setReady(ns, "web");
    const pod = await core.readNamespacedPod({ namespace: ns, name: "web-0" });
    expect(pod.status).toMatchObject({
      phase: "Running",
      podIP: "127.0.0.1",
      containerStatuses: [{ name: "main", ready: true, restartCount: 0, image: "example.test/app:1" }],
    });
    expect(pod.spec?.volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "data-web-0" },
    });
    const slices = await kc
      .makeApiClient(k8s.DiscoveryV1Api)
      .listNamespacedEndpointSlice({ namespace: ns, labelSelector: "kubernetes.io/service-name=web" });
    const slice = await waitFor(async () => {
      const s = (
        await kc
          .makeApiClient(k8s.DiscoveryV1Api)
          .listNamespacedEndpointSlice({ namespace: ns, labelSelector: "kubernetes.io/service-name=web" })
      ).items[0];
      return s?.endpoints[0]?.conditions?.ready ? s : undefined;
    }, "a ready endpoint");
    expect(slices.items.length).toBeLessThanOrEqual(1);
    expect(slice.endpoints[0]).toMatchObject({
      addresses: ["127.0.0.1"],
      targetRef: { kind: "Pod", name: "web-0" },
    });
    const port = slice.ports![0]!.port!;
    expect(port).toBe(Number(pod.metadata!.annotations!["double.berth.dev/port"]));
    expect(await (await fetch(`http://127.0.0.1:${port}/hit`)).text()).toBe("hello world");
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: "data-web-0" });
    expect(pvc.status?.phase).toBe("Bound");
    expect(pvc.spec?.storageClassName).toBe("standard");

    await apps.patchNamespacedStatefulSetScale(
      { namespace: ns, name: "web", body: { spec: { replicas: 0 } } },
      mergePatch,
    );
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
      "the pod to go",
    );
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expect(
      (await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: "data-web-0" })).status?.phase,
    ).toBe("Bound");

    await apps.patchNamespacedStatefulSetScale(
      { namespace: ns, name: "web", body: { spec: { replicas: 1 } } },
      mergePatch,
    );
    await setReady(ns, "web");
    const port2 = double.podPort(ns, "web-0")!;
    await (await fetch(`http://127.0.0.1:${port2}/hit`)).text();
    const hits = await execIn(ns, "web-0", ["cat", "/data/hits"]);
    expect(hits.stdout).toBe("xx");
  });

  it("rolls the pod when the template changes (restart annotation) and follows its log", async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("web", 1) });
    await setReady(ns, "web");
    const before = await core.readNamespacedPod({ namespace: ns, name: "web-0" });
    const log = collector();
    const out = log.stream;
    const req = await new k8s.Log(kc).log(ns, "web-0", "main", out, { follow: true, tailLines: 10 });
    await waitFor(() => log.text().includes("listening"), "the log line");
    await apps.patchNamespacedStatefulSet(
      {
        namespace: ns,
        name: "web",
        body: { spec: { template: { metadata: { annotations: { "example.test/restartedAt": "now" } } } } },
      },
      mergePatch,
    );
    await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: "web-0" });
      return p.metadata!.uid !== before.metadata!.uid && p.status?.containerStatuses?.[0]?.ready;
    }, "a new pod");
    await waitFor(() => out.readableEnded || out.writableEnded, "the follow to end with the old container");
    req.abort();
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: "web" });
    expect(sts.status).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      updatedReplicas: 1,
      observedGeneration: 2,
    });
    expect(sts.status?.currentRevision).toBe(sts.status?.updateRevision);
  });

  it("restarts a crashing container with back-off and keeps its previous log", async () => {
    const ns = await namespace();
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "crash" },
        spec: { containers: [{ name: "c", image: "x", command: ["sh", "-c", "echo boom; exit 3"] }] },
      },
    });
    const pod = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: "crash" });
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    }, "a restart");
    expect(pod.status?.phase).toBe("Running");
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 3,
      reason: "Error",
    });
    expect(await core.readNamespacedPodLog({ namespace: ns, name: "crash", previous: true })).toBe("boom\n");
    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: "involvedObject.name=crash,reason=BackOff",
    });
    expect(events.items.length).toBeGreaterThan(0);
  });

  it("restarts a container whose liveness probe fails", async () => {
    const ns = await namespace();
    const livenessProbe = {
      httpGet: { path: "/healthz", port: 8080 },
      initialDelaySeconds: 1,
      periodSeconds: 1,
      failureThreshold: 1,
    };
    const command = ["node", "-e", server("if(q.url==='/healthz'){s.statusCode=500;}")];
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "sick" },
        spec: { containers: [{ name: "main", image: "x", command, livenessProbe }] },
      },
    });
    const pod = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: "sick" });
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
    }, "a restart");
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: "involvedObject.name=sick,reason=Unhealthy",
    });
    expect(events.items[0]?.message).toBe("Liveness probe failed");
  });

  it("refuses the log of a container that has not started with 400", async () => {
    const ns = await namespace();
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "p" },
        spec: {
          containers: [{ name: "c", image: "x", volumeMounts: [{ name: "v", mountPath: "/v" }] }],
          volumes: [{ name: "v", persistentVolumeClaim: { claimName: "missing" } }],
        },
      },
    });
    const res = await failure(core.readNamespacedPodLog({ namespace: ns, name: "p" }));
    expect(res.code).toBe(400);
    expect(String(res.body.message ?? res.body)).toContain("waiting to start");
  });
});

async function execIn(
  ns: string,
  pod: string,
  command: string[],
  stdin?: Buffer,
): Promise<{ stdout: string; status: k8s.V1Status }> {
  const out = collector();
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    const stdinStream = stdin ? Readable.from([stdin]) : null;
    new k8s.Exec(kc)
      .exec(ns, pod, "main", command, out.stream, new PassThrough(), stdinStream, false, resolve)
      .catch(reject);
  });
  return { stdout: out.text(), status };
}

const SANDBOXES = { group: "agents.x-k8s.io", plural: "sandboxes" };

function sandboxBody(version: "v1alpha1" | "v1beta1", name: string, running: boolean): KubeObject {
  const container = httpContainer("/workspace", "workspace", {
    image: "example.test/agent:1",
    env: [{ name: "GREETING", valueFrom: { secretKeyRef: { name: "agent-secret", key: "greeting" } } }],
    readinessProbe: { tcpSocket: { port: 8080 } },
  });
  const mode =
    version === "v1beta1"
      ? { operatingMode: running ? "Running" : "Suspended" }
      : { replicas: running ? 1 : 0 };
  return {
    apiVersion: `agents.x-k8s.io/${version}`,
    kind: "Sandbox",
    metadata: { name },
    spec: {
      ...mode,
      service: true,
      podTemplate: { metadata: { labels: { app: name } }, spec: { containers: [container] } },
      volumeClaimTemplates: [claimTemplate("workspace")],
    },
  };
}

const readSandbox = (ns: string, name: string, version = "v1beta1") =>
  custom.getNamespacedCustomObject({ ...SANDBOXES, version, namespace: ns, name }) as Promise<KubeObject>;
const sandboxReady = (sb: KubeObject) =>
  sb.status?.conditions?.some(
    (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
  );

const setMode = (ns: string, name: string, operatingMode: "Running" | "Suspended") =>
  custom.patchNamespacedCustomObject(
    { ...SANDBOXES, version: "v1beta1", namespace: ns, name, body: { spec: { operatingMode } } },
    mergePatch,
  );

const agentSecret = (ns: string, greeting: string) =>
  core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: "agent-secret" }, stringData: { greeting } },
  });

const createSandbox = (ns: string, version: "v1alpha1" | "v1beta1", name: string) =>
  custom.createNamespacedCustomObject({
    ...SANDBOXES,
    version,
    namespace: ns,
    body: sandboxBody(version, name, true),
  });

describe("simulated agent-sandbox controller", () => {
  it("runs a v1beta1 Sandbox, suspends it keeping the PVC, and resumes it with the data", async () => {
    const ns = await namespace();
    await agentSecret(ns, "from a secret");
    await createSandbox(ns, "v1beta1", "agent");
    const ready = await waitFor(async () => {
      const sb = await readSandbox(ns, "agent");
      return sandboxReady(sb) ? sb : undefined;
    }, "the sandbox to be ready");
    expect(ready.status).toMatchObject({
      service: "agent",
      serviceFQDN: `agent.${ns}.svc.cluster.local`,
      podIPs: ["127.0.0.1"],
    });
    expect(ready.spec.shutdownPolicy).toBe("Retain");
    const port = double.podPort(ns, "agent")!;
    expect(await (await fetch(`http://127.0.0.1:${port}/hit`)).text()).toBe("hello from a secret");
    const svc = await core.readNamespacedService({ namespace: ns, name: "agent" });
    expect(svc.spec?.clusterIP).toBe("None");

    await setMode(ns, "agent", "Suspended");
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
      "the pod to go",
    );
    const suspended = await waitFor(async () => {
      const sb = await readSandbox(ns, "agent");
      return sb.status?.conditions?.[0]?.reason === "SandboxSuspended" ? sb : undefined;
    }, "the suspended status");
    expect(sandboxReady(suspended)).toBe(false);
    expect(
      (await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: "workspace-agent" })).status
        ?.phase,
    ).toBe("Bound");

    await setMode(ns, "agent", "Running");
    await waitFor(async () => sandboxReady(await readSandbox(ns, "agent")), "ready again");
    expect((await execIn(ns, "agent", ["cat", "/workspace/hits"])).stdout).toBe("x");
  });

  it("propagates podTemplate metadata to the running pod without replacing it; a deleted pod comes back", async () => {
    const ns = await namespace();
    await agentSecret(ns, "hi");
    await createSandbox(ns, "v1beta1", "keep");
    await waitFor(async () => sandboxReady(await readSandbox(ns, "keep")), "ready");
    const pod = await core.readNamespacedPod({ namespace: ns, name: "keep" });
    expect(pod.metadata?.labels).toMatchObject({
      app: "keep",
      "agents.x-k8s.io/sandbox-name-hash": expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    const annotate = {
      spec: { podTemplate: { metadata: { annotations: { "example.test/restartedAt": "1" } } } },
    };
    await custom.patchNamespacedCustomObject(
      { ...SANDBOXES, version: "v1beta1", namespace: ns, name: "keep", body: annotate },
      mergePatch,
    );
    const annotated = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: "keep" });
      return p.metadata?.annotations?.["example.test/restartedAt"] === "1" ? p : undefined;
    }, "the annotation on the pod");
    expect(annotated.metadata?.uid).toBe(pod.metadata?.uid);
    await core.deleteNamespacedPod({ namespace: ns, name: "keep" });
    await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: "keep" });
      return p.metadata?.uid !== pod.metadata?.uid && p.status?.containerStatuses?.[0]?.ready;
    }, "a new ready pod");
  });

  it("scales a v1alpha1 Sandbox through its scale subresource and refuses strategic merge on it", async () => {
    const ns = await namespace();
    await agentSecret(ns, "hi");
    await createSandbox(ns, "v1alpha1", "old");
    await waitFor(async () => sandboxReady(await readSandbox(ns, "old", "v1alpha1")), "ready");
    const res = await fetch(
      `${double.url}/apis/agents.x-k8s.io/v1alpha1/namespaces/${ns}/sandboxes/old/scale`,
      {
        method: "PATCH",
        headers: { authorization: authHeader(), "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ spec: { replicas: 0 } }),
      },
    );
    expect(res.status).toBe(200);
    await waitFor(
      async () => (await readSandbox(ns, "old", "v1alpha1")).status?.replicas === 0,
      "replicas 0",
    );
    const smp = await failure(
      custom.patchNamespacedCustomObject(
        { ...SANDBOXES, version: "v1alpha1", namespace: ns, name: "old", body: { spec: { replicas: 1 } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(smp.code).toBe(415);
    const noScale = await fetch(
      `${double.url}/apis/agents.x-k8s.io/v1beta1/namespaces/${ns}/sandboxes/old/scale`,
      {
        headers: { authorization: authHeader() },
      },
    );
    expect(noScale.status).toBe(404);
  });

  it("keeps a pod waiting with CreateContainerConfigError while its secret is missing", async () => {
    const ns = await namespace();
    await createSandbox(ns, "v1beta1", "nosecret");
    const pod = await waitFor(async () => {
      const p = (await core.listNamespacedPod({ namespace: ns })).items[0];
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError"
        ? p
        : undefined;
    }, "the waiting reason");
    expect(pod.status?.phase).toBe("Pending");
    await agentSecret(ns, "late");
    await waitFor(
      async () => sandboxReady(await readSandbox(ns, "nosecret")),
      "ready once the secret exists",
    );
  });
});

describe("Jobs, exec, attach and metrics", () => {
  it("runs a Job to completion and a failing one to BackoffLimitExceeded", async () => {
    const ns = await namespace();
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const job = (name: string, script: string, backoffLimit = 0): k8s.V1Job => ({
      metadata: { name },
      spec: {
        backoffLimit,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "main", image: "x", command: ["sh", "-c", script] }],
          },
        },
      },
    });
    await batch.createNamespacedJob({ namespace: ns, body: job("ok", "echo done") });
    await batch.createNamespacedJob({ namespace: ns, body: job("bad", "exit 2", 1) });
    const done = await waitFor(async () => {
      const j = await batch.readNamespacedJob({ namespace: ns, name: "ok" });
      return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
    }, "completion");
    expect(done.status?.succeeded).toBe(1);
    const pods = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: "batch.kubernetes.io/job-name=ok",
    });
    expect(pods.items[0]?.status?.phase).toBe("Succeeded");
    expect(await core.readNamespacedPodLog({ namespace: ns, name: pods.items[0]!.metadata!.name! })).toBe(
      "done\n",
    );
    const failed = await waitFor(async () => {
      const j = await batch.readNamespacedJob({ namespace: ns, name: "bad" });
      return j.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True") ? j : undefined;
    }, "failure");
    expect(failed.status?.failed).toBe(2);
  });

  it("execs tar into a pod as kubectl cp does, and reports non-zero exit codes", async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("web", 1) });
    await setReady(ns, "web");
    const packed = await execIn(ns, "web-0", [
      "sh",
      "-c",
      "mkdir -p /tmp/src && echo payload > /tmp/src/f.txt && tar cf - -C /tmp/src . | base64 -w0",
    ]);
    expect(packed.status.status).toBe("Success");
    const tarball = Buffer.from(packed.stdout, "base64");
    const into = await execIn(ns, "web-0", ["tar", "xf", "-", "-C", "/data"], tarball);
    expect(into.status).toMatchObject({ status: "Success" });
    expect((await execIn(ns, "web-0", ["cat", "/data/f.txt"])).stdout).toBe("payload\n");
    const bad = await execIn(ns, "web-0", ["sh", "-c", "exit 7"]);
    expect(bad.status).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "7" }] },
    });
    const ro = await execIn(ns, "web-0", ["sh", "-c", "touch /usr/x"]);
    expect(ro.status.status).toBe("Failure");
  });

  it("attaches to a container's stdin and stdout", async () => {
    const ns = await namespace();
    await runPod(ns, "cat", ["sh", "-c", 'while read l; do echo "got $l"; done'], { stdin: true });
    const out = collector();
    const stdin = new PassThrough();
    const ws = await new k8s.Attach(kc).attach(ns, "cat", "main", out.stream, null, stdin, false);
    stdin.write("hello\n");
    await waitFor(() => out.text().includes("got hello"), "the echo");
    ws.close();
    expect(await core.readNamespacedPodLog({ namespace: ns, name: "cat" })).toBe("got hello\n");
  });

  it("serves PodMetrics from the pod's processes", async () => {
    const ns = await namespace();
    await runPod(ns, "busy", [
      "node",
      "-e",
      "const a=Buffer.alloc(64*1024*1024,1);setInterval(()=>{let x=0;for(let i=0;i<1e6;i++)x+=a[i];},50)",
    ]);
    const metrics = new k8s.Metrics(kc);
    const m = await waitFor(async () => {
      const list = await metrics.getPodMetrics(ns);
      const mem = list.items[0]?.containers[0]?.usage.memory ?? "0Ki";
      return Number.parseInt(mem, 10) > 64 * 1024 ? list.items[0] : undefined;
    }, "memory above 64 MiB");
    expect(m).toMatchObject({ metadata: { name: "busy", namespace: ns }, containers: [{ name: "main" }] });
    expect(m!.containers[0]!.usage.cpu).toMatch(/^\d+n$/);
  });
});

describe("simulated CSI snapshotter", () => {
  it("snapshots a PVC when the class driver matches and restores it into a new PVC", async () => {
    const ns = await namespace();
    const snapshots = { group: "snapshot.storage.k8s.io", version: "v1" };
    const snapshotClass = (name: string, driver: string) =>
      custom.createClusterCustomObject({
        ...snapshots,
        plural: "volumesnapshotclasses",
        body: {
          apiVersion: "snapshot.storage.k8s.io/v1",
          kind: "VolumeSnapshotClass",
          metadata: { name },
          driver,
          deletionPolicy: "Delete",
        },
      });
    await snapshotClass("csi", DOUBLE_CSI_DRIVER);
    await snapshotClass("other", "other.csi.example");
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("web", 1) });
    await setReady(ns, "web");
    await execIn(ns, "web-0", ["sh", "-c", "echo saved > /data/state"]);

    const snap = (name: string, cls: string) =>
      custom.createNamespacedCustomObject({
        ...snapshots,
        plural: "volumesnapshots",
        namespace: ns,
        body: {
          apiVersion: "snapshot.storage.k8s.io/v1",
          kind: "VolumeSnapshot",
          metadata: { name },
          spec: { volumeSnapshotClassName: cls, source: { persistentVolumeClaimName: "data-web-0" } },
        },
      });
    await snap("good", "csi");
    await snap("mismatch", "other");
    const read = (name: string) =>
      custom.getNamespacedCustomObject({
        ...snapshots,
        plural: "volumesnapshots",
        namespace: ns,
        name,
      }) as Promise<KubeObject>;
    const good = await waitFor(async () => {
      const s = await read("good");
      return s.status?.readyToUse ? s : undefined;
    }, "readyToUse");
    expect(good.status.boundVolumeSnapshotContentName).toMatch(/^snapcontent-/);
    const mismatch = await waitFor(async () => (await read("mismatch")).status?.error, "the error");
    expect(mismatch.message).toContain("does not match");

    await execIn(ns, "web-0", ["sh", "-c", "echo changed > /data/state"]);
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: "restored" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "good" },
        },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: "restored" })).status
          ?.phase === "Bound",
      "bound",
    );
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "reader" },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: "x",
              command: ["cat", "/r/state"],
              volumeMounts: [{ name: "r", mountPath: "/r" }],
            },
          ],
          volumes: [{ name: "r", persistentVolumeClaim: { claimName: "restored" } }],
        },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ namespace: ns, name: "reader" })).status?.phase === "Succeeded",
      "the reader to finish",
    );
    expect(await core.readNamespacedPodLog({ namespace: ns, name: "reader" })).toBe("saved\n");

    await custom.deleteNamespacedCustomObject({
      ...snapshots,
      plural: "volumesnapshots",
      namespace: ns,
      name: "good",
    });
    await waitFor(async () => (await failure(read("good"))).code === 404, "the snapshot to go");
    expect(
      double
        .objects("VolumeSnapshotContent")
        .filter((c) => c.spec.volumeSnapshotRef.namespace === ns && c.spec.volumeSnapshotRef.name === "good"),
    ).toEqual([]);
  });
});

/** GET through the double's ingress controller with a Host header: status and body. */
function viaIngressHost(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${double.ingressUrl}${path}`, { headers: { host } }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += String(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

describe("simulated ingress controller", () => {
  it("routes by host and path to ready pods and to a selector-less Service's own endpoints", async () => {
    const ns = await namespace();
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);
    await webWithService(ns);
    const outside = http.createServer((_q, r) => r.end("served outside"));
    await new Promise<void>((r) => outside.listen(0, "127.0.0.1", r));
    try {
      const outsidePort = (outside.address() as import("node:net").AddressInfo).port;
      await core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: "activator" }, spec: { ports: [{ name: "http", port: 80 }] } },
      });
      await kc.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({
        namespace: ns,
        body: {
          metadata: { name: "activator-1", labels: { "kubernetes.io/service-name": "activator" } },
          addressType: "IPv4",
          endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
          ports: [{ name: "http", port: outsidePort, protocol: "TCP" }],
        },
      });
      const backend = (name: string) => ({ service: { name, port: { number: 80 } } });
      await networking.createNamespacedIngress({
        namespace: ns,
        body: {
          metadata: { name: "routes" },
          spec: {
            rules: [
              {
                host: `web.${ns}.example.test`,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("web") }] },
              },
              {
                host: `*.paused.${ns}.example.test`,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("activator") }] },
              },
              {
                host: `empty.${ns}.example.test`,
                http: { paths: [{ path: "/api", pathType: "Prefix", backend: backend("nobody") }] },
              },
            ],
          },
        },
      });
      await setReady(ns, "web");
      const served = await waitFor(async () => {
        const r = await viaIngressHost(`web.${ns}.example.test`, "/hit");
        return r.status === 200 ? r : undefined;
      }, "the route to the pod");
      expect(served.body).toBe("hello world");
      expect(await viaIngressHost(`a.paused.${ns}.example.test`, "/")).toEqual({
        status: 200,
        body: "served outside",
      });
      expect((await viaIngressHost(`a.b.paused.${ns}.example.test`, "/")).status).toBe(404);
      expect((await viaIngressHost(`empty.${ns}.example.test`, "/api/x")).status).toBe(503);
      expect((await viaIngressHost(`empty.${ns}.example.test`, "/apix")).status).toBe(404);
      const ing = await waitFor(async () => {
        const i = await networking.readNamespacedIngress({ namespace: ns, name: "routes" });
        return i.status?.loadBalancer?.ingress?.length ? i : undefined;
      }, "the ingress status");
      expect(ing.status?.loadBalancer?.ingress?.[0]?.ip).toBe("127.0.0.1");
    } finally {
      outside.close();
    }
  });
});

describe("fault injection", () => {
  it("answers the next matching requests with the injected Status, then serves normally", async () => {
    const ns = await namespace();
    double.failNext({
      verb: "create",
      resource: "configmaps",
      namespace: ns,
      code: 429,
      reason: "TooManyRequests",
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const r = await failure(configMap(ns, "x", {}));
      expect(r).toMatchObject({ code: 429, body: { kind: "Status", reason: "TooManyRequests" } });
    }
    await configMap(ns, "x", {});
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items).toHaveLength(1);
  });
});

describe("server-side apply (simplified) and hostile input", () => {
  it("creates on the first apply and merges on the next; fieldManager is required", async () => {
    const ns = await namespace();
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "applied", namespace: ns },
      data: { a: "1" },
    };
    await objects.patch(cm, undefined, undefined, "berth", true, k8s.PatchStrategy.ServerSideApply);
    await objects.patch(
      { ...cm, data: { b: "2" } },
      undefined,
      undefined,
      "berth",
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: "applied" })).data).toEqual({
      a: "1",
      b: "2",
    });
    const res = await fetch(`${double.url}/api/v1/namespaces/${ns}/configmaps/applied`, {
      method: "PATCH",
      headers: { authorization: authHeader(), "content-type": "application/apply-patch+yaml" },
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n",
    });
    expect(res.status).toBe(400);
  });

  it("lists across namespaces", async () => {
    const a = await namespace();
    const b = await namespace();
    await configMap(a, "x", { across: "yes" });
    await configMap(b, "x", { across: "yes" });
    const all = await core.listConfigMapForAllNamespaces({ labelSelector: "across=yes" });
    expect(all.items.map((i) => i.metadata!.namespace).sort()).toEqual([a, b].sort());
  });

  it("answers hostile requests with Status errors and changes nothing", async () => {
    const ns = await namespace();
    const call = async (method: string, path: string, body?: string, contentType = "application/json") => {
      const res = await fetch(`${double.url}${path}`, {
        method,
        headers: { authorization: authHeader(), "content-type": contentType },
        ...(body !== undefined ? { body } : {}),
      });
      const json = (await res.json()) as { kind: string; reason: string };
      expect(json.kind).toBe("Status");
      return { status: res.status, reason: json.reason };
    };
    const big = JSON.stringify({ metadata: { name: "big" }, data: { x: "y".repeat(4 * 1024 * 1024) } });
    expect(await call("POST", `/api/v1/namespaces/${ns}/configmaps`, big)).toEqual({
      status: 413,
      reason: "RequestEntityTooLarge",
    });
    expect((await call("POST", `/api/v1/namespaces/${ns}/configmaps`, "[]")).status).toBe(400);
    expect(
      (
        await call(
          "POST",
          `/api/v1/namespaces/${ns}/configmaps`,
          JSON.stringify({ metadata: { name: "x", namespace: "other" } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await call(
          "POST",
          `/api/v1/namespaces/${ns}/configmaps`,
          JSON.stringify({ kind: "Secret", metadata: { name: "x" } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (await call("PATCH", `/api/v1/namespaces/${ns}/configmaps/missing`, "{}", "text/plain")).status,
    ).toBe(404);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "c" } } });
    expect(await call("PATCH", `/api/v1/namespaces/${ns}/configmaps/c`, "{}", "text/plain")).toEqual({
      status: 415,
      reason: "UnsupportedMediaType",
    });
    expect(
      (
        await call(
          "PATCH",
          `/api/v1/namespaces/${ns}/configmaps/c`,
          JSON.stringify({ metadata: { name: "renamed" } }),
          "application/merge-patch+json",
        )
      ).status,
    ).toBe(400);
    expect((await call("GET", `/api/v1/namespaces/${ns}/nonsense`)).status).toBe(404);
    expect((await call("GET", `/apis/apps/v1/namespaces/${ns}/statefulsets/x/bogus`)).status).toBe(404);
    expect((await call("GET", `/api/v1/namespaces/${ns}/pods/none/log`)).status).toBe(404);
    expect((await call("GET", `/api/v1/namespaces/${ns}/pods/none/exec?command=ls`)).status).toBe(400);
    expect((await call("GET", `/api/v1/namespaces/${ns}/configmaps?limit=-1`)).status).toBe(400);
    expect(
      (await call("GET", `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=abc`)).status,
    ).toBe(400);
    expect(
      (await call("DELETE", `/api/v1/namespaces/${ns}/configmaps/c?propagationPolicy=Sideways`)).status,
    ).toBe(400);
    expect(
      (await core.listNamespacedConfigMap({ namespace: ns })).items.map((i) => i.metadata!.name),
    ).toEqual(["c"]);
  });

  it("refuses a subPath that leaves its volume", async () => {
    const ns = await namespace();
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "escape" },
        spec: {
          containers: [
            {
              name: "main",
              image: "x",
              command: ["ls", "/v"],
              volumeMounts: [{ name: "v", mountPath: "/v", subPath: "../../.." }],
            },
          ],
          volumes: [{ name: "v", emptyDir: {} }],
        },
      },
    });
    const pod = await waitFor(async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: "escape" });
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError"
        ? p
        : undefined;
    }, "the refusal");
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain("leaves the volume");
  });
});

describe("update rules of built-in kinds", () => {
  it("refuses changes the API server forbids and allows the rest", async () => {
    const ns = await namespace();
    const sts = await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("s", 0) });
    const renamedClaims = {
      ...statefulSet("s", 0),
      spec: { ...statefulSet("s", 0).spec!, volumeClaimTemplates: [claimTemplate("other")] },
    };
    const refused = await failure(
      apps.replaceNamespacedStatefulSet({ namespace: ns, name: "s", body: renamedClaims }),
    );
    expect(refused).toMatchObject({ code: 422, body: { reason: "Invalid" } });
    expect(String(refused.body.message)).toContain("updates to statefulset spec for fields other than");
    const fresh = statefulSet("s", 1);
    const replaced = await apps.replaceNamespacedStatefulSet({ namespace: ns, name: "s", body: fresh });
    expect(replaced.spec?.replicas).toBe(1);
    expect(replaced.metadata?.uid).toBe(sts.metadata?.uid);

    const svc = await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: "svc" }, spec: { selector: { app: "s" }, ports: [{ port: 80 }] } },
    });
    const kept = await core.replaceNamespacedService({
      namespace: ns,
      name: "svc",
      body: { metadata: { name: "svc" }, spec: { selector: { app: "t" }, ports: [{ port: 80 }] } },
    });
    expect(kept.spec?.clusterIP).toBe(svc.spec?.clusterIP);
    const moved = await failure(
      core.replaceNamespacedService({
        namespace: ns,
        name: "svc",
        body: { metadata: { name: "svc" }, spec: { clusterIP: "10.96.9.9", ports: [{ port: 80 }] } },
      }),
    );
    expect(moved.code).toBe(422);
  });

  it("treats a read-back object written unchanged as no change (same resourceVersion, no rollout)", async () => {
    const ns = await namespace();
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("web", 1) });
    await setReady(ns, "web");
    const before = await apps.readNamespacedStatefulSet({ namespace: ns, name: "web" });
    const pod = await core.readNamespacedPod({ namespace: ns, name: "web-0" });
    const after = await apps.replaceNamespacedStatefulSet({ namespace: ns, name: "web", body: before });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    await double.settled();
    expect((await core.readNamespacedPod({ namespace: ns, name: "web-0" })).metadata?.uid).toBe(
      pod.metadata?.uid,
    );
  });

  it("passes the stored object to validate on updates, for transition rules", async () => {
    const seen: (string | undefined)[] = [];
    const validate = (obj: KubeObject, old?: KubeObject) => {
      if (obj.kind === "ConfigMap") seen.push(old?.data?.v);
      return [];
    };
    await withDouble({ validate }, async (_d, c) => {
      await c.createNamespacedConfigMap({
        namespace: "default",
        body: { metadata: { name: "v" }, data: { v: "1" } },
      });
      await c.patchNamespacedConfigMap(
        { namespace: "default", name: "v", body: { data: { v: "2" } } },
        mergePatch,
      );
      expect(seen).toEqual([undefined, "1"]);
    });
  });
});
