/**
 * Part of the Kubernetes API test double: the update rules the API server's validation enforces on
 * built-in kinds, which a client only meets on a real cluster when it changes an existing object.
 *
 * Follows the API reference and the server's messages for: Pod spec (only container images,
 * activeDeadlineSeconds, tolerations and terminationGracePeriodSeconds may change); StatefulSet spec
 * (only replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
 * persistentVolumeClaimRetentionPolicy and minReadySeconds); Job `spec.selector` and
 * `spec.template`; PersistentVolumeClaim spec (only `resources.requests` may change, and storage may
 * only grow); Service `clusterIP` (left empty on update it is kept, as the server fills it in);
 * Secrets and ConfigMaps marked `immutable: true`.
 */
import type { StatusCause } from "./status-errors.js";
import type { KubeObject, ResourceDef } from "./resources.js";
import { sameJson } from "./json.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are free-form JSON
type Any = any;

const same = sameJson;
const forbidden = (field: string, message: string): StatusCause => ({
  reason: "FieldValueForbidden",
  field,
  message: `Forbidden: ${message}`,
});
const immutable = (field: string): StatusCause => ({
  reason: "FieldValueInvalid",
  field,
  message: "Invalid value: field is immutable",
});

function without(spec: Any, allowed: string[]): Any {
  const copy = { ...(spec ?? {}) };
  for (const k of allowed) delete copy[k];
  return copy;
}

function podSpecWithoutImages(spec: Any): Any {
  const strip = (cs: Any[] | undefined) => cs?.map(({ image: _image, ...rest }: Any) => rest);
  const s = without(spec, [
    "activeDeadlineSeconds",
    "tolerations",
    "terminationGracePeriodSeconds",
    "nodeName",
  ]);
  return { ...s, containers: strip(s.containers), initContainers: strip(s.initContainers) };
}

/** Gives the candidate the server-filled values an update may omit (Service clusterIP). */
export function fillFromOld(def: ResourceDef, old: KubeObject, next: KubeObject): void {
  if (
    def.group === "" &&
    def.kind === "Service" &&
    next.spec &&
    !next.spec.clusterIP &&
    old.spec?.clusterIP
  ) {
    next.spec.clusterIP = old.spec.clusterIP;
    next.spec.clusterIPs ??= old.spec.clusterIPs;
  }
}

/** What the server refuses about changing `old` into `next` (empty when the update is allowed). */
export function immutableViolations(def: ResourceDef, old: KubeObject, next: KubeObject): StatusCause[] {
  const kind = `${def.group}/${def.kind}`;
  const causes: StatusCause[] = [];
  switch (kind) {
    case "/Pod":
      if (!same(podSpecWithoutImages(old.spec), podSpecWithoutImages(next.spec)))
        causes.push(
          forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
          ),
        );
      break;
    case "apps/StatefulSet": {
      const allowed = [
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "revisionHistoryLimit",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
      ];
      if (!same(without(old.spec, allowed), without(next.spec, allowed)))
        causes.push(
          forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
          ),
        );
      break;
    }
    case "batch/Job":
      if (!same(old.spec?.selector, next.spec?.selector)) causes.push(immutable("spec.selector"));
      if (!same(old.spec?.template, next.spec?.template)) causes.push(immutable("spec.template"));
      break;
    case "/PersistentVolumeClaim": {
      const strip = (s: Any) => ({ ...without(s, ["resources", "volumeAttributesClassName", "volumeName"]) });
      if (!same(strip(old.spec), strip(next.spec)))
        causes.push(
          forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
          ),
        );
      break;
    }
    case "/Service":
      if (old.spec?.clusterIP && next.spec?.clusterIP !== old.spec.clusterIP)
        causes.push(immutable("spec.clusterIPs[0]"));
      break;
    case "/Secret":
    case "/ConfigMap":
      if (
        old.immutable === true &&
        (!same(old.data, next.data) || !same(old.binaryData, next.binaryData) || next.immutable !== true)
      )
        causes.push(forbidden("data", "field is immutable when `immutable` is set"));
      break;
    default:
      break;
  }
  return causes;
}
