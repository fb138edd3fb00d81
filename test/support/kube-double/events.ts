/**
 * Part of the Kubernetes API test double: core/v1 Events written by the simulated controllers.
 *
 * Follows the core/v1 Event type ("Event v1 core" in the API reference): `involvedObject` names the
 * object, `reason` is a CamelCase word (Scheduled, Pulled, Created, Started, Killing, BackOff,
 * Unhealthy, SuccessfulCreate, …), `type` is Normal or Warning, `source.component` the reporter.
 * Repeats of the same reason on the same object bump `count` and `lastTimestamp`, as the event
 * recorder's aggregation does.
 */
import crypto from "node:crypto";
import type { KubeObject, ResourceTable } from "./resources.js";
import type { ObjectStore } from "./store.js";
import { timestamp } from "./time.js";

export type EventRecorder = (
  about: KubeObject,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  component?: string,
) => void;

export function eventRecorder(store: ObjectStore, table: ResourceTable): EventRecorder {
  const def = table.find("", "v1", "events")!;
  return (about, type, reason, message, component = "kube-double") => {
    const ns = about.metadata?.namespace ?? "default";
    const existing = store
      .list(def, ns)
      .find(
        (e) => e.involvedObject?.uid === about.metadata?.uid && e.reason === reason && e.message === message,
      );
    try {
      if (existing) {
        existing.count = (existing.count ?? 1) + 1;
        existing.lastTimestamp = timestamp();
        store.update(def, ns, existing);
        return;
      }
      store.create(def, ns, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${about.metadata?.name}.${crypto.randomBytes(8).toString("hex")}`, namespace: ns },
        involvedObject: {
          apiVersion: about.apiVersion,
          kind: about.kind,
          name: about.metadata?.name,
          namespace: about.metadata?.namespace,
          uid: about.metadata?.uid,
          resourceVersion: about.metadata?.resourceVersion,
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: timestamp(),
        lastTimestamp: timestamp(),
        source: { component },
        reportingComponent: component,
        reportingInstance: "kube-double",
      });
    } catch {
      // The namespace is going away: its events go with it.
    }
  };
}
