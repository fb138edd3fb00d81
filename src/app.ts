/**
 * Composition root as a library: builds store, driver, services, reconciler, HTTP app and the front
 * listener from a Config. main.ts and the integration tests both start berth through here.
 */
import type { AddressInfo } from "node:net";
import path from "node:path";
import type http from "node:http";
import type net from "node:net";
import pino, { type Logger } from "pino";
import { AgentsService } from "./capabilities/agents/service.js";
import { ConfigPolicy } from "./capabilities/config-policy.js";
import { AuthService, type IssuedKey } from "./capabilities/auth/service.js";
import { DeploymentEnv } from "./capabilities/deployments/env.js";
import { BackupKeys } from "./backup/keys.js";
import { LocalObjectStore, S3ObjectStore } from "./backup/object-store.js";
import { BackupsService } from "./capabilities/backups/service.js";
import { AgentDeployments } from "./capabilities/deployments/agent-deployments.js";
import { IngressService } from "./capabilities/deployments/ingress.js";
import type { IngressSettings } from "./domain/deployment.js";
import { DeploymentObserver } from "./capabilities/deployments/observe.js";
import { DeploymentsService } from "./capabilities/deployments/service.js";
import { ManifestService } from "./capabilities/lifecycle/manifest.js";
import { PauseResume } from "./capabilities/lifecycle/pause-resume.js";
import { Redeployer } from "./capabilities/lifecycle/redeploy.js";
import { Waker } from "./capabilities/lifecycle/wake.js";
import { SchedulesService } from "./capabilities/schedules/service.js";
import { TeamsService } from "./capabilities/teams/service.js";
import { TemplatesService } from "./capabilities/templates/service.js";
import type { Config } from "./config.js";
import { IdlePauser } from "./engine/idle-pauser.js";
import { OperationRunner } from "./engine/operations.js";
import { Reconciler } from "./engine/reconciler.js";
import { controlPlaneId, RuntimeLease } from "./engine/runtime-lease.js";
import { Scheduler } from "./engine/scheduler.js";
import { StatusFeed } from "./engine/status-feed.js";
import { builtinTemplates, examplesDir } from "./examples.js";
import { buildHttpApp } from "./http/server.js";
import { createFront, type FrontLimits } from "./proxy/front.js";
import type { RuntimeCapabilities } from "./runtime/driver.js";
import { createContainerDriver } from "./runtime/container/container-driver.js";
import { MixedDriver } from "./runtime/container/mixed-driver.js";
import { RegistryCredentialsService } from "./capabilities/registry-credentials/service.js";
import { createLocalDriver, type LocalDriver, loadCatalogue } from "./runtime/local/index.js";
import { createKubernetesDriver, type KubernetesDriver } from "./runtime/kubernetes/kubernetes-driver.js";
import { KubeClient } from "./runtime/kubernetes/kube-client.js";
import { loadRootKey, SecretBox } from "./security/secrets.js";
import { openDb } from "./store/db.js";
import { Store } from "./store/store.js";
import { type Clock, systemClock } from "./util/clock.js";

export interface Berth {
  url: string;
  port: number;
  store: Store;
  /** The runtime this control plane built (services see only its RuntimeDriver interface). */
  driver: LocalDriver | MixedDriver | KubernetesDriver;
  reconciler: Reconciler;
  scheduler: Scheduler;
  backups: BackupsService;
  bootstrapKey: IssuedKey | undefined;
  /** Stops serving and supervising; workloads keep running unless `stopWorkloads`. */
  close(opts?: { stopWorkloads?: boolean }): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  wakeTimeoutMs?: number;
  /** How long pause, resume and redeploy wait for the runtime. */
  operationTimeoutMs?: number;
  /** How often the idle pauser looks for idle deployments. */
  idleCheckMs?: number;
  /** false: no timer fires schedules (tests drive `scheduler.tick()` with a fake clock). */
  scheduler?: boolean;
  schedulerPollMs?: number;
  missedGraceMs?: number;
  retryBaseMs?: number;
  backupCollectMs?: number;
  sseKeepAliveMs?: number;
  /** Overrides of the front listener's limits (tests use short head and keep-alive deadlines). */
  ingressLimits?: Partial<FrontLimits>;
}

export async function startBerth(config: Config, opts: StartOptions = {}): Promise<Berth> {
  const log = opts.logger ?? pino({ level: config.logLevel, redact: ["req.headers.authorization"] });
  const clock = opts.clock ?? systemClock;
  const opened = await openDb(config.databaseUrl);
  const store = Store.fromOpened(opened);
  const box = new SecretBox(loadRootKey(config.encryptionKey, config.dataDir));
  const registryCredentials = new RegistryCredentialsService(store, clock, box);
  const driver: LocalDriver | MixedDriver | KubernetesDriver =
    config.runtime === "kubernetes"
      ? await createKubernetesDriver({
          ...config.kubernetes,
          client: KubeClient.load(config.kubernetes.kubeconfig),
          logger: log.child({ component: "kubernetes-runtime" }),
          stopGraceMs: config.stopGraceMs,
          rolloutTimeoutMs: config.rolloutTimeoutMs,
        })
      : await processDriver(config, log, clock, registryCredentials);
  logIsolation(log, driver.capabilities());
  const env = new DeploymentEnv(store, box);
  const feed = new StatusFeed(clock);
  const reconciler = new Reconciler({
    store,
    driver,
    env,
    clock,
    log: log.child({ component: "reconciler" }),
    feed,
    resyncMs: config.resyncMs,
  });
  // Several control planes on one PostgreSQL: only the lease holder reconciles, so a follower's
  // request to converge a deployment goes to it through the store (NOTIFY); the holder's resync
  // catches one lost on the way.
  let leader = false;
  const enqueue = (id: string) => {
    if (leader) reconciler.enqueue(id);
    else void store.notifyReconcile(id).catch(() => undefined);
  };
  const stopListening = store.onReconcileRequest((id) => reconciler.enqueue(id));
  const policy = new ConfigPolicy(
    store,
    (image) => driver.resolveImage(image) !== undefined,
    config.allowedCommands,
    () => {
      const isolation = driver.capabilities();
      return isolation.clientCommands
        ? undefined
        : `the sandbox needs ${isolation.missing.join(", ")}, missing on this host (or set BERTH_ISOLATION=none)`;
    },
  );
  const templates = new TemplatesService(store, clock, policy);
  const deployments = new DeploymentsService({ store, clock, driver, templates, env, enqueue });
  const auth = new AuthService(store, clock, config.adminToken);
  // Templates whose images this runtime cannot run (nginx, postgres on the local runtime) stay out.
  for (const t of builtinTemplates.filter((b) =>
    b.config.workloads.every((w) => w.image === undefined || driver.resolveImage(w.image) !== undefined),
  ))
    await templates.ensureBuiltin(t);
  const ops = new OperationRunner(
    store,
    clock,
    log.child({ component: "operations" }),
    config.operationLeaseMs,
  );
  const operationTimeoutMs = opts.operationTimeoutMs ?? 60_000;
  const pauseResume = new PauseResume({ store, clock, driver, ops, enqueue, feed, operationTimeoutMs });
  const waker = new Waker({
    store,
    clock,
    lifecycle: pauseResume,
    feed,
    log: log.child({ component: "wake" }),
    wakeTimeoutMs: opts.wakeTimeoutMs ?? 25_000,
  });
  const redeployer = new Redeployer({
    store,
    clock,
    driver,
    ops,
    deployments,
    templates,
    env,
    policy,
    enqueue,
    feed,
    operationTimeoutMs,
  });
  const schedules = new SchedulesService(
    store,
    clock,
    new SecretBox(loadRootKey(config.encryptionKey, config.dataDir), "berth:vaults"),
  );
  // workloads in cluster pods are reachable from every control plane, so every one serves (runtime-lease.ts)
  const sharedRuntime = driver.capabilities().isolation === "pod";
  const scheduler = new Scheduler(store, clock, driver, schedules, log.child({ component: "scheduler" }), {
    pollMs: opts.schedulerPollMs ?? 100,
    missedGraceMs: opts.missedGraceMs ?? 60_000,
    retryBaseMs: opts.retryBaseMs ?? 1_000,
    // a local runtime's sessions run on this machine: only the lease holder's (docs/decisions.md)
    runsSessions: () => sharedRuntime || leader,
  });
  const rootKey = loadRootKey(config.encryptionKey, config.dataDir);
  const backups = new BackupsService(
    store,
    clock,
    driver,
    ops,
    pauseResume,
    config.s3 ? new S3ObjectStore(config.s3) : new LocalObjectStore(path.join(config.dataDir, "objects")),
    new BackupKeys(rootKey),
    config.dataDir,
    log.child({ component: "backups" }),
  );
  // a deleted namespace's backups go with it (docs/decisions.md, "Namespaces and name reuse")
  reconciler.onNamespaceDeleted((namespaceId) => backups.deleteNamespace(namespaceId));
  // after the backups' snapshots: the Namespace takes every object left in it
  if (driver.name === "kubernetes")
    reconciler.onNamespaceDeleted((namespaceId) => driver.deleteNamespace(namespaceId));
  // expired backups are collected by the reconciler's lease holder alone
  const collector = setInterval(
    () => void (leader ? backups.collect().catch(() => undefined) : undefined),
    opts.backupCollectMs ?? 60_000,
  );
  collector.unref();
  const idle = new IdlePauser({
    store,
    clock,
    log: log.child({ component: "idle" }),
    enqueue,
    everyMs: opts.idleCheckMs ?? 5_000,
  });

  let booted = false;
  let closing = false;
  const lease = new RuntimeLease(
    store,
    clock,
    log.child({ component: "lease" }),
    controlPlaneId(config.dataDir),
    config.leaseTtlMs,
    {
      acquired: () => {
        if (closing) return;
        leader = true;
        reconciler.start();
        idle.start();
        // a takeover also finishes the operations the previous holder left running
        if (booted)
          void ops.recover({ exclusive: false }).catch((err) => log.error({ err }, "recovery failed"));
        // and, with the local runtime, ends its sessions' runs and fires what is due here
        if (booted && !sharedRuntime && opts.scheduler !== false)
          void scheduler.takeOver().catch((err) => log.error({ err }, "scheduler takeover failed"));
      },
      lost: () => {
        leader = false;
        idle.stop();
        void reconciler.stop();
      },
    },
    sharedRuntime,
  );

  const ingress: IngressSettings = {
    domain: config.domain,
    scheme: config.ingress.scheme,
    port: config.ingress.port ?? config.port,
  };
  const app = await buildHttpApp(
    {
      auth,
      teams: new TeamsService(store, clock),
      templates,
      agents: new AgentsService(store, clock, policy),
      deployments,
      agentDeployments: new AgentDeployments(store, clock, deployments, enqueue),
      schedules,
      registryCredentials,
      store,
      clock,
      cloud: {
        manifest: new ManifestService(store, clock, templates),
        redeployer,
        pauseResume,
        wakeAgent: (caller, agentId, reason) => waker.wakeAgent(caller, agentId, reason),
        backups,
      },
      observer: new DeploymentObserver(store, driver, clock, env),
      ingress,
      sseKeepAliveMs: opts.sseKeepAliveMs ?? 15_000,
      ready: async () => {
        await store.deployments.count({ limit: 1 });
        return true;
      },
      standby: () => lease.standbyReason(),
      isolation: () => driver.capabilities(),
    },
    log,
  );
  await app.ready();
  const front = createFront({
    ingress: new IngressService(store, driver, ingress),
    domain: config.domain,
    trustedProxies: config.ingress.trustedProxies,
    limits: {
      maxConnectionsPerDeployment: config.ingress.maxConnectionsPerDeployment,
      ...opts.ingressLimits,
    },
    api: app.server as http.Server,
    log: log.child({ component: "proxy" }),
    wakeTimeoutMs: opts.wakeTimeoutMs ?? 25_000,
    wake: (id) => waker.wake(id, "request to its URL"),
    watch: (id, check, timeoutMs) => feed.await(id, check, { timeoutMs }),
    touch: (id) => waker.touch(id),
  });
  await listen(front.server, config.port, config.host);
  const port = (front.server.address() as AddressInfo).port;
  driver.setApiPort(port);
  if (config.ingress.port === undefined) ingress.port = port;
  await lease.start();
  waker.start();
  ops.startRenewal();
  if (sharedRuntime) ops.startRecovery();
  if (lease.isHeld) await ops.recover({ exclusive: store.dialect === "sqlite" });
  booted = true;
  if (opts.scheduler !== false)
    await scheduler.start({ exclusive: store.dialect === "sqlite" || (!sharedRuntime && leader) });
  const bootstrapKey = await auth.bootstrap();

  return {
    url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`,
    port,
    store,
    driver,
    reconciler,
    scheduler,
    backups,
    bootstrapKey,
    async close({ stopWorkloads = false } = {}) {
      closing = true;
      await front.close();
      idle.stop();
      clearInterval(collector);
      await scheduler.stop();
      waker.stop();
      await waker.flush();
      ops.stop();
      await stopListening();
      await reconciler.stop();
      await lease.stop(stopWorkloads);
      if (stopWorkloads) for (const key of driver.keys()) await driver.remove(key);
      await driver.close();
      await app.close();
      await store.close();
    },
  };
}

/** The local runtime, with the container runtime beside it for images when BERTH_RUNTIME=container. */
async function processDriver(
  config: Config,
  log: Logger,
  clock: Clock,
  registryCredentials: RegistryCredentialsService,
): Promise<LocalDriver | MixedDriver> {
  // container runtime: images run as containers, commands and sessions on the local sandbox
  const containers =
    config.runtime === "container"
      ? await createContainerDriver({
          dataDir: config.dataDir,
          dockerHost: config.container.dockerHost,
          registryMirror: config.container.registryMirror,
          logger: log.child({ component: "container-runtime" }),
          backoff: config.backoff,
          stopGraceMs: config.stopGraceMs,
          probeIntervalMs: Math.min(config.probeIntervalMs, 1_000),
          rolloutTimeoutMs: config.rolloutTimeoutMs,
          registryAuth: (namespaceId, registry) => registryCredentials.forPull(namespaceId, registry),
        })
      : undefined;
  const local = await createLocalDriver({
    dataDir: config.dataDir,
    logger: log.child({ component: "local-runtime" }),
    clock,
    backoff: { initialMs: config.backoff.initialMs, maxMs: config.backoff.maxMs, resetAfterMs: 60_000 },
    stopGraceMs: config.stopGraceMs,
    probeIntervalMs: config.probeIntervalMs,
    rolloutTimeoutMs: config.rolloutTimeoutMs,
    images: loadCatalogue(examplesDir, config.localImages),
    isolation: config.isolation,
    warmNetworks: config.sandboxWarmNetworks,
    sandboxSubnet: config.sandboxSubnet,
  });
  return containers ? new MixedDriver(local, containers) : local;
}

/** Says at start how tenant processes run; an operator must see at once when they are not sandboxed. */
function logIsolation(log: Logger, isolation: RuntimeCapabilities): void {
  if (isolation.isolation === "sandbox") log.info({ isolation: "sandbox" }, "tenant processes run sandboxed");
  else if (isolation.isolation === "none")
    log.warn(
      { isolation: "none" },
      "BERTH_ISOLATION=none: tenant processes run UNSANDBOXED as berth's own user",
    );
  else
    log.error(
      { isolation: "unavailable", missing: isolation.missing },
      `sandbox unavailable, missing: ${isolation.missing.join(", ")}; workloads with client-supplied commands are refused (install the missing tools, or set BERTH_ISOLATION=none)`,
    );
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
