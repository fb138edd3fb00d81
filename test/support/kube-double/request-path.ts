/**
 * Part of the Kubernetes API test double: how a request path names a resource, and which RBAC verb
 * a request is.
 *
 * Follows "API Concepts → Standard API terminology" (`/api/v1/namespaces/{ns}/{resource}/{name}/{sub}`
 * and `/apis/{group}/{version}/…`) and "Authorization → Determine the request verb" (GET on a
 * collection is `list`, or `watch` with `?watch=1`; POST `create`; PUT `update`; PATCH `patch`;
 * DELETE on a name `delete`, on a collection `deletecollection`; exec and attach are `create` on
 * their subresource whether they arrive as POST or as a WebSocket GET).
 */

export interface ResourcePath {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ParsedPath =
  | { type: "resource"; path: ResourcePath }
  | { type: "discovery"; group?: string; version?: string; core: boolean }
  | { type: "other"; path: string };

const decode = (s: string) => decodeURIComponent(s);

export function parsePath(pathname: string): ParsedPath {
  const parts = pathname
    .split("/")
    .filter((p) => p.length > 0)
    .map(decode);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length === 1) return { type: "discovery", core: true };
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
    if (rest.length === 0) return { type: "discovery", core: true, group: "", version };
  } else if (parts[0] === "apis") {
    if (parts.length === 1) return { type: "discovery", core: false };
    if (parts.length === 2) return { type: "discovery", core: false, group: parts[1]! };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
    if (rest.length === 0) return { type: "discovery", core: false, group, version };
  } else {
    return { type: "other", path: pathname };
  }
  let namespace: string | undefined;
  const namespaceSub = rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize");
  if (rest[0] === "namespaces" && rest.length >= 3 && !namespaceSub) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return { type: "other", path: pathname };
  return {
    type: "resource",
    path: {
      group,
      version,
      resource,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}),
    },
  };
}

export function verbOf(method: string, path: ResourcePath, query: URLSearchParams): string {
  const watching = query.get("watch") === "1" || query.get("watch") === "true";
  if (path.subresource === "exec" || path.subresource === "attach") return "create";
  switch (method) {
    case "GET":
    case "HEAD":
      if (watching) return "watch";
      return path.name === undefined ? "list" : "get";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return path.name === undefined ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}
