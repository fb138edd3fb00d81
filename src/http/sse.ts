/**
 * Server-Sent Events over a hijacked reply: one event per log line, and a `: keep-alive` comment at
 * an interval so reverse proxies with idle timeouts keep the stream open.
 *
 * Framing: SSE ends a field at CR, LF or CRLF, so a line is written as one `data:` field per piece
 * between line breaks. Whatever bytes a workload wrote, its line arrives whole as the data of one
 * event (a `\r` inside it, as progress bars write, arrives as a line break in that data) and no
 * part of it can start another field (`id:`, `event:`, `retry:`) or end the event early.
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
      res.write(sseEvent(line));
    }
  } catch (err) {
    if (!abort.signal.aborted) req.log.warn({ err }, "log stream ended with an error");
  } finally {
    clearInterval(timer);
    res.end();
  }
}

/** The SSE event whose data is `text`. */
export function sseEvent(text: string): string {
  return `data: ${text.replace(/\r\n|\r|\n/g, "\ndata: ")}\n\n`;
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
