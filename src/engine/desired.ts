/**
 * Turns a deployment's stored config, env and workload rows into the desired workloads a runtime
 * driver converges on. Pure apart from the driver's image table.
 */
import path from "node:path";
import type { Deployment } from "../domain/deployment.js";
import { workloadKey } from "../domain/deployment.js";
import { configHash, declaredDefaults, type WorkloadSpec } from "../domain/config-spec.js";
import type { DesiredWorkload, HealthCheck, ResolvedWorkloadSpec, RuntimeDriver } from "../runtime/driver.js";
import type { WorkloadRow } from "../store/schema.js";

export class UnrunnableWorkload extends Error {}

type ImageDriver = Pick<RuntimeDriver, "resolveImage" | "capabilities">;

export function resolveSpec(
  w: WorkloadSpec,
  env: Record<string, string>,
  driver: ImageDriver,
  pids?: number,
): ResolvedWorkloadSpec {
  let command: string;
  let args: string[];
  let imageEnv: Record<string, string> = {};
  let readOnlyPaths: string[] = [];
  let health: HealthCheck | undefined = w.healthCheck;
  let listens = w.port !== undefined;
  if (w.command !== undefined) {
    command = w.command === "node" ? process.execPath : w.command;
    args = w.args;
    if (!path.isAbsolute(command) && command !== process.execPath) {
      throw new UnrunnableWorkload(`workload ${w.name}: command must be "node" or an absolute path`);
    }
    const isolation = driver.capabilities();
    if (!isolation.clientCommands) {
      throw new UnrunnableWorkload(
        `workload ${w.name}: a client-supplied command cannot run: the sandbox needs ${isolation.missing.join(", ")}, missing on this host`,
      );
    }
  } else {
    const image = w.image !== undefined ? driver.resolveImage(w.image) : undefined;
    if (!image)
      throw new UnrunnableWorkload(`workload ${w.name}: image ${w.image} is not runnable on this runtime`);
    command = image.command;
    args = w.args.length > 0 ? w.args : image.args;
    health ??= image.healthCheck;
    listens ||= image.defaultPort !== undefined;
    imageEnv = image.env ?? {};
    readOnlyPaths = image.paths ?? [];
  }
  return {
    command,
    args,
    env: { ...imageEnv, ...w.env },
    values: env,
    listens,
    healthCheck: health ?? (listens ? { type: "tcp" } : { type: "none" }),
    resources: w.resources,
    image: w.image,
    mountPath: w.volume?.mountPath,
    readOnlyPaths,
    pids,
    ...(w.port !== undefined ? { port: w.port } : {}),
  };
}

export function desiredWorkloads(
  d: Deployment,
  rows: WorkloadRow[],
  env: Record<string, string>,
  driver: ImageDriver,
  pids?: number,
  team?: { id: string; tier: string },
): DesiredWorkload[] {
  return rows.map((row) => {
    const w = d.config.workloads.find((x) => x.name === row.name);
    if (!w) throw new UnrunnableWorkload(`workload ${row.name} is not in the deployment config`);
    const spec = resolveSpec(w, { ...declaredDefaults(d.config.envVars), ...env }, driver, pids);
    return {
      key: workloadKey(d.id, w.name),
      // volumes are scoped by the namespace incarnation, never by its reusable name
      namespace: d.namespaceId,
      name: w.name,
      spec,
      replicas: row.desired_replicas,
      specHash: configHash({ spec, restartGeneration: d.restartGeneration }).slice(7, 23),
      strategy: d.autoUpdate.strategy,
      kind: w.kind,
      deploymentName: d.name,
      visibility: d.visibility,
      ...(team ? { team: team.id, tier: team.tier } : {}),
    };
  });
}
