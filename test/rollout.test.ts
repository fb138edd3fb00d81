/**
 * A rolling update whose new replica never becomes ready (issue 13 §8): the old replica keeps
 * serving the whole time, the rollout is recorded as failed with its reason, and every surface says
 * so; a later good revision rolls out and clears it. The same for a redeploy whose new deployment
 * fails: it is rolled back and the previous deployment serves again on its volume. Real processes,
 * real HTTP through the ingress.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  helloConfig,
  startWithTeam,
  type TestBerth,
  viaIngress,
  waitFor,
} from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  ({ t, api } = await startWithTeam({
    BERTH_ROLLOUT_TIMEOUT_MS: "2000",
    BERTH_ALLOWED_COMMANDS: "node,/nonexistent/agent-binary",
  }));
});
afterAll(async () => {
  await t?.close();
});

const hello = helloConfig;
/** Starts, but never listens: its readiness probe never passes. */
const neverReady = {
  workloads: [{ name: "web", command: "node", args: ["-e", "setInterval(() => {}, 1000)"], port: 8080 }],
};

describe("a rollout whose new replica never becomes ready", () => {
  const host = "roll-app.localhost";
  let id: string;
  let oldPid: number;
  const answers: string[] = [];
  let polling = true;
  let poller: Promise<void>;

  beforeAll(async () => {
    expect(
      (await api("POST", "/api/templates", { body: { slug: "roll-tpl", config: hello("v1") } })).status,
    ).toBe(201);
    const d = await api("POST", "/api/deployments", { body: { template: "roll-tpl", name: "roll-app" } });
    expect(d.status, d.text).toBe(201);
    id = d.body.id;
    await waitFor(async () => (await viaIngress(t.url, host)).text === "hello: v1\n", "v1 serving");
    const auto = await api("PUT", "/api/deployments/auto-update", {
      body: { deployment_name: "roll-app", enabled: true, strategy: "rolling" },
    });
    expect(auto.status).toBe(200);
    oldPid = t.berth.driver.status(`${id}/web`)!.replicas[0]!.pid!;
    poller = (async () => {
      while (polling) {
        const r = await viaIngress(t.url, host).catch((e) => ({ status: 0, text: String(e) }));
        answers.push(r.status === 200 ? r.text.trim() : `HTTP ${r.status}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const rev = await api("POST", "/api/templates/roll-tpl/revisions", { body: { config: neverReady } });
    expect(rev.status, rev.text).toBe(201);
  });

  it("records the rollout as failed, with the reason, on every surface", async () => {
    const d = await waitFor(async () => {
      const r = await api("GET", `/api/cloud-saas/deployments/${id}`);
      return r.body.deployment?.statusReason?.startsWith("rollout failed") ? r.body.deployment : undefined;
    }, "rollout failed");
    expect(d.status).toBe("deployed");
    expect(d.statusReason).toMatch(/was not ready within 2s.*the previous replicas keep serving/);
    const status = await api("GET", "/api/deployments/status?name=roll-app");
    expect(status.body).toMatchObject({ status: "Ready", deploymentReady: true });
    expect(status.body.statusMessage).toMatch(/^rollout failed/);
    const agentView = await api("GET", `/deployments/${id}`);
    expect(agentView.body.status_reason).toMatch(/^rollout failed/);
    const lifecycle = await api("GET", `/deployments/${id}/events?event_type=rollout_failed`);
    expect(lifecycle.body.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ event_type: "rollout_failed" })]),
    );
    const k8s = await api("GET", "/api/deployments/roll-app/events");
    expect(JSON.stringify(k8s.body)).toContain("RolloutFailed");
  });

  it("keeps the old replica serving: same process, every request answered by it", async () => {
    // after the failure, no second attempt replaces it either
    await new Promise((r) => setTimeout(r, 500));
    polling = false;
    await poller;
    expect(answers.length).toBeGreaterThan(10);
    expect(new Set(answers)).toEqual(new Set(["hello: v1"]));
    const st = t.berth.driver.status(`${id}/web`)!;
    expect(st.replicas.map((r) => r.pid)).toEqual([oldPid]);
    expect(st.replicas[0]!.phase).toBe("ready");
  });

  it("rolls out the next good revision and clears the failure", async () => {
    const rev = await api("POST", "/api/templates/roll-tpl/revisions", { body: { config: hello("v3") } });
    expect(rev.status, rev.text).toBe(201);
    await waitFor(async () => (await viaIngress(t.url, host)).text === "hello: v3\n", "v3 serving");
    const d = await waitFor(async () => {
      const r = await api("GET", `/api/cloud-saas/deployments/${id}`);
      return r.body.deployment?.statusReason === null ? r.body.deployment : undefined;
    }, "reason cleared");
    expect(d.status).toBe("deployed");
    expect(t.berth.driver.status(`${id}/web`)!.replicas[0]!.pid).not.toBe(oldPid);
  });
});

describe("a redeploy whose new deployment fails to start", () => {
  it("is rolled back: the previous deployment is current and serves again, with its state", async () => {
    const d = await api("POST", "/api/deployments", {
      body: { template: "counter-agent", name: "redeploy-app" },
    });
    expect(d.status, d.text).toBe(201);
    const cloud = (id: string, action = "") =>
      `/api/cloud-saas/deployments/${id}${action ? `/${action}` : ""}`;
    await waitFor(
      async () => (await api("GET", cloud(d.body.id))).body.deployment?.status === "deployed",
      "up",
    );
    const host = "redeploy-app.localhost";
    for (let i = 0; i < 2; i++) await viaIngress(t.url, host, "/increment", { method: "POST" });

    const res = await api("POST", cloud(d.body.id, "redeploy"), {
      body: {
        configSnapshot: {
          workloads: [{ name: "counter", command: "/nonexistent/agent-binary", port: 8080 }],
        },
      },
    });
    expect(res.status, res.text).toBe(502);
    expect(res.body.error).toBe(
      `the new deployment failed to start; the previous deployment ${d.body.id} was restored`,
    );
    const restored = await waitFor(async () => {
      const r = await api("GET", cloud(d.body.id));
      return r.body.deployment?.status === "deployed" ? r.body.deployment : undefined;
    }, "previous deployment serving again");
    expect(restored.isCurrent).toBe(true);
    expect(JSON.parse((await viaIngress(t.url, host)).text).count).toBe(2);
    const namespaceId = (await t.berth.store.deployments.get(d.body.id))!.namespace_id;
    const [failed, ...others] = (await t.berth.store.deployments.inNamespace(namespaceId)).filter(
      (x) => x.id !== d.body.id,
    );
    expect(others).toEqual([]);
    const view = await api("GET", cloud(failed!.id));
    expect(view.body.deployment).toMatchObject({ status: "failed", isCurrent: false });
    expect(view.body.deployment.statusReason).toBe("rolled back: the new deployment failed to start");
    const events = await api("GET", `/deployments/${failed!.id}/events?event_type=rolled_back`);
    expect(events.body.events).toHaveLength(1);
  });
});
