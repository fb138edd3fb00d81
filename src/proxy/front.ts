/**
 * The front listener on the API port. It reads only the first request head of each connection:
 * a Host of `<name>.<BERTH_DOMAIN>` is an ingress, so the raw connection is piped to a ready replica
 * and the kernel moves the bytes (HTTP/1.1 clients reuse a connection only for the same host);
 * any other Host is handed, bytes intact, to the API's HTTP server.
 */
import net from "node:net";
import type http from "node:http";
import type { Logger } from "pino";
import type { IngressService } from "../capabilities/deployments/ingress.js";

const MAX_HEAD = 16 * 1024;
const HEAD_TIMEOUT_MS = 10_000;

export interface FrontOptions {
  ingress: IngressService;
  /** Resumes a paused deployment; resolves true once it is ready. Also records activity. */
  wake(deploymentId: string): Promise<boolean>;
  touch(deploymentId: string): void;
  api: http.Server;
  log: Logger;
  /** How long a request waits for a starting deployment before 503. */
  wakeTimeoutMs: number;
}

export interface Front {
  server: net.Server;
  /** Stops accepting and ends every open connection (piped ingress ones included). */
  close(): Promise<void>;
}

export function createFront(opts: FrontOptions): Front {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onConnection(socket, opts);
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

function onConnection(socket: net.Socket, opts: FrontOptions): void {
  let head: Buffer = Buffer.alloc(0);
  socket.setTimeout(HEAD_TIMEOUT_MS, () => socket.destroy());
  const onError = () => socket.destroy();
  socket.on("error", onError);
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1 && head.length < MAX_HEAD) return;
    socket.off("data", onData);
    socket.pause();
    socket.setTimeout(0);
    const name = opts.ingress.nameOfHost(hostOf(head, end === -1 ? head.length : end));
    if (name === undefined) {
      socket.off("error", onError);
      socket.unshift(head);
      opts.api.emit("connection", socket);
      socket.resume();
      return;
    }
    void proxy(socket, head, name, opts).catch((err) => {
      opts.log.warn({ err, name }, "proxy failed");
      respond(socket, 502, "upstream failed");
    });
  };
  socket.on("data", onData);
}

function hostOf(head: Buffer, end: number): string | undefined {
  const text = head.subarray(0, end).toString("latin1");
  const m = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(text);
  return m?.[1];
}

async function proxy(socket: net.Socket, head: Buffer, name: string, opts: FrontOptions): Promise<void> {
  const deadline = Date.now() + opts.wakeTimeoutMs;
  let route = await opts.ingress.route(name);
  if (route.kind === "paused") {
    const woke = await Promise.race([
      opts.wake(route.deploymentId),
      new Promise<false>((r) => setTimeout(() => r(false), opts.wakeTimeoutMs).unref()),
    ]);
    if (!woke) return respond(socket, 503, `deployment ${name} is resuming`, { "Retry-After": "5" });
    route = await opts.ingress.route(name);
  }
  while (route.kind === "starting" && Date.now() < deadline && !socket.destroyed) {
    await new Promise((r) => setTimeout(r, 25));
    route = await opts.ingress.route(name);
  }
  if (socket.destroyed) return;
  switch (route.kind) {
    case "not-found":
      return respond(socket, 404, `no deployment serves ${name}`);
    case "unavailable":
      return respond(socket, 503, route.reason, { "Retry-After": "5" });
    case "starting":
    case "paused":
      return respond(socket, 503, `deployment ${name} is not ready yet`, { "Retry-After": "5" });
    case "serve":
      break;
  }
  opts.touch(route.deploymentId);
  const target = opts.ingress.pick(route.key);
  if (!target) return respond(socket, 503, `deployment ${name} is not ready yet`, { "Retry-After": "5" });
  const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
  socket.once("close", () => upstream.destroy());
  upstream.on("error", () => {
    if (!socket.writableEnded && upstream.bytesRead === 0) respond(socket, 502, "upstream connection failed");
    else socket.destroy();
  });
  socket.on("error", () => upstream.destroy());
  upstream.once("connect", () => {
    upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
  });
}

function respond(
  socket: net.Socket,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: message });
  const reason = status === 404 ? "Not Found" : status === 502 ? "Bad Gateway" : "Service Unavailable";
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
