/**
 * Team tiers and everything a tier limits, in one table (SPEC §1 and docs/decisions.md): live
 * deployments, replicas per deployment, CPU and memory per workload. A tier berth does not know
 * gets the enterprise row (the widest), as official templates do.
 */
export const TIERS = ["free", "business", "enterprise"] as const;
export type Tier = (typeof TIERS)[number];

export interface TierLimits {
  /** Live deployments the team may have; null is unlimited. */
  deployments: number | null;
  /** Replicas one deployment (or one workload of a config) may run. */
  replicas: number;
  cpuMillicores: number;
  memoryMi: number;
  /** Processes one sandboxed replica may run at once. */
  pids: number;
}

const LIMITS: Record<Tier, TierLimits> = {
  free: { deployments: 1, replicas: 2, cpuMillicores: 1000, memoryMi: 1024, pids: 128 },
  business: { deployments: 10, replicas: 10, cpuMillicores: 4000, memoryMi: 8192, pids: 512 },
  enterprise: { deployments: null, replicas: 50, cpuMillicores: 16000, memoryMi: 65536, pids: 2048 },
};

const isTier = (t: string): t is Tier => (TIERS as readonly string[]).includes(t);

export const tierLimits = (tier: string): TierLimits => LIMITS[isTier(tier) ? tier : "enterprise"];

/** Live deployments a team may have; null is unlimited. */
export const tierLimit = (tier: string): number | null => tierLimits(tier).deployments;

/** Replicas one deployment may run. */
export const tierReplicaLimit = (tier: string): number => tierLimits(tier).replicas;
