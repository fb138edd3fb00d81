/**
 * The kubernetes driver against the test double of the Kubernetes API (test/support/kube-double):
 * the shared driver contract, once on a cluster that serves agent-sandbox (single-replica
 * workloads become Sandboxes) with a VolumeSnapshotClass matching its StorageClass, and once on a
 * cluster with neither (StatefulSets; snapshots declined). Every object the driver sends is
 * validated offline as the double receives it, and the union of the requests it made is written to
 * deploy/kubernetes/rbac-used.json for the chart's RBAC test.
 */
import pino from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startKubeDouble } from "../../../test/support/kube-double/index.js";
import {
  describeDriverContract,
  get,
  httpWorkload,
  until,
  volumeOf,
  volumeState,
} from "../driver.contract.js";
import { KubeClient } from "./kube-client.js";
import { createKubernetesDriver, type KubernetesDriver } from "./kubernetes-driver.js";
import {
  firstInvalid,
  recordRbacUse,
  snapshotClassSeed,
  validateSent,
} from "../../../test/support/kube-driver-run.js";

type Double = Awaited<ReturnType<typeof startKubeDouble>>;

const doubles: { dbl: Double; setup: number }[] = [];
afterEach(async () => {
  for (const { dbl, setup } of doubles.splice(0)) {
    // the test's own setup (classes created as an admin) is not the driver's
    recordRbacUse(dbl.requests().slice(setup));
    const failures = dbl.controllerErrors();
    await dbl.close();
    expect(failures).toEqual([]);
  }
  const invalid = firstInvalid.error;
  firstInvalid.error = undefined;
  if (invalid) throw invalid;
});
// biome-ignore lint/correctness/noEmptyPattern: vitest hands hooks their fixtures first and the suite second
afterAll(async ({}, suite) => {
  await recordRbacUse.flush("src/runtime/kubernetes/kubernetes-driver.test.ts", suite);
});

async function startCluster(withSandbox: boolean, bookmarkIntervalMs?: number): Promise<Double> {
  const dbl = await startKubeDouble({
    validate: validateSent,
    ...(bookmarkIntervalMs ? { bookmarkIntervalMs } : {}),
    ...(withSandbox
      ? {
          // a VolumeSnapshotClass of the default StorageClass's CSI driver: snapshots are offered
          seed: snapshotClassSeed(),
        }
      : { crds: [] }),
  });
  doubles.push({ dbl, setup: dbl.requests().length });
  return dbl;
}

async function driverOn(
  dbl: Double,
  opts: { watchTimeoutSeconds?: number; rolloutTimeoutMs?: number } = {},
): Promise<KubernetesDriver> {
  return createKubernetesDriver({
    watchTimeoutSeconds: opts.watchTimeoutSeconds,
    client: KubeClient.load(dbl.kubeconfigPath),
    logger: pino({ level: "silent" }),
    storageClass: undefined,
    volumeSize: "1Gi",
    ingress: {
      className: "nginx",
      hostPattern: "{name}.apps.example.test",
      tlsSecret: "apps-tls",
      activator: "berth.berth-system.svc.cluster.local:8080",
    },
    runtimeClass: { free: "gvisor" },
    helperImage: "debian:bookworm-slim",
    defaultImage: "node:20-bookworm-slim",
    sessionNamespace: "berth-sessions",
    stopGraceMs: 2_000,
    rolloutTimeoutMs: opts.rolloutTimeoutMs ?? 30_000,
  });
}

describeDriverContract("kubernetes (agent-sandbox, CSI snapshots)", async () =>
  driverOn(await startCluster(true)),
);

describeDriverContract(
  "kubernetes (StatefulSets, no snapshot class)",
  async () => driverOn(await startCluster(false)),
  {
    unsupported: ["deleteSnapshot", "snapshotVolume"],
  },
);

describe("kubernetes driver: objects in the cluster", () => {
  it("labels every object, pauses by scaling to 0 with the PVC kept, and wakes the same object", async () => {
    const dbl = await startCluster(false);
    const d = await driverOn(dbl);
    try {
      expect(await volumeState(d, "dep1/web", "kept")).toBe("kept");
      const sts = dbl.objects("StatefulSet");
      expect(sts).toHaveLength(1);
      expect(sts[0]!.metadata!.labels).toMatchObject({
        "app.kubernetes.io/managed-by": "berth",
        "berth.dev/namespace": "dep1",
        "berth.dev/deployment": "dep1",
        "berth.dev/workload": "web",
      });
      const ns = dbl.objects("Namespace").find((n) => n.metadata!.name === "berth-dep1");
      expect(ns?.metadata?.labels).toMatchObject({
        "app.kubernetes.io/managed-by": "berth",
        "berth.dev/namespace": "dep1",
      });
      await d.remove("dep1/web");
      expect(d.keys()).toEqual([]);
      expect(dbl.objects("StatefulSet")[0]!.spec.replicas).toBe(0);
      expect(dbl.objects("Pod").filter((p) => p.metadata!.namespace === "berth-dep1")).toEqual([]);
      expect(dbl.objects("PersistentVolumeClaim").map((p) => p.metadata!.name)).toContain("web-data");
      expect(await volumeState(d, "dep1/web")).toBe("kept");
      expect(dbl.objects("StatefulSet")).toHaveLength(1);
    } finally {
      await d.remove("dep1/web");
      await d.close();
    }
  });

  it("suspends a Sandbox on pause and keeps user-supplied values out of the workload object", async () => {
    const dbl = await startCluster(true);
    const d = await driverOn(dbl);
    try {
      const w = httpWorkload("dep2/agent", { kind: "agent" });
      w.spec.values = { TOKEN: "secret-$(REPLY)-value" };
      await d.apply(w);
      await until(() => d.endpoints("dep2/agent").length === 1, "agent ready");
      const [sb] = dbl.objects("Sandbox");
      expect(JSON.stringify(sb)).not.toContain("secret-");
      await d.remove("dep2/agent");
      const suspended = dbl.objects("Sandbox")[0]!;
      expect(suspended.spec.operatingMode ?? suspended.spec.replicas).toBe(
        suspended.spec.operatingMode !== undefined ? "Suspended" : 0,
      );
    } finally {
      await d.close();
    }
  });

  it("gives a public deployment an Ingress that points at berth while the workload is paused", async () => {
    const dbl = await startCluster(false);
    const d = await driverOn(dbl);
    const backend = () => dbl.objects("Ingress")[0]!.spec.rules[0].http.paths[0].backend.service.name;
    try {
      const w = httpWorkload("dep4/web", { visibility: "public", deploymentName: "shop" });
      await d.apply(w);
      await until(() => d.endpoints("dep4/web").length === 1, "ready");
      const [ingress] = dbl.objects("Ingress");
      expect(ingress!.spec).toMatchObject({
        ingressClassName: "nginx",
        tls: [{ hosts: ["shop.apps.example.test"], secretName: "apps-tls" }],
        rules: [{ host: "shop.apps.example.test" }],
      });
      const service = backend();
      expect(dbl.objects("Service").map((s) => s.metadata!.name)).toContain(service);
      await d.remove("dep4/web");
      expect(backend()).toBe("berth-activator");
      const activator = dbl.objects("Service").find((s) => s.metadata!.name === "berth-activator");
      expect(activator?.spec).toMatchObject({
        type: "ExternalName",
        externalName: "berth.berth-system.svc.cluster.local",
      });
      await d.apply(w);
      expect(backend()).toBe(service);
    } finally {
      await d.remove("dep4/web");
      await d.close();
    }
  });

  it("keeps observing when its watches resume from a version the server no longer has (410 Gone)", async () => {
    // no bookmarks: a watch's last version is that of the last object it saw
    const dbl = await startCluster(false, 3_600_000);
    const d = await driverOn(dbl, { watchTimeoutSeconds: 1 });
    try {
      await d.apply(httpWorkload("dep5/web"));
      await until(() => d.endpoints("dep5/web").length === 1, "ready");
      const lists = () => dbl.requests().filter((r) => r.verb === "list" && r.resource === "pods").length;
      const before = lists();
      // objects the driver does not watch change (a workload at 0 replicas: a StatefulSet, a Service,
      // a Secret, no pod), then the history goes: the watches, ending
      // after a second, resume from a version the server no longer has and must list again
      await dbl.settled();
      await d.apply(httpWorkload("dep5/idle", { replicas: 0 }));
      dbl.compactHistory();
      await until(() => lists() > before || undefined, "a new list of pods after 410 Gone", 10_000);
      await d.apply(httpWorkload("dep5/web", { replicas: 2 }));
      const eps = await until(
        () => d.endpoints("dep5/web").length === 2 && d.endpoints("dep5/web"),
        "2 ready",
      );
      expect((await Promise.all(eps.map((e) => get(e.port)))).sort()).toEqual(["one:0", "one:1"]);
    } finally {
      await d.remove("dep5/web");
      await d.close();
    }
  });

  it("keeps the old revision serving when a rolling update never becomes ready, and does not retry it", async () => {
    const dbl = await startCluster(false);
    const d = await driverOn(dbl, { rolloutTimeoutMs: 2_000 });
    try {
      await d.apply(httpWorkload("dep6/web"));
      const ep = await until(() => d.endpoints("dep6/web")[0], "ready");
      const broken = httpWorkload("dep6/web", { specHash: "broken" });
      broken.spec = { ...broken.spec, args: ["-e", "process.exit(1)"] };
      await d.apply(broken);
      expect(d.status("dep6/web")?.failedRollout).toMatchObject({ specHash: "broken" });
      expect(d.endpoints("dep6/web")).toEqual([ep]);
      expect(await get(ep.port)).toBe("one:0");
      const objects = dbl.objects("StatefulSet").length;
      await d.apply(broken);
      expect(dbl.objects("StatefulSet")).toHaveLength(objects);
      await d.apply(httpWorkload("dep6/web", { reply: "fixed" }));
      const next = await until(() => d.endpoints("dep6/web")[0], "fixed ready");
      expect(await get(next.port)).toBe("fixed:0");
      expect(d.status("dep6/web")?.failedRollout).toBeUndefined();
    } finally {
      await d.remove("dep6/web");
      await d.close();
    }
  });

  it("adopts the workloads a closed driver left running", async () => {
    const dbl = await startCluster(false);
    const first = await driverOn(dbl);
    await first.apply(httpWorkload("dep3/web", { replicas: 2 }));
    await until(() => first.endpoints("dep3/web").length === 2, "2 ready");
    await first.close();
    const second = await driverOn(dbl);
    try {
      expect(second.keys()).toEqual(["dep3/web"]);
      const eps = await until(
        () => second.endpoints("dep3/web").length === 2 && second.endpoints("dep3/web"),
        "adopted",
      );
      expect((await Promise.all(eps.map((e) => get(e.port)))).sort()).toEqual(["one:0", "one:1"]);
      await second.apply(httpWorkload("dep3/web", { replicas: 2 }));
      expect(dbl.objects("StatefulSet")).toHaveLength(1);
    } finally {
      await second.remove("dep3/web");
      await second.close();
    }
  });

  it("refuses references that cannot name Kubernetes objects, before any request", async () => {
    const dbl = await startCluster(false);
    const d = await driverOn(dbl);
    try {
      const before = dbl.requests().length;
      await expect(d.apply(httpWorkload("bad key/web", { namespace: "ns1" }))).rejects.toThrow(/label value/);
      await expect(d.deleteVolume({ namespace: "../x", workload: "web" })).rejects.toThrow(/namespace/);
      await expect(d.volumeBytes(volumeOf("ns/UPPER"))).rejects.toThrow(/workload/);
      expect(dbl.requests().length).toBe(before);
    } finally {
      await d.close();
    }
  });
});
