/**
 * Serves the web dashboard's built assets (dashboard/ → `npm run build:dashboard` → dashboard/dist)
 * at /dashboard. The dashboard is a client of the public API like any other: these routes hand out
 * static files only and need no key.
 *
 * - `/dashboard/assets/*` are content-hashed by the build: cached for a year, immutable.
 * - Any other path under /dashboard that is not a file answers index.html (the app routes in the
 *   browser), never cached, so a new build is picked up on the next load.
 * - A path is resolved inside the assets folder or not at all: `..`, encoded separators and NUL
 *   answer 404 without touching the file system outside it.
 * - Every answer carries a Content-Security-Policy that allows scripts, styles and connections to
 *   this origin only, plus links to the ingress hosts (navigation is not restricted by CSP).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Where `npm run build:dashboard` writes; resolved from this module so any working directory works. */
export const DASHBOARD_DIST = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Maps a request path below /dashboard/ (already percent-decoded by the router) to a file inside
 * `root`, or undefined when it is not a plain relative path (`..`, backslashes, NUL).
 */
export function resolveDashboardPath(root: string, decoded: string): string | undefined {
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.some((s) => s === "..")) return undefined;
  const file = path.resolve(root, ...segments);
  return file === root || file.startsWith(root + path.sep) ? file : undefined;
}

async function readFile(file: string): Promise<Buffer | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? await fs.readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

function headers(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", DASHBOARD_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY");
}

/** Registers GET /dashboard and GET /dashboard/* on the root app (hidden from the OpenAPI document). */
export function dashboardRoutes(app: FastifyInstance, root = DASHBOARD_DIST): void {
  const serveIndex = async (reply: FastifyReply) => {
    const index = await readFile(path.join(root, "index.html"));
    if (!index) {
      return headers(reply)
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The dashboard is not built: run `npm run build:dashboard` (npm ci runs it).\n");
    }
    return headers(reply).header("cache-control", "no-cache").type(CONTENT_TYPES[".html"]!).send(index);
  };

  app.get("/dashboard", { schema: { hide: true } }, async (_req, reply) => serveIndex(reply));
  app.get<{ Params: { "*": string } }>("/dashboard/*", { schema: { hide: true } }, async (req, reply) => {
    const rest = req.params["*"];
    const file = resolveDashboardPath(root, rest);
    if (!file) return headers(reply).code(404).type("text/plain; charset=utf-8").send("not found\n");
    const ext = path.extname(file);
    const body = ext === ".html" ? undefined : await readFile(file);
    if (body) {
      const isAsset = rest.startsWith("assets/");
      return headers(reply)
        .header("cache-control", isAsset ? IMMUTABLE : "no-cache")
        .type(CONTENT_TYPES[ext] ?? "application/octet-stream")
        .send(body);
    }
    // A missing asset is a 404 (a stale page must not get HTML as JavaScript); any other path is a
    // page of the app.
    if (rest.startsWith("assets/") || (ext !== "" && ext !== ".html")) {
      return headers(reply).code(404).type("text/plain; charset=utf-8").send("not found\n");
    }
    return serveIndex(reply);
  });
}
