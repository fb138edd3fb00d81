/**
 * Part of the Kubernetes API test double: JSON equality as the API server sees it — key order does
 * not matter and absent equals undefined (a client that reads an object and writes it back,
 * reordering keys, has changed nothing: no new resourceVersion, no new StatefulSet revision).
 */

/** JSON text with object keys sorted at every level. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export const sameJson = (a: unknown, b: unknown) => canonical(a ?? null) === canonical(b ?? null);
