/**
 * Which target a request names, decided from its own Host header and request target (RFC 9110
 * §7.2, RFC 9112 §3.2): names compare case-insensitively, the port is optional, the absolute form of
 * a name (trailing dot) is the same name. Anything ambiguous is refused, never guessed: two Host
 * headers, a Host that is not a valid authority, an HTTP/1.1 request without one, or an
 * absolute-form target whose authority disagrees with Host.
 */

export type Destination =
  /** `<name>.<domain>`: deployment `name`'s ingress. `path` is the origin-form target to forward. */
  | { kind: "ingress"; name: string; host: string; path: string }
  /** Under the ingress domain but not a deployment name (a nested or invalid label). */
  | { kind: "unknown"; host: string }
  /** Any other host: berth's own API. */
  | { kind: "api"; host: string; path: string }
  | { kind: "bad"; reason: string };

const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9_~!$&'()*+,;=%.-]+)(?::(\d{0,5}))?$/;
const LABEL = /^[a-z0-9-]{1,63}$/;
const ABSOLUTE = /^https?:\/\//i;

interface Authority {
  name: string;
  port: string | undefined;
}

/** Host header values seen recently (a connection usually repeats one), parsed. */
const seen = new Map<string, Authority | undefined>();

function cachedAuthority(value: string): Authority | undefined {
  if (seen.has(value)) return seen.get(value);
  const parsed = parseAuthority(value.trim());
  if (seen.size >= 4096) seen.clear();
  seen.set(value, parsed);
  return parsed;
}

/** Lower-cased name without the trailing dot, and the port if one was given; undefined if malformed. */
export function parseAuthority(value: string): Authority | undefined {
  const m = AUTHORITY.exec(value.toLowerCase());
  if (!m) return undefined;
  const port = m[2] || undefined;
  if (port !== undefined && Number(port) > 65535) return undefined;
  const name = m[1]!.endsWith(".") ? m[1]!.slice(0, -1) : m[1]!;
  if (name === "" || name.endsWith(".")) return undefined;
  return { name, port };
}

/**
 * @param hosts every Host header value of the request, in order
 * @param target the request target as sent (origin, absolute or asterisk form)
 * @param version "1.1", "1.0"…
 * @param domain the ingress domain (BERTH_DOMAIN), lower case
 */
export function destinationOf(hosts: string[], target: string, version: string, domain: string): Destination {
  if (hosts.length > 1) return { kind: "bad", reason: "more than one Host header" };
  let path = target;
  let authority: Authority | undefined;
  if (hosts.length === 1) {
    authority = cachedAuthority(hosts[0]!);
    if (!authority) return { kind: "bad", reason: "malformed Host header" };
  }
  if (ABSOLUTE.test(target)) {
    const rest = target.slice(target.indexOf("//") + 2);
    const slash = rest.search(/[/?]/);
    const fromTarget = parseAuthority(slash === -1 ? rest : rest.slice(0, slash));
    if (!fromTarget) return { kind: "bad", reason: "malformed request target" };
    const scheme = target.slice(0, target.indexOf(":")).toLowerCase();
    if (authority && !sameAuthority(authority, fromTarget, scheme === "https" ? "443" : "80"))
      return { kind: "bad", reason: "Host header disagrees with the request target" };
    authority = fromTarget;
    path = slash === -1 ? "/" : rest[slash] === "?" ? `/${rest.slice(slash)}` : rest.slice(slash);
  } else if (!authority && version !== "1.0" && version !== "0.9") {
    return { kind: "bad", reason: "missing Host header" };
  } else if (target[0] !== "/" && target !== "*") {
    return { kind: "bad", reason: "malformed request target" };
  }
  if (!authority) return { kind: "api", host: "", path };
  const host = authority.port ? `${authority.name}:${authority.port}` : authority.name;
  const suffix = `.${domain}`;
  if (!authority.name.endsWith(suffix)) return { kind: "api", host, path };
  const label = authority.name.slice(0, -suffix.length);
  return LABEL.test(label) ? { kind: "ingress", name: label, host, path } : { kind: "unknown", host };
}

function sameAuthority(a: Authority, b: Authority, defaultPort: string): boolean {
  return a.name === b.name && (a.port ?? defaultPort) === (b.port ?? defaultPort);
}
