/**
 * Renders the Helm chart deploy/helm/berth (`helm template`, scripts/helm.ts) and writes the plain
 * manifests deploy/kubernetes/*.yaml from it: one file per chart template, default values, release
 * `berth` in namespace `berth`. test/helm-chart.test.ts fails when the files are not what this
 * writes, so a chart change comes with `npm run manifests`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { helmBinary } from "./helm.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CHART_DIR = path.join(repoRoot, "deploy", "helm", "berth");
export const MANIFESTS_DIR = path.join(repoRoot, "deploy", "kubernetes");

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** `--set` pairs (key=value). */
  set?: Record<string, string>;
  /** A values file's text, passed with `--values`. */
  values?: string;
}

/** `helm template` of the chart; throws with helm's message when it fails. */
export function renderChart(opts: RenderOptions = {}): string {
  const args = ["template", opts.release ?? "berth", CHART_DIR, "--namespace", opts.namespace ?? "berth"];
  for (const [k, v] of Object.entries(opts.set ?? {})) args.push("--set-string", `${k}=${v}`);
  if (opts.values !== undefined) args.push("--values", "-");
  const r = spawnSync(helmBinary(), args, {
    input: opts.values,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  return r.stdout;
}

const HEADER =
  "# Generated from the Helm chart deploy/helm/berth (default values, release berth, namespace berth)\n" +
  "# by `npm run manifests`; edit the chart, not this file.\n";

/** The plain manifests: file name → text, one file per template of the chart. */
export function plainManifests(): Map<string, string> {
  const files = new Map<string, string[]>();
  for (const doc of renderChart().split(/^---\n/m)) {
    const source = /^# Source: berth\/templates\/(.+\.yaml)$/m.exec(doc)?.[1];
    if (!source) continue;
    const body = doc.replace(/^# Source: .*\n/m, "").trimEnd();
    files.set(source, [...(files.get(source) ?? []), body]);
  }
  return new Map([...files].map(([f, docs]) => [f, `${HEADER}---\n${docs.join("\n---\n")}\n`]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = plainManifests();
  fs.mkdirSync(MANIFESTS_DIR, { recursive: true });
  for (const f of fs.readdirSync(MANIFESTS_DIR))
    if (f.endsWith(".yaml") && !files.has(f)) fs.rmSync(path.join(MANIFESTS_DIR, f));
  for (const [f, text] of files) fs.writeFileSync(path.join(MANIFESTS_DIR, f), text);
  console.log(`wrote ${[...files.keys()].map((f) => path.join("deploy", "kubernetes", f)).join(", ")}`);
}
