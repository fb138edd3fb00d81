#!/usr/bin/env node
// Installs the Debian packages listed in scripts/debian-packages.txt that are not installed yet
// (dpkg-query), running `apt-get update` once before the first install. Needs root and apt-get; where
// either is missing it prints what is missing and exits 0, so tests that need a package say so.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = fs
  .readFileSync(path.join(here, "debian-packages.txt"), "utf8")
  .split("\n")
  .map((l) => l.replace(/#.*/, "").trim())
  .filter(Boolean);

const installed = (pkg) => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
};
const missing = wanted.filter((p) => !installed(p));
if (missing.length === 0) process.exit(0);
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasApt || process.getuid?.() !== 0) {
  console.warn(`system-deps: cannot install ${missing.join(" ")} (needs root and apt-get)`);
  process.exit(0);
}
console.log(`system-deps: installing ${missing.join(" ")}`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const quiet = { stdio: ["ignore", "ignore", "inherit"], env };
spawnSync("apt-get", ["update", "-qq"], quiet);
const r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], quiet);
if (r.status !== 0) {
  console.error(`system-deps: apt-get install failed for ${missing.join(" ")}`);
  process.exit(1);
}
