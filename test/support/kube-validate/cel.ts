/**
 * Evaluates a CRD's `x-kubernetes-validations` rules (CEL) the way the API server does: `self` is
 * the value at the rule's schema node, `oldSelf` the previous value on an update; a transition rule
 * (one naming `oldSelf`) is skipped on create unless `optionalOldSelf` is set. Field names that are
 * CEL keywords or hold `-`, `.`, `/` or `__` are escaped (`namespace` → `__namespace__`), integers
 * are CEL ints. Uses @marcbachmann/cel-js with optional types on, as Kubernetes ≥ 1.29 has.
 */
import { Environment } from "@marcbachmann/cel-js";

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

type Program = (ctx: Record<string, unknown>) => unknown;

const env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true });
const programs = new Map<string, Program | Error>();

const RESERVED = new Set(
  "true false null in as break const continue else for function if import let loop package namespace return var void".split(
    " ",
  ),
);

/** The CEL name of an object property (Kubernetes' escaping rules for CRD validation). */
export function escapeFieldName(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name
    .replace(/__/g, "__underscores__")
    .replace(/\./g, "__dot__")
    .replace(/-/g, "__dash__")
    .replace(/\//g, "__slash__");
}

/** JSON value → CEL value: escaped keys, integers as bigint. */
export function toCel(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[escapeFieldName(k)] = toCel(val);
    return out;
  }
  return v;
}

function program(source: string): Program | Error {
  let p = programs.get(source);
  if (!p) {
    try {
      p = env.parse(source) as unknown as Program;
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(source, p);
  }
  return p;
}

export const isTransitionRule = (r: CelRule): boolean => /\boldSelf\b/.test(r.rule);

/**
 * The message of a failed rule, or undefined when `self` satisfies it. `oldSelf` is undefined on a
 * create; a transition rule is then not evaluated (the API server's rule).
 */
export function checkRule(r: CelRule, self: unknown, oldSelf: unknown): string | undefined {
  const transition = isTransitionRule(r);
  if (transition && oldSelf === undefined && !r.optionalOldSelf) return undefined;
  const p = program(r.rule);
  if (p instanceof Error) return `rule could not be compiled: ${r.rule}: ${p.message.split("\n")[0]}`;
  const ctx: Record<string, unknown> = { self: toCel(self) };
  if (transition) ctx.oldSelf = toCel(oldSelf);
  let ok: unknown;
  try {
    ok = p(ctx);
  } catch (e) {
    return `${r.message ?? `failed rule: ${r.rule}`} (evaluation error: ${String((e as Error).message).split("\n")[0]})`;
  }
  if (ok === true) return undefined;
  if (r.messageExpression) {
    const m = program(r.messageExpression);
    if (!(m instanceof Error)) {
      try {
        const text = m(ctx);
        if (typeof text === "string" && text.length > 0) return text;
      } catch {
        // The server falls back to `message` when messageExpression fails.
      }
    }
  }
  return r.message ?? `failed rule: ${r.rule}`;
}
