import { execFileSync } from "node:child_process";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { alive, describeDriverContract, get, httpWorkload, until } from "../driver.contract.js";
import type { RuntimeEvent } from "../driver.js";
import { parseConfig } from "../../config.js";
import { createLocalDriver, type LocalDriver } from "./local-driver.js";
import { netnsPath } from "./netns.js";
import { findByInstance, firstChild } from "./proc.js";
import { recordedNetworks } from "./sandbox-network.js";

const quiet = { info() {}, warn() {}, error() {} };

/** Sandbox launchers (sandbox.ts: `bash -c … berth-sandbox`) this test process started, alive. */
function launchersOfThisProcess(): number[] {
  const pids: number[] = [];
  for (const e of fsSync.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fsSync.readFileSync(`/proc/${e}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmdline = fsSync.readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
      if (state !== "Z" && Number(ppid) === process.pid && cmdline.includes("berth-sandbox"))
        pids.push(Number(e));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}
const options = (dataDir: string) => ({
  dataDir,
  logger: quiet,
  backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 60_000 },
  stopGraceMs: 500,
  probeIntervalMs: 100,
});

// The local runtime offers every verb: nothing is declined.
describeDriverContract("local", (dataDir) => createLocalDriver(options(dataDir)), { unsupported: [] });
// BERTH_ISOLATION=none: the same verbs with plain child processes.
describeDriverContract(
  "local, unsandboxed",
  (dataDir) => createLocalDriver({ ...options(dataDir), isolation: "none" }),
  { unsupported: [] },
);

describe("local driver", () => {
  const drivers: LocalDriver[] = [];
  let dir: string;
  const make = async (reuse?: string) => {
    dir = reuse ?? (await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-")));
    const d = await createLocalDriver(options(dir));
    drivers.push(d);
    return d;
  };
  afterEach(async () => {
    const last = drivers.at(-1);
    for (const key of last?.keys() ?? []) await last!.remove(key);
    for (const d of drivers.splice(0)) await d.close();
  });

  it("restarts a crashing process with growing back-off and BackOff events", async () => {
    const d = await make();
    const events: RuntimeEvent[] = [];
    d.onEvent((e) => events.push(e));
    await d.apply({
      ...httpWorkload("crash/web"),
      spec: {
        command: process.execPath,
        args: ["-e", "process.exit(3)"],
        env: {},
        listens: false,
        healthCheck: { type: "none" },
      },
    });
    await until(() => (d.status("crash/web")?.replicas[0]?.restarts ?? 0) >= 3, "3 restarts");
    const backoffs = events.filter((e) => e.reason === "BackOff");
    expect(backoffs[0]).toMatchObject({ type: "Warning" });
    const delays = backoffs.map((e) => Number(/Back-off (\d+)ms/.exec(e.message)?.[1]));
    expect(delays.slice(0, 3)).toEqual([50, 100, 200]);
    expect(d.status("crash/web")!.replicas[0]!.lastExit).toMatchObject({ code: 3 });
  });

  it("reports a command that cannot start as Failed without throwing", async () => {
    const d = await make();
    const events: RuntimeEvent[] = [];
    d.onEvent((e) => events.push(e));
    await d.apply({
      ...httpWorkload("enoent/web"),
      spec: {
        command: "/nonexistent/binary",
        args: [],
        env: {},
        listens: false,
        healthCheck: { type: "none" },
      },
    });
    await until(() => d.status("enoent/web")?.replicas[0]?.phase === "failed", "failed phase");
    expect(events.find((e) => e.reason === "Failed")).toMatchObject({
      type: "Warning",
      message: expect.stringContaining("ENOENT"),
    });
  });

  it("sends SIGTERM, then SIGKILL to a process that ignores it", async () => {
    const d = await make();
    await d.apply({
      ...httpWorkload("stubborn/web"),
      spec: {
        command: process.execPath,
        args: [
          "-e",
          "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('armed'); setInterval(() => {}, 1000)",
        ],
        env: {},
        listens: false,
        healthCheck: { type: "none" },
      },
    });
    const pid = await until(() => d.status("stubborn/web")?.replicas[0]?.pid ?? undefined, "pid");
    // The handler is installed once the program says so (its start takes longer in a sandbox).
    await until(async () => (await d.readLogs("stubborn/web", { tail: 10 })).includes("armed"), "armed");
    const started = Date.now();
    await d.remove("stubborn/web");
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(alive(pid)).toBe(false);
    expect(await d.readLogs("stubborn/web", { tail: 10 })).toContain("ignoring SIGTERM");
  });

  it("gives workloads none of the control plane's environment", async () => {
    process.env.BERTH_TEST_SECRET_FOR_ENV = "must-not-leak";
    const d = await make();
    await d.apply({
      ...httpWorkload("env/web"),
      spec: {
        command: process.execPath,
        args: ["-e", "console.log(JSON.stringify(process.env))"],
        env: { OWN: "$(PORT)-x" },
        listens: true,
        healthCheck: { type: "none" },
      },
    });
    const logs = await until(async () => {
      const t = await d.readLogs("env/web", { tail: 1 });
      return t.includes("OWN") && t;
    }, "env printed");
    const env = JSON.parse(logs) as Record<string, string>;
    expect(env.BERTH_TEST_SECRET_FOR_ENV).toBeUndefined();
    expect(env.OWN).toBe(`${env.PORT}-x`);
    // Sandboxed, the volume is bound at the workload's mount path (default /data).
    expect(env.BERTH_VOLUME_DIR).toBe("/data");
    expect(env.HOME).toBe("/data");
    delete process.env.BERTH_TEST_SECRET_FOR_ENV;
  });

  it("re-adopts running processes after a restart of the control plane, without duplicates", async () => {
    const a = await make();
    await a.apply(httpWorkload("adopt/web", { replicas: 2 }));
    await until(() => a.endpoints("adopt/web").length === 2, "ready");
    const pids = a.status("adopt/web")!.replicas.map((r) => r.pid);
    await a.close();
    const b = await make(dir);
    expect(b.keys()).toEqual(["adopt/web"]);
    await until(() => b.endpoints("adopt/web").length === 2, "adopted ready");
    expect(b.status("adopt/web")!.replicas.map((r) => r.pid)).toEqual(pids);
    await b.apply(httpWorkload("adopt/web", { replicas: 2 }));
    expect(b.status("adopt/web")!.replicas.map((r) => r.pid)).toEqual(pids);
    const ep = b.endpoints("adopt/web")[0]!;
    expect(await get(ep)).toMatch(/^one:/);
    // an adopted process that exits is restarted by the new driver
    process.kill(pids[0]!, "SIGKILL");
    await until(() => {
      const r = b.status("adopt/web")!.replicas[0]!;
      return r.pid !== null && r.pid !== pids[0] && r.phase === "ready";
    }, "restart of adopted replica");
  });

  it("thaws an adopted process that a control plane left frozen mid-snapshot", async () => {
    const a = await make();
    await a.apply(httpWorkload("frozen/web"));
    await until(() => a.endpoints("frozen/web").length === 1, "ready");
    const { pid } = a.status("frozen/web")!.replicas[0]!;
    await a.close();
    process.kill(pid!, "SIGSTOP");
    const b = await make(dir);
    await until(() => b.endpoints("frozen/web").length === 1, "adopted ready");
    expect(await get(b.endpoints("frozen/web")[0]!)).toBe("one:0");
  });

  it("restarts, exactly once, a replica that died while no control plane ran", async () => {
    const a = await make();
    await a.apply(httpWorkload("dead/web"));
    await until(() => a.endpoints("dead/web").length === 1, "ready");
    const pid = a.status("dead/web")!.replicas[0]!.pid!;
    await a.close();
    process.kill(pid, "SIGKILL");
    await until(() => !alive(pid), "dead");
    const b = await make(dir);
    expect(b.status("dead/web")!.replicas[0]!.pid).toBeNull();
    await b.apply(httpWorkload("dead/web"));
    await until(() => b.endpoints("dead/web").length === 1, "restarted");
    expect(b.status("dead/web")!.replicas).toHaveLength(1);
  });

  it("rotates a log file that grew past the limit when the replica starts", async () => {
    const d = await make();
    const logDir = path.join(dir, "logs", "rot_web");
    await fs.mkdir(logDir, { recursive: true });
    await fs.writeFile(path.join(logDir, "0.log"), "x".repeat(11 * 1024 * 1024));
    await d.apply(httpWorkload("rot/web"));
    await until(() => d.endpoints("rot/web").length === 1, "ready");
    expect((await fs.stat(path.join(logDir, "0.log.1"))).size).toBe(11 * 1024 * 1024);
    expect((await fs.stat(path.join(logDir, "0.log"))).size).toBeLessThan(1024);
  });

  it("refuses to delete a volume outside its volumes directory", async () => {
    const d = await make();
    await expect(d.deleteVolume({ namespace: "..", workload: ".." })).rejects.toThrow();
  });
});

describe("local driver, sandbox networks made ahead", () => {
  it("takes its pool size from BERTH_SANDBOX_WARM_NETWORKS: 0 to 16, default 2", () => {
    expect(parseConfig({}).sandboxWarmNetworks).toBe(2);
    expect(parseConfig({ BERTH_SANDBOX_WARM_NETWORKS: "0" }).sandboxWarmNetworks).toBe(0);
    for (const bad of ["17", "-1", "1.5", "two"])
      expect(() => parseConfig({ BERTH_SANDBOX_WARM_NETWORKS: bad })).toThrow(/BERTH_SANDBOX_WARM_NETWORKS/);
  });

  it("takes its sandbox addresses from BERTH_SANDBOX_SUBNET: an aligned IPv4 CIDR, /8 to /28", () => {
    expect(parseConfig({}).sandboxSubnet).toBe("10.201.0.0/16");
    expect(parseConfig({ BERTH_SANDBOX_SUBNET: "172.30.8.0/22" }).sandboxSubnet).toBe("172.30.8.0/22");
    for (const bad of ["10.201.0.1/16", "10.0.0.0/30", "10.0.0.0/7", "10.201.0.0", "fd00::/64", "x"])
      expect(() => parseConfig({ BERTH_SANDBOX_SUBNET: bad }), bad).toThrow(/BERTH_SANDBOX_SUBNET/);
  });

  const runFiles = (dir: string) => recordedNetworks(path.join(dir, "runtime", "local", "run"));
  const netnsOf = (pid: number) => fsSync.readlinkSync(`/proc/${pid}/ns/net`);
  const inode = (id: string) => `net:[${fsSync.statSync(netnsPath(id)).ino}]`;

  it("does not hand out a network made ahead whose namespace was deleted", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-"));
    const d = await createLocalDriver({ ...options(dir), warmNetworks: 1 });
    try {
      d.setApiPort(1);
      const [dead] = await until(() => d.warmNetworksReady() === 1 && runFiles(dir), "pool filled");
      // e.g. by an operator's `ip netns delete`: its veth pair goes with it.
      execFileSync("ip", ["netns", "delete", `berth-${dead}`]);
      await d.apply(httpWorkload("dead-net/web"));
      await until(() => d.endpoints("dead-net/web").length === 1, "ready");
      expect(await get(d.endpoints("dead-net/web")[0]!)).toBe("one:0");
      expect(fsSync.existsSync(netnsPath(dead!))).toBe(false);
      await until(() => !runFiles(dir).includes(dead!), "its address released");
      await d.remove("dead-net/web");
    } finally {
      await d.close();
    }
  });

  it.each([
    ["spawned at the start", 0],
    ["made ahead", 1],
  ])("hands the tenant's env to its program only, never to the root launcher (%s)", async (_how, warm) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-"));
    const d = await createLocalDriver({ ...options(dir), warmNetworks: warm });
    try {
      d.setApiPort(1);
      const ahead = warm
        ? await until(
            () => launchersOfThisProcess().length === 1 && launchersOfThisProcess(),
            "launcher made ahead",
          )
        : [];
      // LD_PRELOAD in a root process's env would load a library the tenant wrote into its volume.
      const w = httpWorkload("env-wall/web");
      w.spec.env = { REPLY: "tenant-mark", LD_PRELOAD: "./evil.so" };
      await d.apply(w);
      await until(() => d.endpoints("env-wall/web").length === 1, "ready");
      expect(await get(d.endpoints("env-wall/web")[0]!)).toBe("tenant-mark:0");
      const tree = [d.status("env-wall/web")!.replicas[0]!.pid!];
      for (let i = 0; i < tree.length; i++) {
        const children = fsSync.readFileSync(`/proc/${tree[i]}/task/${tree[i]}/children`, "utf8").trim();
        if (children) tree.push(...children.split(" ").map(Number));
      }
      if (warm) expect(ahead).toContain(tree[0]);
      const rootOnes = tree.filter((pid) => fsSync.statSync(`/proc/${pid}`).uid === 0);
      expect(rootOnes).toContain(tree[0]);
      for (const pid of rootOnes) {
        const env = fsSync.readFileSync(`/proc/${pid}/environ`, "utf8");
        expect(env, String(pid)).not.toMatch(/LD_PRELOAD|tenant-mark/);
      }
    } finally {
      // Replicas outlive a driver's close (a restarted control plane adopts them): remove it.
      await d.remove("env-wall/web").catch(() => undefined);
      await d.close();
    }
  });

  it("refuses a NUL in an env value handed to a launcher made ahead, and ends that launcher", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-"));
    const d = await createLocalDriver({ ...options(dir), warmNetworks: 1 });
    try {
      d.setApiPort(1);
      const [taken] = await until(() => d.warmNetworksReady() === 1 && runFiles(dir), "pool filled");
      const [launcher] = await until(() => {
        const l = launchersOfThisProcess();
        return l.length === 1 && l;
      }, "launcher made ahead");
      const events: RuntimeEvent[] = [];
      d.onEvent((e) => events.push(e));
      // Split at the NUL, the rest would be bubblewrap options binding the host's root inside.
      await d.apply(
        httpWorkload("nul-env/web", {
          spec: {
            command: process.execPath,
            args: ["-e", "setInterval(() => {}, 1000)"],
            env: { SMUGGLED: "x\0--bind\0/\0/host" },
            listens: true,
            healthCheck: { type: "tcp" },
          },
        }),
      );
      await until(() => d.status("nul-env/web")?.replicas[0]?.phase === "failed", "failed phase");
      const failed = events.find((e) => e.key === "nul-env/web" && e.reason === "Failed");
      expect(failed?.message).toMatch(/NUL byte/);
      expect(failed?.message).not.toContain("--bind");
      await until(() => !launchersOfThisProcess().includes(launcher!), "its launcher ended");
      await until(() => !fsSync.existsSync(netnsPath(taken!)), "its network destroyed");
      await d.remove("nul-env/web");
    } finally {
      await d.close();
    }
  });

  it("destroys the network made ahead for a replica whose command cannot start", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-"));
    const d = await createLocalDriver({ ...options(dir), warmNetworks: 1 });
    try {
      d.setApiPort(1);
      const [taken] = await until(() => d.warmNetworksReady() === 1 && runFiles(dir), "pool filled");
      await d.apply(
        httpWorkload("enoent-warm/web", {
          spec: {
            command: "/nonexistent/binary",
            args: [],
            env: {},
            listens: true,
            healthCheck: { type: "tcp" },
          },
        }),
      );
      await until(() => d.status("enoent-warm/web")?.replicas[0]?.phase === "failed", "failed phase");
      expect(d.status("enoent-warm/web")!.replicas[0]!.port).not.toBeNull();
      await until(() => !fsSync.existsSync(netnsPath(taken!)), "its network destroyed");
      await d.remove("enoent-warm/web");
    } finally {
      await d.close();
    }
  });

  it("refills its pool only once the replica that took a network is ready", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-"));
    const d = await createLocalDriver({ ...options(dir), warmNetworks: 1 });
    try {
      d.setApiPort(1);
      const [taken] = await until(() => d.warmNetworksReady() === 1 && runFiles(dir), "pool filled");
      // A program that listens only after 1.5 s: its start is under way all that time.
      const slow = `setTimeout(() => require("http").createServer((q, s) => s.end("late")).listen(Number(process.env.PORT), "127.0.0.1"), 1500)`;
      await d.apply(
        httpWorkload("slow-start/web", {
          spec: {
            command: process.execPath,
            args: ["-e", slow],
            env: {},
            listens: true,
            healthCheck: { type: "tcp" },
          },
        }),
      );
      await until(() => d.status("slow-start/web")?.replicas[0]?.pid, "started");
      await new Promise((r) => setTimeout(r, 700));
      expect(d.status("slow-start/web")!.replicas[0]!.phase).toBe("starting");
      // No network is being made while it starts (a refill's spawns would compete with it).
      expect(runFiles(dir)).toEqual([taken]);
      await until(() => d.endpoints("slow-start/web").length === 1, "ready");
      await until(() => d.warmNetworksReady() === 1, "pool refilled after the start");
      await d.remove("slow-start/web");
    } finally {
      await d.close();
    }
  });

  it("starts a replica in a network made ahead, hands each out once, and destroys each with its user", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-local-"));
    const d = await createLocalDriver({ ...options(dir), warmNetworks: 2 });
    try {
      d.setApiPort(1);
      const made = await until(() => d.warmNetworksReady() === 2 && runFiles(dir), "pool filled");
      // Each network made ahead comes with a launcher already started (a wake does not fork berth).
      const launchers = await until(() => {
        const l = launchersOfThisProcess();
        return l.length === 2 && l;
      }, "launchers made ahead");
      await d.apply(httpWorkload("warm/web"));
      await until(() => d.endpoints("warm/web").length === 1, "ready");
      const r = d.status("warm/web")!.replicas[0]!;
      expect(await get(d.endpoints("warm/web")[0]!)).toBe("one:0");
      expect(launchers).toContain(r.pid);
      // It carries its start's instance marker, so a control plane that died before recording its
      // pid finds it (the launcher, not the program under it).
      const marker = fsSync
        .readFileSync(`/proc/${r.pid}/environ`, "utf8")
        .split("\0")
        .find((e) => e.startsWith("BERTH_INSTANCE="));
      expect(marker).toBeDefined();
      expect(findByInstance(marker!.slice("BERTH_INSTANCE=".length))?.pid).toBe(r.pid);
      // Its env reached bubblewrap on a descriptor, not on a command line.
      const bwrap = fsSync.readFileSync(`/proc/${firstChild(r.pid!)}/cmdline`, "utf8").split("\0");
      expect(bwrap).toContain("--args");
      expect(bwrap).not.toContain("--setenv");
      expect(bwrap.join(" ")).not.toContain("BERTH_INSTANCE");
      // Its program lives in one of the namespaces made ahead (reached at that one's address).
      const inside = netnsOf(firstChild(r.pid!)!);
      const used = made.find((id) => inode(id) === inside);
      expect(used).toBeDefined();
      // The pool makes a new one in its place; the used one is never handed out again.
      const refilled = await until(() => runFiles(dir).length === 3 && runFiles(dir), "pool refilled");
      expect(refilled.filter((id) => !made.includes(id))).toHaveLength(1);
      await d.apply(httpWorkload("warm/other", { reply: "two" }));
      await until(() => d.endpoints("warm/other").length === 1, "second ready");
      const other = d.status("warm/other")!.replicas[0]!;
      expect(netnsOf(firstChild(other.pid!)!)).not.toBe(inside);
      expect(await get(d.endpoints("warm/other")[0]!)).toBe("two:0");
      // Removing a replica destroys its network; closing the driver destroys the idle ones.
      await d.remove("warm/web");
      await until(() => !fsSync.existsSync(netnsPath(used!)), "used network destroyed");
      await d.remove("warm/other");
      await d.close();
      expect(runFiles(dir)).toEqual([]);
      for (const id of refilled) expect(fsSync.existsSync(netnsPath(id))).toBe(false);
      // The idle ones' launchers end with them.
      await until(() => launchersOfThisProcess().length === 0, "idle launchers gone");
    } finally {
      await d.close();
    }
  });
});
