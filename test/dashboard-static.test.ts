/**
 * The dashboard's static files as berth serves them at /dashboard: content types, caching of hashed
 * assets, the SPA fallback (seed 004's form-POST delete lands on /dashboard/deployments), the CSP
 * header, no path traversal, and no API key needed.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_DIST } from "../src/http/dashboard.js";
import { startWithTeam, type TestBerth, waitFor } from "./support/berth.js";

let t: TestBerth;
let key: string;
beforeAll(async () => {
  ({ t, key } = await startWithTeam());
});
afterAll(async () => {
  await t?.close();
});

const get = (p: string) => fetch(`${t.url}${p}`, { redirect: "manual" });

describe("the dashboard's files", () => {
  it("answers its page at /dashboard and at every app path, never cached, with a CSP", async () => {
    for (const p of [
      "/dashboard",
      "/dashboard/",
      "/dashboard/deployments",
      "/dashboard/deployments/abc123xyz7",
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it("serves hashed assets with their content type, cached for a year", async () => {
    const html = await (await get("/dashboard/")).text();
    const js = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const css = /href="(\/dashboard\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    expect(css).toBeDefined();
    const script = await get(js!);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const style = await get(css!);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("keeps the first load within 300 KB of gzipped JavaScript (the shell and the deployments page)", async () => {
    const html = await (await get("/dashboard/")).text();
    const entry = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    const shell = await (await get(entry[0]!)).text();
    // The landing page's lazy chunk is imported by name from the entry.
    const landing = /["'`]\.\/(deployments-[\w-]+\.js)["'`]/.exec(shell)?.[1];
    expect(landing).toBeDefined();
    let gzipped = 0;
    for (const p of [...entry, `/dashboard/assets/${landing}`]) {
      const res = await get(p);
      expect(res.status, p).toBe(200);
      gzipped += zlib.gzipSync(Buffer.from(await res.arrayBuffer())).length;
    }
    expect(gzipped).toBeLessThanOrEqual(300 * 1024);
  });

  it("answers 404, not the page, for a missing asset", async () => {
    for (const p of ["/dashboard/assets/nope-123.js", "/dashboard/favicon.png"]) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get("content-type")).toContain("text/plain");
    }
  });

  it("never reads outside its folder", async () => {
    const secret = path.join(path.dirname(DASHBOARD_DIST), "outside-secret.txt");
    fs.writeFileSync(secret, "do not serve");
    try {
      for (const p of [
        "/dashboard/../package.json",
        "/dashboard/%2e%2e/package.json",
        "/dashboard/assets/%2e%2e/%2e%2e/outside-secret.txt",
        "/dashboard/%2e%2e%2foutside-secret.txt",
        "/dashboard/..%5coutside-secret.txt",
        "/dashboard/%00",
        "/dashboard/assets/..%2f..%2f..%2fpackage.json",
      ]) {
        const res = await get(p);
        const text = await res.text();
        expect(text, p).not.toContain("do not serve");
        expect(text, p).not.toContain('"name": "berth"');
        expect([200, 400, 404], p).toContain(res.status);
      }
    } finally {
      fs.rmSync(secret);
    }
  });

  it("is where seed 004's form-POST delete sends the browser", async () => {
    const created = await fetch(`${t.url}/api/deployments`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ template: "hello" }),
    });
    const { name } = (await created.json()) as { name: string };
    const res = await fetch(`${t.url}/api/deployments/delete`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded" },
      body: `deployment_name=${name}`,
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    const page = await get(res.headers.get("location")!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    await waitFor(
      async () =>
        (
          await fetch(`${t.url}/api/deployments/status?name=${name}`, {
            headers: { authorization: `Bearer ${key}` },
          })
        ).status === 404,
      "deleted",
    );
  });
});
