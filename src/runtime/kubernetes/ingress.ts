/**
 * The Ingress of a public deployment's listening workload (when BERTH_K8S_INGRESS_HOST is set):
 * host from the pattern, class and TLS Secret from the settings. While the workload runs, the
 * Ingress routes to its Service; while it is paused, to berth itself (a Service `berth-activator` in
 * the namespace for BERTH_K8S_ACTIVATOR: ExternalName for a host name, or without selector with its
 * own EndpointSlice for an IP address), which wakes the deployment on the request and forwards it
 * once ready, as Knative's activator does.
 */
import { isIP } from "node:net";
import type { DesiredWorkload } from "../driver.js";
import type { KubeContext } from "./context.js";
import { isNotFound, type KubeObject } from "./kube-client.js";
import { DEFAULT_PORT, type WorkloadNames, workloadMeta } from "./manifests.js";
import { L, MANAGED_BY } from "./names.js";
import { R } from "./resources.js";

export const ACTIVATOR_SERVICE = "berth-activator";

export class KubeIngress {
  constructor(private readonly ctx: KubeContext) {}

  private host(w: DesiredWorkload): string | undefined {
    const pattern = this.ctx.settings.ingress.hostPattern;
    if (!pattern || w.visibility !== "public" || !w.deploymentName || !w.spec.listens) return undefined;
    return pattern.replace("{name}", w.deploymentName);
  }

  /** Creates or re-points the workload's Ingress at its Service (it is running). */
  async toWorkload(w: DesiredWorkload, deploymentId: string, n: WorkloadNames): Promise<void> {
    const host = this.host(w);
    if (!host) return;
    const backend = { name: n.service, port: { number: w.spec.port ?? DEFAULT_PORT } };
    await this.upsert(this.ingress(w, deploymentId, n, host, backend));
  }

  /** Re-points the workload's Ingress at berth while it is paused (when an activator is set). */
  async toActivator(namespace: string, ingressName: string): Promise<void> {
    const activator = this.ctx.settings.ingress.activator;
    if (!activator) return;
    const existing = await this.ctx.client.find(R.ingresses(namespace), ingressName);
    if (!existing) return;
    const [host, port] = activator.split(":") as [string, string];
    await this.ensureActivator(namespace, host, Number(port));
    const rules = existing.spec.rules.map((r: { host: string }) => ({
      host: r.host,
      http: { paths: [path({ name: ACTIVATOR_SERVICE, port: { number: Number(port) } })] },
    }));
    await this.ctx.client.patch(R.ingresses(namespace), ingressName, { spec: { rules } });
  }

  /**
   * The Service `berth-activator` in the namespace: an ExternalName naming berth's Service, or — for
   * an IP address (berth's ClusterIP) — a Service without selector and its own EndpointSlice.
   */
  private async ensureActivator(namespace: string, host: string, port: number): Promise<void> {
    const labels = { [MANAGED_BY]: "berth", [L.role]: "activator" };
    const ports = [{ name: "http", port, protocol: "TCP" }];
    const metadata = { name: ACTIVATOR_SERVICE, namespace, labels };
    if (!isIP(host)) {
      const spec = { type: "ExternalName", externalName: host, ports };
      await this.ctx.createIfAbsent(R.services(namespace), {
        apiVersion: "v1",
        kind: "Service",
        metadata,
        spec,
      });
      return;
    }
    await this.ctx.createIfAbsent(R.services(namespace), {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: { ports },
    });
    await this.ctx.createIfAbsent(R.endpointslices(namespace), {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: `${ACTIVATOR_SERVICE}-1`,
        namespace,
        labels: {
          ...labels,
          "kubernetes.io/service-name": ACTIVATOR_SERVICE,
          // not the EndpointSlice controller's: it leaves slices another manager owns alone
          "endpointslice.kubernetes.io/managed-by": "berth.dev",
        },
      },
      addressType: isIP(host) === 6 ? "IPv6" : "IPv4",
      endpoints: [{ addresses: [host], conditions: { ready: true } }],
      ports,
    });
  }

  private ingress(
    w: DesiredWorkload,
    deploymentId: string,
    n: WorkloadNames,
    host: string,
    backend: { name: string; port: { number: number } },
  ): KubeObject {
    const { className, tlsSecret } = this.ctx.settings.ingress;
    return {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: workloadMeta(w, deploymentId, { name: n.service, namespace: n.namespace }),
      spec: {
        ...(className ? { ingressClassName: className } : {}),
        ...(tlsSecret ? { tls: [{ hosts: [host], secretName: tlsSecret }] } : {}),
        rules: [{ host, http: { paths: [path(backend)] } }],
      },
    };
  }

  private async upsert(obj: KubeObject): Promise<void> {
    const r = R.ingresses(obj.metadata.namespace);
    try {
      await this.ctx.client.patch(r, obj.metadata.name, { spec: obj.spec });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.ctx.client.create(r, obj);
    }
  }
}

const path = (backend: { name: string; port: { number: number } }) => ({
  path: "/",
  pathType: "Prefix",
  backend: { service: backend },
});
