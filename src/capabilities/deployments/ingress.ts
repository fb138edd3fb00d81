/**
 * Resolves a deployment name (the label of its ingress host, see src/proxy/host.ts) to the workload that serves it and that workload's ready endpoints,
 * balancing round-robin across ready replicas.
 */
import type { Endpoint, RuntimeDriver } from "../../runtime/driver.js";
import { isPausedLike, wantsProcesses } from "../../domain/lifecycle.js";
import type { Store } from "../../store/store.js";
import { ingressesOf, type IngressSettings, toDeployment, workloadKey } from "../../domain/deployment.js";

export type Route =
  | { kind: "serve"; key: string; deploymentId: string }
  | { kind: "starting"; key: string; deploymentId: string }
  | { kind: "paused"; deploymentId: string }
  | { kind: "unavailable"; reason: string }
  | { kind: "not-found" };

export class IngressService {
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly driver: RuntimeDriver,
    private readonly settings: IngressSettings,
  ) {}

  async route(name: string): Promise<Route> {
    let row = await this.store.deployments.getByName(name);
    if (row?.is_current !== 1) row = await this.store.deployments.currentIn(name);
    if (!row) return { kind: "not-found" };
    const d = toDeployment(row);
    const ingress = ingressesOf(d, this.settings)[0];
    if (!ingress || !d.isCurrent) return { kind: "not-found" };
    const key = workloadKey(d.id, ingress.id);
    if (this.driver.endpoints(key).length > 0) return { kind: "serve", key, deploymentId: d.id };
    if (wantsProcesses(d.status)) return { kind: "starting", key, deploymentId: d.id };
    if (isPausedLike(d.status)) return { kind: "paused", deploymentId: d.id };
    return { kind: "unavailable", reason: `deployment ${d.name} is ${d.status}` };
  }

  pick(key: string): Endpoint | undefined {
    const eps = this.driver.endpoints(key);
    if (eps.length === 0) return undefined;
    const i = (this.cursor.get(key) ?? 0) % eps.length;
    this.cursor.set(key, i + 1);
    return eps[i];
  }
}
