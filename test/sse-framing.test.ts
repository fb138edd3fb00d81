/**
 * Log lines over Server-Sent Events, read back with a standard EventSource parser
 * (eventsource-parser): whatever bytes a workload writes — `\r`, `\r\n`, lone `\n`, NUL, invalid
 * UTF-8, a character split across writes, text that looks like SSE fields — each line arrives
 * whole as the data of one event and never sets an id, an event type or a retry time.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startWithTeam, type TestBerth, viaIngress, waitFor } from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;
let key: string;

/** Writes the hostile output (as raw bytes, some in two writes) when asked for /emit. */
const EMITTER = `
const out = (b) => new Promise((r) => process.stdout.write(b, r));
require("node:http").createServer(async (q, s) => {
  if (q.url !== "/emit") return s.end("ok");
  await out("dl 10%\\rid: 999\\rdl 100% done\\n");
  await out("crlf line\\r\\n");
  await out("first\\nsecond\\n");
  await out("nul\\u0000byte\\n");
  await out(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x21, 0x0a]));
  await out("event: hack\\rdata: injected\\r\\rretry: 1\\n");
  await out(Buffer.from([0x73, 0x70, 0x6c, 0x69, 0x74, 0x20, 0xc3]));
  await new Promise((r) => setTimeout(r, 400));
  await out(Buffer.from([0xa9, 0x0a]));
  await out("END\\n");
  s.end("emitted");
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
`;

const EXPECTED = [
  "dl 10%\nid: 999\ndl 100% done",
  "crlf line",
  "first",
  "second",
  "nul\u0000byte",
  "bad\uFFFD\uFFFD!",
  "event: hack\ndata: injected\n\nretry: 1",
  "split é",
  "END",
];

beforeAll(async () => {
  ({ t, api, key } = await startWithTeam());
});
afterAll(async () => {
  await t?.close();
});

/** Reads the SSE stream through the parser until an event with data `until` arrives. */
async function readEvents(
  path: string,
  started: () => Promise<void>,
  until = (e: EventSourceMessage) => e.data === "END",
) {
  const ctrl = new AbortController();
  const res = await fetch(`${t.url}${path}`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
    signal: ctrl.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const first = await reader.read(); // ": connected" — the stream follows from here on
  parser.feed(decoder.decode(first.value, { stream: true }));
  await started();
  const deadline = Date.now() + 20_000;
  while (!events.some(until) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  ctrl.abort();
  return { events, retries };
}

describe("GET /api/deployments/{name}/logs/stream", () => {
  it("delivers each log line whole as data and never lets it set an SSE field", async () => {
    const agent = await api<{ id: string }>("POST", "/api/agents", {
      body: {
        name: "emitter",
        spec: { name: "emitter", command: "node", args: ["-e", EMITTER], port: 8080 },
      },
    });
    expect(agent.status, agent.text).toBe(201);
    const dep = await api<{ id: string; name: string }>("POST", "/deployments", {
      body: { agent_id: agent.body.id },
    });
    expect(dep.status, dep.text).toBe(201);
    await waitFor(async () => {
      const r = await viaIngress(t.url, `${dep.body.name}.localhost`);
      return r.status === 200 && r.text === "ok";
    }, "the emitter answering");

    const { events, retries } = await readEvents(
      `/api/deployments/${dep.body.name}/logs/stream`,
      async () => {
        const r = await viaIngress(t.url, `${dep.body.name}.localhost`, "/emit");
        expect(r.text).toBe("emitted");
      },
    );
    expect(events.map((e) => e.data)).toEqual(EXPECTED);
    for (const e of events) {
      expect(e.id).toBeUndefined();
      expect(e.event).toBeUndefined();
    }
    expect(retries).toEqual([]);
  });
});

describe("secrets in a deployment's log", () => {
  it("are masked in the stream and the tail, also the values replaced while it ran", async () => {
    const first = "first-secret-0123456789abcdef";
    const second = "second-secret-fedcba9876543210";
    const app = `console.log("token " + process.env.API_TOKEN); require("node:http").createServer((q, s) => { console.log("again " + process.env.API_TOKEN); s.end("ok"); }).listen(Number(process.env.PORT), "127.0.0.1")`;
    const agent = await api<{ id: string }>("POST", "/api/agents", {
      body: { name: "printer", spec: { name: "printer", command: "node", args: ["-e", app], port: 8080 } },
    });
    const dep = await api<{ id: string; name: string }>("POST", "/deployments", {
      body: { agent_id: agent.body.id, environment: { API_TOKEN: first } },
    });
    expect(dep.status, dep.text).toBe(201);
    await waitFor(async () => (await viaIngress(t.url, `${dep.body.name}.localhost`)).text === "ok", "app");
    const { events } = await readEvents(
      `/api/deployments/${dep.body.name}/logs/stream`,
      async () => {
        await viaIngress(t.url, `${dep.body.name}.localhost`);
        const put = await api("PUT", "/api/deployments/config", {
          body: { deployment_name: dep.body.name, configData: { API_TOKEN: second } },
        });
        expect(put.status, put.text).toBe(200);
      },
      (e) => e.data.startsWith("token "),
    );
    expect(events.map((e) => e.data)).toEqual(["again ********", "token ********"]);
    const logs = await api("GET", `/api/deployments/${dep.body.name}/logs`);
    const lines = (logs.body.logs as string).trimEnd().split("\n");
    expect(lines.at(-1)).toBe("token ********");
    for (const line of lines) expect(line).toMatch(/^(token|again) \*{8}$/);
  });
});
