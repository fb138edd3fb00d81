/**
 * Part of the Kubernetes API test double: the HTTP server on 127.0.0.1.
 *
 * Follows "Controlling Access to the Kubernetes API" (a bearer token from the kubeconfig, 401 with a
 * Status otherwise; only /version, /healthz, /readyz and /livez answer without one) and "API
 * Concepts" for routing. Every request is recorded with its RBAC verb so tests can compare what a
 * client used with the Role it ships; `failNext` rules answer matching requests with an injected
 * Status first.
 */
import http from "node:http";
import type net from "node:net";
import YAML from "yaml";
import * as crud from "./crud.js";
import { scale } from "./scale.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.js";
import { type ResourcePath, parsePath, verbOf } from "./request-path.js";
import type { KubeObject, ResourceDef, ResourceTable } from "./resources.js";
import { KubeError, badRequest, methodNotAllowed, notFound, statusOf } from "./status-errors.js";
import type { ObjectStore } from "./store.js";
import { serveWatch } from "./watch.js";

export interface RequestRecord {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** Set for discovery and other non-resource paths (RBAC nonResourceURLs); resource is "" then. */
  nonResourceURL?: string;
}

/**
 * An injected failure (tests of a client's retries): the next `times` requests matching every given
 * field are answered with a Status of `code`/`reason` and change nothing.
 */
export interface FaultRule {
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  code: number;
  reason?: string;
  times?: number;
}

function injectedFault(deps: ApiServerDeps, r: RequestRecord | undefined): KubeError | undefined {
  if (!r) return undefined;
  const rule = deps.faults.find(
    (f) =>
      (f.times ?? 1) > 0 &&
      (f.verb === undefined || f.verb === r.verb) &&
      (f.resource === undefined || f.resource === r.resource) &&
      (f.subresource === undefined || f.subresource === r.subresource) &&
      (f.namespace === undefined || f.namespace === r.namespace),
  );
  if (!rule) return undefined;
  rule.times = (rule.times ?? 1) - 1;
  return new KubeError(
    rule.code,
    rule.reason ?? "InternalError",
    `injected failure (${rule.code}) for ${r.verb} ${r.resource}`,
  );
}

/** Pod subresources served by the simulated kubelet (pod-io.ts). */
export interface PodSubresources {
  log(namespace: string, name: string, query: URLSearchParams, res: http.ServerResponse): void;
  upgrade(
    kind: "exec" | "attach",
    namespace: string,
    name: string,
    query: URLSearchParams,
    req: http.IncomingMessage,
    socket: net.Socket,
    head: Buffer,
  ): void;
}

/** Read-only resources computed on request (metrics.k8s.io). */
export interface ComputedResource {
  list(namespace?: string): KubeObject[];
}

export interface ApiServerDeps {
  store: ObjectStore;
  table: ResourceTable;
  token: string;
  crud: crud.CrudContext;
  pods: PodSubresources;
  computed: Map<ResourceDef, ComputedResource>;
  bookmarkIntervalMs: number;
  requests: RequestRecord[];
  faults: FaultRule[];
}

const MAX_BODY = 3 * 1024 * 1024;
const DRAIN_LIMIT = 64 * 1024 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const sendError = (res: http.ServerResponse, err: KubeError) => send(res, err.code, statusOf(err));

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const yaml = req.headers["content-type"]?.startsWith("application/apply-patch+yaml") === true;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Past the limit the rest is read and dropped, so the client gets the 413 instead of a reset.
    if (size > DRAIN_LIMIT) req.destroy();
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY) throw new KubeError(413, "RequestEntityTooLarge", "the request body is too large");
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid ${yaml ? "YAML" : "JSON"}: ${(err as Error).message}`);
  }
}

function authorised(deps: ApiServerDeps, req: http.IncomingMessage): boolean {
  return req.headers.authorization === `Bearer ${deps.token}`;
}

function discovery(deps: ApiServerDeps, p: { core: boolean; group?: string; version?: string }): unknown {
  if (p.core)
    return p.version === undefined
      ? apiVersions()
      : p.version === "v1"
        ? apiResourceList(deps.table, "", "v1")
        : undefined;
  if (p.group === undefined) return apiGroupList(deps.table);
  if (p.version === undefined) return apiGroup(deps.table, p.group);
  return apiResourceList(deps.table, p.group, p.version);
}

function resolve(deps: ApiServerDeps, path: ResourcePath): ResourceDef {
  const def = deps.table.find(path.group, path.version, path.resource);
  if (!def) throw new KubeError(404, "NotFound", "the server could not find the requested resource");
  if (!def.namespaced && path.namespace !== undefined)
    throw new KubeError(404, "NotFound", "the server could not find the requested resource");
  return def;
}

async function handleResource(
  deps: ApiServerDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: ResourcePath,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? "GET";
  const def = resolve(deps, path);
  const computed = deps.computed.get(def);
  if (computed) {
    if (method !== "GET") throw methodNotAllowed();
    const items = computed.list(path.namespace);
    if (path.name === undefined)
      return send(res, 200, {
        kind: `${def.kind}List`,
        apiVersion: `${def.group}/${path.version}`,
        metadata: {},
        items,
      });
    const item = items.find((i) => i.metadata?.name === path.name);
    if (!item) throw notFound(def, path.name);
    return send(res, 200, item);
  }
  const sub = path.subresource;
  if (sub === "log" && def.kind === "Pod" && method === "GET")
    return deps.pods.log(path.namespace!, path.name!, query, res);
  if (sub === "exec" || sub === "attach")
    throw badRequest(`${sub} needs a WebSocket upgrade (v5.channel.k8s.io or v4.channel.k8s.io)`);
  if (sub === "scale") {
    const body = method === "GET" ? undefined : await readBody(req);
    const r = scale(deps.crud, def, path, method, body, req.headers["content-type"]?.split(";")[0] ?? "");
    return send(res, r.status, r.body);
  }
  if (sub !== undefined && !(sub === "status" && def.status))
    throw new KubeError(404, "NotFound", "the server could not find the requested resource");
  if (sub === "status" && !["GET", "PUT", "PATCH"].includes(method)) throw methodNotAllowed();
  const verb = verbOf(method, path, query);
  if (verb === "watch") {
    const filter = crud.parseFilter(def, query);
    if (path.name !== undefined) filter.fields.push({ path: "metadata.name", op: "=", value: path.name });
    return serveWatch(
      deps.store,
      { bookmarkIntervalMs: deps.bookmarkIntervalMs },
      {
        def,
        version: path.version,
        ...(path.namespace !== undefined ? { namespace: path.namespace } : {}),
        filter,
        query,
      },
      res,
    );
  }
  if (def.namespaced && path.namespace === undefined && verb !== "list")
    throw new KubeError(404, "NotFound", "the server could not find the requested resource");
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
  let r: crud.Reply;
  switch (verb) {
    case "get":
      r = crud.get(deps.crud, def, path);
      break;
    case "list":
      r = crud.list(deps.crud, def, path, query);
      break;
    case "create":
      r = crud.create(deps.crud, def, path, body);
      break;
    case "update":
      r = crud.update(deps.crud, def, path, body);
      break;
    case "patch":
      r = crud.patch(
        deps.crud,
        def,
        path,
        body,
        req.headers["content-type"]?.split(";")[0]?.trim() ?? "",
        query,
      );
      break;
    case "delete":
      r = crud.remove(deps.crud, def, path, body, query);
      break;
    case "deletecollection":
      r = crud.removeCollection(deps.crud, def, path, body, query);
      break;
    default:
      throw methodNotAllowed();
  }
  send(res, r.status, r.body);
}

function record(deps: ApiServerDeps, method: string, url: URL): { path?: ResourcePath } {
  const parsed = parsePath(url.pathname);
  if (parsed.type === "resource") {
    const p = parsed.path;
    deps.requests.push({
      verb: verbOf(method, p, url.searchParams),
      group: p.group,
      version: p.version,
      resource: p.resource,
      ...(p.subresource !== undefined ? { subresource: p.subresource } : {}),
      ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
    });
    return { path: p };
  }
  deps.requests.push({
    verb: method === "GET" ? "get" : method.toLowerCase(),
    group: "",
    version: "",
    resource: "",
    nonResourceURL: url.pathname,
  });
  return {};
}

export function createApiServer(deps: ApiServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://double");
    const run = async () => {
      const parsed = parsePath(url.pathname);
      if (parsed.type === "other") {
        if (["/healthz", "/readyz", "/livez"].includes(url.pathname)) return void res.end("ok");
        if (url.pathname === "/version") return send(res, 200, versionInfo());
      }
      if (!authorised(deps, req)) throw new KubeError(401, "Unauthorized", "Unauthorized");
      const { path } = record(deps, req.method ?? "GET", url);
      const fault = injectedFault(deps, path ? deps.requests.at(-1) : undefined);
      if (fault) throw fault;
      if (parsed.type === "discovery") {
        const doc = discovery(deps, parsed);
        if (!doc) throw new KubeError(404, "NotFound", "the server could not find the requested resource");
        return send(res, 200, doc);
      }
      if (!path) throw new KubeError(404, "NotFound", "the server could not find the requested resource");
      await handleResource(deps, req, res, path, url.searchParams);
    };
    run().catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof KubeError) return sendError(res, err);
      sendError(
        res,
        new KubeError(500, "InternalError", `the double failed: ${(err as Error).stack ?? String(err)}`),
      );
    });
  });
  server.on("upgrade", (req, socket: net.Socket, head) => {
    const url = new URL(req.url ?? "/", "http://double");
    const fail = (err: KubeError) => {
      const text = JSON.stringify(statusOf(err));
      socket.end(
        `HTTP/1.1 ${err.code} ${http.STATUS_CODES[err.code]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    if (!authorised(deps, req)) return fail(new KubeError(401, "Unauthorized", "Unauthorized"));
    const { path } = record(deps, req.method ?? "GET", url);
    const fault = injectedFault(deps, path ? deps.requests.at(-1) : undefined);
    if (fault) return fail(fault);
    if (
      path?.resource !== "pods" ||
      path.group !== "" ||
      (path.subresource !== "exec" && path.subresource !== "attach") ||
      !path.namespace ||
      !path.name
    )
      return fail(new KubeError(404, "NotFound", "the server could not find the requested resource"));
    try {
      deps.pods.upgrade(path.subresource, path.namespace, path.name, url.searchParams, req, socket, head);
    } catch (err) {
      fail(err instanceof KubeError ? err : new KubeError(500, "InternalError", String(err)));
    }
  });
  return server;
}
