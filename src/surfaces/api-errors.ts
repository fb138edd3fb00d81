/**
 * The one error renderer of berth's `/api` surfaces (the platform API and the template platform API
 * of seed 004): `{"error": "<message>", "code": "<CODE>"}` with the seed's status codes.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { assertNever, BerthError, type ErrorCode } from "../domain/errors.js";
import { clientErrorStatus, describeIssues, validationIssues } from "../http/validation.js";

export function apiStatus(code: ErrorCode): number {
  switch (code) {
    case "VALIDATION":
    case "INVALID_STATE":
      return 400;
    case "UNAUTHENTICATED":
      return 401;
    case "FORBIDDEN":
    case "LIMIT_REACHED":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "CONFLICT":
      return 409;
    case "UNPROCESSABLE":
      return 422;
    case "RUNTIME_FAILED":
    case "INTERNAL":
      return 500;
    case "UNAVAILABLE":
      return 503;
    default:
      return assertNever(code);
  }
}

export function renderApiError(err: FastifyError | BerthError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof BerthError) {
    const status = apiStatus(err.code);
    if (status >= 500) req.log.error({ err }, "request failed");
    return reply.code(status).send({ error: err.message, code: err.code });
  }
  const issues = validationIssues(err);
  if (issues) {
    return reply.code(400).send({ error: `invalid request: ${describeIssues(issues)}`, code: "VALIDATION" });
  }
  const status = clientErrorStatus(err);
  if (status !== undefined) {
    return reply.code(status).send({ error: err.message, code: status === 413 ? "TOO_LARGE" : "VALIDATION" });
  }
  req.log.error({ err }, "unhandled error");
  return reply.code(500).send({ error: "internal error", code: "INTERNAL" });
}
