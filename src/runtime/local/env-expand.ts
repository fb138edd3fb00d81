/**
 * Kubernetes-style `$(VAR)` expansion for args and env values: `$(NAME)` becomes NAME's value when
 * NAME is defined (env entries resolve in order, each seeing the ones before it), an unknown
 * reference stays as written, and `$$(NAME)` is the literal `$(NAME)`.
 */
const REF = /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

export function expandRefs(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(REF, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && Object.hasOwn(vars, name) ? vars[name]! : match;
  });
}

/** Resolves an ordered env map: runtime-provided vars first, then each entry expanded in order. */
export function expandEnv(
  entries: Readonly<Record<string, string>>,
  provided: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = { ...provided };
  for (const [k, v] of Object.entries(entries)) {
    if (Object.hasOwn(provided, k)) continue;
    out[k] = expandRefs(v, out);
  }
  return out;
}
