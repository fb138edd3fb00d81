/**
 * The one store call that changes a deployment's status: it reads the status inside a
 * transaction, asks `transition` (src/domain/lifecycle.ts) for the next one, writes it with a
 * compare-and-set on the status it read, and appends the lifecycle event in the same transaction.
 * A caller that acted on a status it read earlier (the reconciler) passes `expected`, so an API
 * write in between always wins.
 */
import { newId } from "../domain/ids.js";
import { type LifecycleEvent, type Refusal, transition } from "../domain/lifecycle.js";
import type { CanonicalStatus } from "../domain/status.js";
import type { DeploymentUpdate } from "./schema.js";
import type { Store } from "./store.js";

export interface StatusChangeRequest {
  id: string;
  event: LifecycleEvent;
  /** Apply only if the status is still this one (else `stale`). */
  expected?: CanonicalStatus;
  /** Other columns written with the status (only when it changes, unless `record.always`). */
  set?: Omit<DeploymentUpdate, "status">;
  /**
   * The lifecycle event appended when the status changes; `always` also records it (and writes
   * `set`) when the event leaves the status as it is.
   */
  record: { type: string; message: string; actor: string | null; at: string; always?: boolean };
}

export type StatusChange =
  | { outcome: "changed" | "unchanged"; from: CanonicalStatus; to: CanonicalStatus }
  | { outcome: "refused"; from: CanonicalStatus; refusal: Refusal }
  | { outcome: "stale"; from: CanonicalStatus }
  | { outcome: "missing" };

const CAS_ATTEMPTS = 3;

/** Runs inside `tx` (a transaction store). */
export async function applyTransition(tx: Store, req: StatusChangeRequest): Promise<StatusChange> {
  for (let attempt = 1; ; attempt++) {
    const row = await tx.deployments.get(req.id);
    if (!row) return { outcome: "missing" };
    const from = row.status as CanonicalStatus;
    if (req.expected !== undefined && from !== req.expected) return { outcome: "stale", from };
    const next = transition(from, req.event);
    if (!next.ok) return { outcome: "refused", from, refusal: next.refusal };
    const changed = next.to !== from;
    if (!changed && !req.record.always) return { outcome: "unchanged", from, to: next.to };
    const written = await tx.deployments.setIfStatus(req.id, from, { ...req.set, status: next.to });
    // A concurrent writer (PostgreSQL, read committed) changed the status between read and write.
    if (!written) {
      if (req.expected !== undefined || attempt >= CAS_ATTEMPTS) return { outcome: "stale", from };
      continue;
    }
    await tx.history.addEvent({
      id: newId(),
      deployment_id: req.id,
      type: req.record.type,
      from_status: from,
      to_status: next.to,
      message: req.record.message,
      actor: req.record.actor,
      created_at: req.record.at,
    });
    return { outcome: changed ? "changed" : "unchanged", from, to: next.to };
  }
}
