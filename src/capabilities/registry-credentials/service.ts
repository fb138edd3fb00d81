/**
 * Per-team container registry logins (issue 15). A team stores a username and password for one
 * registry (host[:port]; `docker.io` for Docker Hub); the container runtime uses it for pulls from
 * that registry by that team's workloads only. The password is sealed with the control plane's
 * SecretBox at rest and never leaves berth again: views carry the registry and username only, and
 * the runtime scrubs it from pull errors before they become a reason or an event.
 *
 * Scopes: reading needs deployments:read, writing deployments:write. Another team's login does not
 * exist for the caller (404). An admin key without a team names one with `teamId`.
 */
import { BerthError, notFound } from "../../domain/errors.js";
import type { RegistryAuth } from "../../runtime/container/registry-auth.js";
import { registryHost } from "../../runtime/container/image-ref.js";
import type { SecretBox } from "../../security/secrets.js";
import type { RegistryCredentialRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actingTeam, type Principal, requireScope } from "../auth/principal.js";

export const registryCredentialView = (r: RegistryCredentialRow) => ({
  registry: r.registry,
  username: r.username,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type RegistryCredentialView = ReturnType<typeof registryCredentialView>;

function registryOrThrow(value: string): string {
  const host = registryHost(value);
  if (host === undefined) {
    throw new BerthError(
      "VALIDATION",
      "registry must be a host[:port] such as ghcr.io or registry.example.com:5000",
      [{ path: ["registry"], message: "must be a host[:port]" }],
    );
  }
  return host;
}

export class RegistryCredentialsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly box: SecretBox,
  ) {}

  /** Creates or replaces the acting team's login to `registry`. */
  async put(
    caller: Principal,
    registry: string,
    input: { username: string; password: string; teamId?: string },
  ): Promise<RegistryCredentialView> {
    requireScope(caller, "deployments:write");
    const teamId = actingTeam(caller, input.teamId);
    const at = this.clock.now().toISOString();
    const row = await this.store.registryCredentials.put({
      team_id: teamId,
      registry: registryOrThrow(registry),
      username: input.username,
      secret: this.box.encrypt(input.password),
      created_at: at,
      updated_at: at,
    });
    return registryCredentialView(row);
  }

  async list(caller: Principal, teamId?: string): Promise<RegistryCredentialView[]> {
    requireScope(caller, "deployments:read");
    return (await this.store.registryCredentials.list(actingTeam(caller, teamId))).map(
      registryCredentialView,
    );
  }

  async get(caller: Principal, registry: string, teamId?: string): Promise<RegistryCredentialView> {
    requireScope(caller, "deployments:read");
    const row = await this.store.registryCredentials.get(
      actingTeam(caller, teamId),
      registryOrThrow(registry),
    );
    if (!row) throw notFound("registry credential");
    return registryCredentialView(row);
  }

  async remove(caller: Principal, registry: string, teamId?: string): Promise<void> {
    requireScope(caller, "deployments:write");
    const deleted = await this.store.registryCredentials.delete(
      actingTeam(caller, teamId),
      registryOrThrow(registry),
    );
    if (!deleted) throw notFound("registry credential");
  }

  /** The login for a pull from `registry` by a workload of namespace incarnation `namespaceId`. */
  async forPull(namespaceId: string, registry: string): Promise<RegistryAuth | undefined> {
    const row = await this.store.registryCredentials.forNamespace(namespaceId, registry);
    return row ? { username: row.username, password: this.box.decrypt(row.secret) } : undefined;
  }
}
