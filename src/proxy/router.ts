/**
 * From a deployment name to a ready endpoint. A name seen ready in the last ROUTE_TTL_MS is answered
 * from memory (the hot path: no store read per request), provided the runtime still reports a ready
 * replica; anything else reads the store, wakes a paused deployment and waits for a starting one
 * on the status feed (no polling), up to the wake timeout. Also counts each deployment's open connections against its limit.
 */
import type { IngressService } from "../capabilities/deployments/ingress.js";
import type { Endpoint } from "../runtime/driver.js";

export interface Target {
  deploymentId: string;
  endpoint: Endpoint;
}

/** A refusal the client sees: status, message, extra headers. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Runs `check` now and after every published change of the deployment until it answers something
 * other than undefined, or `timeoutMs` passes (undefined): the status feed's `await`.
 */
export type Watch = <T>(
  deploymentId: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
) => Promise<T | undefined>;

const ROUTE_TTL_MS = 1_000;
const RETRY = { "Retry-After": "5" };

export class Router {
  private readonly ready = new Map<string, { key: string; deploymentId: string; until: number }>();
  private readonly open = new Map<string, number>();

  constructor(
    private readonly ingress: IngressService,
    private readonly wake: (deploymentId: string) => Promise<boolean>,
    private readonly watch: Watch,
    private readonly wakeTimeoutMs: number,
    private readonly maxConnections: number,
  ) {}

  /** The endpoint for `name` when it is known ready; undefined means: call `resolve`. */
  now(name: string, now: number): Target | undefined {
    const r = this.ready.get(name);
    if (!r || r.until < now) return undefined;
    const endpoint = this.ingress.pick(r.key);
    return endpoint ? { deploymentId: r.deploymentId, endpoint } : undefined;
  }

  /**
   * Resolves `name`, waking or waiting for it; a Refusal when it cannot be served now. A woken
   * deployment is served once its status is written ready (so a client served by it sees it ready
   * in the API too); a starting one as soon as the runtime reports a ready endpoint, waiting on the
   * status feed (each runtime change is published there) rather than polling.
   */
  async resolve(name: string, gone: () => boolean): Promise<Target | Refusal> {
    const deadline = Date.now() + this.wakeTimeoutMs;
    let route = await this.ingress.route(name);
    if (route.kind === "paused") {
      const woke = await Promise.race([
        this.wake(route.deploymentId),
        new Promise<false>((r) => setTimeout(() => r(false), this.wakeTimeoutMs).unref()),
      ]);
      if (!woke) return { status: 503, message: `deployment ${name} is resuming`, headers: RETRY };
      route = await this.ingress.route(name);
    }
    if (route.kind === "starting") {
      const settled = await this.watch(
        route.deploymentId,
        async () => {
          if (gone()) return "gone" as const;
          const r = await this.ingress.route(name);
          return r.kind === "starting" ? undefined : r;
        },
        Math.max(0, deadline - Date.now()),
      );
      if (settled === undefined || settled === "gone")
        return { status: 503, message: `deployment ${name} is not ready yet`, headers: RETRY };
      route = settled;
    }
    switch (route.kind) {
      case "not-found":
        return { status: 404, message: `no deployment serves ${name}` };
      case "unavailable":
        return { status: 503, message: route.reason, headers: RETRY };
      case "paused":
        return { status: 503, message: `deployment ${name} is not ready yet`, headers: RETRY };
      case "serve": {
        const endpoint = this.ingress.pick(route.key);
        if (!endpoint) return { status: 503, message: `deployment ${name} is not ready yet`, headers: RETRY };
        const { key, deploymentId } = route;
        this.ready.set(name, { key, deploymentId, until: Date.now() + ROUTE_TTL_MS });
        return { deploymentId, endpoint };
      }
    }
  }

  /** Counts a connection to a deployment; false (and nothing counted) when it is at its limit. */
  enter(deploymentId: string): boolean {
    const n = this.open.get(deploymentId) ?? 0;
    if (n >= this.maxConnections) return false;
    this.open.set(deploymentId, n + 1);
    return true;
  }

  leave(deploymentId: string): void {
    const n = (this.open.get(deploymentId) ?? 1) - 1;
    if (n <= 0) this.open.delete(deploymentId);
    else this.open.set(deploymentId, n);
  }

  limitRefusal(name: string): Refusal {
    return {
      status: 503,
      message: `deployment ${name} has ${this.maxConnections} open connections, its limit`,
      headers: { "Retry-After": "1" },
    };
  }
}
