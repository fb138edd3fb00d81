/** A deployment's env values, encrypted at rest; masking for anything shown to a client. */
import { isSecretVar, type EnvVarDecl } from "../../domain/config-spec.js";
import { MASK } from "../../security/redact.js";
import type { SecretBox } from "../../security/secrets.js";
import type { Store } from "../../store/store.js";

export const SECRET_MASK = MASK;

export class DeploymentEnv {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  async read(deploymentId: string, store: Store = this.store): Promise<Record<string, string>> {
    const ciphertext = await store.deployments.getEnvCiphertext(deploymentId);
    if (!ciphertext) return {};
    return JSON.parse(this.box.decrypt(ciphertext)) as Record<string, string>;
  }

  async write(deploymentId: string, env: Record<string, string>, at: string, store: Store = this.store) {
    await store.deployments.putEnvCiphertext(deploymentId, this.box.encrypt(JSON.stringify(env)), at);
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
