/**
 * The policy every runnable config from a client passes before berth stores it: agent specs,
 * template configs and revisions, and redeploy snapshots. Limits come from the team's tier; images
 * must be ones the runtime can run; commands must be on the allow-list.
 */
import type { RunnableConfig, WorkloadSpec } from "../domain/config-spec.js";
import { unprocessable } from "../domain/errors.js";
import { policyViolations, tierPolicy } from "../domain/policy.js";
import type { Store } from "../store/store.js";

export class ConfigPolicy {
  constructor(
    private readonly store: Store,
    private readonly canRunImage: (image: string) => boolean,
    readonly allowedCommands: readonly string[],
    /** Why client-supplied commands are refused right now (sandbox tools missing), if they are. */
    private readonly commandsRefused: () => string | undefined = () => undefined,
  ) {}

  /** Throws 422 naming every violation; `teamId` null (official templates) gets the widest tier. */
  async check(teamId: string | null, config: RunnableConfig): Promise<void> {
    const team = teamId ? await this.store.tenancy.getTeam(teamId) : undefined;
    const violations = policyViolations(config, {
      ...tierPolicy(teamId === null ? "enterprise" : (team?.tier ?? "free")),
      canRunImage: this.canRunImage,
      allowedCommands: this.allowedCommands,
      commandsRefused: this.commandsRefused(),
    });
    if (violations.length > 0) throw unprocessable(`config refused by policy: ${violations.join("; ")}`);
  }

  checkWorkload(teamId: string, spec: WorkloadSpec): Promise<void> {
    return this.check(teamId, { workloads: [spec], envVars: [] });
  }
}
