/** What the HTTP surfaces may use: services only, never the store or the driver directly. */
import type { RuntimeCapabilities } from "../runtime/driver.js";
import type { AgentsService } from "../capabilities/agents/service.js";
import type { Principal } from "../capabilities/auth/principal.js";
import type { AuthService } from "../capabilities/auth/service.js";
import type { IngressSettings } from "../domain/deployment.js";
import type { AgentDeployments } from "../capabilities/deployments/agent-deployments.js";
import type { BackupsService } from "../capabilities/backups/service.js";
import type { ManifestService } from "../capabilities/lifecycle/manifest.js";
import type { PauseResume } from "../capabilities/lifecycle/pause-resume.js";
import type { Redeployer } from "../capabilities/lifecycle/redeploy.js";
import type { RegistryCredentialsService } from "../capabilities/registry-credentials/service.js";
import type { Waker } from "../capabilities/lifecycle/wake.js";
import type { SchedulesService } from "../capabilities/schedules/service.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../util/clock.js";
import type { DeploymentObserver } from "../capabilities/deployments/observe.js";
import type { DeploymentsService } from "../capabilities/deployments/service.js";
import type { TeamsService } from "../capabilities/teams/service.js";
import type { TemplatesService } from "../capabilities/templates/service.js";

export interface SurfaceDeps {
  auth: AuthService;
  teams: TeamsService;
  templates: TemplatesService;
  agents: AgentsService;
  deployments: DeploymentsService;
  agentDeployments: AgentDeployments;
  schedules: SchedulesService;
  /** Teams' container registry logins (used by the container runtime's pulls). */
  registryCredentials: RegistryCredentialsService;
  /** For the idempotency-key store of the scheduled deployments API. */
  store: Store;
  clock: Clock;
  cloud: {
    manifest: ManifestService;
    redeployer: Redeployer;
    pauseResume: PauseResume;
    wakeAgent: Waker["wakeAgent"];
    backups: BackupsService;
  };
  observer: DeploymentObserver;
  ingress: IngressSettings;
  /** Interval of SSE keep-alive comments. */
  sseKeepAliveMs: number;
  ready(): Promise<boolean>;
  /** Why this control plane stands by (another one runs the local runtime), or undefined. */
  standby(): string | undefined;
  /** How the runtime isolates tenant processes; shown by /readyz. */
  isolation?(): Pick<RuntimeCapabilities, "isolation" | "missing">;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
}
