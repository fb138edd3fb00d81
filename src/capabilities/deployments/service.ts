/**
 * Deployment operations shared by every surface, one file per operation: read.ts, create.ts,
 * delete.ts, restart.ts, config.ts, auto-update.ts, idle-timeout.ts. Each write commits the record,
 * its revision and its lifecycle event in one transaction (statuses change only through
 * `Store.transition`), then asks the reconciler to converge. This class only binds them to their
 * dependencies for the surfaces.
 */
import type { Deployment, UpdateStrategy } from "../../domain/deployment.js";
import type { Principal } from "../auth/principal.js";
import { autoUpdate, setAutoUpdate } from "./auto-update.js";
import { envKeys, envKeysOf, getConfig, putConfig } from "./config.js";
import type { DeploymentsDeps } from "./context.js";
import {
  createDeployment,
  createFromImage,
  createFromTemplate,
  hasRoom,
  type NewDeploymentInput,
} from "./create.js";
import { deleteDeployment } from "./delete.js";
import { setIdleTimeout } from "./idle-timeout.js";
import { getOwned, getOwnedByName, listDeployments } from "./read.js";
import { restartDeployment } from "./restart.js";

export { assertMutable } from "./context.js";
export type { DeploymentsDeps } from "./context.js";
export { type NewDeploymentInput, workloadRows } from "./create.js";

type Rest<F> = F extends (deps: DeploymentsDeps, ...rest: infer R) => infer T ? (...rest: R) => T : never;

export class DeploymentsService {
  constructor(private readonly deps: DeploymentsDeps) {
    deps.templates.onNewRevision((templateId, revision) => {
      void this.autoUpdate(templateId, revision).catch(() => undefined);
    });
  }

  getOwnedByName: Rest<typeof getOwnedByName> = (...a) => getOwnedByName(this.deps, ...a);
  getOwned: Rest<typeof getOwned> = (...a) => getOwned(this.deps, ...a);
  list: Rest<typeof listDeployments> = (...a) => listDeployments(this.deps, ...a);
  hasRoom: Rest<typeof hasRoom> = (...a) => hasRoom(this.deps, ...a);
  createFromTemplate: Rest<typeof createFromTemplate> = (...a) => createFromTemplate(this.deps, ...a);
  createFromImage: Rest<typeof createFromImage> = (...a) => createFromImage(this.deps, ...a);
  create = (input: NewDeploymentInput): Promise<Deployment> => createDeployment(this.deps, input);
  delete: Rest<typeof deleteDeployment> = (...a) => deleteDeployment(this.deps, ...a);
  restart: Rest<typeof restartDeployment> = (...a) => restartDeployment(this.deps, ...a);
  envKeys: Rest<typeof envKeys> = (...a) => envKeys(this.deps, ...a);
  envKeysOf: Rest<typeof envKeysOf> = (...a) => envKeysOf(this.deps, ...a);
  getConfig: Rest<typeof getConfig> = (...a) => getConfig(this.deps, ...a);
  putConfig: Rest<typeof putConfig> = (...a) => putConfig(this.deps, ...a);
  setAutoUpdate = (
    caller: Principal,
    name: string,
    input: { enabled: boolean; strategy?: UpdateStrategy },
  ): Promise<{ enabled: boolean; strategy: UpdateStrategy }> => setAutoUpdate(this.deps, caller, name, input);
  setIdleTimeout: Rest<typeof setIdleTimeout> = (...a) => setIdleTimeout(this.deps, ...a);
  autoUpdate: Rest<typeof autoUpdate> = (...a) => autoUpdate(this.deps, ...a);
}
