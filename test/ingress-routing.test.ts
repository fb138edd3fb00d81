/**
 * Per-request routing on ONE kept-alive connection to berth's port, with real deployments: each
 * request is answered by the target its own Host names, an API request (with a team key) never
 * reaches a workload (its own log proves it), and pipelined requests are answered in order.
 * Driven three ways: undici's Client (one connection), Node's keep-alive http.Agent, raw bytes.
 */
import http from "node:http";
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startWithTeam, type TestBerth } from "./support/berth.js";
import { appLog, type Deployed, deployApp, rawExchange } from "./support/ingress.js";

let t: TestBerth;
let api: ApiClient;
let key: string;
let a: Deployed;
let b: Deployed;
let apiHost: string;

beforeAll(async () => {
  ({ t, api, key } = await startWithTeam());
  [a, b] = await Promise.all([deployApp(api, "app-a"), deployApp(api, "app-b")]);
  apiHost = new URL(t.url).host;
});
afterAll(async () => {
  await t?.close();
});

type Step = "A" | "B" | "API";

/** What each target answers to GET /seq-<i>: the app's own name and path, or the API's /me body. */
function expected(step: Step, i: number): RegExp {
  if (step === "API") return /"teamId"/;
  return new RegExp(`^app-${step.toLowerCase()} GET /seq-${i}\\n$`);
}

function request(step: Step, i: number): { path: string; host: string; headers: Record<string, string> } {
  if (step === "API") return { path: "/api/me", host: apiHost, headers: { authorization: `Bearer ${key}` } };
  return { path: `/seq-${i}`, host: step === "A" ? a.host : b.host, headers: {} };
}

async function viaUndici(steps: Step[]): Promise<{ bodies: string[]; connections: number }> {
  const client = new Client(t.url, { pipelining: 1 });
  let connections = 0;
  client.on("connect", () => connections++);
  const bodies: string[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      const r = request(step, i);
      const res = await client.request({
        path: r.path,
        method: "GET",
        headers: { host: r.host, ...r.headers },
      });
      bodies.push(`${res.statusCode} ${await res.body.text()}`);
    }
  } finally {
    await client.close();
  }
  return { bodies, connections };
}

async function viaAgent(steps: Step[]): Promise<{ bodies: string[]; sockets: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const bodies: string[] = [];
  const u = new URL(t.url);
  try {
    for (const [i, step] of steps.entries()) {
      const r = request(step, i);
      bodies.push(
        await new Promise<string>((resolve, reject) => {
          const req = http.get(
            { host: u.hostname, port: u.port, path: r.path, agent, headers: { host: r.host, ...r.headers } },
            (res) => {
              let text = "";
              res.setEncoding("utf8");
              res.on("data", (c: string) => {
                text += c;
              });
              res.on("end", () => resolve(`${res.statusCode} ${text}`));
            },
          );
          req.on("socket", (s) => sockets.add(s));
          req.on("error", reject);
        }),
      );
    }
  } finally {
    agent.destroy();
  }
  return { bodies, sockets: sockets.size };
}

const sequences: Step[][] = [
  ["A", "B"],
  ["B", "A"],
  ["API", "A"],
  ["A", "API"],
  ["A", "B", "A", "API", "B", "API", "A"],
];

describe("every request on one kept-alive connection goes to its own target", () => {
  it.each(sequences.map((s) => [s.join("→"), s]))("undici client: %s", async (_label, steps) => {
    const { bodies, connections } = await viaUndici(steps as Step[]);
    expect(connections).toBe(1);
    (steps as Step[]).forEach((s, i) => {
      expect(bodies[i]).toMatch(/^200 /);
      expect(bodies[i]!.slice(4)).toMatch(expected(s, i));
    });
  });

  it.each(sequences.map((s) => [s.join("→"), s]))("Node keep-alive http.Agent: %s", async (_label, steps) => {
    const { bodies, sockets } = await viaAgent(steps as Step[]);
    expect(sockets).toBe(1);
    (steps as Step[]).forEach((s, i) => {
      expect(bodies[i]!.slice(4)).toMatch(expected(s, i));
    });
  });

  it("pipelined A, B, A, API in one write are answered in order by their own targets", async () => {
    const steps: Step[] = ["A", "B", "A", "API"];
    const data = steps
      .map((s, i) => {
        const r = request(s, i);
        const extra = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`);
        return `GET ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\n${extra.join("")}\r\n`;
      })
      .join("");
    const { responses } = await rawExchange(t.berth.port, data, 4);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    steps.forEach((s, i) => {
      expect(responses[i]!.body).toMatch(expected(s, i));
    });
  });

  it("pipelined requests with bodies: each body reaches only its own request's target", async () => {
    const agent = JSON.stringify({
      name: "pipelined",
      spec: { name: "p", image: "berth/hello", port: 8080 },
    });
    const data =
      `POST /echo HTTP/1.1\r\nHost: ${a.host}\r\nContent-Length: 5\r\n\r\nhello` +
      `GET /between HTTP/1.1\r\nHost: ${b.host}\r\n\r\n` +
      `POST /api/agents HTTP/1.1\r\nHost: ${apiHost}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${agent.length.toString(16)}\r\n${agent}\r\n0\r\n\r\n` +
      `POST /echo HTTP/1.1\r\nHost: ${b.host}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`;
    const { responses } = await rawExchange(t.berth.port, data, 4);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 201, 200]);
    expect(JSON.parse(responses[0]!.body).bytes).toBe(5);
    expect(responses[1]!.body).toBe("app-b GET /between\n");
    expect(JSON.parse(responses[2]!.body).name).toBe("pipelined");
    expect(JSON.parse(responses[3]!.body).bytes).toBe(3);
  });

  it("host matching: any case, with or without a port, the absolute (trailing-dot) form", async () => {
    const port = t.berth.port;
    const variants = [
      a.host.toUpperCase(),
      `${a.host}:${port}`,
      `${a.host}.`,
      `${a.host}.:${port}`,
      `${a.host}:80`,
    ];
    const data = variants.map((h, i) => `GET /v-${i} HTTP/1.1\r\nHost: ${h}\r\n\r\n`).join("");
    const { responses } = await rawExchange(port, data, variants.length);
    expect(responses.map((r) => r.body)).toEqual(variants.map((_h, i) => `app-a GET /v-${i}\n`));
  });

  it("an absolute-form target that agrees with Host is routed by it and forwarded in origin form", async () => {
    const data = `GET http://${b.host}/abs?x=1 HTTP/1.1\r\nHost: ${b.host}\r\n\r\n`;
    const { responses } = await rawExchange(t.berth.port, data, 1);
    expect(responses[0]).toMatchObject({ status: 200, body: "app-b GET /abs?x=1\n" });
  });

  it("the workloads' own logs never saw an API request or another app's request", async () => {
    await viaUndici(["A", "API", "B", "API", "A"]);
    const [logA, logB] = await Promise.all([appLog(api, a.id), appLog(api, b.id)]);
    expect(logA).toContain(`GET /seq-0 host=${a.host}`);
    expect(logB).toContain(`GET /seq-2 host=${b.host}`);
    for (const log of [logA, logB]) {
      expect(log).not.toContain("/api/");
      expect(log).not.toContain(key);
    }
    expect(logA).not.toContain(`host=${b.host}`);
    expect(logB).not.toContain(`host=${a.host}`);
  });

  it("a paused deployment is woken by its own request while the same connection serves others", async () => {
    const c = await deployApp(api, "app-c");
    const paused = await api("POST", `/api/cloud-saas/deployments/${c.id}/pause`);
    expect(paused.status).toBe(200);
    const data = [a.host, c.host, b.host, c.host]
      .map((h, i) => `GET /wake-${i} HTTP/1.1\r\nHost: ${h}\r\n\r\n`)
      .join("");
    const { responses } = await rawExchange(t.berth.port, data, 4);
    expect(responses.map((r) => `${r.status} ${r.body}`)).toEqual([
      "200 app-a GET /wake-0\n",
      "200 app-c GET /wake-1\n",
      "200 app-b GET /wake-2\n",
      "200 app-c GET /wake-3\n",
    ]);
  });

  it("a deployment woken by a request reads ready in the API once that request is answered", async () => {
    const d = await deployApp(api, "app-d");
    expect((await api("POST", `/api/cloud-saas/deployments/${d.id}/pause`)).status).toBe(200);
    const { responses } = await rawExchange(t.berth.port, `GET /w HTTP/1.1\r\nHost: ${d.host}\r\n\r\n`, 1);
    expect(responses[0]!.status).toBe(200);
    const st = await api<{ deployment: { status: string } }>("GET", `/api/cloud-saas/deployments/${d.id}`);
    expect(st.body.deployment.status).toBe("deployed");
  });

  it("a Host under the ingress domain that names no deployment gets 404, the connection stays usable", async () => {
    const data = `GET / HTTP/1.1\r\nHost: nope-${Date.now()}.localhost\r\n\r\nGET /after HTTP/1.1\r\nHost: ${a.host}\r\n\r\nGET / HTTP/1.1\r\nHost: x.y.localhost\r\n\r\n`;
    const { responses } = await rawExchange(t.berth.port, data, 3);
    expect(responses.map((r) => r.status)).toEqual([404, 200, 404]);
    expect(JSON.parse(responses[0]!.body).error).toMatch(/no deployment serves nope-/);
    expect(responses[1]!.body).toBe("app-a GET /after\n");
  });
});
