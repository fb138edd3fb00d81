/**
 * The Helm chart deploy/helm/berth, rendered by the real `helm template` (Helm 4, scripts/helm.ts):
 * with default values and with overrides every object passes offline validation; the Deployment
 * runs 2 replicas with probes on /healthz and /readyz and takes its secrets by reference only;
 * RBAC grants exactly the driver's API use; deploy/kubernetes/*.yaml is the chart's current output.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { helmBinary } from "../scripts/helm.js";
import {
  CHART_DIR,
  MANIFESTS_DIR,
  plainManifests,
  type RenderOptions,
  renderChart,
} from "../scripts/render-manifests.js";
import {
  compareGrants,
  grantedTriples,
  type PolicyRule,
  recordedDriverApiUse,
  useTriples,
} from "./support/kube-rbac.js";
import { configSchema } from "../src/config.js";
import { validateKubeObject } from "./support/kube-validate.js";

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field
type Obj = Record<string, any>;

function objects(opts?: RenderOptions): Obj[] {
  return YAML.parseAllDocuments(renderChart(opts))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}
const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const containerOf = (objs: Obj[]) => one(objs, "Deployment").spec.template.spec.containers[0];
const envOf = (objs: Obj[]) => new Map<string, Obj>(containerOf(objs).env.map((e: Obj) => [e.name, e]));

const overrides: RenderOptions = {
  release: "prod",
  namespace: "platform",
  values: YAML.stringify({
    replicaCount: 3,
    image: { repository: "registry.example.com/berth", tag: "1.2.3" },
    database: { existingSecret: "pg-url", key: "url" },
    encryption: { existingSecret: "berth-keys", key: "env-key" },
    admin: { existingSecret: "" },
    s3: { bucket: "berth-archives", endpoint: "https://s3.example.com", existingSecret: "s3-creds" },
    domain: "apps.example.org",
    kubernetes: {
      storageClass: "fast-ssd",
      runtimeClasses: "free=gvisor,pro=kata",
      tlsSecret: "wildcard-tls",
      ingressHost: "{name}.apps.example.org",
    },
    extraEnv: { BERTH_RESYNC_MS: "5000" },
    ingress: { enabled: true, host: "berth.example.org", tlsSecret: "berth-tls" },
    podDisruptionBudget: { enabled: false },
    nodeSelector: { "kubernetes.io/os": "linux" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "berth", effect: "NoSchedule" }],
  }),
};

let defaults: Obj[];
let overridden: Obj[];
beforeAll(() => {
  defaults = objects();
  overridden = objects(overrides);
}, 120_000);

describe("helm chart: rendering and validation", () => {
  it("passes `helm lint --strict`", () => {
    const r = spawnSync(helmBinary(), ["lint", CHART_DIR, "--strict"], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(r.status).toBe(0);
  });

  it("renders with default values into objects that all pass offline validation", () => {
    expect(defaults.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Deployment",
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
    ]);
    for (const o of defaults) expect(validateKubeObject(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
  });

  it("renders with overrides into objects that all pass offline validation", () => {
    expect(overridden.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Deployment",
      "Ingress",
      "Service",
      "ServiceAccount",
    ]);
    for (const o of overridden) expect(validateKubeObject(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
    const d = one(overridden, "Deployment");
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata).toMatchObject({ name: "prod-berth", namespace: "platform" });
    expect(containerOf(overridden).image).toBe("registry.example.com/berth:1.2.3");
    const env = envOf(overridden);
    expect(env.get("BERTH_K8S_STORAGE_CLASS")?.value).toBe("fast-ssd");
    expect(env.get("BERTH_K8S_RUNTIME_CLASS")?.value).toBe("free=gvisor,pro=kata");
    expect(env.get("BERTH_K8S_TLS_SECRET")?.value).toBe("wildcard-tls");
    expect(env.get("BERTH_RESYNC_MS")?.value).toBe("5000");
    expect(env.get("BERTH_K8S_ACTIVATOR")?.value).toBe("prod-berth.platform.svc.cluster.local:80");
    expect(env.has("BERTH_ADMIN_TOKEN")).toBe(false);
    expect(env.get("BERTH_S3_SECRET_ACCESS_KEY")?.valueFrom).toEqual({
      secretKeyRef: { name: "s3-creds", key: "BERTH_S3_SECRET_ACCESS_KEY" },
    });
    expect(one(overridden, "Ingress").spec.rules[0].host).toBe("berth.example.org");
    expect(one(overridden, "ClusterRole").metadata.name).toBe("platform-prod-berth");
  });

  it("refuses values its schema (values.schema.json) does not allow, naming the field", () => {
    const refused = (values: object) => () => renderChart({ values: YAML.stringify(values) });
    expect(refused({ replicas: 3 })).toThrow(/additional properties 'replicas' not allowed/);
    expect(refused({ replicaCount: "two" })).toThrow(/\/replicaCount': got string, want integer/);
    expect(refused({ kubernetes: { ingressHost: "apps.example.com" } })).toThrow(
      /\/kubernetes\/ingressHost'/,
    );
    expect(refused({ kubernetes: { runtimeClasses: "gvisor" } })).toThrow(/\/kubernetes\/runtimeClasses'/);
    expect(refused({ database: { existingSecret: "Not A Name" } })).toThrow(/\/database\/existingSecret'/);
    expect(refused({ extraEnv: { "lower-case": "x" } })).toThrow(/invalid propertyName 'lower-case'/);
  });

  it("tells the operator after install how to check the release (NOTES.txt, no cluster needed)", () => {
    const r = spawnSync(
      helmBinary(),
      [
        "install",
        "prod",
        CHART_DIR,
        "--namespace",
        "platform",
        "--dry-run=client",
        "--set",
        "domain=apps.example.org",
      ],
      { encoding: "utf8", env: { ...process.env, KUBECONFIG: "/nonexistent" } },
    );
    expect(r.status, r.stderr).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf("NOTES:"));
    expect(notes).toContain("kubectl -n platform rollout status deploy/prod-berth");
    expect(notes).toContain("https://<name>.apps.example.org");
    expect(notes).toContain("SMOKE_BERTH_NAMESPACE=platform node deploy/smoke.mjs");
  });

  it("refuses a secret passed as a plain value", () => {
    expect(() => renderChart({ set: { "extraEnv.BERTH_ADMIN_TOKEN": "0123456789abcdef0123" } })).toThrow(
      /extraEnv\.BERTH_ADMIN_TOKEN looks like a secret/,
    );
  });
});

describe("helm chart: the control plane's Deployment", () => {
  it("runs 2 replicas of berth with the kubernetes runtime under its own service account", () => {
    const d = one(defaults, "Deployment");
    expect(d.spec.replicas).toBe(2);
    expect(envOf(defaults).get("BERTH_RUNTIME")?.value).toBe("kubernetes");
    // deployment URLs name the cluster's Ingress (https on 443), not berth's own port 8080
    expect(envOf(defaults).get("BERTH_INGRESS_SCHEME")?.value).toBe("https");
    expect(envOf(defaults).get("BERTH_INGRESS_PORT")?.value).toBe("443");
    expect(envOf(defaults).get("BERTH_K8S_INGRESS_HOST")?.value).toBe("{name}.apps.example.com");
    const sa = one(defaults, "ServiceAccount");
    expect(d.spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(one(defaults, "ClusterRoleBinding").subjects).toEqual([
      { kind: "ServiceAccount", name: sa.metadata.name, namespace: "berth" },
    ]);
  });

  it("sets only settings berth reads", () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const objs of [defaults, overridden])
      for (const name of envOf(objs).keys()) expect(known, name).toContain(name);
  });

  it("probes /healthz (liveness, startup) and /readyz (readiness) on its port", () => {
    const c = containerOf(defaults);
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.startupProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    const svc = one(defaults, "Service");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    expect(svc.spec.selector).toEqual(one(defaults, "Deployment").spec.selector.matchLabels);
  });

  it("takes DATABASE_URL, the encryption key and the admin token from Secrets by reference", () => {
    for (const [objs, refs] of [
      [
        defaults,
        {
          DATABASE_URL: ["berth-database", "DATABASE_URL"],
          BERTH_ENCRYPTION_KEY: ["berth-encryption", "BERTH_ENCRYPTION_KEY"],
          BERTH_ADMIN_TOKEN: ["berth-admin", "BERTH_ADMIN_TOKEN"],
        },
      ],
      [overridden, { DATABASE_URL: ["pg-url", "url"], BERTH_ENCRYPTION_KEY: ["berth-keys", "env-key"] }],
    ] as const) {
      const env = envOf(objs);
      for (const [name, [secret, key]] of Object.entries(refs))
        expect(env.get(name), name).toEqual({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
      // No secret travels as a value (BERTH_K8S_TLS_SECRET names a Secret), and the chart creates none.
      for (const [name, e] of env)
        if (/TOKEN|PASSWORD|_KEY|SECRET_ACCESS|DATABASE_URL/.test(name))
          expect(e.value, name).toBeUndefined();
      expect(objs.some((o) => o.kind === "Secret")).toBe(false);
    }
  });
});

describe("helm chart: RBAC", () => {
  it("grants exactly the API use of the kubernetes driver, nothing unused", () => {
    const role = one(defaults, "ClusterRole");
    const granted = grantedTriples(role.rules as PolicyRule[]);
    expect(compareGrants(granted, useTriples(recordedDriverApiUse()))).toEqual({ unused: [], missing: [] });
    expect(defaults.some((o) => o.kind === "Role")).toBe(false);
  });

  it("finds a grant the driver does not use and a use that is not granted", () => {
    const granted = grantedTriples([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
      { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["create"] },
    ]);
    const used = useTriples([
      { apiGroup: "", resource: "pods", verbs: ["list"] },
      { apiGroup: "", resource: "pods/exec", verbs: ["create"] },
      { apiGroup: "apps", resource: "statefulsets", verbs: ["create"] },
    ]);
    expect(compareGrants(granted, used)).toEqual({
      unused: ["|pods|get"],
      missing: ["|pods/exec|create", "|pods/exec|get"],
    });
    expect(() => grantedTriples([{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }])).toThrow(
      /wildcard/,
    );
  });
});

describe("plain manifests", () => {
  it("deploy/kubernetes/*.yaml is what `npm run manifests` renders from the chart now", () => {
    const want = plainManifests();
    const have = fs.readdirSync(MANIFESTS_DIR).filter((f) => f.endsWith(".yaml"));
    expect(have.sort()).toEqual([...want.keys()].sort());
    for (const [file, text] of want)
      expect(fs.readFileSync(path.join(MANIFESTS_DIR, file), "utf8"), `${file}: run npm run manifests`).toBe(
        text,
      );
  });
});
