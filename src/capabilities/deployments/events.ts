/** Appends one lifecycle event of a deployment (inside the caller's transaction). */
import { newId } from "../../domain/ids.js";
import type { Store } from "../../store/store.js";

export async function addLifecycleEvent(
  tx: Store,
  deploymentId: string,
  type: string,
  from: string | null,
  to: string | null,
  message: string,
  actor: string | null,
  at: string,
): Promise<void> {
  await tx.history.addEvent({
    id: newId(),
    deployment_id: deploymentId,
    type,
    from_status: from,
    to_status: to,
    message,
    actor,
    created_at: at,
  });
}
