/**
 * The runnable config of a template revision or deployment: its workloads and the env vars it
 * declares. One zod schema validates it wherever it enters (template API, redeploy, deploy-image).
 */
import { createHash } from "node:crypto";
import { z } from "zod";

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const WORKLOAD_NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;

/**
 * Env var names berth sets on every process (the local runtime and scheduled sessions): a spec may
 * not declare them (policy, 422) and a value supplied through the API may not use them (400).
 */
export const RESERVED_ENV_NAMES: readonly string[] = [
  "PORT",
  "HOME",
  "PATH",
  "BERTH_VOLUME_DIR",
  "BERTH_REPLICA",
  "BERTH_INSTANCE",
  "BERTH_SESSION_ID",
];

/** A process environment holds at most this many bytes of user-supplied `NAME=value` entries. */
export const ENV_TOTAL_MAX_BYTES = 256 * 1024;

const NUL_MESSAGE = "must not contain NUL bytes (a process cannot receive them)";

/** A string a process can receive as an argument or env value: C strings end at the first NUL. */
const processString = (max: number, min = 0) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((v) => !v.includes("\0"), { message: NUL_MESSAGE });

const envName = z.string().max(256).regex(ENV_NAME, "must be a valid environment variable name");
const envValue = processString(32_768);

/**
 * A map of env vars. A bad name is reported by its position, never echoed: a client that sent
 * `"TOKEN=value"` as a name would otherwise see its value in the error.
 */
export const envVarsSchema = z.record(z.string(), z.string()).superRefine((r, ctx) => {
  const names = Object.keys(r);
  names.forEach((name, i) => {
    const valid = name.length <= 256 && ENV_NAME.test(name);
    if (!valid)
      ctx.addIssue({
        code: "custom",
        message: `name ${i + 1} must be a valid environment variable name (letters, digits and _, not starting with a digit; no "=")`,
      });
    const problem = valueProblem(r[name]!);
    if (problem) ctx.addIssue({ code: "custom", path: valid ? [name] : [], message: problem });
  });
  if (names.length > 200) ctx.addIssue({ code: "custom", message: "at most 200 environment variables" });
  if (envBytes(r) > ENV_TOTAL_MAX_BYTES)
    ctx.addIssue({
      code: "custom",
      message: `at most ${ENV_TOTAL_MAX_BYTES / 1024} KiB of environment variables in all`,
    });
});

/** How user-supplied env values are treated: the description of every route that takes them (OpenAPI). */
export const USER_VALUES_DOC =
  "Env values given here reach the process byte for byte: `$` and `$(NAME)` in them are never expanded " +
  "(only a spec author's `args` and `env` are). Refused with a client error, and nothing changes: a name " +
  "that is not a valid environment variable name (letters, digits, `_`; no `=`), a name berth sets itself " +
  `(${RESERVED_ENV_NAMES.join(", ")}), a value holding a NUL byte or longer than 32768 characters, more than ` +
  `200 variables or more than ${ENV_TOTAL_MAX_BYTES / 1024} KiB in all. Values are encrypted at rest and ` +
  "never appear in an event, a log line or an error; values of secret variables are masked in logs and output.";

/** How a spec author's args and env are treated: the description of every route that takes a spec (OpenAPI). */
export const AUTHOR_EXPANSION_DOC =
  "`$(NAME)` in a workload's `args` and `env` is expanded when the process starts, by Kubernetes rules: " +
  "NAME is one of berth's vars (PORT, HOME, BERTH_VOLUME_DIR, …), a value supplied when deploying, or an " +
  "earlier `env` entry; an unknown reference stays as written and `$$` is a literal `$`. A supplied value " +
  "is inserted as is (never expanded again). Strings holding a NUL byte are refused.";

/**
 * Env values a user supplies through an API (envVars, configData, environment, vault secrets):
 * passed to the process byte for byte, so names berth sets itself are refused rather than dropped.
 */
export const userEnvSchema = envVarsSchema.superRefine((r, ctx) => {
  for (const name of Object.keys(r)) {
    if (RESERVED_ENV_NAMES.includes(name))
      ctx.addIssue({ code: "custom", path: [name], message: "is set by berth and cannot be supplied" });
  }
});

function valueProblem(value: string): string | undefined {
  if (value.length > 32_768) return "must be at most 32768 characters";
  if (value.includes("\0")) return NUL_MESSAGE;
  return undefined;
}

function envBytes(r: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(r)) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
  return n;
}

export const healthCheckSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("http"),
    path: z.string().max(1024).regex(/^\//, "must start with /").default("/"),
    intervalMs: z.number().int().min(100).max(600_000).optional(),
  }),
  z.strictObject({ type: z.literal("tcp"), intervalMs: z.number().int().min(100).max(600_000).optional() }),
  z.strictObject({ type: z.literal("none") }),
]);

export const resourcesSchema = z.strictObject({
  cpu: z
    .string()
    .regex(/^(\d{1,6}m|\d{1,3}(\.\d{1,3})?)$/, 'must look like "500m" or "1.5"')
    .optional(),
  memory: z
    .string()
    .regex(/^\d{1,7}(Ki|Mi|Gi)?$/, 'must look like "256Mi"')
    .optional(),
});

export const workloadSpecSchema = z
  .strictObject({
    name: z.string().regex(WORKLOAD_NAME, "must be a lowercase DNS label of at most 40 characters"),
    kind: z.enum(["agent", "service"]).default("service"),
    image: z.string().min(1).max(512).optional(),
    command: processString(4096, 1).optional(),
    args: z.array(processString(4096)).max(256).default([]),
    env: envVarsSchema.default({}),
    port: z.number().int().min(1).max(65535).optional(),
    healthCheck: healthCheckSchema.optional(),
    resources: resourcesSchema.optional(),
    volume: z
      .strictObject({
        mountPath: z.string().max(1024).regex(/^\//, "must be an absolute path").default("/data"),
        size: z
          .string()
          .regex(/^\d{1,7}(Mi|Gi|Ti)$/, 'must look like "1Gi"')
          .default("1Gi"),
      })
      .optional(),
    replicas: z.number().int().min(0).max(100).default(1),
  })
  .refine((w) => w.image !== undefined || w.command !== undefined, {
    message: "a workload needs an image or a command",
  });

/** An agent's runnable spec: a workload whose kind is always `agent`. */
export const agentSpecSchema = workloadSpecSchema.transform((w) => ({ ...w, kind: "agent" as const }));

export const envVarDeclSchema = z.strictObject({
  name: envName,
  default: envValue.optional(),
  required: z.boolean().default(false),
  secret: z.boolean().default(false),
  description: z.string().max(1024).optional(),
});

export const runnableConfigSchema = z
  .strictObject({
    workloads: z.array(workloadSpecSchema).min(1).max(16),
    envVars: z.array(envVarDeclSchema).max(200).default([]),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.workloads.forEach((w, i) => {
      if (seen.has(w.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["workloads", i, "name"],
          message: `duplicate workload ${w.name}`,
        });
      }
      seen.add(w.name);
    });
    const vars = new Set<string>();
    c.envVars.forEach((v, i) => {
      if (vars.has(v.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["envVars", i, "name"],
          message: `duplicate env var ${v.name}`,
        });
      }
      vars.add(v.name);
    });
  });

export type WorkloadSpec = z.infer<typeof workloadSpecSchema>;
export type EnvVarDecl = z.infer<typeof envVarDeclSchema>;
export type RunnableConfig = z.infer<typeof runnableConfigSchema>;

/** Stable hash of a config: keys sorted, so equal configs hash equal however they were written. */
export function configHash(value: unknown): string {
  return `sha256:${createHash("sha256").update(stableStringify(value)).digest("hex")}`;
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL)/i;

/** Whether an env var's value must be treated as a secret: declared so, or named like one. */
export function isSecretVar(name: string, decls: readonly EnvVarDecl[]): boolean {
  const decl = decls.find((d) => d.name === name);
  if (decl) return decl.secret || SECRET_NAME.test(name);
  return SECRET_NAME.test(name);
}

/** The declared defaults, as env values (a process gets them unless its env sets the name). */
export function declaredDefaults(decls: readonly EnvVarDecl[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const d of decls) if (d.default !== undefined) env[d.name] = d.default;
  return env;
}

/**
 * The one rule for required env vars (create, config replace, redeploy): a required var is missing
 * when neither `env` nor its declared default gives it a non-empty value. How a surface answers it
 * differs: 400 on the template platform, 422 on the cloud runtime's redeploy.
 */
export function missingRequiredEnv(decls: readonly EnvVarDecl[], env: Record<string, string>): string[] {
  return decls.filter((d) => d.required && !(env[d.name] ?? d.default)).map((d) => d.name);
}

/** Env values for a new deployment: declared defaults, then the caller's values; missing required → names. */
export function resolveDeclaredEnv(
  decls: readonly EnvVarDecl[],
  given: Record<string, string>,
): { env: Record<string, string>; missing: string[] } {
  const env = { ...declaredDefaults(decls), ...given };
  return { env, missing: missingRequiredEnv(decls, env) };
}
