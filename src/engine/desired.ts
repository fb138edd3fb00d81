/**
 * Turns a deployment's stored config, env and workload rows into the desired workloads a runtime
 * driver converges on. Pure apart from the driver's image table.
 */
import path from "node:path";
import type { Deployment } from "../capabilities/deployments/model.js";
import { workloadKey } from "../capabilities/deployments/model.js";
import { configHash, type WorkloadSpec } from "../domain/config-spec.js";
import type { DesiredWorkload, HealthCheck, ResolvedWorkloadSpec, RuntimeDriver } from "../runtime/driver.js";
import type { WorkloadRow } from "../store/schema.js";

export class UnrunnableWorkload extends Error {}

export function resolveSpec(
  w: WorkloadSpec,
  env: Record<string, string>,
  driver: Pick<RuntimeDriver, "resolveImage">,
): ResolvedWorkloadSpec {
  let command: string;
  let args: string[];
  let health: HealthCheck | undefined = w.healthCheck;
  let listens = w.port !== undefined;
  if (w.command !== undefined) {
    command = w.command === "node" ? process.execPath : w.command;
    args = w.args;
    if (!path.isAbsolute(command) && command !== process.execPath) {
      throw new UnrunnableWorkload(`workload ${w.name}: command must be "node" or an absolute path`);
    }
  } else {
    const image = w.image !== undefined ? driver.resolveImage(w.image) : undefined;
    if (!image)
      throw new UnrunnableWorkload(`workload ${w.name}: image ${w.image} is not runnable on this runtime`);
    command = image.command;
    args = w.args.length > 0 ? w.args : image.args;
    health ??= image.healthCheck;
    listens ||= image.defaultPort !== undefined;
  }
  return {
    command,
    args,
    env: w.env,
    values: env,
    listens,
    healthCheck: health ?? (listens ? { type: "tcp" } : { type: "none" }),
    resources: w.resources,
    image: w.image,
  };
}

export function desiredWorkloads(
  d: Deployment,
  rows: WorkloadRow[],
  env: Record<string, string>,
  driver: Pick<RuntimeDriver, "resolveImage">,
): DesiredWorkload[] {
  return rows.map((row) => {
    const w = d.config.workloads.find((x) => x.name === row.name);
    if (!w) throw new UnrunnableWorkload(`workload ${row.name} is not in the deployment config`);
    const spec = resolveSpec(w, env, driver);
    return {
      key: workloadKey(d.id, w.name),
      // volumes are scoped by the namespace incarnation, never by its reusable name
      namespace: d.namespaceId,
      name: w.name,
      spec,
      replicas: row.desired_replicas,
      specHash: configHash({ spec, restartGeneration: d.restartGeneration }).slice(7, 23),
      strategy: d.autoUpdate.strategy,
    };
  });
}
