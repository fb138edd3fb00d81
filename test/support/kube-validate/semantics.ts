/**
 * Semantic rules the API server applies beyond the schema (k8s.io/kubernetes pkg/apis/<group>/validation)
 * for the kinds berth creates: pod specs (container and volume names, images, mounts that name a
 * volume, ports), workload selectors that match their template, Service ports, PVC requests and
 * Ingress rules. A Sandbox's pod template gets the pod rules too: the agent-sandbox controller
 * creates a Pod from it, which the server would refuse.
 */
import { dns1123Label, dns1123Subdomain, labelValue, portName } from "./names.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function named(path: string, value: string, rule: (v: string) => string[], out: string[]) {
  for (const e of rule(value)) out.push(`${path}: Invalid value: ${JSON.stringify(value)}: ${e}`);
}

function portNumber(path: string, v: unknown, out: string[]) {
  if (typeof v === "number" && (!Number.isInteger(v) || v < 1 || v > 65535))
    out.push(`${path}: Invalid value: ${v}: must be between 1 and 65535, inclusive`);
}

/** Rules of a PodSpec at `path`; `claims` are volume names a StatefulSet/Sandbox template adds. */
export function podSpecErrors(spec: unknown, path: string, claims: string[] = []): string[] {
  const out: string[] = [];
  if (!isObj(spec)) return [`${path}: Required value`];
  const volumes = new Set(claims);
  list(spec.volumes).forEach((v, i) => {
    const name = str(v.name) ?? "";
    named(`${path}.volumes[${i}].name`, name, dns1123Label, out);
    if (volumes.has(name)) out.push(`${path}.volumes[${i}].name: Duplicate value: ${JSON.stringify(name)}`);
    volumes.add(name);
  });
  const containers = list(spec.containers);
  if (containers.length === 0) out.push(`${path}.containers: Required value`);
  const seen = new Set<string>();
  for (const [field, items] of [
    ["initContainers", list(spec.initContainers)],
    ["containers", containers],
  ] as const) {
    items.forEach((c, i) => {
      const at = `${path}.${field}[${i}]`;
      const name = str(c.name) ?? "";
      named(`${at}.name`, name, dns1123Label, out);
      if (seen.has(name)) out.push(`${at}.name: Duplicate value: ${JSON.stringify(name)}`);
      seen.add(name);
      if (!str(c.image)?.trim()) out.push(`${at}.image: Required value`);
      list(c.volumeMounts).forEach((m, j) => {
        const mname = str(m.name) ?? "";
        if (!volumes.has(mname))
          out.push(`${at}.volumeMounts[${j}].name: Not found: ${JSON.stringify(mname)}`);
        if (!str(m.mountPath)) out.push(`${at}.volumeMounts[${j}].mountPath: Required value`);
      });
      list(c.ports).forEach((p, j) => {
        portNumber(`${at}.ports[${j}].containerPort`, p.containerPort, out);
        if (str(p.name)) named(`${at}.ports[${j}].name`, str(p.name)!, portName, out);
      });
      list(c.env).forEach((e, j) => {
        const n = str(e.name) ?? "";
        if (n === "" || n.includes("="))
          out.push(
            `${at}.env[${j}].name: Invalid value: ${JSON.stringify(n)}: must be non-empty and not contain '='`,
          );
      });
    });
  }
  return out;
}

function selectorMatchesTemplate(spec: Obj, out: string[]) {
  const selector = isObj(spec.selector) ? spec.selector : undefined;
  if (!selector) return void out.push("spec.selector: Required value");
  const want = isObj(selector.matchLabels) ? selector.matchLabels : {};
  const template = isObj(spec.template) ? spec.template : {};
  const labels = isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : {};
  if (Object.entries(want).some(([k, v]) => labels[k] !== v))
    out.push("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
}

function templateSpec(spec: Obj): unknown {
  return isObj(spec.template) ? spec.template.spec : undefined;
}

function serviceErrors(spec: Obj): string[] {
  const out: string[] = [];
  const ports = list(spec.ports);
  const names = new Set<string>();
  ports.forEach((p, i) => {
    portNumber(`spec.ports[${i}].port`, p.port, out);
    if (typeof p.targetPort === "number") portNumber(`spec.ports[${i}].targetPort`, p.targetPort, out);
    if (typeof p.targetPort === "string") named(`spec.ports[${i}].targetPort`, p.targetPort, portName, out);
    const name = str(p.name);
    if (ports.length > 1 && !name) out.push(`spec.ports[${i}].name: Required value`);
    if (name) {
      named(`spec.ports[${i}].name`, name, dns1123Label, out);
      if (names.has(name)) out.push(`spec.ports[${i}].name: Duplicate value: ${JSON.stringify(name)}`);
      names.add(name);
    }
  });
  if (isObj(spec.selector))
    for (const [k, v] of Object.entries(spec.selector))
      named(`spec.selector.${k}`, String(v), labelValue, out);
  return out;
}

function pvcSpecErrors(spec: unknown, path: string): string[] {
  if (!isObj(spec)) return [`${path}: Required value`];
  const out: string[] = [];
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0)
    out.push(`${path}.accessModes: Required value`);
  const resources = isObj(spec.resources) ? spec.resources : {};
  const requests = isObj(resources.requests) ? resources.requests : {};
  if (requests.storage === undefined) out.push(`${path}.resources[storage]: Required value`);
  return out;
}

function ingressErrors(spec: Obj): string[] {
  const out: string[] = [];
  list(spec.rules).forEach((r, i) => {
    const host = str(r.host);
    if (host) named(`spec.rules[${i}].host`, host.replace(/^\*\./, ""), dns1123Subdomain, out);
    const http = isObj(r.http) ? r.http : {};
    list(http.paths).forEach((p, j) => {
      const at = `spec.rules[${i}].http.paths[${j}]`;
      if (!str(p.pathType)) out.push(`${at}.pathType: Required value: pathType must be specified`);
      const service = isObj(p.backend) && isObj(p.backend.service) ? p.backend.service : undefined;
      if (!service && !(isObj(p.backend) && isObj(p.backend.resource)))
        out.push(`${at}.backend: Required value`);
    });
  });
  return out;
}

const claimNames = (templates: unknown) =>
  list(templates).map((t) => (isObj(t.metadata) ? (str(t.metadata.name) ?? "") : ""));

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Keys of a Secret's or ConfigMap's `data`/`stringData`: ≤ 253 of alphanumerics, '-', '_', '.'. */
function configKeyErrors(obj: Obj): string[] {
  const out: string[] = [];
  for (const field of ["data", "stringData", "binaryData"])
    if (isObj(obj[field]))
      for (const k of Object.keys(obj[field] as Obj))
        if (!CONFIG_KEY.test(k) || k.length > 253)
          out.push(
            `${field}[${k}]: Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
          );
  return out;
}

/** Semantic errors of `obj` (apiVersion/kind already known to be valid). */
export function semanticErrors(group: string, kind: string, obj: Obj): string[] {
  if (group === "" && (kind === "Secret" || kind === "ConfigMap")) return configKeyErrors(obj);
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  if (!spec) return [];
  switch (`${group}/${kind}`) {
    case "/Pod":
      return podSpecErrors(spec, "spec");
    case "apps/Deployment":
    case "apps/ReplicaSet":
    case "apps/DaemonSet": {
      const out: string[] = [];
      selectorMatchesTemplate(spec, out);
      return [...out, ...podSpecErrors(templateSpec(spec), "spec.template.spec")];
    }
    case "apps/StatefulSet": {
      const out: string[] = [];
      // Accepted by the server, but its controller labels every pod with the revision hash
      // `<name>-<10 characters>`, a label value of at most 63: longer names get no pods.
      const name = isObj(obj.metadata) ? str(obj.metadata.name) : undefined;
      if (name && name.length > 52)
        out.push(
          `metadata.name: Invalid value: ${JSON.stringify(name)}: must be no more than 52 characters (the controller-revision-hash label of its pods; the StatefulSet controller could not create them)`,
        );
      selectorMatchesTemplate(spec, out);
      for (const [i, t] of list(spec.volumeClaimTemplates).entries())
        out.push(...pvcSpecErrors(t.spec, `spec.volumeClaimTemplates[${i}].spec`));
      return [
        ...out,
        ...podSpecErrors(templateSpec(spec), "spec.template.spec", claimNames(spec.volumeClaimTemplates)),
      ];
    }
    case "batch/Job": {
      // A Job's pods may not restart in place: the default (Always) is refused.
      const policy = isObj(templateSpec(spec)) ? (templateSpec(spec) as Obj).restartPolicy : undefined;
      const out =
        policy === "OnFailure" || policy === "Never"
          ? []
          : ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'];
      return [...out, ...podSpecErrors(templateSpec(spec), "spec.template.spec")];
    }
    case "/Service":
      return serviceErrors(spec);
    case "/PersistentVolumeClaim":
      return pvcSpecErrors(spec, "spec");
    case "networking.k8s.io/Ingress":
      return ingressErrors(spec);
    case "agents.x-k8s.io/Sandbox": {
      const pt = isObj(spec.podTemplate) ? spec.podTemplate : {};
      return podSpecErrors(pt.spec, "spec.podTemplate.spec", claimNames(spec.volumeClaimTemplates));
    }
    default:
      return [];
  }
}
