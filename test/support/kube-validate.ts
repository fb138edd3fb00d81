/**
 * Offline validation of the Kubernetes objects berth sends, standing in for the API server's
 * admission checks that no test here can reach (no API server runs on these machines).
 *
 * `validateKubeObject(obj, old?)` returns the API server's complaints about `obj` (empty: valid):
 * - built-in kinds: kubernetes-models@4.5.1 (types, formats, required fields) plus strict field
 *   validation (an undeclared field is an error, where a real server would drop it with a warning);
 * - custom kinds: the CRDs in shared/kubernetes/crds (agent-sandbox Sandbox, CSI snapshot kinds)
 *   with ajv, unknown fields refused, plus their CEL `x-kubernetes-validations` rules (transition
 *   rules only on an update, given `old`);
 * - every kind: ObjectMeta (name syntax per kind, labels, annotations) and the semantic rules of
 *   ./kube-validate/semantics.ts (pod specs, selectors, Service ports, PVCs, Ingress);
 * - a kind it has no schema for is an error, so nothing passes unchecked.
 * `describeInvalid` formats the errors as the message of the API server's 422 `Invalid` Status.
 */
import { sharedCrdPaths } from "./kube-crds.js";
import { isBuiltin, validateBuiltin } from "./kube-validate/builtin.js";
import { CrdValidators } from "./kube-validate/crd.js";
import { validateObjectMeta } from "./kube-validate/metadata.js";
import { semanticErrors } from "./kube-validate/semantics.js";

let crds: CrdValidators | undefined;
const crdValidators = () => {
  crds ??= new CrdValidators(sharedCrdPaths());
  return crds;
};

/** `apps/v1` → ["apps", "v1"]; `v1` → ["", "v1"]. */
export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** The API server's complaints about `obj` (empty when valid); `old` is the stored object on an update. */
export function validateKubeObject(obj: unknown, old?: unknown): string[] {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return ["<root>: must be an object"];
  const o = obj as Record<string, unknown>;
  if (typeof o.apiVersion !== "string" || o.apiVersion === "") return ["apiVersion: Required value"];
  if (typeof o.kind !== "string" || o.kind === "") return ["kind: Required value"];
  const [group, version] = splitApiVersion(o.apiVersion);
  let errors: string[];
  if (crdValidators().has(group, o.kind)) errors = crdValidators().validate(group, version, o, old);
  else if (isBuiltin(group, version, o.kind)) errors = validateBuiltin(group, version, o);
  else return [`no schema for kind "${o.kind}" in version "${o.apiVersion}"`];
  return [...validateObjectMeta(o.kind, o.metadata), ...errors, ...semanticErrors(group, o.kind, o)];
}

/** `Sandbox.agents.x-k8s.io "name" is invalid: [a, b]`, as the API server's Status message says it. */
export function describeInvalid(obj: unknown, errors: string[]): string {
  const o = (typeof obj === "object" && obj !== null ? obj : {}) as Record<string, unknown>;
  const [group] = splitApiVersion(String(o.apiVersion ?? ""));
  const meta = (typeof o.metadata === "object" && o.metadata !== null ? o.metadata : {}) as Record<
    string,
    unknown
  >;
  const kind = `${String(o.kind ?? "Object")}${group ? `.${group}` : ""}`;
  return `${kind} ${JSON.stringify(String(meta.name ?? meta.generateName ?? ""))} is invalid: [${errors.join(", ")}]`;
}
