/**
 * The kubernetes runtime through berth's API, against the Kubernetes API double (no cluster can run
 * here; test/support/kube-double runs each pod's command as a real local process): a deployment
 * from a template becomes ready and serves through berth's ingress and the cluster's Ingress (the
 * double's simulated ingress controller, routing to the pod), pauses (StatefulSet scaled to 0, PVC
 * kept, the Ingress pointed at berth), wakes on a request through that Ingress, and backs up and restores its volume with both backup drivers
 * (CSI VolumeSnapshot and the tar archive made in a helper Job pod). Every object berth sends is
 * validated offline; the requests are added to deploy/kubernetes/rbac-used.json.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/postgres.js";
import { type KubeDouble, startKubeDouble } from "./support/kube-double/index.js";
import {
  firstInvalid,
  notesTemplate,
  recordRbacUse,
  snapshotClassSeed,
  validateSent,
} from "./support/kube-driver-run.js";
import { backupHarness } from "./support/backups.js";
import {
  type ApiClient,
  servesViaIngress,
  startWithTeam,
  type TestBerth,
  viaIngress,
  waitFor,
} from "./support/berth.js";

let dbl: KubeDouble;

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  dbl = await startKubeDouble({
    validate: validateSent,
    seed: snapshotClassSeed(),
  });
  // berth's address is the activator a paused workload's Ingress points at, so its port is fixed first
  const port = await freePort();
  ({ t, api } = await startWithTeam({
    PORT: String(port),
    BERTH_DOMAIN: "apps.example.test",
    BERTH_RUNTIME: "kubernetes",
    BERTH_KUBECONFIG: dbl.kubeconfigPath,
    BERTH_K8S_INGRESS_HOST: "{name}.apps.example.test",
    BERTH_K8S_ACTIVATOR: `127.0.0.1:${port}`,
  }));
}, 60_000);

// biome-ignore lint/correctness/noEmptyPattern: vitest hands hooks their fixtures first and the suite second
afterAll(async ({}, suite) => {
  await t?.close();
  if (dbl) recordRbacUse(dbl.requests());
  const failures = dbl?.controllerErrors() ?? [];
  await dbl?.close();
  await recordRbacUse.flush("test/kubernetes-runtime.test.ts", suite);
  if (firstInvalid.error) throw firstInvalid.error;
  expect(failures).toEqual([]);
}, 60_000);

/** berth's own ingress (its front listener) for `<name>.apps.example.test`. */
const serves = (name: string, p: string, expected: RegExp) =>
  servesViaIngress(t.url, `${name}.apps.example.test`, p, expected);

/** The cluster's Ingress (the double's simulated ingress controller) for `<name>.apps.example.test`. */
const servesInCluster = (name: string, p: string, expected: RegExp) =>
  servesViaIngress(dbl.ingressUrl, `${name}.apps.example.test`, p, expected);

const ready = (name: string) =>
  waitFor(
    async () => {
      const s = await api<{ status: string }>("GET", `/api/deployments/status?name=${name}`);
      if (s.body.status === "Error") throw new Error(`${name} failed: ${s.text}`);
      return s.body.status === "Ready";
    },
    `${name} ready`,
    60_000,
    100,
  );

const workloadObjects = () =>
  dbl.objects("StatefulSet").filter((o) => o.metadata?.labels?.["berth.dev/workload"] === "notes");

describe("the kubernetes runtime through berth's API", () => {
  let dep: { id: string; name: string };

  it("deploys a template as a StatefulSet with its PVC, served through berth's ingress and the cluster's Ingress", async () => {
    const tpl = await api("POST", "/api/templates", { body: { slug: "notes", config: notesTemplate } });
    expect(tpl.status, tpl.text).toBe(201);
    const res = await api("POST", "/api/deployments", { body: { template: "notes", name: "notes" } });
    expect(res.status, res.text).toBe(201);
    await ready("notes");
    expect(await serves("notes", "/set/first", /ok/)).toBe("ok");
    expect(await serves("notes", "/", /note:/)).toBe("note: first");
    // the cluster's Ingress routes to the pod itself while it runs
    expect(await servesInCluster("notes", "/", /note:/)).toBe("note: first");
    const [ingress] = dbl.objects("Ingress");
    expect(ingress?.spec.rules[0].host).toBe("notes.apps.example.test");
    expect(ingress?.spec.rules[0].http.paths[0].backend.service.name).not.toBe("berth-activator");
    const list = await api<{ deployments: { id: string; name: string }[] }>(
      "GET",
      "/api/cloud-saas/deployments",
    );
    dep = list.body.deployments.find((d) => d.name === "notes")!;
    const [sts] = workloadObjects();
    expect(sts?.spec.replicas).toBe(1);
    expect(sts?.metadata?.labels).toMatchObject({
      "berth.dev/deployment": dep.id,
      "app.kubernetes.io/managed-by": "berth",
    });
    expect(sts?.metadata?.labels?.["berth.dev/team"]).toMatch(/^team_/);
    expect(dbl.objects("PersistentVolumeClaim").some((p) => p.metadata?.name === "notes-data")).toBe(true);
  });

  it("pauses by scaling the StatefulSet to 0, keeping its PVC, and wakes on a request through the Ingress", async () => {
    const paused = await api("POST", `/api/cloud-saas/deployments/${dep.id}/pause`, { body: {} });
    expect(paused.status, paused.text).toBe(200);
    await waitFor(
      () =>
        workloadObjects()[0]?.spec.replicas === 0 &&
        dbl.objects("Pod").every((p) => !p.metadata?.name?.startsWith("notes-")),
      "StatefulSet at 0 and its pod gone",
      60_000,
      100,
    );
    expect(dbl.objects("PersistentVolumeClaim").some((p) => p.metadata?.name === "notes-data")).toBe(true);
    // while paused, the cluster's Ingress points at berth, which wakes the deployment and forwards
    const ingress = dbl.objects("Ingress")[0]!;
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe("berth-activator");
    const woken = await viaIngress(dbl.ingressUrl, "notes.apps.example.test", "/");
    expect(woken.status, woken.text).toBe(200);
    expect(woken.text).toBe("note: first");
    expect(workloadObjects()).toHaveLength(1);
    expect(workloadObjects()[0]!.spec.replicas).toBe(1);
  });

  it("backs up with both drivers and restores each backup", async () => {
    const { backup, restore, deployed } = backupHarness(t, api, dep);
    for (const driver of ["restic", "volumeSnapshot"]) {
      expect(await serves("notes", `/set/${driver}`, /ok/)).toBe("ok");
      const b = await backup({ driver });
      expect(b, JSON.stringify(b)).toMatchObject({ status: "succeeded", phase: "completed" });
      expect(await serves("notes", "/set/after-backup", /ok/)).toBe("ok");
      const r = await restore({ backupId: b.id });
      expect(r, JSON.stringify(r)).toMatchObject({ restoreStatus: "succeeded", phase: "completed" });
      await deployed();
      expect(await serves("notes", "/", /note:/)).toBe(`note: ${driver}`);
    }
    // a restore makes a new PVC current and deletes the replaced one
    const claims = dbl
      .objects("PersistentVolumeClaim")
      .filter((p) => p.metadata?.labels?.["berth.dev/volume"] === "notes");
    expect(claims.filter((p) => !p.metadata?.deletionTimestamp)).toHaveLength(1);
  }, 180_000);

  it("deleting the deployment deletes its volume, its backups' snapshots and its Namespace", async () => {
    const ns = workloadObjects()[0]!.metadata!.namespace!;
    const res = await api("POST", "/api/deployments/delete", { body: { deployment_name: "notes" } });
    expect(res.status, res.text).toBe(200);
    await waitFor(
      () => !dbl.objects("Namespace").some((n) => n.metadata?.name === ns),
      `namespace ${ns} deleted`,
      60_000,
      100,
    );
    expect(dbl.objects().filter((o) => o.metadata?.namespace === ns)).toEqual([]);
    expect(dbl.objects("VolumeSnapshot")).toEqual([]);
  });
});
