/**
 * bench/sandbox-parts: where a sandboxed start's time goes, one part at a time (median of RUNS
 * each, milliseconds): cgroup create, a cgroup join after an idle pause (both ways), the check
 * that the sandbox's /etc copy is up to date, `ip netns add`, that plus its veth network up, the
 * launcher chain (sh → nsenter → bwrap, each added in turn, running /bin/true; the chain with
 * setpriv as before for comparison), how long
 * `child_process.spawn` blocks the event loop (in this small process and with a 300 MB heap, like
 * a busy control plane), and node's own start of the hello example.
 *   npm run bench:sandbox-parts
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { examplesDir } from "../src/examples.js";
import { cgroupLayout, createCgroup, removeCgroup } from "../src/runtime/local/cgroups.js";
import { launchSandbox, prepareNetwork, releaseSandbox } from "../src/runtime/local/sandbox.js";
import { sandboxEtc } from "../src/runtime/local/sandbox-etc.js";
import { freePort } from "../test/support/postgres.js";
import { median } from "./lib.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const run = promisify(execFile);
const layout = cgroupLayout();
if (!layout) throw new Error("cgroups are not available");

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function parts(label: string, fn: () => Promise<number>): Promise<void> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await fn());
  console.log(`${label.padEnd(52)} median ${median(xs).toFixed(2)} ms`);
}

const exitOf = (cmd: string, args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: "ignore" });
    c.once("error", reject);
    c.once("exit", () => resolve());
  });

const launcher =
  'for f do shift; [ "$f" = -- ] && break; echo 0 > "$f" || exit 125; done; (cd / && exec "$@"); exit $?';
// The launcher chain before nsenter's -S/-G replaced setpriv (the uid drop as an exec of its own).
const setpriv = [
  "setpriv",
  "--reuid=65534",
  "--regid=65534",
  "--clear-groups",
  "--inh-caps=-all",
  "--bounding-set=-all",
  "--no-new-privs",
];

const id = () => randomBytes(8).toString("hex");
const host = { runDir: fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-parts-")) };

async function helloReady(): Promise<number> {
  const port = await freePort();
  const t = performance.now();
  const child = spawn(process.execPath, [path.join(examplesDir, "hello/server.js")], {
    env: { PORT: String(port) },
    stdio: "ignore",
  });
  for (;;) {
    const ok = await new Promise<boolean>((resolve) =>
      http
        .get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on("error", () => resolve(false)),
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - t;
  child.kill("SIGKILL");
  return ms;
}

function spawnBlock(): Promise<number> {
  const t = performance.now();
  const c = spawn("/bin/true", [], { stdio: "ignore" });
  const ms = performance.now() - t;
  return new Promise((resolve) => c.once("exit", () => resolve(ms)));
}

console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; n=${RUNS}`,
);
await parts("cgroup create (all controllers)", async () => {
  const name = `bench-${id()}`;
  const ms = await timed(() => createCgroup(layout, name, { pids: 128, memoryBytes: 256 << 20 }));
  removeCgroup(layout, name);
  return ms;
});
// A start after an idle pause (every wake): joining through cgroup.procs waits for the kernel's
// threadgroup lock (an RCU grace period); the launcher's `echo 0 > tasks` (v1) does not.
const joinAfterIdle = (script: string, file: string) => async () => {
  const name = `bench-${id()}`;
  const files = createCgroup(layout, name, { pids: 128 });
  await new Promise((r) => setTimeout(r, 300));
  const ms = await timed(() =>
    exitOf("/bin/sh", ["-c", script, "x", path.join(path.dirname(files[0]!), file)]),
  );
  removeCgroup(layout, name);
  return ms;
};
await parts(
  "sh joining a cgroup after 0.3 s idle: cgroup.procs",
  joinAfterIdle('echo $$ > "$1"', "cgroup.procs"),
);
await parts(
  "  the same through `echo 0 > tasks` (berth's launcher)",
  joinAfterIdle('echo 0 > "$1"', "tasks"),
);
// The sandbox's /etc is one bind of a copy (sandbox-etc.ts) instead of nine binds of host entries.
let etcCheckAt = 0;
await parts("sandbox /etc copy: up-to-date check", () => {
  etcCheckAt += 60_000; // past the once-a-second cache: each call compares the host entries
  return timed(() => sandboxEtc({ now: etcCheckAt }));
});
await parts("ip netns add", async () => {
  const ns = `berth-${id()}`;
  const ms = await timed(() => run("ip", ["netns", "add", ns]));
  await run("ip", ["netns", "delete", ns]);
  return ms;
});
await parts("ip netns add + veth network up (a network made ahead)", async () => {
  const sandbox = id();
  const ms = await timed(async () => prepareNetwork(host, { id: sandbox, port: await freePort() }));
  await releaseSandbox(host, sandbox);
  return ms;
});
await parts("ip netns delete", async () => {
  const ns = `berth-${id()}`;
  await run("ip", ["netns", "add", ns]);
  return timed(() => run("ip", ["netns", "delete", ns]));
});
const ns = `berth-${id()}`;
await run("ip", ["netns", "add", ns]);
const cg = `bench-${id()}`;
const procs = createCgroup(layout, cg, { pids: 128 });
try {
  await parts("exec /bin/true (spawn → exit)", () => timed(() => exitOf("/bin/true", [])));
  await parts("  via sh launcher (joins cgroups)", () =>
    timed(() => exitOf("/bin/sh", ["-c", launcher, "x", ...procs, "--", "/bin/true"])),
  );
  const nsenter = ["nsenter", `--net=/run/netns/${ns}`, "--setuid=65534", "--setgid=65534", "--"];
  await parts("  + nsenter (its netns, uid 65534)", () =>
    timed(() => exitOf("/bin/sh", ["-c", launcher, "x", ...procs, "--", ...nsenter, "/bin/true"])),
  );
  const nsenterRoot = ["nsenter", `--net=/run/netns/${ns}`, "--"];
  await parts("  (before: + nsenter + setpriv)", () =>
    timed(() =>
      exitOf("/bin/sh", ["-c", launcher, "x", ...procs, "--", ...nsenterRoot, ...setpriv, "/bin/true"]),
    ),
  );
  await parts("  + bwrap: launchSandbox, network made ahead", async () => {
    const sandbox = id();
    const volume = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-parts-vol-"));
    await prepareNetwork(host, { id: sandbox, port: null });
    const ms = await timed(async () => {
      const child = await launchSandbox(host, {
        id: sandbox,
        command: "/bin/true",
        args: [],
        env: {},
        volume: { hostDir: volume, mountPath: "/data" },
        readOnlyPaths: [],
        port: null,
        limits: { pids: 128 },
        network: "prepared",
        stdin: "ignore",
        output: "pipe",
      });
      await new Promise((r) => child.once("exit", r));
    });
    await releaseSandbox(host, sandbox);
    fs.rmSync(volume, { recursive: true, force: true });
    return ms;
  });
} finally {
  await run("ip", ["netns", "delete", ns]);
  removeCgroup(layout, cg);
}
await parts("spawn() blocks the event loop (small heap)", spawnBlock);
const ballast: Buffer[] = [];
const objects: object[] = [];
for (let i = 0; i < 300; i++) ballast.push(Buffer.alloc(1 << 20, 1));
for (let i = 0; i < 1_000_000; i++) objects.push({ i, s: `x${i}` });
await parts("spawn() blocks the event loop (+300 MB heap)", spawnBlock);
ballast.length = 0;
objects.length = 0;
await parts("node hello: spawn → ready (plain)", helloReady);
fs.rmSync(host.runDir, { recursive: true, force: true });
