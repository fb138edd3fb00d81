/**
 * The environment and arguments a workload process gets, and Kubernetes-style `$(VAR)` expansion.
 *
 * Expansion applies only to what a spec's author wrote (a template's or agent's `args` and `env`):
 * `$(NAME)` becomes NAME's value when NAME is defined, an unknown reference stays as written, and
 * `$$` is a literal `$` (so `$$(NAME)` is the literal `$(NAME)`). A value a user supplied through an
 * API (envVars, configData, environment, vault secrets) is data, never a template: it reaches the
 * process byte for byte, and when an author's `$(NAME)` refers to it, it is inserted as is.
 */
const REF = /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

export function expandRefs(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(REF, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && Object.hasOwn(vars, name) ? vars[name]! : match;
  });
}

export interface ProcessEnvInput {
  /** Vars berth sets (PORT, HOME, PATH, BERTH_*): nothing overrides them. */
  provided: Readonly<Record<string, string>>;
  /** Vars a process gets unless anything else sets them (LANG, LC_ALL, TZ of the control plane). */
  defaults?: Readonly<Record<string, string>>;
  /** Values a user supplied through an API: literal, and they win over the author's entry of a name. */
  values?: Readonly<Record<string, string>>;
  /** The spec author's env, expanded in order: each entry sees every var above and the entries before it. */
  authorEnv: Readonly<Record<string, string>>;
  /** The spec author's args, expanded against the final environment. */
  authorArgs: readonly string[];
}

export function processEnv(input: ProcessEnvInput): { env: Record<string, string>; args: string[] } {
  const { provided, values = {} } = input;
  const env: Record<string, string> = { ...input.defaults, ...provided };
  for (const [k, v] of Object.entries(values)) if (!Object.hasOwn(provided, k)) env[k] = v;
  for (const [k, v] of Object.entries(input.authorEnv)) {
    if (Object.hasOwn(provided, k) || Object.hasOwn(values, k)) continue;
    env[k] = expandRefs(v, env);
  }
  return { env, args: input.authorArgs.map((a) => expandRefs(a, env)) };
}
