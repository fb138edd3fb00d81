/**
 * The JSON body parser of every surface. An empty (or whitespace-only) body sent with
 * `Content-Type: application/json` is no body, as curl examples in the seeds send it (seed 003's
 * unpause): the route then sees `undefined`, which routes with an optional body accept and routes
 * that need a body refuse with their own validation error. Any other body is parsed by Fastify's
 * own parser (prototype and constructor poisoning refused).
 */
import type { FastifyInstance } from "fastify";

export function emptyJsonIsNoBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    if ((body as string).trim() === "") return done(null, undefined);
    parseJson(req, body as string, done);
  });
}
