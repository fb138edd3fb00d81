/**
 * What every deployment operation (create.ts, delete.ts, restart.ts, config.ts, auto-update.ts,
 * idle-timeout.ts) needs, built once in the composition root; plus the checks they share.
 */
import type { Deployment } from "../../domain/deployment.js";
import { invalidState } from "../../domain/errors.js";
import { isMutable } from "../../domain/lifecycle.js";
import type { RuntimeDriver } from "../../runtime/driver.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import type { TemplatesService } from "../templates/service.js";
import type { DeploymentEnv } from "./env.js";

export interface DeploymentsDeps {
  store: Store;
  clock: Clock;
  driver: RuntimeDriver;
  templates: TemplatesService;
  env: DeploymentEnv;
  /** Asks the reconciler to converge a deployment. */
  enqueue(deploymentId: string): void;
}

export const nowIso = (deps: Pick<DeploymentsDeps, "clock">): string => deps.clock.now().toISOString();

/** Refuses writes to a deployment being deleted or one that is historical (400 / INVALID_STATE). */
export function assertMutable(d: Deployment): void {
  if (!isMutable(d.status)) throw invalidState(`deployment ${d.name} is being deleted`);
  if (!d.isCurrent) throw invalidState(`deployment ${d.name} is historical and read-only`);
}
