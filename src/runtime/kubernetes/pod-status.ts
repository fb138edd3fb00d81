/**
 * Reads berth's view of a replica from a Pod: its index (the StatefulSet ordinal label, or 0 for a
 * Sandbox's single pod), phase, restarts, last exit and failure reason. A pod has no host process
 * id berth could see, so `pid` is always null on this runtime.
 */
import type { ReplicaPhase, ReplicaStatus } from "../driver.js";
import type { KubeObject } from "./kube-client.js";
import { A } from "./names.js";

/** Waiting reasons that mean the container cannot start as specified (not a crash loop). */
const FAILED_WAITING = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: {
      exitCode?: number;
      reason?: string;
      message?: string;
      finishedAt?: string;
      signal?: number;
    };
  };
  lastState?: { terminated?: { exitCode?: number; finishedAt?: string; signal?: number } };
}

export function containerStatus(pod: KubeObject): ContainerStatus | undefined {
  return (pod.status?.containerStatuses as ContainerStatus[] | undefined)?.[0];
}

export function podIndex(pod: KubeObject): number {
  const label = pod.metadata.labels?.["apps.kubernetes.io/pod-index"];
  if (label !== undefined && /^\d+$/.test(label)) return Number(label);
  const m = /-(\d+)$/.exec(pod.metadata.name);
  return m && pod.metadata.labels?.["statefulset.kubernetes.io/pod-name"] ? Number(m[1]) : 0;
}

export const isReady = (pod: KubeObject): boolean =>
  !pod.metadata.deletionTimestamp &&
  ((pod.status?.conditions as { type: string; status: string }[] | undefined) ?? []).some(
    (c) => c.type === "Ready" && c.status === "True",
  );

export function podPhase(pod: KubeObject): { phase: ReplicaPhase; reason?: string } {
  if (pod.metadata.deletionTimestamp) return { phase: "stopping" };
  const cs = containerStatus(pod);
  const waiting = cs?.state?.waiting;
  if (waiting?.reason === "CrashLoopBackOff") return { phase: "backoff" };
  if (waiting?.reason && FAILED_WAITING.has(waiting.reason)) {
    return { phase: "failed", reason: `${waiting.reason}: ${oneLine(waiting.message ?? "")}`.trim() };
  }
  if (pod.status?.phase === "Failed")
    return { phase: "failed", reason: oneLine(pod.status?.message ?? "pod failed") };
  if (isReady(pod)) return { phase: "ready" };
  if (cs?.state?.running && (cs.restartCount ?? 0) > 0) return { phase: "unready" };
  return { phase: "starting" };
}

export function replicaStatus(pod: KubeObject, port: number | null): ReplicaStatus {
  const cs = containerStatus(pod);
  const { phase, reason } = podPhase(pod);
  const last = cs?.lastState?.terminated;
  return {
    index: podIndex(pod),
    pid: null,
    port,
    phase,
    restarts: cs?.restartCount ?? 0,
    startedAt: cs?.state?.running?.startedAt ?? null,
    specHash: pod.metadata.annotations?.[A.specHash] ?? "",
    lastExit: last
      ? {
          code: last.exitCode ?? null,
          signal: last.signal ? String(last.signal) : null,
          at: last.finishedAt ?? "",
        }
      : null,
    ...(reason !== undefined ? { reason } : {}),
  };
}

export const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim().slice(0, 500);
