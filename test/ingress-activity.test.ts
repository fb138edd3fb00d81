/**
 * Idle pause counts real activity through the ingress: every request on a kept-alive connection and
 * every WebSocket frame keeps a deployment awake; once traffic stops, it is paused within its idle
 * timeout plus one idle check and the flush of recorded activity.
 */
import http from "node:http";
import { Agent, WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startWithTeam, type TestBerth, waitFor } from "./support/berth.js";
import { type Deployed, deployApp } from "./support/ingress.js";

const IDLE_MS = 3_000;
const CHECK_MS = 500;
/** The waker writes recorded activity once a second. */
const FLUSH_MS = 1_000;

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  ({ t, api } = await startWithTeam({}, { idleCheckMs: CHECK_MS }));
});
afterAll(async () => {
  await t?.close();
});

const cloud = (id: string, action = "") => `/api/cloud-saas/deployments/${id}${action ? `/${action}` : ""}`;

async function withIdleTimeout(label: string): Promise<Deployed> {
  const d = await deployApp(api, label);
  const set = await api("PUT", cloud(d.id, "idle-timeout"), { body: { idleTimeoutMs: IDLE_MS } });
  expect(set.status).toBe(200);
  return d;
}

async function status(id: string): Promise<string> {
  return (await api("GET", `/deployments/${id}`)).body.status;
}

async function pausingEvents(id: string): Promise<number> {
  return (await api("GET", `/deployments/${id}/events?event_type=pausing`)).body.total;
}

/** Waits for the pause after traffic stopped at `stoppedAt`; returns how long after it began. */
async function pausedAfter(id: string, stoppedAt: number): Promise<number> {
  await waitFor(async () => (await status(id)) !== "ready", "idle pause", 20_000, 50);
  return Date.now() - stoppedAt;
}

describe.concurrent("activity through the ingress keeps a deployment awake", () => {
  it("a keep-alive client sending a request every 0.5 s for 15 s: no pause, no failed request", async () => {
    const d = await withIdleTimeout("steady");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const failures: string[] = [];
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 15_000) {
      const r = await new Promise<string>((resolve) => {
        const req = http.get(
          { port: t.berth.port, path: `/tick-${sent}`, agent, headers: { host: d.host } },
          (res) => {
            let text = "";
            res.on("data", (c) => {
              text += c;
            });
            res.on("end", () => resolve(`${res.statusCode} ${text}`));
          },
        );
        req.on("socket", (s) => sockets.add(s));
        req.on("error", (err) => resolve(`error ${err.message}`));
      });
      if (!r.startsWith("200 ")) failures.push(r);
      sent++;
      await new Promise((r) => setTimeout(r, 500));
    }
    const stoppedAt = Date.now();
    agent.destroy();
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(20);
    expect(sockets.size).toBe(1);
    expect(await pausingEvents(d.id)).toBe(0);
    const after = await pausedAfter(d.id, stoppedAt);
    expect(after).toBeGreaterThanOrEqual(IDLE_MS - 600);
    expect(after).toBeLessThan(IDLE_MS + CHECK_MS + FLUSH_MS + 2_000);
  });

  it("a WebSocket echo session sending a frame a second keeps a deployment awake for 15 s", async () => {
    const d = await withIdleTimeout("socket");
    // ws://<name>.localhost:<port>/ with the name resolved to berth's loopback address.
    const dispatcher = new Agent({
      connect: {
        lookup: (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
          cb(null, [{ address: "127.0.0.1", family: 4 }]),
      } as never,
    });
    const ws = new WebSocket(`ws://${d.host}:${t.berth.port}/chat`, { dispatcher } as never);
    const echoes: string[] = [];
    ws.addEventListener("message", (e) => echoes.push(String(e.data)));
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", reject);
    });
    for (let i = 0; i < 15; i++) {
      ws.send(`frame ${i}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await waitFor(() => echoes.length === 15, "all echoes", 5_000);
    expect(echoes).toEqual(Array.from({ length: 15 }, (_v, i) => `frame ${i}`));
    expect(await status(d.id)).toBe("ready");
    expect(await pausingEvents(d.id)).toBe(0);
    const stoppedAt = Date.now();
    const closed = new Promise<boolean>((r) => ws.addEventListener("close", (e) => r(e.wasClean)));
    ws.close();
    expect(await closed).toBe(true);
    await dispatcher.close();
    const after = await pausedAfter(d.id, stoppedAt);
    expect(after).toBeLessThan(IDLE_MS + CHECK_MS + FLUSH_MS + 2_000);
  });
});
