/**
 * A non-2xx answer. `body` is the surface's own error envelope: `{error}` on the platform and
 * template-platform APIs, FastAPI's `{detail}` on the agent deployments API, and
 * `{type: "error", error: {type, message}}` on the scheduled deployments API.
 */
export class BerthError extends Error {
  override readonly name = "BerthError";
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${errorMessage(body) ?? "request failed"}`);
  }

  /** The server's message, without method, path or status. */
  get serverMessage(): string | undefined {
    return errorMessage(this.body);
  }

  /** `error.type` of the scheduled deployments API (e.g. `not_found_error`). */
  get type(): string | undefined {
    const e = (this.body as { error?: { type?: unknown } } | null)?.error;
    return typeof e === "object" && e !== null && typeof e.type === "string" ? e.type : undefined;
  }
}

export function errorMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body || undefined;
  if (typeof body !== "object" || body === null) return undefined;
  const { error, detail } = body as { error?: unknown; detail?: unknown };
  if (typeof error === "string") return error;
  if (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { message?: unknown }).message === "string"
  )
    return (error as { message: string }).message;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail))
    return detail
      .map((d: { loc?: unknown[]; msg?: unknown }) =>
        [Array.isArray(d.loc) ? d.loc.join(".") : undefined, d.msg].filter(Boolean).join(": "),
      )
      .join("; ");
  return undefined;
}
