/**
 * The one domain error type. Services throw BerthError with a code from a closed set; each HTTP
 * surface has exactly one renderer that maps codes to its own status codes and envelope.
 */
export type ErrorCode =
  | "VALIDATION"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "INVALID_STATE"
  | "LIMIT_REACHED"
  | "UNPROCESSABLE"
  | "RUNTIME_FAILED"
  | "UNAVAILABLE"
  | "INTERNAL";

const retryable: Record<ErrorCode, boolean> = {
  VALIDATION: false,
  UNAUTHENTICATED: false,
  FORBIDDEN: false,
  NOT_FOUND: false,
  CONFLICT: true,
  INVALID_STATE: false,
  LIMIT_REACHED: false,
  UNPROCESSABLE: false,
  RUNTIME_FAILED: true,
  UNAVAILABLE: true,
  INTERNAL: true,
};

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Field-level problems for VALIDATION errors: path and message. */
  readonly issues: { path: (string | number)[]; message: string; type?: string }[];

  constructor(code: ErrorCode, message: string, issues: BerthError["issues"] = []) {
    super(message);
    this.name = "BerthError";
    this.code = code;
    this.retryable = retryable[code];
    this.issues = issues;
  }
}

export const notFound = (what: string) => new BerthError("NOT_FOUND", `${what} not found`);
export const invalid = (message: string) => new BerthError("VALIDATION", message);
export const conflict = (message: string) => new BerthError("CONFLICT", message);
export const forbidden = (message: string) => new BerthError("FORBIDDEN", message);
export const invalidState = (message: string) => new BerthError("INVALID_STATE", message);
export const unprocessable = (message: string) => new BerthError("UNPROCESSABLE", message);

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
