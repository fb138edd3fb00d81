/**
 * Hostile workloads: team A deploys agents (through the API, with its own key) whose code tries one
 * escape per request and reports, over HTTP from inside its sandbox, what it saw. Every attempt
 * must fail while berth and team B's workload keep serving. An outbound connection to a server
 * standing for "the internet" (a network namespace this test makes, reached over a veth pair) must
 * work, and so must berth's API at 127.0.0.1:<its port> inside; team B's sandbox address, the host
 * end of the spy's own veth, the host's other addresses and the network rules are out of reach. A
 * scheduled session runs in the same sandbox.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  startTestBerth,
  type TestBerth,
  teamWithKey,
  viaIngress,
  waitFor,
} from "./support/berth.js";

/** The spy: one HTTP route per escape attempt, each answering with what it saw. */
const SPY = String.raw`
const http = require("http"), fs = require("fs"), net = require("net"), cp = require("child_process");
const out = (res, o) => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify(o)); };
const attempt = (fn) => { try { return { ok: true, value: fn() }; } catch (e) { return { ok: false, error: e.code || String(e) }; } };
http.createServer((req, res) => {
  const u = new URL(req.url, "http://x"); const q = Object.fromEntries(u.searchParams);
  if (u.pathname === "/read") return out(res, attempt(() => fs.readFileSync(q.path, "utf8").slice(0, 64)));
  if (u.pathname === "/list") return out(res, attempt(() => fs.readdirSync(q.path)));
  if (u.pathname === "/write") return out(res, attempt(() => fs.writeFileSync(q.path, "pwned")));
  if (u.pathname === "/ps") return out(res, fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map((p) => {
    try { return fs.readFileSync("/proc/" + p + "/cmdline", "utf8").split("\0").join(" "); } catch { return p; }
  }));
  if (u.pathname === "/root") {
    const st = fs.readFileSync("/proc/self/status", "utf8");
    const unshare = cp.spawnSync("/usr/bin/unshare", ["-r", "/usr/bin/id", "-u"], { encoding: "utf8" });
    return out(res, { uid: process.getuid(), setuid: attempt(() => process.setuid(0)),
      capEff: /CapEff:\s*(\w+)/.exec(st)[1], noNewPrivs: /NoNewPrivs:\s*(\d)/.exec(st)[1],
      unshare: { status: unshare.status, stdout: unshare.stdout } });
  }
  if (u.pathname === "/connect") {
    const s = net.connect({ host: q.host, port: Number(q.port) });
    const done = (o) => { clearTimeout(t); s.destroy(); if (!res.headersSent) out(res, o); };
    const t = setTimeout(() => done({ ok: false, error: "timeout" }), 4000);
    s.once("connect", () => { s.write("GET / HTTP/1.0\r\nHost: probe\r\n\r\n"); let d = "";
      s.on("data", (c) => { d += c; }); s.on("end", () => done({ ok: true, value: d.slice(-200) }));
      s.on("error", () => done({ ok: d.length > 0, value: d.slice(-200), error: "reset" })); });
    s.once("error", (e) => done({ ok: false, error: e.code }));
    return;
  }
  if (u.pathname === "/tamper") return out(res, JSON.parse(q.cmds).map((c) => {
    const r = cp.spawnSync("/bin/sh", ["-c", c], { encoding: "utf8" });
    return { c, status: r.status, stderr: (r.stderr || "").slice(0, 200) };
  }));
  if (u.pathname === "/bomb") {
    const kids = []; let error = null;
    for (let i = 0; i < 400 && !error; i++) {
      try { const c = cp.spawn("/usr/bin/sleep", ["30"]); if (c.pid === undefined) error = "spawn failed"; else kids.push(c); c.on("error", (e) => { error = e.code; }); }
      catch (e) { error = e.code; }
    }
    return setTimeout(() => { const n = kids.filter((k) => k.exitCode === null && k.pid).length; for (const k of kids) k.kill("SIGKILL");
      out(res, { started: n, error }); }, 300);
  }
  if (u.pathname === "/hog") { const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1)); }
  if (u.pathname === "/burn") {
    for (let i = 0; i < 2; i++) cp.spawn(process.execPath, ["-e", "const end = Date.now() + 8000; while (Date.now() < end) {}"]);
    return out(res, { burning: true });
  }
  if (u.pathname === "/self") return out(res, { volume: process.env.BERTH_VOLUME_DIR, cwd: process.cwd(), root: fs.readdirSync("/").sort(),
    wrote: attempt(() => fs.writeFileSync(process.env.BERTH_VOLUME_DIR + "/mine.txt", "ok")) });
  out(res, { ok: true });
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

const TEAM_B_APP = `
require("fs").writeFileSync(process.env.BERTH_VOLUME_DIR + "/b-secret.txt", "team-b-secret");
require("http").createServer((q, s) => s.end("team-b-ok")).listen(Number(process.env.PORT));
`;

let t: TestBerth;
let apiA: ApiClient;
let apiB: ApiClient;
const suffix = randomBytes(3).toString("hex");
const inetNs = `berthinet-${suffix}`;
const vethHost = `vh${suffix}`;
const vethNs = `vn${suffix}`;
const octet = 100 + (Number.parseInt(suffix.slice(0, 2), 16) % 150);
const inetHost = `10.231.${octet}.2`;
const hostSideAddr = `10.231.${octet}.1`;
let internet: ChildProcess | undefined;
let internal: http.Server;
let internalPort = 0;
/** A host service listening on all the host's addresses (not only loopback). */
let everywhere: http.Server;
let everywherePort = 0;

type Dep = { id: string; name: string; status: string; ready_replicas: number };

async function deployAgent(api: ApiClient, name: string, script: string, extra: object = {}): Promise<Dep> {
  const agent = await api<{ id: string }>("POST", "/api/agents", {
    body: { name, spec: { name, command: "node", args: ["-e", script], port: 8080, ...extra } },
  });
  expect(agent.status, agent.text).toBe(201);
  const dep = await api<Dep>("POST", "/deployments", { body: { agent_id: agent.body.id, replicas: 1 } });
  expect(dep.status, dep.text).toBe(201);
  return waitFor(
    async () => {
      const r = await api<Dep>("GET", `/deployments/${dep.body.id}`);
      return r.body.status === "ready" && r.body.ready_replicas === 1 ? r.body : undefined;
    },
    `${name} ready`,
    60_000,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: each probe answers its own shape
async function probe(dep: Dep, p: string): Promise<any> {
  const r = await viaIngress(t.url, `${dep.name}.localhost`, p);
  expect(r.status, r.text).toBe(200);
  return JSON.parse(r.text);
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

function startInternet(): Promise<void> {
  ip("netns", "add", inetNs);
  ip("link", "add", vethHost, "type", "veth", "peer", "name", vethNs);
  ip("link", "set", vethNs, "netns", inetNs);
  ip("addr", "add", `${hostSideAddr}/30`, "dev", vethHost);
  ip("link", "set", vethHost, "up");
  ip("netns", "exec", inetNs, "ip", "addr", "add", `${inetHost}/30`, "dev", vethNs);
  ip("netns", "exec", inetNs, "ip", "link", "set", vethNs, "up");
  ip("netns", "exec", inetNs, "ip", "link", "set", "lo", "up");
  internet = spawn(
    "ip",
    [
      "netns",
      "exec",
      inetNs,
      process.execPath,
      "-e",
      `require("http").createServer((q, s) => s.end("hello from the internet")).listen(8081, "${inetHost}", () => console.log("up"))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve) => internet!.stdout!.once("data", () => resolve()));
}

let spy: Dep;
let teamB: Dep;
let teamBPort: number;
let teamBVolume: string;

beforeAll(async () => {
  t = await startTestBerth();
  apiA = apiClient(t.url, (await teamWithKey(t.api, undefined, "free")).key);
  apiB = apiClient(t.url, (await teamWithKey(t.api)).key);
  // What berth would generate without a configured key: the spy must not read it.
  fs.writeFileSync(path.join(t.dataDir, "encryption.key"), "root-key-canary\n", { mode: 0o600 });
  internal = http.createServer((_q, s) => s.end("internal listener")).listen(0, "127.0.0.1");
  await new Promise((r) => internal.once("listening", r));
  internalPort = (internal.address() as AddressInfo).port;
  everywhere = http.createServer((_q, s) => s.end("host service")).listen(0, "0.0.0.0");
  await new Promise((r) => everywhere.once("listening", r));
  everywherePort = (everywhere.address() as AddressInfo).port;
  await startInternet();
  teamB = await deployAgent(apiB, "bee", TEAM_B_APP, { volume: { mountPath: "/state" } });
  const key = `${teamB.id}/bee`;
  teamBPort = t.berth.driver.status(key)!.replicas[0]!.port!;
  const row = (await t.berth.store.deployments.get(teamB.id))!;
  teamBVolume = t.berth.driver.volumePath(row.namespace_id, "bee");
  // The target is real: team B's file is there on the host.
  expect(fs.readFileSync(path.join(teamBVolume, "b-secret.txt"), "utf8")).toBe("team-b-secret");
  spy = await deployAgent(apiA, "spy", SPY, { resources: { memory: "96Mi", cpu: "200m" } });
}, 120_000);

afterAll(async () => {
  await t?.close();
  internal?.close();
  everywhere?.close();
  internet?.kill();
  try {
    ip("link", "del", vethHost);
  } catch {
    // already gone with its namespace
  }
  try {
    ip("netns", "del", inetNs);
  } catch {
    // never made
  }
});

async function stillServing(): Promise<void> {
  expect((await viaIngress(t.url, `${teamB.name}.localhost`)).text).toBe("team-b-ok");
  expect((await t.api("GET", "/healthz")).status).toBe(200);
}

describe("inside its sandbox a workload", () => {
  it("sees only its volume (at its mount path), system dirs and a private /tmp", async () => {
    const self = await probe(spy, "/self");
    expect(self).toMatchObject({ volume: "/data", cwd: "/data", wrote: { ok: true } });
    expect(self.root).toEqual(["bin", "data", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr"]);
    const row = (await t.berth.store.deployments.get(spy.id))!;
    expect(
      fs.readFileSync(path.join(t.berth.driver.volumePath(row.namespace_id, "spy"), "mine.txt"), "utf8"),
    ).toBe("ok");
  });

  it.each([
    ["berth's data dir", () => `/list?path=${t.dataDir}`],
    ["berth's database", () => `/read?path=${path.join(t.dataDir, "berth.db")}`],
    ["berth's key", () => `/read?path=${path.join(t.dataDir, "encryption.key")}`],
    ["berth's logs", () => `/list?path=${path.join(t.dataDir, "logs")}`],
    ["team B's volume", () => `/read?path=${path.join(teamBVolume, "b-secret.txt")}`],
    ["the host's /root", () => "/list?path=/root"],
    ["the host's /home", () => "/list?path=/home"],
    ["the host's /etc/shadow", () => "/read?path=/etc/shadow"],
  ])("cannot read %s", async (_what, url) => {
    const r = await probe(spy, url());
    expect(r).toMatchObject({ ok: false, error: "ENOENT" });
    await stillServing();
  });

  it("cannot write outside its volume", async () => {
    for (const target of [
      path.join(t.dataDir, "pwned"),
      "/usr/pwned",
      "/etc/pwned",
      path.join(teamBVolume, "pwned"),
    ]) {
      expect((await probe(spy, `/write?path=${target}`)).ok, target).toBe(false);
      expect(fs.existsSync(target), target).toBe(false);
    }
    await stillServing();
  });

  it("sees only its own processes", async () => {
    const ps = (await probe(spy, "/ps")) as string[];
    expect(ps.length).toBeLessThanOrEqual(3);
    expect(ps.join("\n")).not.toMatch(/vitest|bee|team-b|pasta/);
  });

  it("cannot become root: an unprivileged uid, no capabilities, no new privileges, no user namespaces", async () => {
    const r = await probe(spy, "/root");
    expect(r).toMatchObject({ uid: 65534, setuid: { ok: false }, capEff: "0000000000000000" });
    // uid 0 is not even mapped in the sandbox's user namespace.
    expect(["EPERM", "EINVAL"]).toContain(r.setuid.error);
    expect(r.noNewPrivs).toBe("1");
    expect(r.unshare.status).not.toBe(0);
    // Seen from the host too: below berth's launcher, every process is uid 65534.
    const launcher = t.berth.driver.status(`${spy.id}/spy`)!.replicas[0]!.pid!;
    const children = fs.readFileSync(`/proc/${launcher}/task/${launcher}/children`, "utf8").trim().split(" ");
    expect(children).toHaveLength(1);
    expect(fs.statSync(`/proc/${children[0]}`).uid).toBe(65534);
  });

  it("cannot connect to team B's workload port or berth's internal listeners on loopback", async () => {
    for (const [host, port] of [
      ["127.0.0.1", teamBPort],
      [hostSideAddr, teamBPort],
      ["127.0.0.1", internalPort],
      [hostSideAddr, internalPort],
    ] as const) {
      const r = await probe(spy, `/connect?host=${host}&port=${port}`);
      expect(r.value ?? "", `${host}:${port}`).not.toMatch(/team-b-ok|internal listener/);
      expect(r.ok, `${host}:${port}`).toBe(false);
    }
    await stillServing();
  });

  it("cannot connect to team B's sandbox address, its own veth's host end or the host's other addresses", async () => {
    const teamBAddress = t.berth.driver.endpoints(`${teamB.id}/bee`)[0]!.host;
    const spyAddress = t.berth.driver.endpoints(`${spy.id}/spy`)[0]!.host;
    expect(teamBAddress).not.toBe("127.0.0.1");
    const gateway = spyAddress.replace(/\d+$/, (n) => String(Number(n) - 1));
    const hostAddresses = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && i.family === "IPv4" && !i.internal)
      .map((i) => i!.address);
    const targets: [string, number][] = [
      [teamBAddress, teamBPort],
      [gateway, everywherePort],
      [gateway, internalPort],
      [gateway, teamBPort],
      [hostSideAddr, everywherePort],
      ...hostAddresses.map((h): [string, number] => [h, everywherePort]),
    ];
    for (const [host, port] of targets) {
      const r = await probe(spy, `/connect?host=${host}&port=${port}`);
      expect(r.value ?? "", `${host}:${port}`).not.toMatch(/team-b-ok|internal listener|host service/);
      expect(r.ok, `${host}:${port}`).toBe(false);
    }
    // The same host service answers the host itself: it is the sandbox that is kept out.
    expect(await (await fetch(`http://${gateway}:${everywherePort}/`)).text()).toBe("host service");
    await stillServing();
  });

  it("reaches berth's API at 127.0.0.1:<berth's port>, as before", async () => {
    const apiPort = new URL(t.url).port;
    const r = await probe(spy, `/connect?host=127.0.0.1&port=${apiPort}`);
    expect(r).toMatchObject({ ok: true });
    expect(r.value).toMatch(/HTTP\/1\.[01] \d{3}|"error"/);
  });

  it("cannot change its network's rules, routes or addresses from inside", async () => {
    const rulesBefore = execFileSync("nft", ["list", "table", "inet", "berth_sandbox"]).toString();
    const cmds = [
      "/usr/sbin/nft flush ruleset",
      "/usr/sbin/nft add table ip evil",
      "/usr/sbin/ip route add 10.0.0.0/8 dev eth0",
      "/usr/sbin/ip addr add 10.201.0.1/31 dev eth0",
      "/usr/sbin/ip link set eth0 down",
      "echo 0 > /proc/sys/net/ipv4/conf/eth0/route_localnet",
    ];
    const results = (await probe(spy, `/tamper?cmds=${encodeURIComponent(JSON.stringify(cmds))}`)) as {
      c: string;
      status: number | null;
    }[];
    expect(results).toHaveLength(cmds.length);
    for (const r of results) expect(r.status, r.c).not.toBe(0);
    expect(execFileSync("nft", ["list", "table", "inet", "berth_sandbox"]).toString()).toBe(rulesBefore);
    // Its own network still works exactly as before.
    expect((await probe(spy, `/connect?host=${inetHost}&port=8081`)).value).toContain(
      "hello from the internet",
    );
    await stillServing();
  });

  it("reaches the internet (a host in a network namespace made by this test)", async () => {
    const r = await probe(spy, `/connect?host=${inetHost}&port=8081`);
    expect(r).toMatchObject({ ok: true });
    expect(r.value).toContain("hello from the internet");
  });

  it("cannot fork-bomb past its tier's pids limit", async () => {
    const r = await probe(spy, "/bomb");
    expect(r.started).toBeLessThan(128);
    expect(r.error).not.toBeNull();
    await stillServing();
  });

  it("burns CPU only up to resources.cpu (usage read from its cgroup)", async () => {
    await probe(spy, "/burn");
    await apiA("GET", `/deployments/${spy.id}/metrics`);
    // the burners run 8 s; a loaded machine may start them late, so usage is sampled each second
    // until they show, and no sample may exceed the quota
    const samples: number[] = [];
    for (let i = 0; i < 7 && !samples.some((v) => v > 20); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const m = await apiA<{ cpu_millicores: number }>("GET", `/deployments/${spy.id}/metrics`);
      expect(m.status).toBe(200);
      samples.push(m.body.cpu_millicores);
    }
    for (const v of samples) expect(v).toBeLessThanOrEqual(260);
    expect(Math.max(...samples)).toBeGreaterThan(20);
    await stillServing();
  });

  it("allocating past resources.memory is killed (OOMKilled event) and restarted", async () => {
    await viaIngress(t.url, `${spy.name}.localhost`, "/hog").catch(() => undefined);
    const events = await waitFor(
      async () => {
        const r = await apiA<{ events: { reason: string; message: string }[] }>(
          "GET",
          `/api/deployments/${spy.name}/events`,
        );
        return r.body.events?.some((e) => e.reason === "OOMKilled") ? r.body.events : undefined;
      },
      "OOMKilled event",
      30_000,
    );
    expect(events.find((e) => e.reason === "OOMKilled")!.message).toContain("96Mi");
    await waitFor(
      async () => {
        const r = await viaIngress(t.url, `${spy.name}.localhost`, "/").catch(() => undefined);
        return r?.status === 200;
      },
      "restarted spy",
      30_000,
    );
    expect(t.berth.driver.status(`${spy.id}/spy`)!.replicas[0]!.restarts).toBeGreaterThanOrEqual(1);
    await stillServing();
  });
});

describe("a scheduled session", () => {
  it("runs in the same sandbox as replicas", async () => {
    const script = `
      const fs = require("fs");
      let data; try { fs.readdirSync(${JSON.stringify(t.dataDir)}); data = "visible"; } catch (e) { data = e.code; }
      console.log(JSON.stringify({ uid: process.getuid(), volume: process.env.BERTH_VOLUME_DIR, root: fs.readdirSync("/").sort(), data }));
    `;
    const agent = await apiA<{ id: string }>("POST", "/api/agents", {
      body: { name: "session", spec: { name: "session", command: "node", args: ["-e", script] } },
    });
    expect(agent.status, agent.text).toBe(201);
    const env = await apiA<{ id: string }>("POST", "/api/v1/cloud/environments", { body: { name: "prod" } });
    const base = "/api/v1/cloud/deployments";
    const d = await apiA<{ id: string }>("POST", base, {
      body: {
        agent: { id: agent.body.id, type: "agent" },
        environment_id: env.body.id,
        name: "sandboxed-session",
        schedule: { type: "cron", expression: "0 0 1 1 *", timezone: "UTC" },
      },
    });
    expect(d.status, d.text).toBe(200);
    expect((await apiA("POST", `${base}/${d.body.id}/run`)).status).toBe(202);
    const run = await waitFor(
      async () => {
        const r = await apiA<{ data: { status: string; output: string | null }[] }>(
          "GET",
          `${base}/${d.body.id}/runs`,
        );
        const first = r.body.data[0];
        return first && first.status !== "pending" && first.status !== "running" ? first : undefined;
      },
      "session finished",
      30_000,
    );
    expect(run.status).toBe("completed");
    expect(JSON.parse(run.output!.trim())).toEqual({
      uid: 65534,
      volume: "/data",
      root: ["bin", "data", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr"],
      data: "ENOENT",
    });
  });
});
