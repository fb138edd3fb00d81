/** A deployment's env values, encrypted at rest; masking for anything shown to a client. */
import { isSecretVar, type EnvVarDecl } from "../../domain/config-spec.js";
import { MASK } from "../../security/redact.js";
import type { SecretBox } from "../../security/secrets.js";
import type { Store } from "../../store/store.js";

export const SECRET_MASK = MASK;

/** The encrypted blob: the env, and secret values it held before (replaced while it ran). */
interface Stored {
  env: Record<string, string>;
  retired?: string[];
}

/** Replaced secret values kept for masking the logs their old processes wrote. */
const MAX_RETIRED = 100;

export class DeploymentEnv {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  private async load(deploymentId: string, store: Store): Promise<Stored> {
    const ciphertext = await store.deployments.getEnvCiphertext(deploymentId);
    return ciphertext ? this.open(ciphertext) : { env: {} };
  }

  private open(ciphertext: string): Stored {
    const parsed = JSON.parse(this.box.decrypt(ciphertext)) as Record<string, unknown>;
    // a blob written before `retired` existed is the env map itself (its values are strings)
    return typeof parsed.env === "object" && parsed.env !== null
      ? (parsed as unknown as Stored)
      : { env: parsed as Record<string, string> };
  }

  async read(deploymentId: string, store: Store = this.store): Promise<Record<string, string>> {
    return (await this.load(deploymentId, store)).env;
  }

  /** The env maps of several deployments, read in one query; a deployment without env is absent. */
  async readMany(deploymentIds: string[]): Promise<Map<string, Record<string, string>>> {
    const rows = await this.store.deployments.envCiphertexts(deploymentIds);
    return new Map(rows.map((r) => [r.deployment_id, this.open(r.ciphertext).env]));
  }

  /** The deployment's secret values now and those it had before: what its logs must not show. */
  async secretValues(deploymentId: string, decls: readonly EnvVarDecl[]): Promise<string[]> {
    const stored = await this.load(deploymentId, this.store);
    return [...secretValues(stored.env, decls), ...(stored.retired ?? [])];
  }

  /** Replaces the env; secret values it replaces or removes are kept (encrypted) for masking. */
  async write(
    deploymentId: string,
    env: Record<string, string>,
    at: string,
    store: Store = this.store,
    decls: readonly EnvVarDecl[] = [],
  ) {
    const previous = await this.load(deploymentId, store);
    const retired = new Set(previous.retired);
    for (const [k, v] of Object.entries(previous.env))
      if (env[k] !== v && isSecretVar(k, decls)) retired.add(v);
    const stored: Stored = retired.size > 0 ? { env, retired: [...retired].slice(-MAX_RETIRED) } : { env };
    await store.deployments.putEnvCiphertext(deploymentId, this.box.encrypt(JSON.stringify(stored)), at);
  }
}

export function maskSecrets(
  env: Record<string, string>,
  decls: readonly EnvVarDecl[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = isSecretVar(k, decls) ? SECRET_MASK : v;
  return out;
}

/** The values `maskSecrets` hides: the ones to mask in log lines too. */
export function secretValues(env: Record<string, string>, decls: readonly EnvVarDecl[]): string[] {
  return Object.entries(env)
    .filter(([k]) => isSecretVar(k, decls))
    .map(([, v]) => v);
}

/** A client sending back the mask for a secret keeps the stored value. */
export function unmaskSecrets(
  next: Record<string, string>,
  previous: Record<string, string>,
  decls: readonly EnvVarDecl[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(next)) {
    out[k] = v === SECRET_MASK && isSecretVar(k, decls) && previous[k] !== undefined ? previous[k] : v;
  }
  return out;
}
