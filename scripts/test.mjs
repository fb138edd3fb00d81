#!/usr/bin/env node
// berth's full gate, in order: Debian packages the tests need (scripts/debian-packages.txt) →
// typecheck (server and dashboard) → lint/format check → dashboard build → every test (vitest:
// unit, integration on SQLite and on a real PostgreSQL, browser tests on chromium). Ends with one
// plain summary line: "tests: N passed, N failed".
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  return r.status ?? 1;
};
const bin = (name) => path.join("node_modules", ".bin", name);

if (run(process.execPath, [path.join("scripts", "system-deps.mjs")]) !== 0) process.exit(1);
if (
  run(bin("tsc"), ["--noEmit", "-p", "."]) !== 0 ||
  run(bin("tsc"), ["--noEmit", "-p", "dashboard"]) !== 0
) {
  console.error("typecheck failed");
  process.exit(1);
}
if (run(bin("biome"), ["check", "--formatter-enabled=true", "--linter-enabled=true", "."]) !== 0) {
  console.error("lint or format check failed");
  process.exit(1);
}
// The browser tests drive the dashboard as built from the current sources.
if (
  run(bin("vite"), ["build", "--logLevel", "warn", "--config", path.join("dashboard", "vite.config.ts")]) !==
  0
) {
  console.error("dashboard build failed");
  process.exit(1);
}
fs.mkdirSync(".test-output", { recursive: true });
const report = path.join(".test-output", "vitest.json");
const status = run(bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(fs.readFileSync(report, "utf8"));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  if (r.numTotalTests === 0) failed += 1;
} catch {
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
