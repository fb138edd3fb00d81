/**
 * Rules of the source tree that a reviewer cannot be trusted to notice (docs/architecture.md):
 * - a status is compared with a literal only in src/domain (lifecycle.ts, status.ts,
 *   record-status.ts), everywhere else code asks a predicate;
 * - the engine (src/engine) and the runtime (src/runtime) never import src/capabilities.
 * Scans the source text, so it also holds for code added later.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CANONICAL_STATUSES } from "../src/domain/status.js";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts)$/.test(e.name) && !/\.(test|contract)\.ts$/.test(e.name) ? [p] : [];
  });
}

const rel = (p: string) => path.relative(root, p).split(path.sep).join("/");

/** Places allowed to compare status names, each with the reason. */
const ALLOWED: Record<string, string> = {
  "src/cli/": "a client of the HTTP API: it reads the status names a surface shows",
  "src/store/migrations.ts": "Kysely's migration result status, not a berth status",
  "src/runtime/kubernetes/":
    "Kubernetes objects' status fields (pod conditions, the exec Status), not berth statuses",
};

const q = `["'\`]`;
const canonical = CANONICAL_STATUSES.join("|");
const STATUS_RULES: [string, RegExp][] = [
  ["status compared with a literal", new RegExp(`(?<!typeof\\s+[\\w.?]*)\\bstatus\\s*[!=]==?\\s*${q}`)],
  ["literal compared with a status", new RegExp(`${q}\\s*[!=]==?\\s*[\\w.?!]*status\\b`, "i")],
  ["status set written as literals", new RegExp(`\\b(statuses|excludeStatuses)\\s*:\\s*\\[\\s*${q}`)],
  ["status looked up in a literal list", /\]\s*\.includes\([\w.?!]*status\)/],
  ["switch over a status", /\bswitch\s*\([\w.?!]*status\)/],
  [
    "canonical status list written out",
    new RegExp(`\\[\\s*${q}(${canonical})${q}\\s*,\\s*${q}(${canonical})${q}`),
  ],
];

function statusViolations(file: string, text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (/^\s*(\*|\/\/|\/\*)/.test(line)) return;
    for (const [what, re] of STATUS_RULES)
      if (re.test(line)) out.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
  });
  return out;
}

describe("status literals live only in src/domain", () => {
  it("no file outside src/domain compares a status with a literal", () => {
    const violations = sourceFiles(src)
      .map((f) => rel(f))
      .filter((f) => !f.startsWith("src/domain/"))
      .filter((f) => !Object.keys(ALLOWED).some((a) => f === a || (a.endsWith("/") && f.startsWith(a))))
      .flatMap((f) => statusViolations(f, fs.readFileSync(path.join(root, f), "utf8")));
    expect(violations).toEqual([]);
  });

  it.each([
    ['if (d.status === "ready") return;'],
    ['if ("paused" !== row.status) return;'],
    ['const rows = await list({ excludeStatuses: ["failed"] });'],
    ['if (["paused", "stopped"].includes(d.status)) wake();'],
    ["switch (d.status) {"],
    ['const PAUSABLE = ["ready", "running"];'],
  ])("the scan catches %s", (line) => {
    expect(statusViolations("x.ts", line)).not.toEqual([]);
  });

  it.each([
    ["if (isPausedLike(d.status)) wake();"],
    ['if (r.phase === "ready") ready++;'],
    ['// a comment may say status === "ready"'],
    ['if (typeof f.status === "string") q = q.where("to_status", "=", f.status);'],
    ['  case "paused":'],
  ])("the scan lets %s pass", (line) => {
    expect(statusViolations("x.ts", line)).toEqual([]);
  });
});

describe("layers", () => {
  const importsOf = (text: string) =>
    [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)].map((m) => m[1]!);

  it.each([["src/engine"], ["src/runtime"]])("%s never imports src/capabilities", (dir) => {
    const offenders = sourceFiles(path.join(root, dir)).flatMap((f) =>
      importsOf(fs.readFileSync(f, "utf8"))
        .filter((spec) => spec.startsWith("."))
        .map((spec) => path.resolve(path.dirname(f), spec))
        .filter((target) => rel(target).startsWith("src/capabilities/"))
        .map((target) => `${rel(f)} imports ${rel(target)}`),
    );
    expect(offenders).toEqual([]);
  });

  it("src/domain imports nothing but src/domain (and types of store rows)", () => {
    const offenders = sourceFiles(path.join(src, "domain")).flatMap((f) =>
      fs
        .readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => /^import\s/.test(l) && /from\s+["']\.\.\//.test(l))
        .filter((l) => !/^import type .* from "\.\.\/store\/schema\.js";$/.test(l))
        .map((l) => `${rel(f)}: ${l}`),
    );
    expect(offenders).toEqual([]);
  });
});
