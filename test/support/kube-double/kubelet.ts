/**
 * Part of the Kubernetes API test double: the SIMULATED KUBELET (and the one-node scheduler).
 *
 * Follows "Pod Lifecycle" for what a client observes: a pod is bound to the double's single node
 * (`spec.nodeName`, event Scheduled), then its first container runs as a real process (pod-runtime.ts);
 * `status.phase` is Pending → Running → Succeeded/Failed, conditions PodScheduled / Initialized /
 * ContainersReady / Ready keep their lastTransitionTime until they change, and containerStatuses
 * carry state, lastState, restartCount and ready. Only the FIRST container runs; any others are
 * reported with the first one's state. A deleted pod (deletionTimestamp) has its processes stopped
 * and is then removed.
 *
 * SIMULATED NETWORK: every pod gets a free port on 127.0.0.1. The double sets the container's `PORT`
 * env to it (overriding the manifest), reports `status.podIP` 127.0.0.1, writes the port to the pod
 * annotation `double.berth.dev/port`, and the EndpointSlices of Services selecting the pod carry it
 * as their port (endpoints.ts). A client reaches a pod at 127.0.0.1:<that port>.
 */
import path from "node:path";
import type { Controller } from "./controller-loop.js";
import type { EventRecorder } from "./events.js";
import { NotReadyYet, PodInputs } from "./pod-inputs.js";
import { freePort } from "../../../src/runtime/local/proc.js";
import { PodRuntime, type RuntimeTimings } from "./pod-runtime.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";
import { sameJson } from "./json.js";
import { timestamp } from "./time.js";

// biome-ignore lint/suspicious/noExplicitAny: pod specs are free-form JSON
type Any = any;

export const NODE_NAME = "kube-double-node";
export const PORT_ANNOTATION = "double.berth.dev/port";

function condition(old: Any[] | undefined, type: string, ok: boolean): Any {
  const status = ok ? "True" : "False";
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : timestamp(),
  };
}

export class Kubelet implements Controller {
  readonly name = "kubelet (simulated)";
  readonly runtimes = new Map<string, PodRuntime>();
  private stopping = new Set<string>();
  private waiting = new Map<string, string>();
  private readonly inputs: PodInputs;
  kick: () => void = () => {};

  constructor(
    private readonly store: ObjectStore,
    private readonly table: ResourceTable,
    private readonly dataDir: string,
    private readonly timings: RuntimeTimings,
    private readonly event: EventRecorder,
  ) {
    this.inputs = new PodInputs(store, table, dataDir);
  }

  private get podDef() {
    return this.table.find("", "v1", "pods")!;
  }

  async reconcile(): Promise<void> {
    const pods = this.store.list(this.podDef);
    const seen = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata!.uid!;
      seen.add(uid);
      if (pod.metadata!.deletionTimestamp) {
        this.terminate(pod);
        continue;
      }
      if (!pod.spec?.nodeName) {
        ignoreRace(() =>
          this.store.update(this.podDef, pod.metadata!.namespace, {
            ...pod,
            spec: { ...pod.spec, nodeName: NODE_NAME },
          }),
        );
        this.event(
          pod,
          "Normal",
          "Scheduled",
          `Successfully assigned ${pod.metadata!.namespace}/${pod.metadata!.name} to ${NODE_NAME}`,
          "default-scheduler",
        );
        continue;
      }
      if (!this.runtimes.has(uid) && !["Succeeded", "Failed"].includes(pod.status?.phase))
        await this.startPod(pod);
      this.writeStatus(pod);
    }
    for (const [uid, rt] of this.runtimes) {
      if (!seen.has(uid) && !this.stopping.has(uid)) {
        this.stopping.add(uid);
        void rt.stop(0).then(() => {
          this.runtimes.delete(uid);
          this.stopping.delete(uid);
        });
      }
    }
  }

  private terminate(pod: KubeObject): void {
    const uid = pod.metadata!.uid!;
    const rt = this.runtimes.get(uid);
    const finish = () =>
      ignoreRace(() => this.store.finalize(this.podDef, pod.metadata!.namespace, pod.metadata!.name!));
    if (!rt) {
      if ((pod.metadata!.finalizers?.length ?? 0) === 0) finish();
      return;
    }
    if (this.stopping.has(uid)) return;
    this.stopping.add(uid);
    if (rt.child)
      this.event(pod, "Normal", "Killing", `Stopping container ${pod.spec.containers?.[0]?.name}`, "kubelet");
    void rt.stop(pod.metadata!.deletionGracePeriodSeconds ?? 30).then(() => {
      this.runtimes.delete(uid);
      this.stopping.delete(uid);
      const now = this.store.get(this.podDef, pod.metadata!.namespace, pod.metadata!.name!);
      if (now && now.metadata!.uid === uid && (now.metadata!.finalizers?.length ?? 0) === 0) finish();
      this.kick();
    });
  }

  private async startPod(pod: KubeObject): Promise<void> {
    const uid = pod.metadata!.uid!;
    const container = pod.spec?.containers?.[0];
    try {
      if (!container) throw new NotReadyYet("CreateContainerConfigError", "the pod has no containers");
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      if (!container.command?.length)
        throw new NotReadyYet(
          "CreateContainerConfigError",
          "the double pulls no images, so a container needs an explicit command",
        );
      const mounts = this.inputs.mounts(pod, container);
      const port = Number(pod.metadata?.annotations?.[PORT_ANNOTATION]) || (await freePort("127.0.0.1"));
      const env = this.inputs.env(pod, container, port);
      const rt = new PodRuntime(
        port,
        path.join(this.dataDir, "pods", uid, "logs", container.name),
        { hostname: pod.metadata!.name!.slice(0, 63), argv, env, workingDir: container.workingDir, mounts },
        pod.spec.restartPolicy ?? "Always",
        { readiness: container.readinessProbe, liveness: container.livenessProbe },
        container.stdin === true,
        this.timings,
        (reason, message) => {
          if (reason === "Started")
            this.event(pod, "Normal", "Started", `Started container ${container.name}`, "kubelet");
          else if (reason === "BackOff" || reason === "Unhealthy" || reason === "Killing")
            this.event(pod, "Warning", reason, message, "kubelet");
          this.kick();
        },
      );
      rt.stdinOnce = container.stdinOnce === true;
      this.runtimes.set(uid, rt);
      this.waiting.delete(uid);
      ignoreRace(() => {
        const fresh = this.store.mustGet(this.podDef, pod.metadata!.namespace, pod.metadata!.name!);
        fresh.metadata!.annotations = {
          ...(fresh.metadata!.annotations ?? {}),
          [PORT_ANNOTATION]: String(port),
        };
        this.store.update(this.podDef, pod.metadata!.namespace, fresh);
      });
      this.event(
        pod,
        "Normal",
        "Pulled",
        `Container image "${container.image}" recorded (the double pulls no images)`,
        "kubelet",
      );
      this.event(pod, "Normal", "Created", `Created container ${container.name}`, "kubelet");
      rt.start();
    } catch (err) {
      if (!(err instanceof NotReadyYet)) throw err;
      const text = `${err.reason}: ${err.message}`;
      if (this.waiting.get(uid) !== text) {
        this.waiting.set(uid, text);
        this.event(
          pod,
          "Warning",
          err.reason === "ContainerCreating" ? "FailedMount" : "Failed",
          err.message,
          "kubelet",
        );
      }
    }
  }

  private containerStatus(container: Any, rt: PodRuntime | undefined, uid: string): Any {
    const waiting = this.waiting.get(uid);
    let state: Any;
    if (rt?.child) state = { running: { startedAt: rt.startedAt } };
    else if (rt?.finished && rt.lastTerminated) state = { terminated: rt.lastTerminated };
    else
      state = {
        waiting: {
          reason: rt?.waitingReason ?? waiting?.split(":")[0] ?? "ContainerCreating",
          ...(waiting ? { message: waiting.slice(waiting.indexOf(":") + 2) } : {}),
        },
      };
    const last = rt?.lastTerminated && !state.terminated ? { terminated: rt.lastTerminated } : {};
    return {
      name: container.name,
      image: container.image,
      imageID: `kube-double://${container.image}`,
      ...(rt?.child ? { containerID: `kube-double://${rt.child.pid}` } : {}),
      ready: rt?.ready === true,
      started: rt?.child !== undefined,
      restartCount: rt?.restartCount ?? 0,
      state,
      lastState: last,
    };
  }

  private writeStatus(pod: KubeObject): void {
    const uid = pod.metadata!.uid!;
    const rt = this.runtimes.get(uid);
    const old = pod.status ?? {};
    const ready = rt?.ready === true;
    let phase = "Pending";
    if (rt?.finished) phase = rt.lastTerminated?.exitCode === 0 ? "Succeeded" : "Failed";
    else if (rt?.child || (rt && rt.restartCount + (rt.lastTerminated ? 1 : 0) > 0)) phase = "Running";
    const containers: Any[] = pod.spec?.containers ?? [];
    const status = {
      phase,
      conditions: [
        condition(old.conditions, "PodReadyToStartContainers", rt !== undefined),
        condition(old.conditions, "Initialized", true),
        condition(old.conditions, "Ready", ready),
        condition(old.conditions, "ContainersReady", ready),
        condition(old.conditions, "PodScheduled", true),
      ],
      hostIP: "127.0.0.1",
      hostIPs: [{ ip: "127.0.0.1" }],
      ...(rt ? { podIP: "127.0.0.1", podIPs: [{ ip: "127.0.0.1" }] } : {}),
      startTime: old.startTime ?? timestamp(),
      containerStatuses: containers.map((c) => this.containerStatus(c, rt, uid)),
      qosClass: qosClass(containers),
    };
    if (sameJson(status, old)) return;
    const metadata = { ...pod.metadata, resourceVersion: undefined };
    ignoreRace(() =>
      this.store.update(
        this.podDef,
        pod.metadata!.namespace,
        { ...pod, metadata, status },
        { subresource: "status" },
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((rt) => rt.stop(0)));
    this.runtimes.clear();
  }
}

function qosClass(containers: Any[]): string {
  const res = containers.map((c) => c.resources ?? {});
  if (res.every((r) => !r.requests && !r.limits)) return "BestEffort";
  const guaranteed = res.every(
    (r) =>
      r.limits?.cpu &&
      r.limits?.memory &&
      (!r.requests || (r.requests.cpu === r.limits.cpu && r.requests.memory === r.limits.memory)),
  );
  return guaranteed ? "Guaranteed" : "Burstable";
}
