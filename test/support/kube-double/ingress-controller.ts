/**
 * Part of the Kubernetes API test double: a SIMULATED ingress controller.
 *
 * Follows "Ingress" (networking.k8s.io/v1): rules match the request's Host (exact, or a `*.`
 * wildcard covering one label) and its path (`Exact`, or `Prefix` by whole path segments;
 * `ImplementationSpecific` is treated as Prefix; the longest match wins; `defaultBackend` otherwise),
 * and the backend Service's port (by number or name) is resolved through the Service's
 * EndpointSlices to a ready endpoint — in the double, a pod's 127.0.0.1 port (kubelet.ts), or
 * whatever address a test put in a Service without selector's own EndpointSlice (e.g. berth itself).
 * It listens on one loopback port for plain HTTP (TLS sections are recorded, not served), proxies
 * requests and WebSocket upgrades, answers 404 when no rule matches and 503 when the backend has
 * no ready endpoint, and reports `status.loadBalancer.ingress: [{ip: 127.0.0.1}]` on every Ingress.
 */
import http from "node:http";
import net from "node:net";
import type { Controller } from "./controller-loop.js";
import { sameJson } from "./json.js";
import type { ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are free-form JSON
type Any = any;

interface Target {
  host: string;
  port: number;
}

function hostMatches(ruleHost: string | undefined, host: string): boolean {
  if (!ruleHost) return true;
  if (ruleHost.startsWith("*.")) {
    const suffix = ruleHost.slice(1);
    return (
      host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".") && host.length > suffix.length
    );
  }
  return ruleHost === host;
}

function pathMatch(p: Any, path: string): number {
  const want: string = p.path ?? "/";
  if (p.pathType === "Exact") return path === want ? want.length + 1 : -1;
  const prefix = want.replace(/\/+$/, "");
  if (prefix === "") return 0;
  return path === prefix || path.startsWith(`${prefix}/`) ? prefix.length : -1;
}

export class IngressController implements Controller {
  readonly name = "ingress-controller (simulated)";
  private server?: http.Server;

  constructor(
    private readonly store: ObjectStore,
    private readonly table: ResourceTable,
  ) {}

  private def(group: string, version: string, resource: string) {
    return this.table.find(group, version, resource)!;
  }

  reconcile(): void {
    const def = this.def("networking.k8s.io", "v1", "ingresses");
    const want = { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } };
    for (const ing of this.store.list(def)) {
      if (ing.metadata!.deletionTimestamp || sameJson(ing.status, want)) continue;
      const metadata = { ...ing.metadata, resourceVersion: undefined };
      ignoreRace(() =>
        this.store.update(
          def,
          ing.metadata!.namespace,
          { ...ing, metadata, status: want },
          { subresource: "status" },
        ),
      );
    }
  }

  /** The backend a request goes to, or an HTTP status to answer with. */
  resolve(hostHeader: string | undefined, url: string): Target | number {
    const host = (hostHeader ?? "").replace(/:\d+$/, "").toLowerCase();
    const path = new URL(url, "http://x").pathname;
    let best: { ns: string; backend: Any; score: number } | undefined;
    for (const ing of this.store.list(this.def("networking.k8s.io", "v1", "ingresses"))) {
      const ns = ing.metadata!.namespace!;
      for (const rule of ing.spec?.rules ?? []) {
        if (!hostMatches(rule.host, host)) continue;
        for (const p of rule.http?.paths ?? []) {
          const matched = pathMatch(p, path);
          if (matched < 0) continue;
          const score = matched + (rule.host ? 10_000 : 0);
          if (!best || score > best.score) best = { ns, backend: p.backend, score };
        }
      }
      if (!best && ing.spec?.defaultBackend) best = { ns, backend: ing.spec.defaultBackend, score: -1 };
    }
    if (!best?.backend?.service) return 404;
    return this.endpoint(best.ns, best.backend.service) ?? 503;
  }

  private endpoint(
    ns: string,
    backend: { name: string; port?: { number?: number; name?: string } },
  ): Target | undefined {
    const svc = this.store.get(this.def("", "v1", "services"), ns, backend.name);
    if (!svc) return undefined;
    const svcPort = (svc.spec?.ports ?? []).find(
      (p: Any) =>
        (backend.port?.number !== undefined && p.port === backend.port.number) ||
        (backend.port?.name !== undefined && p.name === backend.port.name),
    );
    const slices = this.store
      .list(this.def("discovery.k8s.io", "v1", "endpointslices"), ns)
      .filter((s) => s.metadata?.labels?.["kubernetes.io/service-name"] === backend.name);
    for (const slice of slices) {
      const port =
        (slice.ports ?? []).find((p: Any) => (svcPort?.name ?? "") === (p.name ?? "")) ??
        (slice.ports?.length === 1 ? slice.ports[0] : undefined);
      const ep = (slice.endpoints ?? []).find(
        (e: Any) => e.conditions?.ready !== false && e.addresses?.length > 0,
      );
      if (port?.port && ep) return { host: ep.addresses[0], port: port.port };
    }
    return undefined;
  }

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => {
      const target = this.resolve(req.headers.host, req.url ?? "/");
      if (typeof target === "number") {
        res
          .writeHead(target, { "content-type": "text/plain" })
          .end(target === 404 ? "no ingress rule matches\n" : "no ready endpoint\n");
        return;
      }
      const upstream = http.request(
        { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end("upstream failed\n");
      });
      req.pipe(upstream);
    });
    server.on("upgrade", (req, socket: net.Socket, head) => {
      const target = this.resolve(req.headers.host, req.url ?? "/");
      if (typeof target === "number")
        return void socket.end(
          `HTTP/1.1 ${target} ${http.STATUS_CODES[target]}\r\nconnection: close\r\n\r\n`,
        );
      const upstream = net.connect(target.port, target.host, () => {
        const lines = [
          `${req.method} ${req.url} HTTP/1.1`,
          ...Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`),
        ];
        upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
