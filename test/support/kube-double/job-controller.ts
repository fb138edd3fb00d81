/**
 * Part of the Kubernetes API test double: the SIMULATED Job controller.
 *
 * Per "Jobs": pods `<job>-<random>` labelled `batch.kubernetes.io/job-name`/`job-name`/
 *   `controller-uid`, one at a time (parallelism 1), up to `backoffLimit` failures, then the Complete
 *   or Failed condition; `suspend` stops it; `ttlSecondsAfterFinished` deletes it.
 */
import type { Controller } from "./controller-loop.js";
import type { EventRecorder } from "./events.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";
import { Workloads, condition, isReady } from "./workloads.js";
import { timestamp } from "./time.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are free-form JSON
type Any = any;

export function jobController(store: ObjectStore, table: ResourceTable, event: EventRecorder): Controller {
  const w = new Workloads(store, table, event);
  const def = table.find("batch", "v1", "jobs")!;
  const finished = (job: KubeObject) =>
    job.status?.conditions?.some(
      (c: Any) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
  const reconcileOne = (job: KubeObject) => {
    const spec = job.spec ?? {};
    const pods = w.podsOf(job);
    const succeeded = pods.filter((p) => p.status?.phase === "Succeeded").length;
    const failed = pods.filter((p) => p.status?.phase === "Failed").length;
    const active = pods.filter(
      (p) => !["Succeeded", "Failed"].includes(p.status?.phase) && !p.metadata!.deletionTimestamp,
    );
    const old = job.status ?? {};
    if (finished(job)) {
      const ttl = spec.ttlSecondsAfterFinished;
      const done = Date.parse(
        old.completionTime ?? old.conditions?.find((c: Any) => c.type === "Failed")?.lastTransitionTime ?? "",
      );
      if (ttl !== undefined && Date.now() - done >= ttl * 1000)
        ignoreRace(() =>
          store.delete(def, job.metadata!.namespace, job.metadata!.name!, {
            propagationPolicy: "Background",
          }),
        );
      return;
    }
    const status: Any = {
      ...old,
      startTime: old.startTime ?? timestamp(),
      active: active.length,
      succeeded,
      failed,
      ready: active.filter(isReady).length,
    };
    if (succeeded >= (spec.completions ?? 1)) {
      status.completionTime = timestamp();
      status.conditions = [
        condition(
          old.conditions,
          "SuccessCriteriaMet",
          true,
          "CompletionsReached",
          "Reached expected number of succeeded pods",
        ),
        condition(
          old.conditions,
          "Complete",
          true,
          "CompletionsReached",
          "Reached expected number of succeeded pods",
        ),
      ];
      event(job, "Normal", "Completed", "Job completed", "job-controller");
    } else if (failed > (spec.backoffLimit ?? 6)) {
      for (const p of active) w.deletePod(job, p);
      status.conditions = [
        condition(
          old.conditions,
          "FailureTarget",
          true,
          "BackoffLimitExceeded",
          "Job has reached the specified backoff limit",
        ),
        condition(
          old.conditions,
          "Failed",
          true,
          "BackoffLimitExceeded",
          "Job has reached the specified backoff limit",
        ),
      ];
      event(
        job,
        "Warning",
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
        "job-controller",
      );
    } else if (spec.suspend === true) {
      for (const p of active) w.deletePod(job, p);
      status.conditions = [condition(old.conditions, "Suspended", true, "JobSuspended", "Job suspended")];
    } else if (active.length === 0) {
      const uid = job.metadata!.uid!;
      const labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": job.metadata!.name!,
        "controller-uid": uid,
        "job-name": job.metadata!.name!,
      };
      w.createPod(job, undefined, spec.template, labels);
    }
    if (status.active === 0) delete status.active;
    w.writeStatus(def, job, status);
  };
  return {
    name: "job-controller (simulated)",
    reconcile() {
      for (const job of store.list(def)) if (!job.metadata!.deletionTimestamp) reconcileOne(job);
    },
  };
}
