/**
 * What the kubernetes driver asked of the API during a test run, as RBAC sees it: the union of
 * (API group, resource[/subresource], verb) over the requests the Kubernetes API double recorded,
 * written to deploy/kubernetes/rbac-used.json so the chart's test can compare its Role rules with
 * what the driver really uses. Also: the offline validator wired into the double, so a test fails on
 * the first invalid object the driver sends.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeInvalid, validateKubeObject } from "./kube-validate.js";

export interface RecordedRequest {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

export interface RbacRule {
  apiGroup: string;
  resource: string;
  verbs: string[];
}

const FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../deploy/kubernetes/rbac-used.json",
);
const used = new Map<string, Set<string>>();

/** Adds the requests to the union kept for this test file. */
export function recordRbacUse(requests: RecordedRequest[]): void {
  for (const r of requests) {
    if (!r.resource) continue; // discovery (/api, /apis) needs no rule
    const id = `${r.group}\t${r.subresource ? `${r.resource}/${r.subresource}` : r.resource}`;
    let verbs = used.get(id);
    if (!verbs) {
      verbs = new Set();
      used.set(id, verbs);
    }
    verbs.add(r.verb);
  }
}

export function rbacUse(): RbacRule[] {
  return [...used.entries()]
    .map(([id, verbs]) => {
      const [apiGroup, resource] = id.split("\t") as [string, string];
      return { apiGroup, resource, verbs: [...verbs].sort() };
    })
    .sort((a, b) => `${a.apiGroup}/${a.resource}`.localeCompare(`${b.apiGroup}/${b.resource}`));
}

/** Merges this run's union into deploy/kubernetes/rbac-used.json (other test files add theirs). */
recordRbacUse.flush = async (): Promise<void> => {
  let before: RbacRule[] = [];
  try {
    before = JSON.parse(await fs.readFile(FILE, "utf8")) as RbacRule[];
  } catch {
    // first run
  }
  for (const r of before)
    recordRbacUse(r.verbs.map((verb) => ({ verb, group: r.apiGroup, version: "", ...split(r.resource) })));
  await fs.mkdir(path.dirname(FILE), { recursive: true });
  await fs.writeFile(FILE, `${JSON.stringify(rbacUse(), null, 2)}\n`);
};

const split = (resource: string): { resource: string; subresource?: string } => {
  const [res, sub] = resource.split("/") as [string, string | undefined];
  return sub ? { resource: res, subresource: sub } : { resource: res };
};

/** The double's validate hook: the first invalid object fails the test that sent it. */
export const firstInvalid: { error?: Error } = {};
export function validateSent(obj: unknown): string[] {
  const errors = validateKubeObject(obj);
  if (errors.length > 0) firstInvalid.error ??= new Error(describeInvalid(obj, errors));
  return errors;
}
