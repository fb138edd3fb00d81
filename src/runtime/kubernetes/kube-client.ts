/**
 * A small REST client of the Kubernetes API for the kubernetes runtime driver: get, list, create,
 * merge-patch, delete, watch (newline-delimited JSON events) and raw streaming GETs (pod logs),
 * authenticated by @kubernetes/client-node's KubeConfig (kubeconfig file or in-cluster service
 * account: client certificates, CA, bearer tokens). Exec and attach go through client-node's
 * WebSocket clients (`exec()`/`attach()` here).
 *
 * Errors carry the HTTP status and the Status object's `reason` (NotFound, AlreadyExists, Conflict,
 * Gone, Invalid…) so callers branch on them; messages never include request bodies (env values).
 */
import http from "node:http";
import https from "node:https";
import type { Readable, Writable } from "node:stream";
import { Attach, Exec, KubeConfig, type V1Status } from "@kubernetes/client-node";

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    deletionTimestamp?: string;
    ownerReferences?: unknown[];
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  // biome-ignore lint/suspicious/noExplicitAny: objects of any kind, read by the driver's mappers
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: objects of any kind, read by the driver's mappers
  status?: any;
  [k: string]: unknown;
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeError && err.status === 409;

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

/** Where a resource lives: `/api/v1` or `/apis/<group>/<version>`, plural resource, namespace. */
export interface ResourcePath {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
}

export function resourceUrl(r: ResourcePath, name?: string, sub?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespace ? `/namespaces/${encodeURIComponent(r.namespace)}` : "";
  const n = name ? `/${encodeURIComponent(name)}` : "";
  return `${base}${ns}/${r.resource}${n}${sub ? `/${sub}` : ""}`;
}

export class KubeClient {
  readonly kc: KubeConfig;
  private readonly server: URL;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubernetes runtime: the kubeconfig names no current cluster");
    this.server = new URL(cluster.server);
  }

  /** From a kubeconfig file, or the pod's service account when `kubeconfig` is undefined. */
  static load(kubeconfig: string | undefined): KubeClient {
    const kc = new KubeConfig();
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromCluster();
    return new KubeClient(kc);
  }

  /** One request; resolves with the parsed JSON body or rejects with a KubeError. */
  async request<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    const res = await this.open(method, path, body, contentType);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 300) throw toKubeError(res.statusCode ?? 500, text, method, path);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Opens a request and resolves with the response once its headers arrive (any status). */
  async open(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
    signal?: AbortSignal,
  ): Promise<http.IncomingMessage> {
    const opts: https.RequestOptions = {
      method,
      protocol: this.server.protocol,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ""),
      port: this.server.port || (this.server.protocol === "https:" ? 443 : 80),
      path: `${this.server.pathname.replace(/\/$/, "")}${path}`,
      headers: { Accept: "application/json" },
    };
    await this.kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload)
      opts.headers = { ...opts.headers, "Content-Type": contentType, "Content-Length": payload.length };
    const lib = this.server.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request({ ...opts, signal }, resolve);
      req.on("error", reject);
      req.end(payload);
    });
  }

  get(r: ResourcePath, name: string): Promise<KubeObject> {
    return this.request("GET", resourceUrl(r, name));
  }

  /** get, or undefined when the object does not exist. */
  async find(r: ResourcePath, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(r, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(
    r: ResourcePath,
    labelSelector?: string,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
    const l = await this.request<{ items: KubeObject[]; metadata: { resourceVersion: string } }>(
      "GET",
      `${resourceUrl(r)}${q}`,
    );
    return { items: l.items ?? [], resourceVersion: l.metadata?.resourceVersion ?? "" };
  }

  create(r: ResourcePath, obj: KubeObject): Promise<KubeObject> {
    return this.request("POST", resourceUrl(r), obj);
  }

  /** JSON merge patch (RFC 7386) of the object, or of its `sub`resource (status, scale). */
  patch(r: ResourcePath, name: string, patch: unknown, sub?: string): Promise<KubeObject> {
    return this.request("PATCH", resourceUrl(r, name, sub), patch, "application/merge-patch+json");
  }

  /** Deletes; an object already gone counts as deleted. */
  async delete(r: ResourcePath, name: string, opts: { gracePeriodSeconds?: number } = {}): Promise<void> {
    const body = {
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Background",
      ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    };
    try {
      await this.request("DELETE", resourceUrl(r, name), body);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Streams watch events from `resourceVersion` until the server ends the watch, `signal` aborts, or
   * an error; rejects with KubeError 410 when the version is too old (the caller lists again).
   */
  async watch(
    r: ResourcePath,
    query: { labelSelector?: string; resourceVersion: string; timeoutSeconds?: number },
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const q = new URLSearchParams({
      watch: "1",
      allowWatchBookmarks: "true",
      resourceVersion: query.resourceVersion,
    });
    if (query.labelSelector) q.set("labelSelector", query.labelSelector);
    if (query.timeoutSeconds) q.set("timeoutSeconds", String(query.timeoutSeconds));
    const res = await this.open("GET", `${resourceUrl(r)}?${q}`, undefined, undefined, signal);
    if ((res.statusCode ?? 500) >= 300) {
      throw toKubeError(res.statusCode ?? 500, await readAll(res), "WATCH", resourceUrl(r));
    }
    let buf = "";
    await new Promise<void>((resolve, reject) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          nl = buf.indexOf("\n");
          if (!line) continue;
          const e = JSON.parse(line) as WatchEvent;
          if (e.type === "ERROR") {
            const s = e.object as unknown as { code?: number; reason?: string; message?: string };
            res.destroy();
            reject(new KubeError(s.code ?? 500, s.reason ?? "Error", s.message ?? "watch error"));
            return;
          }
          onEvent(e);
        }
      });
      res.on("end", resolve);
      res.on("close", resolve);
      res.on("error", (err) => (signal.aborted ? resolve() : reject(err)));
    });
  }

  /** A pod's log as a stream (`follow` keeps it open while the container runs). */
  async podLog(
    namespace: string,
    pod: string,
    q: { follow?: boolean; tailLines?: number; container?: string },
    signal?: AbortSignal,
  ): Promise<Readable> {
    const p = new URLSearchParams();
    if (q.follow) p.set("follow", "true");
    if (q.tailLines !== undefined) p.set("tailLines", String(q.tailLines));
    if (q.container) p.set("container", q.container);
    const path = `${resourceUrl({ group: "", version: "v1", resource: "pods", namespace }, pod, "log")}?${p}`;
    const res = await this.open("GET", path, undefined, undefined, signal);
    if ((res.statusCode ?? 500) >= 300)
      throw toKubeError(res.statusCode ?? 500, await readAll(res), "GET", path);
    return res;
  }

  /**
   * Runs `command` in a pod's container (pods/exec over WebSocket). Resolves with the exit code
   * from the status channel once the command ends (null when the server did not say).
   */
  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    io: { stdout?: Writable; stderr?: Writable; stdin?: Readable },
  ): Promise<number | null> {
    const exec = new Exec(this.kc);
    return new Promise((resolve, reject) => {
      let status: V1Status | undefined;
      let ws: { close(): void } | undefined;
      // input that breaks off (an error, or closed before its end) ends the command as failed
      let broken: Error | undefined;
      let ended = false;
      const breakOff = (err: Error) => {
        broken ??= err;
        ws?.close();
      };
      io.stdin?.on("end", () => {
        ended = true;
      });
      io.stdin?.on("error", (err) => breakOff(err));
      io.stdin?.on("close", () => {
        if (!ended) breakOff(new Error("the input ended before its end"));
      });
      const onStatus = (s: V1Status) => {
        status = s;
      };
      exec
        .exec(
          namespace,
          pod,
          container,
          command,
          io.stdout ?? null,
          io.stderr ?? null,
          io.stdin ?? null,
          false,
          onStatus,
        )
        .then((socket) => {
          ws = socket;
          if (broken) socket.close();
          socket.on("close", () => (broken ? reject(broken) : resolve(exitCodeOf(status))));
          socket.on("error", reject);
        }, reject);
    });
  }

  /** Attaches to a running pod's container; resolves once the connection is open. */
  async attach(
    namespace: string,
    pod: string,
    container: string,
    io: { stdout?: Writable; stderr?: Writable; stdin?: Readable },
  ): Promise<{ closed: Promise<void> }> {
    const ws = await new Attach(this.kc).attach(
      namespace,
      pod,
      container,
      io.stdout ?? null,
      io.stderr ?? null,
      io.stdin ?? null,
      false,
    );
    return { closed: new Promise((resolve) => ws.on("close", () => resolve())) };
  }
}

/** Exit code from the exec status channel: Success → 0, NonZeroExitCode → its ExitCode cause. */
export function exitCodeOf(s: V1Status | undefined): number | null {
  if (!s) return null;
  if (s.status === "Success") return 0;
  const cause = s.details?.causes?.find((c) => c.reason === "ExitCode");
  return cause?.message !== undefined ? Number(cause.message) : null;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      text += c;
    });
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}

function toKubeError(status: number, text: string, method: string, path: string): KubeError {
  let reason = "Unknown";
  let message = `${method} ${path.split("?")[0]}: HTTP ${status}`;
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? reason;
    if (s.message) message = `${message}: ${s.message}`;
  } catch {
    // not a Status object
  }
  return new KubeError(status, reason, message.slice(0, 1000));
}
