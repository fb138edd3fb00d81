/**
 * Where the CustomResourceDefinitions berth creates objects of are kept: `shared/kubernetes/crds/`
 * beside the repository (a clone sits next to `shared/`; a worktree under `wt/` one level deeper),
 * copied unchanged from agent-sandbox and external-snapshotter (see that folder's README).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The folder of the shared CRD files; throws naming the places looked at when there is none. */
export function sharedCrdDir(): string {
  const candidates = [
    path.resolve(repoRoot, "..", "shared", "kubernetes", "crds"),
    path.resolve(repoRoot, "..", "..", "shared", "kubernetes", "crds"),
  ];
  const found = candidates.find((dir) => fs.existsSync(dir));
  if (!found) throw new Error(`no shared/kubernetes/crds folder (looked at ${candidates.join(", ")})`);
  return found;
}

/** Absolute paths of every CRD file (*.yaml) in the shared folder, sorted. */
export function sharedCrdPaths(): string[] {
  const dir = sharedCrdDir();
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));
}
