/**
 * The runtime driver is the only door to workloads and volumes (docs/architecture.md, "Who may
 * start a process"). Scans the source of src/ (tests excluded):
 * - child processes are started only under src/runtime/ (tenant processes, volume copies) and
 *   src/backup/ (the archive validator, which reads bytes on a pipe, and the local driver's archive
 *   helpers);
 * - in src/backup/ only the local driver's helpers (volume-tar.ts, volume-listing.ts) run tar, cp,
 *   rsync or find — the tools that read or write a volume — and only src/runtime/ imports them;
 * - nothing outside src/runtime/ copies a directory tree or knows where a volume lives.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    if (!/\.(ts|mts|js|mjs)$/.test(e.name) || /\.(test|contract)\.ts$/.test(e.name)) return [];
    return [path.relative(root, p)];
  });
}

const files = sources(path.join(root, "src"));
const text = (f: string) => fs.readFileSync(path.join(root, f), "utf8");
const under = (f: string, ...dirs: string[]) => dirs.some((d) => f.startsWith(`src/${d}/`));

it("scans the whole source tree", () => {
  expect(files.length).toBeGreaterThan(50);
  expect(files).toContain("src/runtime/local/spawn.ts");
});

it("starts child processes only in src/runtime/ and src/backup/", () => {
  const offenders = files.filter(
    (f) => !under(f, "runtime", "backup") && /["'](node:)?child_process["']/.test(text(f)),
  );
  expect(offenders).toEqual([]);
});

const DRIVER_HELPERS = ["src/backup/volume-tar.ts", "src/backup/volume-listing.ts"];

it("leaves reading and writing volumes (tar, cp, rsync, find) to the runtime driver and its helpers", () => {
  const runsVolumeTool =
    /\b(spawn|spawnSync|execFile|execFileSync|exec|execSync|run)\(\s*["'](tar|cp|rsync|find)["']/;
  const offenders = files.filter(
    (f) => !under(f, "runtime") && !DRIVER_HELPERS.includes(f) && runsVolumeTool.test(text(f)),
  );
  expect(offenders).toEqual([]);
  // the pattern does see the tools where they are allowed
  for (const helper of DRIVER_HELPERS) expect(runsVolumeTool.test(text(helper))).toBe(true);
});

it("lets only the runtime (and the helpers themselves) use the driver's archive helpers", () => {
  const importsHelper = /from ["'][./]*(backup\/)?volume-(tar|listing)\.js["']/;
  const importers = files.filter((f) => importsHelper.test(text(f)));
  expect(importers.filter((f) => !under(f, "runtime") && !DRIVER_HELPERS.includes(f))).toEqual([]);
  expect(importers).toContain("src/runtime/local/volumes.ts");
});

it("copies no directory tree and locates no volume outside src/runtime/", () => {
  const copies = /\b(fs|fsp)\.(cp|cpSync)\(|\bcpSync\(|\.volumePath\(|["']volumes["']/;
  expect(files.filter((f) => !under(f, "runtime") && copies.test(text(f)))).toEqual([]);
});

it("lets only the composition root (app.ts, serve.ts) import the local runtime", () => {
  const importsLocal = /from ["'][./]*(runtime\/)?local\/[\w-]+\.js["']/;
  const importers = files.filter((f) => !under(f, "runtime") && importsLocal.test(text(f)));
  expect(importers.sort()).toEqual(["src/app.ts", "src/serve.ts"]);
});
