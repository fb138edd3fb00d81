/**
 * Server-Sent Events over a hijacked reply: `data:` per log line, and a `: keep-alive` comment at an
 * interval so reverse proxies with idle timeouts keep the stream open.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

export async function streamSse(
  req: FastifyRequest,
  reply: FastifyReply,
  keepAliveMs: number,
  source: (signal: AbortSignal) => AsyncIterable<string>,
): Promise<void> {
  const abort = new AbortController();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(": connected\n\n");
  const timer = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
  const close = () => abort.abort();
  req.raw.on("close", close);
  res.on("close", close);
  try {
    for await (const line of source(abort.signal)) {
      res.write(`data: ${line.replace(/\r?\n/g, "\ndata: ")}\n\n`);
    }
  } catch (err) {
    if (!abort.signal.aborted) req.log.warn({ err }, "log stream ended with an error");
  } finally {
    clearInterval(timer);
    res.end();
  }
}

/** Plain chunked text, one log line per chunk (`?follow=true` on the logs route). */
export async function streamLines(
  req: FastifyRequest,
  reply: FastifyReply,
  initial: string,
  source: (signal: AbortSignal) => AsyncIterable<string>,
): Promise<void> {
  const abort = new AbortController();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
  if (initial) res.write(initial.endsWith("\n") ? initial : `${initial}\n`);
  const close = () => abort.abort();
  req.raw.on("close", close);
  res.on("close", close);
  try {
    for await (const line of source(abort.signal)) res.write(`${line}\n`);
  } catch (err) {
    if (!abort.signal.aborted) req.log.warn({ err }, "log follow ended with an error");
  } finally {
    res.end();
  }
}
