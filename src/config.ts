/**
 * Every setting berth reads, in one zod schema. Parsed once in main (or built from literals in
 * tests) and passed down typed; nothing else reads process.env.
 */
import path from "node:path";
import { z } from "zod";
import type { S3Settings } from "./backup/object-store.js";
import { type CidrList, parseCidrs } from "./proxy/forwarded.js";
import { MIRROR_PATTERN } from "./runtime/container/image-ref.js";
import { DEFAULT_SANDBOX_SUBNET, parseSubnet } from "./runtime/sandbox-subnet.js";

const port = z.coerce.number().int().min(0).max(65535);
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, "must be a Kubernetes object name (lowercase DNS subdomain)");
const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/, "must be a Kubernetes quantity, e.g. 1Gi");
const image = z
  .string()
  .regex(/^[a-z0-9][^\s]*$/i, "must be an image reference")
  .max(255);

/** The kubernetes runtime's settings (docs/kubernetes.md, "The kubernetes driver"). */
const kubernetesSchema = {
  /** Kubeconfig file of the cluster; unset = the pod's service account (in-cluster). */
  BERTH_KUBECONFIG: z.string().min(1).optional(),
  /** StorageClass of berth's PVCs; unset = the cluster's default class. */
  BERTH_K8S_STORAGE_CLASS: dnsSubdomain.optional(),
  BERTH_K8S_VOLUME_SIZE: quantity.default("1Gi"),
  BERTH_K8S_INGRESS_CLASS: dnsSubdomain.optional(),
  /** Host of a public deployment's Ingress: `{name}` becomes the deployment's name. */
  BERTH_K8S_INGRESS_HOST: z
    .string()
    .regex(
      /^([a-z0-9-]+\.)*\{name\}(\.[a-z0-9-]+)+$/,
      "must be a host pattern with {name}, e.g. {name}.apps.example.com",
    )
    .optional(),
  BERTH_K8S_TLS_SECRET: dnsSubdomain.optional(),
  /** berth's in-cluster address (`host:port` of its Service) that a paused workload's Ingress points at. */
  BERTH_K8S_ACTIVATOR: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d{1,5}$/,
      "must be host:port of berth's Service (DNS name or ClusterIP), e.g. berth.berth.svc.cluster.local:8080",
    )
    .optional(),
  /** runtimeClassName per team tier, e.g. `free=gvisor,pro=gvisor,enterprise=kata`. */
  BERTH_K8S_RUNTIME_CLASS: z
    .string()
    .regex(
      /^([a-z]+=[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(,[a-z]+=[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*$/,
      "must be tier=runtimeClass pairs, e.g. free=gvisor,pro=kata",
    )
    .optional()
    .transform((v) =>
      Object.fromEntries((v ? v.split(",") : []).map((p) => p.split("=") as [string, string])),
    ),
  /** Image of the short-lived Job pod that archives and restores PVCs (sh, GNU tar, gzip, du, find). */
  BERTH_K8S_HELPER_IMAGE: image.default("debian:bookworm-slim"),
  /** Image of a workload or scheduled session given as a command rather than an image. */
  BERTH_K8S_DEFAULT_IMAGE: image.default("node:20-bookworm-slim"),
  BERTH_K8S_SESSION_NAMESPACE: dnsSubdomain.max(63).default("berth-sessions"),
};

export const configSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  BERTH_DATA_DIR: z.string().min(1).default("./.berth"),
  DATABASE_URL: z.string().min(1).optional(),
  BERTH_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, "must be a host name suffix like example.com")
    .default("localhost"),
  BERTH_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  BERTH_ENCRYPTION_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  BERTH_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BERTH_RESYNC_MS: z.coerce.number().int().min(100).default(10_000),
  BERTH_STOP_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  BERTH_BACKOFF_INITIAL_MS: z.coerce.number().int().min(1).default(1_000),
  BERTH_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(300_000),
  BERTH_PROBE_INTERVAL_MS: z.coerce.number().int().min(10).default(5_000),
  /** How long a rolling update waits for a new replica to be ready before keeping the old one. */
  BERTH_ROLLOUT_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** Lease on the reconciler shared through the store (one control plane runs it). */
  BERTH_LEASE_TTL_MS: z.coerce.number().int().min(300).default(15_000),
  /** Lease of a running operation: a control plane that stops renewing it is replaced after this long. */
  BERTH_OPERATION_LEASE_MS: z.coerce.number().int().min(300).default(30_000),
  BERTH_INGRESS_SCHEME: z.enum(["http", "https"]).default("http"),
  /** Commands a client-supplied workload may run, comma-separated (images run their own). */
  BERTH_ALLOWED_COMMANDS: z
    .string()
    .regex(/^[^\s,]+(,[^\s,]+)*$/, "must be a comma-separated list of commands, e.g. node,/usr/bin/python3")
    .default("node")
    .transform((v) => v.split(",")),
  /**
   * How tenant processes are isolated: `sandbox` (default; bubblewrap + a veth network + cgroups, see
   * docs/sandbox.md) or `none` (the operator's explicit choice to run them unsandboxed).
   */
  BERTH_ISOLATION: z.enum(["sandbox", "none"]).default("sandbox"),
  /**
   * Sandbox networks (namespace + veth pair, addressed and wired) the local runtime keeps made ahead, so a
   * wake does not wait for them; each is used by one replica only. 0 turns the pool off.
   */
  BERTH_SANDBOX_WARM_NETWORKS: z.coerce.number().int().min(0).max(16).default(2),
  /**
   * IPv4 CIDR the local runtime's sandboxes take their addresses from (a /31 each; prefix 8–28).
   * Must not overlap a network the host reaches; control planes on one host may share it.
   */
  BERTH_SANDBOX_SUBNET: z
    .string()
    .default(DEFAULT_SANDBOX_SUBNET)
    .superRefine((v, ctx) => {
      try {
        parseSubnet(v);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
      }
    }),
  /** An image catalogue file (JSON or YAML) for the local runtime: image name → command, args, port… */
  BERTH_LOCAL_IMAGES: z.string().min(1).optional(),
  /** Port shown in ingress URLs; defaults to PORT (omitted when it is the scheme's default). */
  BERTH_INGRESS_PORT: port.optional(),
  /** Front proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-* and Forwarded headers are kept. */
  BERTH_TRUSTED_PROXIES: z
    .string()
    .default("")
    .superRefine((v, ctx) => {
      try {
        parseCidrs(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `must be comma-separated CIDRs: ${(err as Error).message}` });
      }
    }),
  /** Requests in flight and open tunnels per deployment through the ingress; above it, 503. */
  BERTH_INGRESS_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1_000),
  /** Object storage for archives: unset = `<data dir>/objects`; set = an S3-compatible bucket. */
  BERTH_S3_BUCKET: z.string().min(3).max(63).optional(),
  BERTH_S3_ENDPOINT: z.url().optional(),
  BERTH_S3_REGION: z.string().min(1).default("us-east-1"),
  BERTH_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  BERTH_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  BERTH_S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("true"),
  BERTH_S3_PREFIX: z.string().max(200).default("berth/"),
  BERTH_RUNTIME: z.enum(["local", "container", "kubernetes"]).default("local"),
  DOCKER_HOST: z
    .string()
    .regex(
      /^(unix:\/\/\/|tcp:\/\/|https?:\/\/)\S+$/,
      "must be unix:///path, tcp://host:port or http(s)://host:port",
    )
    .optional(),
  BERTH_REGISTRY_MIRROR: z
    .string()
    .max(255)
    .regex(
      MIRROR_PATTERN,
      "must be a registry host[:port][/path] without a scheme, e.g. mirror.example.com:5000",
    )
    .optional(),
  ...kubernetesSchema,
});

export type EnvConfig = z.infer<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  domain: string;
  adminToken: string | undefined;
  encryptionKey: string | undefined;
  logLevel: EnvConfig["BERTH_LOG_LEVEL"];
  resyncMs: number;
  stopGraceMs: number;
  backoff: { initialMs: number; maxMs: number };
  probeIntervalMs: number;
  rolloutTimeoutMs: number;
  leaseTtlMs: number;
  operationLeaseMs: number;
  ingress: {
    scheme: "http" | "https";
    port: number | undefined;
    trustedProxies: CidrList;
    maxConnectionsPerDeployment: number;
  };
  s3: S3Settings | undefined;
  allowedCommands: readonly string[];
  isolation: "sandbox" | "none";
  /** Sandbox networks kept made ahead (local runtime, sandboxed). */
  sandboxWarmNetworks: number;
  sandboxSubnet: string;
  /** Absolute path of the operator's image catalogue, when one is configured. */
  localImages: string | undefined;
  /** local: workloads are processes; container: workloads are OCI containers on a Docker Engine API. */
  runtime: "local" | "container" | "kubernetes";
  container: { dockerHost: string | undefined; registryMirror: string | undefined };
  kubernetes: KubernetesConfig;
}

export interface KubernetesConfig {
  kubeconfig: string | undefined;
  storageClass: string | undefined;
  volumeSize: string;
  ingress: {
    className: string | undefined;
    hostPattern: string | undefined;
    tlsSecret: string | undefined;
    activator: string | undefined;
  };
  runtimeClass: Record<string, string>;
  helperImage: string;
  defaultImage: string;
  sessionNamespace: string;
}

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const picked = Object.fromEntries(
    Object.keys(configSchema.shape).map((k) => [k, env[k] === "" ? undefined : env[k]]),
  );
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return fromEnv(parsed.data);
}

export function fromEnv(e: EnvConfig): Config {
  const dataDir = path.resolve(e.BERTH_DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${path.join(dataDir, "berth.db")}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError("invalid configuration:\n  DATABASE_URL: must start with sqlite: or postgres://");
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl,
    domain: e.BERTH_DOMAIN.toLowerCase(),
    adminToken: e.BERTH_ADMIN_TOKEN,
    encryptionKey: e.BERTH_ENCRYPTION_KEY,
    logLevel: e.BERTH_LOG_LEVEL,
    resyncMs: e.BERTH_RESYNC_MS,
    stopGraceMs: e.BERTH_STOP_GRACE_MS,
    backoff: { initialMs: e.BERTH_BACKOFF_INITIAL_MS, maxMs: e.BERTH_BACKOFF_MAX_MS },
    probeIntervalMs: e.BERTH_PROBE_INTERVAL_MS,
    rolloutTimeoutMs: e.BERTH_ROLLOUT_TIMEOUT_MS,
    leaseTtlMs: e.BERTH_LEASE_TTL_MS,
    operationLeaseMs: e.BERTH_OPERATION_LEASE_MS,
    ingress: {
      scheme: e.BERTH_INGRESS_SCHEME,
      port: e.BERTH_INGRESS_PORT,
      trustedProxies: parseCidrs(e.BERTH_TRUSTED_PROXIES),
      maxConnectionsPerDeployment: e.BERTH_INGRESS_MAX_CONNECTIONS,
    },
    s3: s3Settings(e),
    allowedCommands: e.BERTH_ALLOWED_COMMANDS,
    isolation: e.BERTH_ISOLATION,
    sandboxWarmNetworks: e.BERTH_SANDBOX_WARM_NETWORKS,
    sandboxSubnet: e.BERTH_SANDBOX_SUBNET,
    localImages: e.BERTH_LOCAL_IMAGES === undefined ? undefined : path.resolve(e.BERTH_LOCAL_IMAGES),
    runtime: e.BERTH_RUNTIME,
    container: { dockerHost: e.DOCKER_HOST, registryMirror: e.BERTH_REGISTRY_MIRROR },
    kubernetes: {
      kubeconfig: e.BERTH_KUBECONFIG === undefined ? undefined : path.resolve(e.BERTH_KUBECONFIG),
      storageClass: e.BERTH_K8S_STORAGE_CLASS,
      volumeSize: e.BERTH_K8S_VOLUME_SIZE,
      ingress: {
        className: e.BERTH_K8S_INGRESS_CLASS,
        hostPattern: e.BERTH_K8S_INGRESS_HOST,
        tlsSecret: e.BERTH_K8S_TLS_SECRET,
        activator: e.BERTH_K8S_ACTIVATOR,
      },
      runtimeClass: e.BERTH_K8S_RUNTIME_CLASS,
      helperImage: e.BERTH_K8S_HELPER_IMAGE,
      defaultImage: e.BERTH_K8S_DEFAULT_IMAGE,
      sessionNamespace: e.BERTH_K8S_SESSION_NAMESPACE,
    },
  };
}

function s3Settings(e: EnvConfig): S3Settings | undefined {
  if (e.BERTH_S3_BUCKET === undefined) return undefined;
  if (!e.BERTH_S3_ACCESS_KEY_ID || !e.BERTH_S3_SECRET_ACCESS_KEY) {
    throw new ConfigError(
      "invalid configuration:\n  BERTH_S3_BUCKET needs BERTH_S3_ACCESS_KEY_ID and BERTH_S3_SECRET_ACCESS_KEY",
    );
  }
  return {
    bucket: e.BERTH_S3_BUCKET,
    endpoint: e.BERTH_S3_ENDPOINT,
    region: e.BERTH_S3_REGION,
    accessKeyId: e.BERTH_S3_ACCESS_KEY_ID,
    secretAccessKey: e.BERTH_S3_SECRET_ACCESS_KEY,
    forcePathStyle: e.BERTH_S3_FORCE_PATH_STYLE === "true",
    prefix: e.BERTH_S3_PREFIX,
  };
}
