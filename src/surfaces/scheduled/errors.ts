/**
 * The one error renderer of the scheduled deployments API (seed 003):
 * `{"type": "error", "error": {"type": "<type>", "message": "..."}}`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { assertNever, BerthError, type ErrorCode } from "../../domain/errors.js";
import { clientErrorStatus, describeIssues, validationIssues } from "../../http/validation.js";

export function scheduledError(code: ErrorCode): [number, string] {
  switch (code) {
    case "VALIDATION":
    case "INVALID_STATE":
    case "UNPROCESSABLE":
      return [400, "invalid_request_error"];
    case "UNAUTHENTICATED":
      return [401, "authentication_error"];
    case "FORBIDDEN":
    case "LIMIT_REACHED":
      return [403, "permission_error"];
    case "NOT_FOUND":
      return [404, "not_found_error"];
    case "CONFLICT":
      return [409, "conflict_error"];
    case "RUNTIME_FAILED":
    case "UNAVAILABLE":
    case "INTERNAL":
      return [500, "api_error"];
    default:
      return assertNever(code);
  }
}

const envelope = (type: string, message: string) => ({ type: "error", error: { type, message } });

export function renderScheduledError(
  err: FastifyError | BerthError,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (err instanceof BerthError) {
    const [status, type] = scheduledError(err.code);
    if (status >= 500) req.log.error({ err }, "request failed");
    return reply.code(status).send(envelope(type, err.message));
  }
  const issues = validationIssues(err);
  if (issues) return reply.code(400).send(envelope("invalid_request_error", describeIssues(issues)));
  const status = clientErrorStatus(err);
  if (status === 429) return reply.code(429).send(envelope("rate_limit_error", err.message));
  if (status !== undefined) return reply.code(status).send(envelope("invalid_request_error", err.message));
  req.log.error({ err }, "unhandled error");
  return reply.code(500).send(envelope("api_error", "internal error"));
}
