/**
 * Part of the Kubernetes API test double: metrics.k8s.io/v1beta1 PodMetrics, as metrics-server serves
 * them ("Resource metrics pipeline"): per container `usage.cpu` in nanocores (`123456n`) and
 * `usage.memory` in KiB (`2048Ki`), with `timestamp` and `window`. SIMULATED from /proc: memory is the
 * resident set of the pod's process tree, CPU the tree's CPU time since the previous sample divided
 * by the wall time between them (the first sample averages over the process's life).
 */
import fs from "node:fs";
import { cpuSeconds, rssBytes } from "../../../src/runtime/local/proc.js";
import type { ComputedResource } from "./api-server.js";
import type { Kubelet } from "./kubelet.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import type { ObjectStore } from "./store.js";
import { timestamp } from "./time.js";

/** The pids of a process and all its descendants (from each task's /proc children list). */
function tree(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    try {
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
        if (kids) stack.push(...kids.split(" ").map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function treeUsage(root: number): { cpuSeconds: number; rssKi: number } {
  let cpu = 0;
  let rss = 0;
  for (const pid of tree(root)) {
    cpu += cpuSeconds(pid) ?? 0;
    rss += rssBytes(pid) ?? 0;
  }
  return { cpuSeconds: cpu, rssKi: Math.round(rss / 1024) };
}

export function podMetrics(store: ObjectStore, table: ResourceTable, kubelet: Kubelet): ComputedResource {
  const podDef = table.find("", "v1", "pods")!;
  const last = new Map<number, { at: number; cpu: number }>();
  return {
    list(namespace) {
      const out: KubeObject[] = [];
      for (const pod of store.list(podDef, namespace)) {
        const rt = kubelet.runtimes.get(pod.metadata!.uid!);
        const pid = rt?.child?.pid;
        if (!pid) continue;
        const usage = treeUsage(pid);
        const now = Date.now();
        const prev = last.get(pid) ?? { at: Date.parse(rt.startedAt ?? new Date().toISOString()), cpu: 0 };
        last.set(pid, { at: now, cpu: usage.cpuSeconds });
        const cores = Math.max(0, usage.cpuSeconds - prev.cpu) / Math.max(0.001, (now - prev.at) / 1000);
        out.push({
          kind: "PodMetrics",
          apiVersion: "metrics.k8s.io/v1beta1",
          metadata: {
            name: pod.metadata!.name,
            namespace: pod.metadata!.namespace,
            creationTimestamp: timestamp(),
            labels: pod.metadata!.labels ?? {},
          },
          timestamp: timestamp(now),
          window: `${Math.max(1, Math.round((now - prev.at) / 1000))}s`,
          containers: [
            {
              name: pod.spec.containers[0].name,
              usage: { cpu: `${Math.round(cores * 1e9)}n`, memory: `${usage.rssKi}Ki` },
            },
          ],
        });
      }
      return out;
    },
  };
}
