/**
 * Helpers of the driver contract suites: real workloads (a tiny HTTP server run by the machine's
 * node, one of which keeps state in its volume), waiting on a condition, a pool of drivers that
 * removes their workloads after each test, and the check that a declined verb says so.
 */
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { list as listTar } from "tar";
import { afterEach, expect } from "vitest";
import {
  type DesiredWorkload,
  type DriverVerb,
  type ResolvedWorkloadSpec,
  type RuntimeDriver,
  UnsupportedVerb,
  type VolumeRef,
} from "./driver.js";

export const HTTP_APP = `
const http = require("node:http");
const s = http.createServer((req, res) => { if (req.url !== "/") console.log("req " + req.url); res.end(process.env.REPLY + ":" + process.env.BERTH_REPLICA); });
s.listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
process.on("SIGTERM", () => s.close(() => process.exit(0)));
`;

export function httpWorkload(
  key: string,
  opts: Partial<DesiredWorkload> & { reply?: string } = {},
): DesiredWorkload {
  const reply = opts.reply ?? "one";
  return {
    key,
    namespace: key.split("/")[0]!,
    name: key.split("/")[1] ?? "web",
    replicas: 1,
    specHash: `hash-${reply}`,
    strategy: "rolling",
    ...opts,
    spec: opts.spec ?? {
      command: process.execPath,
      args: ["-e", HTTP_APP],
      env: { REPLY: reply },
      listens: true,
      healthCheck: { type: "http", path: "/" },
    },
  };
}

export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** GET `p` from a replica: its endpoint (as the driver reports it), or a port on 127.0.0.1. */
export function get(target: number | { host: string; port: number }, p = "/"): Promise<string> {
  const { host, port } = typeof target === "number" ? { host: "127.0.0.1", port: target } : target;
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: p, agent: false }, (res) => {
        let body = "";
        res.on("data", (c) => {
          body += String(c);
        });
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A workload that keeps `state.txt` in its volume: GET /set/<v> writes it, GET /get reads it. */
export const VOLUME_APP = `
const fs = require("node:fs"), path = require("node:path"), http = require("node:http");
const file = path.join(process.env.BERTH_VOLUME_DIR, "state.txt");
const s = http.createServer((req, res) => {
  if (req.url.startsWith("/set/")) { fs.writeFileSync(file, decodeURIComponent(req.url.slice(5))); return res.end("ok"); }
  try { res.end(fs.readFileSync(file, "utf8")); } catch { res.end("none"); }
});
s.listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
process.on("SIGTERM", () => s.close(() => process.exit(0)));
`;

export function volumeWorkload(key: string): DesiredWorkload {
  return httpWorkload(key, {
    specHash: "volume-app",
    spec: {
      command: process.execPath,
      args: ["-e", VOLUME_APP],
      env: {},
      listens: true,
      healthCheck: { type: "http", path: "/get" },
    },
  });
}

/** Runs the volume workload, optionally writes `set`, and returns what it reads from its volume. */
export async function volumeState(d: RuntimeDriver, key: string, set?: string): Promise<string> {
  await d.apply(volumeWorkload(key));
  const ep = await until(() => d.endpoints(key)[0], `${key} ready`);
  if (set !== undefined) expect(await get(ep, `/set/${encodeURIComponent(set)}`)).toBe("ok");
  return get(ep, "/get");
}

export const volumeOf = (key: string): VolumeRef => ({
  namespace: key.split("/")[0]!,
  workload: key.split("/")[1]!,
});

/** Member names of a tar.gz held in memory. */
export async function tarMembers(archive: Buffer): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = listTar({ onReadEntry: (e) => names.push(e.path) });
    parser.on("end", resolve);
    parser.on("error", reject);
    Readable.from([archive]).pipe(parser as unknown as NodeJS.WritableStream);
  });
  return names;
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface ContractOptions {
  /** Verbs this driver declines; the suite checks the refusal instead of the behaviour. */
  unsupported?: DriverVerb[];
  /**
   * How this driver runs the suite's workloads: it gets each spec as written for the local runtime
   * (`node -e <app>`, listening on env HOST or 127.0.0.1) and returns the driver's own, e.g. the
   * same command in an image holding node, with HOST=0.0.0.0. Unset: the specs run as written.
   */
  workloadSpec?: (spec: ResolvedWorkloadSpec) => ResolvedWorkloadSpec;
}

export type MakeDriver = (dataDir: string) => Promise<RuntimeDriver>;

/** `makeDriver`, with every applied workload's spec passed through `opts.workloadSpec` first. */
export function withWorkloadSpec(makeDriver: MakeDriver, opts: ContractOptions): MakeDriver {
  const map = opts.workloadSpec;
  if (!map) return makeDriver;
  return async (dataDir) => {
    const d = await makeDriver(dataDir);
    return new Proxy(d, {
      get(target, prop) {
        if (prop === "apply") return (w: DesiredWorkload) => target.apply({ ...w, spec: map(w.spec) });
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
}

/** Opens drivers on fresh data directories and, after each test, removes their workloads. */
export function driverPool(makeDriver: MakeDriver): () => Promise<RuntimeDriver> {
  const open: RuntimeDriver[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) {
      for (const key of d.keys()) await d.remove(key);
      await d.close();
    }
  });
  return async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-driver-"));
    const d = await makeDriver(dir);
    open.push(d);
    return d;
  };
}

/** Checks that `verb` is declined with UnsupportedVerb (thrown or as a rejection). */
export async function expectDeclined(verb: DriverVerb, call: () => unknown): Promise<void> {
  const outcome = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(outcome).toBeInstanceOf(UnsupportedVerb);
  expect(outcome).toMatchObject({ verb });
}
