/**
 * bench/proxy: req/s through berth's ingress to a `hello` replica against nginx proxying the same
 * upstream with keep-alive, in the same run. Target (PERFORMANCE.md): ratio ≥ 0.90, p50 added ≤ 1 ms.
 *   npm run bench:proxy             (installs wrk and nginx from Debian's packages if missing)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../test/support/postgres.js";
import { berthWithHello, ensureTools, wrk } from "./lib.js";

ensureTools({ wrk: "wrk", nginx: "nginx" });
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const b = await berthWithHello();
const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "berth-nginx-"));
const nginxPort = await freePort();
fs.mkdirSync(path.join(prefix, "logs"));
fs.writeFileSync(
  path.join(prefix, "nginx.conf"),
  `worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream hello { server 127.0.0.1:${b.upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://hello; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
);
const nginx = (args: string[]) =>
  spawnSync("nginx", ["-c", path.join(prefix, "nginx.conf"), "-p", prefix, ...args], { stdio: "inherit" });
nginx([]);
try {
  const host = `${b.name}.localhost`;
  wrk(`http://127.0.0.1:${nginxPort}/`, { seconds: 2 });
  const viaNginx = wrk(`http://127.0.0.1:${nginxPort}/`, { seconds });
  wrk(`${b.berth.url}/`, { seconds: 2, headers: { Host: host } });
  const viaBerth = wrk(`${b.berth.url}/`, { seconds, headers: { Host: host } });
  const row = (label: string, r: { rps: number; p50ms: number; p99ms: number }) =>
    console.log(
      `${label.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50ms.toFixed(2)} ms   p99 ${r.p99ms.toFixed(2)} ms`,
    );
  row("nginx -> hello (keep-alive)", viaNginx);
  row("berth ingress -> hello", viaBerth);
  console.log(
    `ratio berth/nginx: ${(viaBerth.rps / viaNginx.rps).toFixed(2)} (target >= 0.90); p50 added: ${(viaBerth.p50ms - viaNginx.p50ms).toFixed(2)} ms (target <= 1 ms)`,
  );
} finally {
  nginx(["-s", "stop"]);
  await b.stop();
  fs.rmSync(prefix, { recursive: true, force: true });
}
