/**
 * `Idempotency-Key` on POSTs of the scheduled deployments API, honoured for 24 hours per team: the
 * same key with the same request replays the first answer (header `Idempotent-Replayed: true`); the
 * same key with a different request is refused with 409 `conflict_error`.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { conflict, invalid } from "../../domain/errors.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";

const TTL_MS = 24 * 3600 * 1000;

declare module "fastify" {
  interface FastifyRequest {
    idempotency?: { team: string; key: string; hash: string };
  }
}

export function idempotency(app: FastifyInstance, store: Store, clock: Clock): void {
  app.addHook("preHandler", async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.headers["idempotency-key"];
    if (req.method !== "POST" || key === undefined) return;
    if (typeof key !== "string" || key.length === 0 || key.length > 255)
      throw invalid("Idempotency-Key must be 1–255 characters");
    const team = req.principal.teamId ?? `key:${req.principal.keyId}`;
    const hash = createHash("sha256")
      .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
      .digest("hex");
    const seen = await store.schedules.getIdempotent(team, key);
    if (seen && Date.parse(seen.created_at) > clock.now().getTime() - TTL_MS) {
      if (seen.request_hash !== hash) {
        throw conflict("Idempotency-Key was already used with a different request; use a new key");
      }
      reply.header("idempotent-replayed", "true").header("content-type", "application/json; charset=utf-8");
      return reply.code(seen.status_code).send(seen.response);
    }
    req.idempotency = { team, key, hash };
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const i = req.idempotency;
    if (!i || reply.statusCode >= 500 || typeof payload !== "string") return payload;
    await store.schedules.purgeIdempotent(new Date(clock.now().getTime() - TTL_MS).toISOString());
    await store.schedules.putIdempotent({
      team_id: i.team,
      key: i.key,
      request_hash: i.hash,
      status_code: reply.statusCode,
      response: payload,
      created_at: clock.now().toISOString(),
    });
    return payload;
  });
}
