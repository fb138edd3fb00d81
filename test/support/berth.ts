/** Starts a real berth (real SQLite file or PostgreSQL, real processes, port 0) for a test file. */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { type Berth, type StartOptions, startBerth } from "../../src/app.js";
import { type Config, fromEnv, configSchema } from "../../src/config.js";

export interface TestBerth {
  berth: Berth;
  url: string;
  adminToken: string;
  dataDir: string;
  config: Config;
  api: ApiClient;
  close(): Promise<void>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely unless they name a type
export type ApiClient = <T = any>(
  method: string,
  path: string,
  opts?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
) => Promise<ApiResponse<T>>;

export function apiClient(base: string, defaultToken: string): ApiClient {
  return async (method, p, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? defaultToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${base}${p}`, { method, headers, body, redirect: "manual" });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed as never, text };
  };
}

export async function startTestBerth(
  overrides: Record<string, string> = {},
  opts: {
    wakeTimeoutMs?: number;
    sseKeepAliveMs?: number;
    dataDir?: string;
    adminToken?: string;
    logger?: pino.Logger;
    idleCheckMs?: number;
    clock?: { now(): Date };
    /** false: schedules fire only when a test calls `berth.scheduler.tick()`. */
    scheduler?: boolean;
    ingressLimits?: StartOptions["ingressLimits"];
  } = {},
): Promise<TestBerth> {
  const dataDir = opts.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "berth-test-")));
  const adminToken = opts.adminToken ?? `admin-${randomBytes(16).toString("hex")}`;
  const config = fromEnv(
    configSchema.parse({
      PORT: "0",
      HOST: "127.0.0.1",
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_TOKEN: adminToken,
      BERTH_ENCRYPTION_KEY: "test-encryption-key-0123456789abcdef",
      BERTH_RESYNC_MS: "500",
      BERTH_STOP_GRACE_MS: "2000",
      BERTH_BACKOFF_INITIAL_MS: "100",
      BERTH_BACKOFF_MAX_MS: "2000",
      BERTH_PROBE_INTERVAL_MS: "500",
      ...overrides,
    }),
  );
  const logger = opts.logger ?? pino({ level: process.env.BERTH_TEST_LOG ?? "silent" });
  const berth = await startBerth(config, {
    logger,
    wakeTimeoutMs: opts.wakeTimeoutMs,
    sseKeepAliveMs: opts.sseKeepAliveMs,
    idleCheckMs: opts.idleCheckMs,
    operationTimeoutMs: 20_000,
    clock: opts.clock,
    scheduler: opts.scheduler,
    retryBaseMs: 50,
    ingressLimits: opts.ingressLimits,
  });
  return {
    berth,
    url: berth.url,
    adminToken,
    dataDir,
    config,
    api: apiClient(berth.url, adminToken),
    async close() {
      await berth.close({ stopWorkloads: true });
    },
  };
}

/** A team of the given tier and a key for it with the given scopes. */
export async function teamWithKey(
  api: ApiClient,
  scopes: string[] = [
    "deployments:read",
    "deployments:write",
    "templates:read",
    "templates:write",
    "agents:write",
  ],
  tier = "enterprise",
): Promise<{ teamId: string; key: string }> {
  const team = await api<{ id: string }>("POST", "/api/teams", {
    body: { name: `team ${randomBytes(3).toString("hex")}`, tier },
  });
  if (team.status !== 201) throw new Error(`team create failed: ${team.status} ${team.text}`);
  const key = await api<{ key: string }>("POST", "/api/keys", {
    body: { name: "test", teamId: team.body.id, scopes },
  });
  if (key.status !== 201) throw new Error(`key create failed: ${key.status} ${key.text}`);
  return { teamId: team.body.id, key: key.body.key };
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A request through berth's ingress: berth's own port with the deployment's Host header. */
export function viaIngress(
  berthUrl: string,
  host: string,
  p = "/",
  opts: { method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(berthUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: p,
        method: opts.method ?? "GET",
        headers: { host, ...opts.headers },
        agent: opts.agent ?? false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Waits until the ingress at `url` answers 200 for Host `host` at `p` with a body matching `expected`. */
export function servesViaIngress(url: string, host: string, p: string, expected: RegExp, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const r = await viaIngress(url, host, p);
      return r.status === 200 && expected.test(r.text) && r.text;
    },
    `${host} serving ${expected} at ${p}`,
    timeoutMs,
    100,
  );
}

/** A berth with one team (enterprise tier) and a client holding that team's full-scope key. */
export async function startWithTeam(
  overrides: Record<string, string> = {},
  opts: Parameters<typeof startTestBerth>[1] = {},
): Promise<{ t: TestBerth; api: ApiClient; key: string; teamId: string }> {
  const t = await startTestBerth(overrides, opts);
  const { key, teamId } = await teamWithKey(t.api);
  return { t, api: apiClient(t.url, key), key, teamId };
}

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(private t: number) {}
  now = (): Date => new Date(this.t);
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * The volume of `workload` in a data dir holding one namespace (volumes are keyed by the namespace
 * incarnation's id, not its name); for tests whose berth runs in another process.
 */
export async function onlyVolume(dataDir: string, workload: string): Promise<string> {
  const root = path.join(dataDir, "volumes");
  const found: string[] = [];
  for (const ns of await fs.readdir(root)) {
    const dir = path.join(root, ns, workload);
    if (
      await fs.stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      found.push(dir);
  }
  if (found.length !== 1) throw new Error(`expected one volume of ${workload}, found ${found.length}`);
  return found[0]!;
}

/** A template config of one `berth/hello` workload answering `hello: <greeting>`, ready once it answers HTTP. */
export const helloConfig = (greeting: string) => ({
  workloads: [
    {
      name: "web",
      image: "berth/hello",
      port: 8080,
      env: { GREETING: greeting },
      healthCheck: { type: "http", path: "/" },
    },
  ],
});
