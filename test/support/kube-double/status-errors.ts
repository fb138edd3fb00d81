/**
 * Part of the Kubernetes API test double: failures as the API server reports them.
 *
 * Follows "API Concepts → Responses" and the metav1.Status type of the Kubernetes API reference:
 * every failure is a `Status` object with `status: "Failure"`, a `reason` (NotFound, AlreadyExists,
 * Conflict, Invalid, Expired, Gone, BadRequest, Forbidden, MethodNotAllowed, UnsupportedMediaType,
 * Unauthorized), an HTTP `code`, and `details` naming the object.
 */
import type { ResourceDef } from "./resources.js";

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

/** An API failure; routes render it with `statusOf`. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KubeStatus["details"],
  ) {
    super(message);
  }
}

export function statusOf(err: KubeError): KubeStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: err.message,
    reason: err.reason,
    ...(err.details ? { details: err.details } : {}),
    code: err.code,
  };
}

/** The "pods" / "statefulsets.apps" spelling the API server uses in messages. */
const qualified = (def: Pick<ResourceDef, "group" | "resource">) =>
  def.group ? `${def.resource}.${def.group}` : def.resource;

const details = (def: Pick<ResourceDef, "group" | "resource">, name: string) => ({
  name,
  group: def.group,
  kind: def.resource,
});

export const notFound = (def: Pick<ResourceDef, "group" | "resource">, name: string) =>
  new KubeError(404, "NotFound", `${qualified(def)} "${name}" not found`, details(def, name));

export const alreadyExists = (def: ResourceDef, name: string) =>
  new KubeError(409, "AlreadyExists", `${qualified(def)} "${name}" already exists`, details(def, name));

export const conflict = (def: ResourceDef, name: string) =>
  new KubeError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(def, name),
  );

export const invalid = (def: ResourceDef, name: string, causes: StatusCause[]) =>
  new KubeError(
    422,
    "Invalid",
    `${def.kind} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ")}`,
    { ...details(def, name), kind: def.kind, causes },
  );

export const badRequest = (message: string) => new KubeError(400, "BadRequest", message);

export const expired = (message: string) => new KubeError(410, "Expired", message);

export const forbidden = (message: string) => new KubeError(403, "Forbidden", message);

export const methodNotAllowed = () =>
  new KubeError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

/**
 * Runs a controller's write that may lose a race — the object went (404), changed meanwhile (409)
 * or its namespace is terminating (403). The next controller pass sees the new state and retries.
 */
export function ignoreRace(write: () => void): void {
  try {
    write();
  } catch (err) {
    if (!(err instanceof KubeError && [403, 404, 409].includes(err.code))) throw err;
  }
}
