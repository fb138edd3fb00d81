/** Normalises request-validation failures (zod via the type provider, or Fastify's own) into issues. */
import type { FastifyError } from "fastify";

export interface Issue {
  location: string;
  path: (string | number)[];
  message: string;
  type: string;
}

export function validationIssues(err: FastifyError): Issue[] | undefined {
  if (!Array.isArray(err.validation)) return undefined;
  const location = err.validationContext ?? "body";
  return err.validation.map((v) => ({
    location,
    path: (v.instancePath ?? "")
      .split("/")
      .filter((p) => p !== "")
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
    message: v.message ?? "invalid value",
    type: String(v.keyword ?? "invalid"),
  }));
}

export const describeIssues = (issues: Issue[]): string =>
  issues
    .slice(0, 5)
    .map((i) => `${[i.location, ...i.path].join(".")}: ${i.message}`)
    .join("; ");

/** HTTP status of a Fastify/framework error a client caused (bad JSON, too large, wrong media type). */
export function clientErrorStatus(err: FastifyError): number | undefined {
  const s = err.statusCode;
  return s !== undefined && s >= 400 && s < 500 ? s : undefined;
}
