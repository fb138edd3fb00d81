/**
 * The container runtime through berth's API, on a real container engine: Podman's Docker Engine API
 * service, a local registry and images built here without a daemon (test/support/container-host.ts).
 * Podman not being able to run is a failure with a clear message, never a skip.
 */
import fs from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  isAlive,
  startWithTeam,
  type TestBerth,
  viaIngress,
  waitFor,
} from "./support/berth.js";
import { backupHarness } from "./support/backups.js";
import {
  buildAndPush,
  type ContainerHost,
  httpdImage,
  startContainerHost,
} from "./support/container-host.js";

let host: ContainerHost;
let docker: Docker;
let webRef: string;
let hogRef: string;
let userRef: string;
let t: TestBerth;
let api: ApiClient;
let key: string;

beforeAll(async () => {
  host = await startContainerHost();
  docker = new Docker({ socketPath: host.socketPath });
  webRef = await buildAndPush(host, httpdImage("berth-test/web", "hello from a container image\n"));
  // nginx from the catalogue resolves to Docker Hub's library/nginx, rewritten to the local mirror:
  // this stand-in is a busybox httpd image tagged library/nginx that serves nginx's welcome page.
  await buildAndPush(host, {
    ...httpdImage("library/nginx", "<h1>Welcome to nginx!</h1>\n", 80),
    name: "library/nginx",
  });
  hogRef = await buildAndPush(host, {
    ...httpdImage("berth-test/hog", "hog\n"),
    // PID 1 is the shell: once /data/hog exists it fills memory until the kernel kills it
    entrypoint: [
      "/bin/sh",
      "-c",
      "busybox httpd -p 8080 -h /www; while [ ! -f /data/hog ]; do sleep 0.2; done; rm /data/hog; x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo survived",
    ],
  });
  userRef = await buildAndPush(host, { ...httpdImage("berth-test/as-user", "user\n"), user: "1000:1000" });
  ({ t, api, key } = await startWithTeam({
    BERTH_ALLOWED_COMMANDS: "node",
    BERTH_RUNTIME: "container",
    DOCKER_HOST: host.dockerHost,
    BERTH_REGISTRY_MIRROR: host.registry,
  }));
}, 240_000);

afterAll(async () => {
  await t?.close();
  await host?.close();
}, 120_000);

const status = (name: string) =>
  api<{ status: string; statusMessage?: string }>("GET", `/api/deployments/status?name=${name}`);

const ready = (name: string) =>
  waitFor(
    async () => {
      const s = await status(name);
      if (s.body.status === "Error") throw new Error(`${name} failed: ${s.text}`);
      return s.body.status === "Ready" && s.body;
    },
    `${name} ready`,
    120_000,
    200,
  );

const serves = (name: string, p: string, expected: RegExp) =>
  waitFor(
    async () => {
      const r = await viaIngress(t.url, `${name}.localhost`, p);
      return r.status === 200 && expected.test(r.text) && r.text;
    },
    `${name} serving ${expected} at ${p}`,
    60_000,
    200,
  );

const idOf = async (name: string) => {
  const d = await api<{ deployments: { id: string; name: string }[] }>("GET", "/api/cloud-saas/deployments");
  return d.body.deployments.find((x) => x.name === name)?.id;
};

const containersOf = async (name: string) => {
  const id = await idOf(name);
  if (!id) return [];
  return docker.listContainers({ all: true, filters: { label: [`berth.deployment=${id}`] } });
};

const running = async (name: string) => (await containersOf(name)).filter((c) => c.State === "running");

/** A command agent's app: it answers on the port the local runtime gives it. */
const COMMAND_APP = `require("node:http").createServer((q, s) => s.end("from a sandboxed command")).listen(Number(process.env.PORT), "127.0.0.1");`;

describe("the container runtime", () => {
  it("deploys an image by registry reference: ready and served through the ingress", async () => {
    const res = await api("POST", "/api/deployments/deploy-image", {
      body: { image: webRef, name: "web", envVars: { GREETING: "pa$$-$(HOME)" } },
    });
    expect(res.status, res.text).toBe(201);
    await ready("web");
    expect(await serves("web", "/", /hello from a container image/)).toBe("hello from a container image\n");
    const [c] = await containersOf("web");
    expect(c).toBeDefined();
    expect(c!.Labels).toMatchObject({ "berth.replica": "0", "berth.managed": "true" });
    expect(c!.Labels["berth.spec-hash"]).toMatch(/^[0-9a-f]+$/);
    const info = await docker.getContainer(c!.Id).inspect();
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.NetworkMode).not.toBe("host");
    expect(info.HostConfig.PortBindings["8080/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");
    expect(info.HostConfig.RestartPolicy?.Name ?? "no").toMatch(/^(no|)$/);
  });

  it("runs the container as nobody with no capabilities and no-new-privileges, or as the image's non-root USER", async () => {
    const who = await serves("web", "/cgi-bin/who", /uid=/);
    expect(who).toMatch(/^uid=65534 replica=0$/m);
    expect(who).toMatch(/^CapEff:\s+0+$/m);
    expect(who).toMatch(/^NoNewPrivs:\s+1$/m);
    const res = await api("POST", "/api/deployments/deploy-image", {
      body: { image: userRef, name: "asuser" },
    });
    expect(res.status, res.text).toBe(201);
    await ready("asuser");
    expect(await serves("asuser", "/cgi-bin/who", /uid=/)).toMatch(/^uid=1000 replica=0$/m);
    const del = await api("POST", "/api/deployments/delete", { body: { deployment_name: "asuser" } });
    expect(del.status, del.text).toBe(200);
  });

  it("runs a command agent as a sandboxed process beside the containers (mixed mode), both served through the ingress", async () => {
    const agent = await api<{ id: string }>("POST", "/api/agents", {
      body: { name: "cmd", spec: { name: "cmd", command: "node", args: ["-e", COMMAND_APP], port: 8080 } },
    });
    expect(agent.status, agent.text).toBe(201);
    const dep = await api<{ id: string; name: string }>("POST", "/deployments", {
      body: { agent_id: agent.body.id, replicas: 1 },
    });
    expect(dep.status, dep.text).toBe(201);
    const text = await waitFor(
      async () => {
        const r = await viaIngress(t.url, `${dep.body.name}.localhost`);
        return r.status === 200 && r.text;
      },
      "the command agent served",
      60_000,
      200,
    );
    expect(text).toBe("from a sandboxed command");
    expect(await serves("web", "/", /hello from a container image/)).toContain("hello");
    expect(
      await docker.listContainers({ all: true, filters: { label: [`berth.deployment=${dep.body.id}`] } }),
    ).toHaveLength(0);
    const pid = t.berth.driver.status(`${dep.body.id}/cmd`)?.replicas[0]?.pid;
    expect(pid && isAlive(pid)).toBe(true);
    const killed = await api("DELETE", `/deployments/${dep.body.id}`);
    expect(killed.status, killed.text).toBe(200);
  });

  it("scales a container deployment up and down through the API, every replica served", async () => {
    const res = await api("POST", "/api/deployments/deploy-image", {
      body: { image: webRef, name: "fleet" },
    });
    expect(res.status, res.text).toBe(201);
    await ready("fleet");
    const id = (await idOf("fleet"))!;
    const replicasServed = async (n: number) => {
      const seen = new Set<string>();
      await waitFor(
        async () => {
          const r = await viaIngress(t.url, "fleet.localhost", "/cgi-bin/who");
          const m = /replica=(\d+)/.exec(r.text);
          if (r.status === 200 && m) seen.add(m[1]!);
          return seen.size === n;
        },
        `${n} replicas served`,
        60_000,
        50,
      );
      return [...seen].sort();
    };
    const up = await api("POST", `/deployments/${id}/scale`, { body: { replicas: 3 } });
    expect(up.status, up.text).toBe(200);
    await waitFor(async () => (await running("fleet")).length === 3, "3 containers", 60_000, 200);
    expect(await replicasServed(3)).toEqual(["0", "1", "2"]);
    const down = await api("POST", `/deployments/${id}/scale`, { body: { replicas: 1 } });
    expect(down.status, down.text).toBe(200);
    await waitFor(async () => (await running("fleet")).length === 1, "1 container", 60_000, 200);
    expect((await running("fleet"))[0]!.Labels["berth.replica"]).toBe("0");
    for (let i = 0; i < 5; i++) {
      expect((await viaIngress(t.url, "fleet.localhost", "/cgi-bin/who")).text).toMatch(/replica=0/);
    }
    const del = await api("POST", "/api/deployments/delete", { body: { deployment_name: "fleet" } });
    expect(del.status, del.text).toBe(200);
  });

  it("gives the container the user's env byte for byte, and configData changes reach a new container", async () => {
    expect(await serves("web", "/cgi-bin/env", /GREETING=/)).toContain("GREETING=pa$$-$(HOME)\n");
    const put = await api("PUT", "/api/deployments/config", {
      body: { deployment_name: "web", configData: { GREETING: "second value" } },
    });
    expect(put.status, put.text).toBe(200);
    await serves("web", "/cgi-bin/env", /GREETING=second value\n/);
    expect((await containersOf("web")).filter((c) => c.State === "running")).toHaveLength(1);
  });

  it("restarts into a new container and keeps serving; logs and metrics come from the engine", async () => {
    const before = (await containersOf("web")).map((c) => c.Id);
    const res = await api("POST", "/api/deployments/restart", { body: { deployment_name: "web" } });
    expect(res.status, res.text).toBe(200);
    await waitFor(
      async () => {
        const now = (await containersOf("web")).filter((c) => c.State === "running").map((c) => c.Id);
        return now.length === 1 && !before.includes(now[0]!) && now;
      },
      "a new container",
      60_000,
      200,
    );
    await ready("web");
    await serves("web", "/", /hello/);
    await viaIngress(t.url, "web.localhost", "/marker-path");
    const logs = await waitFor(
      async () => {
        const l = await api<{ logs: string }>("GET", "/api/deployments/web/logs?tail=50");
        return l.body.logs.includes("/marker-path") && l.body.logs;
      },
      "the request in the logs",
      30_000,
      200,
    );
    expect(logs).toContain("/marker-path");
    const m = await api<{ cpuUsage: string; memoryUsage: string }>("GET", "/api/deployments/web/metrics");
    expect(m.status, m.text).toBe(200);
    expect(m.body.cpuUsage).toMatch(/^\d+m$/);
    expect(m.body.memoryUsage).not.toMatch(/^0(\.0)?\s*(B|Ki|Mi)?$/);
  });

  it("pause removes the container and keeps the volume; resume starts a new one on it", async () => {
    await serves("web", "/cgi-bin/env?kept-across-pause", /GREETING/);
    const list = await api<{ deployments: { id: string; name: string }[] }>(
      "GET",
      "/api/cloud-saas/deployments",
    );
    const id = list.body.deployments.find((d) => d.name === "web")!.id;
    const vol = path.join(t.dataDir, "volumes");
    const files = () => fs.readdirSync(vol, { recursive: true }).map(String);
    expect(files().some((f) => f.endsWith("last-query"))).toBe(true);
    const paused = await api("POST", `/api/cloud-saas/deployments/${id}/pause`, { body: {} });
    expect(paused.status, paused.text).toBe(200);
    await waitFor(
      async () => (await containersOf("web")).length === 0,
      "containers gone on pause",
      60_000,
      200,
    );
    const lastQuery = files().find((f) => f.endsWith("last-query"))!;
    expect(fs.readFileSync(path.join(vol, lastQuery), "utf8")).toBe("kept-across-pause\n");
    const resumed = await api("POST", `/api/cloud-saas/deployments/${id}/resume`, { body: {} });
    expect(resumed.status, resumed.text).toBe(200);
    await ready("web");
    expect(await serves("web", "/cgi-bin/env", /LAST=/)).toContain("LAST=kept-across-pause\n");
  });

  it("runs {template: nginx} from the catalogue through the registry mirror", async () => {
    const res = await api("POST", "/api/deployments", { body: { template: "nginx", name: "site" } });
    expect(res.status, res.text).toBe(201);
    await ready("site");
    expect(await serves("site", "/", /Welcome to nginx/)).toContain("Welcome to nginx!");
  });

  it("an unknown image fails with the pull error as its reason", async () => {
    const ref = `${host.registry}/berth-test/missing:v1`;
    const secret = "ghost-secret-7f3a9c";
    const res = await api("POST", "/api/deployments/deploy-image", {
      body: { image: ref, name: "ghost", envVars: { API_TOKEN: secret } },
    });
    expect(res.status, res.text).toBe(201);
    const s = await waitFor(
      async () => {
        const r = await status("ghost");
        return r.body.status === "Error" && r.body;
      },
      "ghost failed",
      60_000,
      200,
    );
    expect(s.statusMessage).toContain(`image ${ref} could not be pulled`);
    expect(s.statusMessage!.length).toBeGreaterThan(`image ${ref} could not be pulled: `.length);
    const events = await api("GET", "/api/deployments/ghost/events");
    expect(events.text).toContain("could not be pulled");
    expect(`${JSON.stringify(s)}${events.text}`).not.toContain(secret);
  });

  it("runs a template's replicas with its memory limit; an OOM kill is an event and a restart", async () => {
    const config = {
      workloads: [
        {
          name: "hog",
          image: hogRef,
          port: 8080,
          replicas: 2,
          resources: { memory: "48Mi", cpu: "500m" },
          volume: { mountPath: "/data" },
        },
      ],
    };
    const tpl = await api("POST", "/api/templates", { body: { slug: "hog", config } });
    expect(tpl.status, tpl.text).toBe(201);
    const res = await api("POST", "/api/deployments", { body: { template: "hog", name: "hog" } });
    expect(res.status, res.text).toBe(201);
    await ready("hog");
    const first = (await containersOf("hog")).filter((c) => c.State === "running");
    expect(first).toHaveLength(2);
    const info = await docker.getContainer(first[0]!.Id).inspect();
    expect(info.HostConfig.Memory).toBe(48 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.PidsLimit).toBeGreaterThan(0);
    const vol = path.join(t.dataDir, "volumes");
    const dir = fs
      .readdirSync(vol, { recursive: true })
      .map(String)
      .find((f) => f.split(path.sep).length === 2 && f.endsWith(`${path.sep}hog`))!;
    fs.writeFileSync(path.join(vol, dir, "hog"), "");
    const events = await waitFor(
      async () => {
        const e = await api<{ events: { reason: string; message: string }[] }>(
          "GET",
          "/api/deployments/hog/events",
        );
        return e.body.events.some((x) => x.reason === "OOMKilled" || x.reason === "Killed") && e.body.events;
      },
      "an OOMKilled (Docker Engine) or Killed (Podman on cgroup v1) event",
      60_000,
      300,
    );
    expect(events.find((x) => x.reason === "OOMKilled" || x.reason === "Killed")!.message).toMatch(
      /memory limit/,
    );
    await waitFor(
      async () => (await containersOf("hog")).filter((c) => c.State === "running").length === 2,
      "two replicas running again",
      60_000,
      300,
    );
    await ready("hog");
  }, 180_000);

  it("backs up and restores a container's volume, and follows its logs", async () => {
    const res = await api<{ id: string; name: string }>("POST", "/api/deployments/deploy-image", {
      body: { image: webRef, name: "vault" },
    });
    expect(res.status, res.text).toBe(201);
    await ready("vault");
    const list = await api<{ deployments: { id: string; name: string }[] }>(
      "GET",
      "/api/cloud-saas/deployments",
    );
    const dep = list.body.deployments.find((d) => d.name === "vault")!;
    const { backup, restore, deployed } = backupHarness(t, api, dep);
    await serves("vault", "/cgi-bin/env?before-backup", /GREETING/);
    for (const driver of ["restic", "volumeSnapshot"]) {
      await serves("vault", "/cgi-bin/env?before-backup", /GREETING/);
      const b = await backup({ driver });
      expect(b, JSON.stringify(b)).toMatchObject({ status: "succeeded", phase: "completed" });
      expect(await serves("vault", "/cgi-bin/env?after-backup", /LAST=/)).toContain("LAST=before-backup\n");
      const r = await restore({ backupId: b.id });
      expect(r).toMatchObject({ restoreStatus: "succeeded", phase: "completed" });
      await deployed();
      expect(await serves("vault", "/cgi-bin/env", /LAST=/)).toContain("LAST=before-backup\n");
    }

    const ctrl = new AbortController();
    const stream = await fetch(`${t.url}/api/deployments/vault/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${key}` },
      signal: ctrl.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = "";
    const seen = (async () => {
      while (!text.includes("/follow-marker")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    })();
    await waitFor(
      async () => {
        await viaIngress(t.url, "vault.localhost", "/follow-marker");
        return text.includes("/follow-marker");
      },
      "the followed log line",
      30_000,
      500,
    );
    await seen;
    ctrl.abort();
    expect(text).toContain("/follow-marker");
  }, 180_000);

  it("delete removes the containers", async () => {
    const [c] = await containersOf("web");
    expect(c).toBeDefined();
    const id = c!.Labels["berth.deployment"];
    const res = await api("POST", "/api/deployments/delete", { body: { deployment_name: "web" } });
    expect(res.status, res.text).toBe(200);
    await waitFor(
      async () =>
        (await docker.listContainers({ all: true, filters: { label: [`berth.deployment=${id}`] } }))
          .length === 0,
      "web's containers gone",
      25_000,
      200,
    );
    await expect(docker.getContainer(c!.Id).inspect()).rejects.toThrow();
  });
});
