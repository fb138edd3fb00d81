/** The one error renderer of the cloud runtime API (seeds 000/001): `{"ok": false, "error": "..."}`. */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { assertNever, BerthError, type ErrorCode } from "../../domain/errors.js";
import { clientErrorStatus, describeIssues, validationIssues } from "../../http/validation.js";

export function cloudStatus(code: ErrorCode): number {
  switch (code) {
    case "VALIDATION":
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
    case "INVALID_STATE":
    case "UNPROCESSABLE":
      return 422;
    case "RUNTIME_FAILED":
      return 502;
    case "UNAVAILABLE":
      return 503;
    case "INTERNAL":
      return 500;
    default:
      return assertNever(code);
  }
}

export function renderCloudError(err: FastifyError | BerthError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof BerthError) {
    const status = cloudStatus(err.code);
    if (status === 500) req.log.error({ err }, "request failed");
    return reply.code(status).send({ ok: false, error: err.message, code: err.code });
  }
  const issues = validationIssues(err);
  if (issues)
    return reply
      .code(400)
      .send({ ok: false, error: `invalid request: ${describeIssues(issues)}`, code: "VALIDATION" });
  const status = clientErrorStatus(err);
  if (status !== undefined)
    return reply.code(status).send({ ok: false, error: err.message, code: "VALIDATION" });
  req.log.error({ err }, "unhandled error");
  return reply.code(500).send({ ok: false, error: "internal error", code: "INTERNAL" });
}
