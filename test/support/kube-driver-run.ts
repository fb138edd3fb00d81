/**
 * What tests of the kubernetes driver need around the Kubernetes API double.
 *
 * RBAC record: what the kubernetes driver asked of the API during a test run, as RBAC sees it: the union of
 * (API group, resource[/subresource], verb) over the requests the Kubernetes API double recorded,
 * written to deploy/kubernetes/rbac-used.json so the chart's test can compare its Role rules with
 * what the driver really uses. Also: the offline validator wired into the double, so a test fails on
 * the first invalid object the driver sends; and the `notes` template the API-level tests deploy.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DOUBLE_CSI_DRIVER, type KubeObject, type RequestRecord } from "./kube-double/index.js";
import { describeInvalid, validateKubeObject } from "./kube-validate.js";

/** Keeps `note.txt` in its volume: /set/<v> writes it, anything else answers with it. */
const NOTES_APP = `
const fs = require("node:fs"), http = require("node:http");
const file = process.env.BERTH_VOLUME_DIR + "/note.txt";
http.createServer((req, res) => {
  if (req.url.startsWith("/set/")) { fs.writeFileSync(file, decodeURIComponent(req.url.slice(5))); return res.end("ok"); }
  let note = "none"; try { note = fs.readFileSync(file, "utf8"); } catch {}
  res.end("note: " + note);
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

/** A template config of one workload, `notes` (NOTES_APP), with a volume at /data and an HTTP check. */
export const notesTemplate = {
  workloads: [
    {
      name: "notes",
      command: "node",
      args: ["-e", NOTES_APP],
      port: 8080,
      volume: { mountPath: "/data" },
      healthCheck: { type: "http", path: "/" },
    },
  ],
};

/** Seed of a VolumeSnapshotClass for the double's default StorageClass: CSI snapshots are offered. */
export const snapshotClassSeed = (): KubeObject[] => [
  {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotClass",
    metadata: { name: "standard-snapshots" },
    driver: DOUBLE_CSI_DRIVER,
    deletionPolicy: "Delete",
  },
];

export type RecordedRequest = RequestRecord;

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
    // discovery (/api, /apis…) is granted to every authenticated user by the system:discovery role
    if (!r.resource) continue;
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
  return toRules(used);
}

function toRules(m: Map<string, Set<string>>): RbacRule[] {
  return [...m.entries()]
    .map(([id, verbs]) => {
      const [apiGroup, resource] = id.split("\t") as [string, string];
      return { apiGroup, resource, verbs: [...verbs].sort() };
    })
    .sort((a, b) => `${a.apiGroup}/${a.resource}`.localeCompare(`${b.apiGroup}/${b.resource}`));
}

interface RbacFile {
  about: string;
  /** What each test file's requests needed (a file replaces only its own entry when it runs). */
  sources: Record<string, RbacRule[]>;
  /** The union over every source: what the chart's Role must grant, and all it may grant. */
  union: RbacRule[];
}

/** Reads the recorded use: the union over every test file that talks to the API double. */
export async function readRbacUse(): Promise<RbacRule[]> {
  return (JSON.parse(await fs.readFile(FILE, "utf8")) as RbacFile).union;
}

interface TaskLike {
  mode?: string;
  tasks?: TaskLike[];
}

const skipsAny = (t: TaskLike): boolean =>
  t.mode === "skip" || t.mode === "todo" || (t.tasks ?? []).some(skipsAny);

/**
 * Writes this test file's union as its entry of deploy/kubernetes/rbac-used.json — only after a run
 * of the whole file (`suite`, as afterAll receives it): a run filtered to some tests saw only part
 * of what the driver asks for and leaves the file as it was.
 */
recordRbacUse.flush = async (source: string, suite: TaskLike): Promise<void> => {
  if (skipsAny(suite)) return;
  let file: RbacFile = { about: "", sources: {}, union: [] };
  try {
    file = JSON.parse(await fs.readFile(FILE, "utf8")) as RbacFile;
  } catch {
    // first run
  }
  file.sources[source] = rbacUse();
  file.about =
    "API requests the kubernetes driver made in the tests against the Kubernetes API double, as RBAC rules (written by test/support/kube-driver-run.ts)";
  const all = new Map<string, Set<string>>();
  for (const rules of Object.values(file.sources))
    for (const r of rules) {
      const id = `${r.apiGroup}\t${r.resource}`;
      all.set(id, new Set([...(all.get(id) ?? []), ...r.verbs]));
    }
  file.union = toRules(all);
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (text === (await fs.readFile(FILE, "utf8").catch(() => ""))) return;
  // other test files read it meanwhile (the chart's RBAC test): they see the old or the new file, whole
  await fs.mkdir(path.dirname(FILE), { recursive: true });
  const tmp = `${FILE}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, FILE);
};

/** The double's validate hook: the first invalid object fails the test that sent it. */
export const firstInvalid: { error?: Error } = {};
export function validateSent(obj: unknown, old?: unknown): string[] {
  const errors = validateKubeObject(obj, old);
  if (errors.length > 0) firstInvalid.error ??= new Error(describeInvalid(obj, errors));
  return errors;
}
