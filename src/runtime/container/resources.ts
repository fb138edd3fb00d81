/**
 * A workload's `resources` (config-spec.ts: cpu "500m" or "1.5", memory "256Mi") as Docker Engine
 * HostConfig values, and the process-count limit every container gets.
 */

/** Bytes for a memory quantity: a plain number is bytes; Ki/Mi/Gi are powers of 1024. */
export function memoryBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}

/** NanoCpus for a CPU quantity: "500m" is half a CPU, "1.5" one and a half. */
export function cpuNanos(q: string): number {
  if (q.endsWith("m")) return Number(q.slice(0, -1)) * 1_000_000;
  return Math.round(Number(q) * 1_000_000_000);
}

/** Processes one container may run (a fork bomb stops here, not at the host's limit). */
export const pidsLimit = 512;
