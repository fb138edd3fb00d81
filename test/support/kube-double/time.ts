/**
 * Part of the Kubernetes API test double: timestamps as metav1.Time serialises them (RFC 3339,
 * whole seconds, UTC: "2026-01-02T03:04:05Z").
 */
export const timestamp = (at: Date | number = new Date()): string =>
  new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
