/**
 * bench/status: req/s of `GET /api/deployments/status?name=` (authenticated, real store) against a
 * bare Fastify hello world started in the same run. Target (PERFORMANCE.md): ratio ≥ 0.60.
 *   npm run bench:status            (wrk -t2 -c50 -d10s on 127.0.0.1; installs wrk if missing)
 */
import { berthWithHello, ensureTools, startProcess, wrk } from "./lib.js";

ensureTools({ wrk: "wrk" });
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const fastify = await startProcess(process.execPath, [
  new URL("./fixtures/fastify-hello.mjs", import.meta.url).pathname,
]);
const b = await berthWithHello();
try {
  await wrk(`http://127.0.0.1:${fastify.port}/`, { seconds: 2 });
  const base = await wrk(`http://127.0.0.1:${fastify.port}/`, { seconds });
  const url = `${b.berth.url}/api/deployments/status?name=${b.name}`;
  await wrk(url, { seconds: 2, headers: { authorization: `Bearer ${b.key}` } });
  const status = await wrk(url, { seconds, headers: { authorization: `Bearer ${b.key}` } });
  const row = (label: string, r: { rps: number; p50ms: number; p99ms: number }) =>
    console.log(
      `${label.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50ms.toFixed(2)} ms   p99 ${r.p99ms.toFixed(2)} ms`,
    );
  row("Fastify hello (baseline)", base);
  row("berth GET /api/deployments/status", status);
  console.log(`ratio status/baseline: ${(status.rps / base.rps).toFixed(2)} (target >= 0.60)`);
} finally {
  fastify.stop();
  await b.stop();
}
