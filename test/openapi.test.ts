import { afterAll, beforeAll, expect, it } from "vitest";
import { apiRoutes } from "./support/routes.js";
import { startTestBerth, type TestBerth } from "./support/berth.js";

let t: TestBerth;
beforeAll(async () => {
  t = await startTestBerth();
});
afterAll(async () => {
  await t?.close();
});

it("serves an OpenAPI 3 document listing every route berth serves", async () => {
  const res = await fetch(`${t.url}/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(doc.openapi).toMatch(/^3\./);
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
  );
  const served = apiRoutes.map((r) => `${r.method} ${r.route}`);
  for (const route of [...served, "GET /healthz", "GET /readyz"]) expect(documented).toContain(route);
  const surfaces = [...documented].filter((r) => !r.endsWith("/healthz") && !r.endsWith("/readyz"));
  expect(new Set(surfaces)).toEqual(new Set(served));
});

it("serves browsable docs at /docs", async () => {
  const res = await fetch(`${t.url}/docs/`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("swagger");
});

it("answers health and readiness probes", async () => {
  expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: "ok" });
  expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({
    status: "ready",
    isolation: "sandbox",
    missing: [],
  });
});

it("declares a JSON schema for every success answer of every operation", async () => {
  const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
    >;
  };
  const missing: string[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      if (success.length === 0) missing.push(`${method.toUpperCase()} ${p}: no 2xx answer`);
      for (const [code, answer] of success) {
        const schemas = Object.values(answer.content ?? {}).filter((c) => c.schema !== undefined);
        if (schemas.length === 0) missing.push(`${method.toUpperCase()} ${p}: ${code} has no schema`);
      }
    }
  }
  expect(missing).toEqual([]);
});
