/**
 * The front listener on berth's one port: API and every deployment's ingress. Each connection is a
 * ClientConnection that routes every request by its own Host (see connection.ts); this module owns
 * the listener, the limits that protect it (head size, head-read deadline, idle keep-alive, open
 * connections per deployment) and a once-a-second sweep that enforces the time limits without a
 * timer per request.
 */
import net from "node:net";
import type http from "node:http";
import type { Logger } from "pino";
import type { IngressService } from "../capabilities/deployments/ingress.js";
import { ClientConnection } from "./connection.js";
import type { CidrList } from "./forwarded.js";
import { Router, type Watch } from "./router.js";
import { UpstreamPool } from "./upstream.js";

export interface FrontLimits {
  /** Largest request head accepted (431 above). Default 16 KiB, as Node's http server. */
  maxHeadBytes: number;
  /** A request head must arrive within this (408 after). Default 10 s. */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. Default 75 s (longer than nginx's 60 s upstream keepalive_timeout). */
  keepAliveTimeoutMs: number;
  /** Open connections (requests in flight and tunnels) per deployment (503 above). */
  maxConnectionsPerDeployment: number;
}

export const DEFAULT_LIMITS: FrontLimits = {
  maxHeadBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 75_000,
  maxConnectionsPerDeployment: 1_000,
};

export interface FrontOptions {
  ingress: IngressService;
  /** The ingress domain (BERTH_DOMAIN), lower case. */
  domain: string;
  /** Peers whose forwarding headers are extended rather than replaced (BERTH_TRUSTED_PROXIES). */
  trustedProxies: CidrList;
  /** Resumes a paused deployment; resolves true once it is ready. Also records activity. */
  wake(deploymentId: string): Promise<boolean>;
  /** Waits on a deployment's published changes (the status feed's `await`). */
  watch: Watch;
  /** Records activity of a deployment (a request, or bytes on a stream or tunnel). */
  touch(deploymentId: string): void;
  api: http.Server;
  log: Logger;
  /** How long a request waits for a starting deployment before 503. */
  wakeTimeoutMs: number;
  limits?: Partial<FrontLimits>;
}

export interface Front {
  server: net.Server;
  /** Stops accepting and ends every open connection (tunnels included). */
  close(): Promise<void>;
}

export function createFront(opts: FrontOptions): Front {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const pool = new UpstreamPool();
  const connections = new Set<ClientConnection>();
  const ctx = {
    router: new Router(
      opts.ingress,
      opts.wake,
      opts.watch,
      opts.wakeTimeoutMs,
      limits.maxConnectionsPerDeployment,
    ),
    pool,
    api: opts.api,
    domain: opts.domain,
    trusted: opts.trustedProxies,
    touch: opts.touch,
    warn: (obj: object, msg: string) => opts.log.warn(obj, msg),
    maxHeadBytes: limits.maxHeadBytes,
  };
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const conn = new ClientConnection(socket, ctx);
    connections.add(conn);
    socket.once("close", () => connections.delete(conn));
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of connections) {
      if (c.readingHead && now - c.headStartedAt > limits.headersTimeoutMs)
        c.refuse(408, `request head not received within ${limits.headersTimeoutMs} ms`, {}, true);
      else if (c.idle && now - c.lastActive > limits.keepAliveTimeoutMs) c.close();
    }
    pool.sweep(now);
  }, 1_000);
  sweep.unref();
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        server.close(() => resolve());
        for (const c of connections) c.close(true);
        pool.sweep(Number.POSITIVE_INFINITY);
      }),
  };
}
