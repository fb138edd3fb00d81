/**
 * Container image references: validation (the distribution reference grammar, simplified) and the
 * Docker Hub mirror rewrite (BERTH_REGISTRY_MIRROR). A reference without a registry host, or with
 * docker.io / index.docker.io / registry-1.docker.io, is a Docker Hub reference.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const HOST =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d{1,5})?)";
const REFERENCE = new RegExp(
  `^(?:(${HOST})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);
const HOST_ONLY = new RegExp(`^${HOST}$`);
/** A mirror: host[:port] with an optional path, no scheme. */
export const MIRROR_PATTERN = new RegExp(`^${HOST}(?:/${COMPONENT})*$`);

const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

export interface ImageRef {
  /** Registry host[:port], or undefined for Docker Hub. */
  registry: string | undefined;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

/** Parses a reference, or returns undefined when it is not one (at most 255 characters). */
export function parseImageRef(ref: string): ImageRef | undefined {
  if (ref.length > 255) return undefined;
  const m = REFERENCE.exec(ref);
  if (!m) return undefined;
  let registry = m[1];
  let repository = m[2]!;
  // "foo/bar": the first part is a host only when it looks like one (a dot, a port, or localhost).
  if (registry !== undefined && !/[.:]/.test(registry) && registry !== "localhost") {
    repository = `${registry.toLowerCase()}/${repository}`;
    registry = undefined;
    if (!REFERENCE.test(repository)) return undefined;
  }
  if (registry !== undefined && HUB_HOSTS.has(registry.toLowerCase())) registry = undefined;
  return { registry, repository, tag: m[3], digest: m[4] };
}

/**
 * The reference the engine pulls: Docker Hub references go to `mirror` when one is set (single
 * names get Hub's `library/` prefix); a reference without tag or digest gets `:latest`.
 */
export function pullReference(ref: string, mirror: string | undefined): string {
  const p = parseImageRef(ref);
  if (!p) throw new Error(`not an image reference: ${JSON.stringify(ref.slice(0, 80))}`);
  let name: string;
  if (p.registry !== undefined) name = `${p.registry}/${p.repository}`;
  else {
    const repo = p.repository.includes("/") ? p.repository : `library/${p.repository}`;
    name = mirror !== undefined ? `${mirror}/${repo}` : `docker.io/${repo}`;
  }
  if (p.digest !== undefined) return `${name}${p.tag ? `:${p.tag}` : ""}@${p.digest}`;
  return `${name}:${p.tag ?? "latest"}`;
}

/**
 * A registry as credentials name it: host[:port], lowercase, every Docker Hub alias as `docker.io`;
 * undefined when `value` is not a host.
 */
export function registryHost(value: string): string | undefined {
  if (value.length > 255 || !HOST_ONLY.test(value)) return undefined;
  const host = value.toLowerCase();
  return HUB_HOSTS.has(host) ? "docker.io" : host;
}

/** The registry a pull reference (pullReference's result, which always names one) is pulled from. */
export function registryOf(pullRef: string): string {
  return registryHost(pullRef.split("/")[0]!) ?? pullRef.split("/")[0]!;
}
