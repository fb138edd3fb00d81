#!/usr/bin/env node
// `npm run build:dashboard` (and npm ci, through `prepare`): builds the web dashboard into
// dashboard/dist with Vite. An install without dev dependencies (npm ci --omit=dev) has no Vite:
// it says so and goes on, and berth answers /dashboard with a 503 that says how to build it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const vite = path.join(root, "node_modules", ".bin", "vite");
if (!fs.existsSync(vite)) {
  console.warn("build-dashboard: vite is not installed (dev dependencies omitted); /dashboard stays unbuilt");
  process.exit(0);
}
const r = spawnSync(
  vite,
  ["build", "--config", path.join(root, "dashboard", "vite.config.ts"), ...process.argv.slice(2)],
  {
    stdio: "inherit",
    cwd: root,
  },
);
process.exit(r.status ?? 1);
