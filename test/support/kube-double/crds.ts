/**
 * Part of the Kubernetes API test double: CustomResourceDefinitions.
 *
 * Follows "Extend the Kubernetes API with CustomResourceDefinitions": a CRD adds a resource to its
 * group at every `served` version, with the `status` and `scale` subresources it declares, and
 * becomes visible in discovery. The double stores the CRD object itself (apiextensions.k8s.io/v1)
 * with an Established condition; the schema is not enforced here (that is `opts.validate`'s job).
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { KubeObject, ResourceDef } from "./resources.js";
import { timestamp } from "./time.js";

/** Where berth's CRDs live relative to the repository: ../shared/kubernetes/crds (next to the repo). */
export function defaultCrdPaths(repoRoot: string): string[] {
  const dir = path.resolve(repoRoot, "..", "shared", "kubernetes", "crds");
  const fallback = "/work/shared/kubernetes/crds";
  const found = fs.existsSync(dir) ? dir : fallback;
  if (!fs.existsSync(found)) return [];
  return fs
    .readdirSync(found)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => path.join(found, f));
}

const parsed = new Map<string, { mtimeMs: number; doc: KubeObject }>();

/** Reads a CRD file; parsed once per process (the agent-sandbox CRD is ~8,000 lines of YAML). */
export function readCrd(file: string): KubeObject {
  const mtimeMs = fs.statSync(file).mtimeMs;
  const hit = parsed.get(file);
  if (hit?.mtimeMs === mtimeMs) return structuredClone(hit.doc);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as KubeObject;
  if (doc?.kind !== "CustomResourceDefinition") throw new Error(`${file} is not a CustomResourceDefinition`);
  parsed.set(file, { mtimeMs, doc });
  return structuredClone(doc);
}

interface CrdVersion {
  name: string;
  served?: boolean;
  subresources?: {
    status?: object;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
}

/**
 * The resource a CRD defines: `status` when any served version declares it, `scale` on exactly the
 * versions that declare it (agent-sandbox: v1alpha1 only).
 */
export function crdResource(crd: KubeObject): ResourceDef {
  const spec = crd.spec;
  const versions = (spec.versions as CrdVersion[]).filter((v) => v.served !== false);
  const scale = versions.find((v) => v.subresources?.scale)?.subresources?.scale;
  return {
    group: spec.group,
    versions: versions.map((v) => v.name),
    resource: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    kind: spec.names.kind,
    namespaced: spec.scope === "Namespaced",
    status: versions.some((v) => v.subresources?.status),
    ...(scale
      ? { scale, scaleVersions: versions.filter((v) => v.subresources?.scale).map((v) => v.name) }
      : {}),
    shortNames: spec.names.shortNames ?? [],
    custom: true,
  };
}

/** The status an API server gives an accepted CRD. */
export function establishedStatus(crd: KubeObject): object {
  const at = timestamp();
  return {
    acceptedNames: crd.spec.names,
    storedVersions: (crd.spec.versions as { name: string; storage?: boolean }[])
      .filter((v) => v.storage)
      .map((v) => v.name),
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        reason: "NoConflicts",
        message: "no conflicts found",
        lastTransitionTime: at,
      },
      {
        type: "Established",
        status: "True",
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
        lastTransitionTime: at,
      },
    ],
  };
}
