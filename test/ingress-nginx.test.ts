/**
 * berth behind a real nginx (Debian's package) with upstream keepalive, the way platform teams put
 * a TLS-terminating proxy in front: nginx carries requests for several hosts over ONE kept-alive
 * connection to berth, and each is still answered by its own target. nginx's X-Forwarded-For is
 * extended because nginx's address is in BERTH_TRUSTED_PROXIES.
 */
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/postgres.js";
import { type ApiClient, startWithTeam, type TestBerth } from "./support/berth.js";
import { appLog, type Deployed, deployApp, rawExchange } from "./support/ingress.js";
import { connectionsTo, type Nginx, startNginx } from "./support/nginx.js";

let t: TestBerth;
let api: ApiClient;
let key: string;
let a: Deployed;
let b: Deployed;
let nginx: Nginx;
let nginxPort: number;
/** nginx connects to berth from its own loopback address, so its connections can be counted. */
const NGINX_ADDRESS = "127.0.0.3";

beforeAll(async () => {
  ({ t, api, key } = await startWithTeam({ BERTH_TRUSTED_PROXIES: "127.0.0.3" }));
  [a, b] = await Promise.all([deployApp(api, "app-a"), deployApp(api, "app-b")]);
  nginxPort = await freePort();
  nginx = startNginx(
    () => `
  upstream berth { server 127.0.0.1:${t.berth.port}; keepalive 1; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://berth;
      proxy_bind 127.0.0.3;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }`,
  );
});
afterAll(async () => {
  nginx?.stop();
  await t?.close();
});

type Step = "A" | "B" | "API";
const hostOf = (s: Step) => (s === "A" ? a.host : s === "B" ? b.host : `127.0.0.1:${t.berth.port}`);

async function throughNginx(steps: Step[]): Promise<string[]> {
  const client = new Client(`http://127.0.0.1:${nginxPort}`, { pipelining: 1 });
  const bodies: string[] = [];
  try {
    for (const [i, s] of steps.entries()) {
      const headers: Record<string, string> = { host: hostOf(s) };
      if (s === "API") headers.authorization = `Bearer ${key}`;
      const res = await client.request({ path: s === "API" ? "/api/me" : `/n-${i}`, method: "GET", headers });
      bodies.push(`${res.statusCode} ${await res.body.text()}`);
    }
  } finally {
    await client.close();
  }
  return bodies;
}

const matches = (s: Step, i: number) =>
  s === "API" ? /^200 \{.*"teamId"/ : new RegExp(`^200 app-${s.toLowerCase()} GET /n-${i}\\n$`);

describe("through nginx with upstream keepalive", () => {
  it.each([
    ["A→B", ["A", "B"]],
    ["B→A", ["B", "A"]],
    ["API→A", ["API", "A"]],
    ["A→API", ["A", "API"]],
    ["A→B→A→API→B", ["A", "B", "A", "API", "B"]],
  ] as [string, Step[]][])(
    "%s: each answered by its own target over one berth connection",
    async (_l, steps) => {
      const bodies = await throughNginx(steps);
      steps.forEach((s, i) => {
        expect(bodies[i]).toMatch(matches(s, i));
      });
      expect(connectionsTo(t.berth.port, NGINX_ADDRESS)).toBe(1);
    },
  );

  it("pipelined A, B, A, API to nginx are answered in order by their own targets", async () => {
    const steps: Step[] = ["A", "B", "A", "API"];
    const data = steps
      .map((s, i) => {
        const path = s === "API" ? "/api/me" : `/n-${i}`;
        const auth = s === "API" ? `Authorization: Bearer ${key}\r\n` : "";
        return `GET ${path} HTTP/1.1\r\nHost: ${hostOf(s)}\r\n${auth}\r\n`;
      })
      .join("");
    const { responses } = await rawExchange(nginxPort, data, 4);
    steps.forEach((s, i) => {
      expect(`${responses[i]!.status} ${responses[i]!.body}`).toMatch(matches(s, i));
    });
    expect(connectionsTo(t.berth.port, NGINX_ADDRESS)).toBe(1);
  });

  it("the workloads never saw the API requests nginx forwarded", async () => {
    await throughNginx(["API", "A", "API", "B"]);
    for (const d of [a, b]) {
      const log = await appLog(api, d.id);
      expect(log).not.toContain("/api/");
      expect(log).not.toContain(key);
    }
  });

  it("nginx is a trusted proxy: the client's address arrives first in X-Forwarded-For", async () => {
    const data = `GET /headers HTTP/1.1\r\nHost: ${a.host}\r\n\r\n`;
    const { responses } = await rawExchange(nginxPort, data, 1, { localAddress: "127.0.0.2" });
    expect(JSON.parse(responses[0]!.body)["x-forwarded-for"]).toBe("127.0.0.2, 127.0.0.3");
  });
});
