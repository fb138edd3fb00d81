/**
 * bench/proxy: req/s and latency through berth's ingress (every request routed by its own Host)
 * against nginx, in the same run. Target (PERFORMANCE.md): ratio ≥ 0.80, p50 added ≤ 1 ms.
 *   1. direct: nginx → hello with upstream keep-alive, against berth → the same hello replica.
 *   2. behind nginx: nginx (upstream keep-alive) → berth → two hello deployments, requests
 *      alternating between the two hosts so each nginx→berth connection carries both; against
 *      nginx routing the same two hosts to the same replicas itself.
 * Each scenario runs BENCH_RUNS times (default 3) and prints the medians. BENCH_DESIGN_A=1 also
 * measures the rejected design (a): a Node http.Server front with an undici Pool upstream.
 *   npm run bench:proxy             (installs wrk and nginx from Debian's packages if missing)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../test/support/postgres.js";
import { startNginx } from "../test/support/nginx.js";
import { berthWithHello, ensureTools, median, startProcess, type WrkResult, wrk } from "./lib.js";

ensureTools({ wrk: "wrk", nginx: "nginx" });
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const b = await berthWithHello(2);
const [hostA, hostB] = b.names.map((n) => `${n}.localhost`) as [string, string];
const [portA, portB] = b.upstreamPorts as [number, number];
const [upA, upB] = b.upstreamHosts as [string, string];
const berthPort = Number(new URL(b.berth.url).port);
const direct = await freePort();
const front = await freePort();
const proxy = `proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host;`;
const nginx = startNginx(
  () => `
  upstream hello { server ${upA}:${portA}; keepalive 64; }
  upstream app_a { server ${upA}:${portA}; keepalive 64; }
  upstream app_b { server ${upB}:${portB}; keepalive 64; }
  upstream berth { server 127.0.0.1:${berthPort}; keepalive 64; }
  map $http_host $app { ${hostA} app_a; default app_b; }
  server { listen 127.0.0.1:${direct}; location / { proxy_pass http://hello; ${proxy} } }
  server {
    listen 127.0.0.1:${front};
    location / { proxy_pass http://$app; ${proxy} }
    location /via-berth/ { proxy_pass http://berth/; ${proxy} }
  }`,
);
// wrk sends one Host per connection unless a script sets it per request: alternate A and B.
const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "berth-wrk-")), "two-hosts.lua");
fs.writeFileSync(
  script,
  `local hosts = { "${hostA}", "${hostB}" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", wrk.path, { Host = hosts[(i % 2) + 1] })
end
`,
);

interface Pair {
  base: WrkResult;
  berth: WrkResult;
}

async function measure(
  label: string,
  base: () => Promise<WrkResult>,
  berth: () => Promise<WrkResult>,
): Promise<void> {
  const pairs: Pair[] = [];
  for (let i = 0; i < runs; i++) pairs.push({ base: await base(), berth: await berth() });
  const med = (f: (p: Pair) => number) => median(pairs.map(f));
  console.log(`\n${label} (${runs} runs of ${seconds} s, medians; each run: baseline then berth)`);
  for (const [i, p] of pairs.entries())
    console.log(
      `  run ${i + 1}: baseline ${p.base.rps.toFixed(0)} req/s p50 ${p.base.p50ms.toFixed(2)} p99 ${p.base.p99ms.toFixed(2)} | berth ${p.berth.rps.toFixed(0)} req/s p50 ${p.berth.p50ms.toFixed(2)} p99 ${p.berth.p99ms.toFixed(2)} | ratio ${(p.berth.rps / p.base.rps).toFixed(2)}`,
    );
  console.log(
    `  median: ratio berth/baseline ${med((p) => p.berth.rps / p.base.rps).toFixed(2)} (target >= 0.80); p50 ${med((p) => p.base.p50ms).toFixed(2)} -> ${med((p) => p.berth.p50ms).toFixed(2)} ms (added ${med((p) => p.berth.p50ms - p.base.p50ms).toFixed(2)}, target <= 1 ms); p99 ${med((p) => p.base.p99ms).toFixed(2)} -> ${med((p) => p.berth.p99ms).toFixed(2)} ms`,
  );
}

try {
  const run =
    (url: string, o: Parameters<typeof wrk>[1] = {}) =>
    () =>
      wrk(url, { seconds, ...o });
  await wrk(`http://127.0.0.1:${direct}/`, { seconds: 2 });
  await wrk(`${b.berth.url}/`, { seconds: 2, headers: { Host: hostA } });
  await measure(
    "1. nginx -> hello (keep-alive)  vs  berth ingress -> hello",
    run(`http://127.0.0.1:${direct}/`),
    run(`${b.berth.url}/`, { headers: { Host: hostA } }),
  );
  await wrk(`http://127.0.0.1:${front}/via-berth/`, { seconds: 2, script });
  await measure(
    "2. nginx -> two hellos by Host  vs  nginx (keep-alive) -> berth -> two hellos, hosts alternating",
    run(`http://127.0.0.1:${front}/`, { script }),
    run(`http://127.0.0.1:${front}/via-berth/`, { script }),
  );
  if (process.env.BENCH_DESIGN_A === "1") {
    const a = await startProcess(
      process.execPath,
      [new URL("./fixtures/http-level-proxy.mjs", import.meta.url).pathname],
      {
        UPSTREAM_PORT: String(portA),
        UPSTREAM_HOST: upA,
      },
    );
    try {
      await wrk(`http://127.0.0.1:${a.port}/`, { seconds: 2 });
      await measure(
        "design (a): nginx -> hello  vs  Node http.Server + undici Pool -> hello",
        run(`http://127.0.0.1:${direct}/`),
        run(`http://127.0.0.1:${a.port}/`),
      );
    } finally {
      a.stop();
    }
  }
} finally {
  nginx.stop();
  await b.stop();
  fs.rmSync(path.dirname(script), { recursive: true, force: true });
}
