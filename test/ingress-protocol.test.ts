/**
 * What a client sees at the ingress for hostile and unusual HTTP: ambiguous or malformed Host,
 * request smuggling (CL+TE, two CLs), oversized and slow heads, forwarding headers from trusted and
 * untrusted peers, and what web apps need: SSE and chunked streaming, Expect: 100-continue, large
 * bodies both ways, HTTP/1.0, a client leaving mid-body, the connection limit, and 502.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startWithTeam, type TestBerth, waitFor } from "./support/berth.js";
import { appLog, type Deployed, deployApp, rawExchange } from "./support/ingress.js";

let t: TestBerth;
let api: ApiClient;
let a: Deployed;
let port: number;

beforeAll(async () => {
  ({ t, api } = await startWithTeam(
    { BERTH_TRUSTED_PROXIES: "127.0.0.1/32, ::1", BERTH_INGRESS_MAX_CONNECTIONS: "3" },
    { ingressLimits: { headersTimeoutMs: 1_000 } },
  ));
  a = await deployApp(api, "app-a");
  port = t.berth.port;
});
afterAll(async () => {
  await t?.close();
});

const get = (path: string, host = a.host, extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;

/** Sends `data`, expects one refusal with `status` and a closed connection; the app never saw `marker`. */
async function refused(data: string, status: number, message: RegExp, marker: string) {
  const { responses, closed } = await rawExchange(port, data, 2);
  expect(responses).toHaveLength(1);
  expect(responses[0]!.status).toBe(status);
  expect(JSON.parse(responses[0]!.body).error).toMatch(message);
  expect(closed).toBe(true);
  expect(await appLog(api, a.id)).not.toContain(marker);
}

describe("ambiguous or malformed Host is refused with 400 and never forwarded", () => {
  it.each([
    [
      "two Host headers",
      "GET /two-hosts HTTP/1.1\r\nHost: A\r\nHost: 127.0.0.1\r\n\r\n",
      /more than one Host/,
    ],
    ["a Host with a space", "GET /bad-host-1 HTTP/1.1\r\nHost: a b.localhost\r\n\r\n", /malformed Host/],
    ["a Host with userinfo", "GET /bad-host-2 HTTP/1.1\r\nHost: evil@x.localhost\r\n\r\n", /malformed Host/],
    [
      "a Host with a bad port",
      "GET /bad-host-3 HTTP/1.1\r\nHost: x.localhost:99999\r\n\r\n",
      /malformed Host/,
    ],
    ["an empty Host", "GET /bad-host-4 HTTP/1.1\r\nHost: \r\n\r\n", /malformed Host/],
    ["no Host on HTTP/1.1", "GET /no-host HTTP/1.1\r\n\r\n", /missing Host/],
    [
      "Host disagreeing with an absolute target",
      "GET http://127.0.0.1/abs-1 HTTP/1.1\r\nHost: A\r\n\r\n",
      /disagrees/,
    ],
    [
      "an absolute target for another app",
      "GET http://other.localhost/abs-2 HTTP/1.1\r\nHost: A\r\n\r\n",
      /disagrees/,
    ],
  ])("%s", async (_what, raw, message) => {
    const data = raw.replaceAll("Host: A\r", `Host: ${a.host}\r`);
    await refused(
      data + get("/after-bad-host"),
      400,
      message,
      raw.split(" ")[1]!.replace(/^http:\/\/[^/]+/, ""),
    );
    expect(await appLog(api, a.id)).not.toContain("/after-bad-host");
  });

  it("CONNECT is refused", async () => {
    await refused(`CONNECT ${a.host}:80 HTTP/1.1\r\nHost: ${a.host}:80\r\n\r\n`, 405, /CONNECT/, "CONNECT");
  });
});

describe("request smuggling", () => {
  it.each([
    [
      "Content-Length with Transfer-Encoding",
      `POST /smuggle-1 HTTP/1.1\r\nHost: H\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled-1 HTTP/1.1\r\nHost: H\r\n\r\n`,
    ],
    [
      "two Content-Length headers",
      `POST /smuggle-2 HTTP/1.1\r\nHost: H\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled-2 HTTP/1.1\r\nHost: H\r\n\r\n`,
    ],
    [
      "a Transfer-Encoding that does not end in chunked",
      `POST /smuggle-3 HTTP/1.1\r\nHost: H\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled-3 HTTP/1.1\r\nHost: H\r\n\r\n`,
    ],
    [
      "an obfuscated Transfer-Encoding",
      `POST /smuggle-4 HTTP/1.1\r\nHost: H\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /smuggled-4 HTTP/1.1\r\nHost: H\r\n\r\n`,
    ],
    [
      "a bare LF line ending",
      `GET /smuggle-5 HTTP/1.1\nHost: H\n\nGET /smuggled-5 HTTP/1.1\r\nHost: H\r\n\r\n`,
    ],
  ])("%s: 400, connection closed, nothing forwarded", async (_what, raw) => {
    const data = raw.replaceAll("Host: H", `Host: ${a.host}`);
    const { responses, closed } = await rawExchange(port, data, 3);
    expect(responses.map((r) => r.status)).toEqual([400]);
    expect(closed).toBe(true);
    const log = await appLog(api, a.id);
    expect(log).not.toMatch(/smuggle/);
  });
});

describe("limits", () => {
  it("a head over 16 KiB gets 431 and the connection closes", async () => {
    const big = `X-Big: ${"x".repeat(20 * 1024)}\r\n`;
    await refused(get("/oversized", a.host, big), 431, /larger than 16384 bytes/, "/oversized");
  });

  it("a head that does not arrive within the deadline gets 408 and the connection closes", async () => {
    const started = Date.now();
    const { responses, closed } = await rawExchange(
      port,
      `GET /slow HTTP/1.1\r\nHost: ${a.host}\r\nX-Slow: `,
      2,
    );
    expect(responses.map((r) => r.status)).toEqual([408]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it("a connection that never sends a byte is closed at the head deadline", async () => {
    const { responses, closed } = await rawExchange(port, "", 2);
    expect(responses.map((r) => r.status)).toEqual([408]);
    expect(closed).toBe(true);
  });

  it("above the open-connection limit a deployment answers 503 with Retry-After until one closes", async () => {
    const streams = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<http.ClientRequest>((resolve, reject) => {
            const req = http.get(
              { port, path: "/sse?count=100&everyMs=200", headers: { host: a.host }, agent: false },
              (res) => res.once("data", () => resolve(req)),
            );
            req.on("error", reject);
          }),
      ),
    );
    const over = await rawExchange(port, get("/over-limit"), 1);
    expect(over.responses[0]).toMatchObject({ status: 503, headers: { "retry-after": "1" } });
    expect(JSON.parse(over.responses[0]!.body).error).toMatch(/3 open connections, its limit/);
    for (const s of streams) s.destroy();
    await waitFor(
      async () => (await rawExchange(port, get("/under-limit"), 1)).responses[0]!.status === 200,
      "slot",
    );
  });
});

describe("forwarding headers", () => {
  const sent =
    "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: public.example\r\nForwarded: for=203.0.113.9;proto=https\r\n";

  it("from a trusted proxy they are extended", async () => {
    const { responses } = await rawExchange(port, get("/headers", a.host, sent), 1);
    expect(JSON.parse(responses[0]!.body)).toMatchObject({
      "x-forwarded-for": "203.0.113.9, 127.0.0.1",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "public.example",
      forwarded: `for=203.0.113.9;proto=https, for=127.0.0.1;host="${a.host}";proto=http`,
      host: a.host,
    });
  });

  it("from an untrusted peer they are replaced", async () => {
    const { responses } = await rawExchange(port, get("/headers", a.host, sent), 1, {
      localAddress: "127.0.0.2",
    });
    expect(JSON.parse(responses[0]!.body)).toMatchObject({
      "x-forwarded-for": "127.0.0.2",
      "x-forwarded-proto": "http",
      "x-forwarded-host": a.host,
      forwarded: `for=127.0.0.2;host="${a.host}";proto=http`,
    });
  });

  it("hop-by-hop headers, and those Connection names, are not forwarded", async () => {
    const extra =
      "Connection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Kept: yes\r\n";
    const { responses } = await rawExchange(port, get("/headers", a.host, extra), 1);
    const seen = JSON.parse(responses[0]!.body);
    expect(seen["x-kept"]).toBe("yes");
    for (const h of ["x-secret-hop", "keep-alive", "te"]) expect(seen[h]).toBeUndefined();
  });

  it("BERTH_TRUSTED_PROXIES must be CIDRs", async () => {
    const { parseConfig } = await import("../src/config.js");
    expect(() => parseConfig({ BERTH_TRUSTED_PROXIES: "10.0.0.0/8,not-an-ip" })).toThrow(
      /BERTH_TRUSTED_PROXIES: must be comma-separated CIDRs: "not-an-ip" is not an IP address or CIDR/,
    );
    expect(() => parseConfig({ BERTH_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/"10.0.0.0\/33"/);
  });
});

/** A request through the ingress with Node's http client; resolves with status and body bytes. */
function send(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer; expect100?: boolean } = {},
): Promise<{ status: number; body: Buffer; continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(
      { port, path, method: opts.method ?? "GET", headers: { host: a.host, ...opts.headers }, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), continued }));
      },
    );
    req.on("error", reject);
    if (opts.expect100) {
      req.on("continue", () => {
        continued = true;
        req.end(opts.body);
      });
    } else req.end(opts.body);
  });
}

describe("what web apps need", () => {
  it("SSE events arrive as they are sent, not when the stream ends", async () => {
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      http
        .get({ port, path: "/sse?count=4&everyMs=300", headers: { host: a.host }, agent: false }, (res) => {
          expect(res.headers["content-type"]).toBe("text/event-stream");
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            events.push(`${c.trim()} complete=${res.complete}`);
          });
          res.on("end", () => resolve());
        })
        .on("error", reject);
    });
    expect(events[0]).toBe("data: 0 complete=false");
    expect(events.join(" ")).toContain("data: 3");
  });

  it("large bodies both ways: 24 MiB up (Content-Length and chunked) and 32 MiB down (chunked)", async () => {
    const body = Buffer.alloc(24 * 1024 * 1024, "ab");
    const sha256 = createHash("sha256").update(body).digest("hex");
    const up = await send("/echo", {
      method: "POST",
      body,
      headers: { "content-length": String(body.length) },
    });
    expect(JSON.parse(up.body.toString())).toEqual({ bytes: body.length, sha256 });
    const chunked = await send("/echo", {
      method: "POST",
      body,
      headers: { "transfer-encoding": "chunked" },
    });
    expect(JSON.parse(chunked.body.toString())).toEqual({ bytes: body.length, sha256 });
    const down = await send(`/bytes?n=${32 * 1024 * 1024}`);
    expect(down.status).toBe(200);
    expect(down.body.length).toBe(32 * 1024 * 1024);
  });

  it("large bodies through the sandboxed app, five rounds in a row, all arrive whole", async () => {
    // The app runs in its sandbox, reached at its sandbox address (the kernel's path, no helper).
    const key = t.berth.driver.keys().find((k) => k.startsWith(`${a.id}/`))!;
    expect(t.berth.driver.endpoints(key)[0]?.host).toMatch(/^10\.201\./);
    const body = Buffer.alloc(24 * 1024 * 1024, "cd");
    const sha256 = createHash("sha256").update(body).digest("hex");
    for (let round = 0; round < 5; round++) {
      const up = await send("/echo", {
        method: "POST",
        body,
        headers: { "content-length": String(body.length) },
      });
      expect(JSON.parse(up.body.toString()), `round ${round}`).toEqual({ bytes: body.length, sha256 });
      const down = await send(`/bytes?n=${32 * 1024 * 1024}`);
      expect(down.status, `round ${round}`).toBe(200);
      expect(down.body.length, `round ${round}`).toBe(32 * 1024 * 1024);
    }
  });

  it("Expect: 100-continue gets its 100 from the app before the body is sent", async () => {
    const body = Buffer.from("after continue");
    const r = await send("/echo", {
      method: "POST",
      body,
      headers: { expect: "100-continue", "content-length": String(body.length) },
      expect100: true,
    });
    expect(r.continued).toBe(true);
    expect(JSON.parse(r.body.toString()).bytes).toBe(body.length);
  });

  it("an HTTP/1.0 client gets its answer and the connection closes", async () => {
    const { responses, closed } = await rawExchange(port, `GET /ten HTTP/1.0\r\nHost: ${a.host}\r\n\r\n`, 2);
    expect(responses.map((r) => `${r.status} ${r.body}`)).toEqual(["200 app-a GET /ten\n"]);
    expect(closed).toBe(true);
  });

  it("a HEAD response has no body and the connection stays usable", async () => {
    const data = `HEAD /head HTTP/1.1\r\nHost: ${a.host}\r\n\r\n${get("/after-head")}`;
    const { responses } = await rawExchange(port, data, 2, { heads: [0] });
    expect(responses.map((r) => `${r.status} ${r.body}`)).toEqual(["200 ", "200 app-a GET /after-head\n"]);
  });

  it("a client that leaves mid-body harms nothing: the app sees the aborted request, others are served", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write(`POST /echo?left HTTP/1.1\r\nHost: ${a.host}\r\nContent-Length: 10000000\r\n\r\n`);
    socket.write(Buffer.alloc(200_000, "z"));
    await waitFor(async () => (await appLog(api, a.id)).includes("POST /echo?left"), "app saw the upload");
    socket.destroy();
    const after = await Promise.all([send("/after-abort"), send("/after-abort")]);
    expect(after.map((r) => r.body.toString())).toEqual(Array(2).fill("app-a GET /after-abort\n"));
  });
});

describe("an answer before the whole body arrived", () => {
  const upload = (path: string, host: string, extra = "") =>
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Content-Length: ${8 * 1024 * 1024}\r\n\r\n${"x".repeat(8 * 1024 * 1024)}`;

  it("from an app: the rest of the body is dropped and the connection serves the next request", async () => {
    const { responses } = await rawExchange(port, upload("/early", a.host) + get("/after-early"), 2);
    expect(responses.map((r) => `${r.status} ${r.body}`)).toEqual([
      "200 early\n",
      "200 app-a GET /after-early\n",
    ]);
  });

  it("from the API (401 before reading the body): the same", async () => {
    const apiHost = new URL(t.url).host;
    const { responses } = await rawExchange(
      port,
      upload("/api/agents", apiHost, "Content-Type: application/json\r\n") + get("/after-401"),
      2,
    );
    expect(responses.map((r) => r.status)).toEqual([401, 200]);
    expect(responses[1]!.body).toBe("app-a GET /after-401\n");
  });
});

describe("a client that half-closes mid-body", () => {
  it("is disconnected: its request can never complete", async () => {
    const socket = net.connect(port, "127.0.0.1");
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.on("error", () => undefined);
    socket.resume();
    socket.end(`POST /echo?half HTTP/1.1\r\nHost: ${a.host}\r\nContent-Length: 1000\r\n\r\n0123456789`);
    await closed;
    expect((await send("/after-half")).body.toString()).toBe("app-a GET /after-half\n");
  });
});

describe("upstream failure", () => {
  it("a replica that stops accepting connections gets 502, and the control plane keeps serving", async () => {
    const b = await deployApp(api, "app-b");
    expect((await send("/stop-listening", { headers: { host: b.host } })).status).toBe(200);
    const r = await send("/x", { headers: { host: b.host } });
    expect(`${r.status} ${r.body}`).toBe('502 {"error":"upstream connection failed"}');
    expect((await api("GET", "/api/me")).status).toBe(200);
  });

  it("a replica that drops the connection before answering gets 502; the client's connection stays usable", async () => {
    const { responses, closed } = await rawExchange(port, get("/reset") + get("/after-reset"), 2);
    expect(responses.map((r) => `${r.status} ${r.body}`)).toEqual([
      '502 {"error":"upstream connection failed"}',
      "200 app-a GET /after-reset\n",
    ]);
    expect(closed).toBe(false);
  });
});
