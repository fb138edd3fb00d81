/**
 * Server-side policy for configs that arrive from clients (redeploy with a config snapshot): tier
 * limits on replicas and resources, images the runtime can run, allowed commands, no host paths,
 * env var names. Returns every violation so one answer says all that is wrong.
 */
import { RESERVED_ENV_NAMES, type RunnableConfig } from "./config-spec.js";
import { tierLimits } from "./tiers.js";

export interface PolicyContext {
  maxReplicas: number;
  maxCpuMillicores: number;
  maxMemoryMi: number;
  canRunImage(image: string): boolean;
  allowedCommands: readonly string[];
  /** Set when client-supplied commands cannot run (the sandbox's tools are missing): why. */
  commandsRefused?: string;
}

const HOST_PATHS = [
  "/",
  "/etc",
  "/proc",
  "/sys",
  "/dev",
  "/root",
  "/var/run",
  "/run",
  "/boot",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
];

/** The host path `p` is, or lies under, if any: a workload may not touch it (mounts and arguments). */
export function hostPathOf(p: string): string | undefined {
  return HOST_PATHS.filter((h) => p === h || (h !== "/" && p.startsWith(`${h}/`))).sort(
    (a, b) => b.length - a.length,
  )[0];
}

export const isHostPath = (p: string): boolean => hostPathOf(p) !== undefined;

export function cpuMillicores(cpu: string): number {
  return cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Math.round(Number(cpu) * 1000);
}

export function memoryMi(memory: string): number {
  const n = Number.parseInt(memory, 10);
  if (memory.endsWith("Gi")) return n * 1024;
  if (memory.endsWith("Ki")) return n / 1024;
  if (memory.endsWith("Mi")) return n;
  return n / (1024 * 1024);
}

export function policyViolations(config: RunnableConfig, ctx: PolicyContext): string[] {
  const out: string[] = [];
  for (const w of config.workloads) {
    const at = `workload ${w.name}`;
    if (w.replicas > ctx.maxReplicas)
      out.push(`${at}: ${w.replicas} replicas exceeds the tier limit of ${ctx.maxReplicas}`);
    if (w.resources?.cpu && cpuMillicores(w.resources.cpu) > ctx.maxCpuMillicores) {
      out.push(`${at}: cpu ${w.resources.cpu} exceeds the tier limit of ${ctx.maxCpuMillicores}m`);
    }
    if (w.resources?.memory && memoryMi(w.resources.memory) > ctx.maxMemoryMi) {
      out.push(`${at}: memory ${w.resources.memory} exceeds the tier limit of ${ctx.maxMemoryMi}Mi`);
    }
    if (w.image !== undefined && w.command === undefined && !ctx.canRunImage(w.image)) {
      out.push(`${at}: image ${w.image} is not allowed on this runtime`);
    }
    if (w.command !== undefined && ctx.commandsRefused !== undefined) {
      out.push(`${at}: command ${w.command} cannot run: ${ctx.commandsRefused}`);
    } else if (w.command !== undefined && !ctx.allowedCommands.includes(w.command)) {
      out.push(`${at}: command ${w.command} is not allowed (allowed: ${ctx.allowedCommands.join(", ")})`);
    }
    const mount = w.volume?.mountPath;
    if (mount !== undefined && isHostPath(mount)) {
      out.push(`${at}: volume mountPath ${mount} is a host path`);
    }
    w.args.forEach((arg, i) => {
      // the argument itself is not echoed: it may carry a value the author meant to keep private
      const host = hostPathOf(arg) ?? hostPathOf(arg.slice(arg.indexOf("=") + 1));
      if (host) out.push(`${at}: argument ${i} refers to host path ${host}`);
    });
    for (const name of Object.keys(w.env)) {
      if (RESERVED_ENV_NAMES.includes(name))
        out.push(`${at}: env var ${name} is set by berth and cannot be overridden`);
    }
  }
  for (const v of config.envVars) {
    if (RESERVED_ENV_NAMES.includes(v.name))
      out.push(`env var ${v.name} is set by berth and cannot be declared`);
  }
  return out;
}

/** Limits per tier; `maxPids` is the most processes one sandboxed replica may run at once. */
export function tierPolicy(
  tier: string,
): Pick<PolicyContext, "maxReplicas" | "maxCpuMillicores" | "maxMemoryMi"> & { maxPids: number } {
  const l = tierLimits(tier);
  return {
    maxReplicas: l.replicas,
    maxCpuMillicores: l.cpuMillicores,
    maxMemoryMi: l.memoryMi,
    maxPids: l.pids,
  };
}
