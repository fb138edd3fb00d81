/**
 * The one error renderer of the agent deployments API (seed 002): FastAPI's envelopes —
 * `{"detail": "..."}` for errors, `{"detail": [{loc, msg, type}]}` with 422 for request validation.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { assertNever, BerthError, type ErrorCode } from "../../domain/errors.js";
import { clientErrorStatus, validationIssues } from "../../http/validation.js";

export function agentSurfaceStatus(code: ErrorCode): number {
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
      return 502;
    case "UNAVAILABLE":
      return 503;
    case "INTERNAL":
      return 500;
    default:
      return assertNever(code);
  }
}

const LOCATIONS: Record<string, string> = {
  body: "body",
  querystring: "query",
  params: "path",
  headers: "header",
};

export function renderAgentSurfaceError(
  err: FastifyError | BerthError,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (err instanceof BerthError) {
    const status = agentSurfaceStatus(err.code);
    if (status >= 500) req.log.error({ err }, "request failed");
    return reply.code(status).send({ detail: err.message });
  }
  const issues = validationIssues(err);
  if (issues) {
    return reply.code(422).send({
      detail: issues.map((i) => ({
        loc: [LOCATIONS[i.location] ?? i.location, ...i.path],
        msg: i.message,
        type: i.type,
      })),
    });
  }
  const status = clientErrorStatus(err);
  if (status === 400) {
    return reply.code(422).send({ detail: [{ loc: ["body"], msg: err.message, type: "json_invalid" }] });
  }
  if (status !== undefined) return reply.code(status).send({ detail: err.message });
  req.log.error({ err }, "unhandled error");
  return reply.code(500).send({ detail: "Internal Server Error" });
}
