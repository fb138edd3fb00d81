/**
 * Scheduled sessions on Kubernetes: each run is a Pod (restartPolicy Never, `stdin` + `stdinOnce`)
 * in the sessions namespace, mounting the session's state PVC (one per state scope and name,
 * labelled with a hash of the scope so deleteState removes a schedule's PVCs at once). The input is
 * written through pods/attach and stdin closes when the attach ends; the output is the pod's log
 * followed from its first line (stdout and stderr interleaved, nothing lost before the attach);
 * the exit code comes from the container's terminated state. A timeout or kill() deletes the pod
 * at once (grace 0), which ends every process in it. Values a user supplied (vault secrets) go in a
 * Secret of the run, deleted with its pod.
 */
import { randomBytes } from "node:crypto";
import { PassThrough, Readable, Writable } from "node:stream";
import type { RunningSession, SessionExit, SessionRequest } from "../driver.js";
import type { KubeContext } from "./context.js";
import type { KubeObject } from "./kube-client.js";
import { POD_SECURITY, pvc, secretData } from "./manifests.js";
import { A, hash, L, labelValue, MANAGED_BY, selector } from "./names.js";
import { containerStatus, oneLine } from "./pod-status.js";
import { R } from "./resources.js";

const CONTAINER = "session";

/** A timeout or kill() asks the run to stop; `onStop` deletes its pod once there is one. */
interface StopControl {
  stopped: boolean;
  onStop?: () => void;
}
/** Waiting reasons that mean the command will never start. */
const CANNOT_START = new Set([
  "CreateContainerError",
  "RunContainerError",
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
]);

export class KubeSessions {
  constructor(private readonly ctx: KubeContext) {}

  start(req: SessionRequest): RunningSession {
    const output = new PassThrough();
    const started = Date.now();
    const control: StopControl = { stopped: false };
    let killed: "timeout" | "kill" | undefined;
    const exit = this.run(req, output, control)
      .catch(
        (err: Error): SessionExit => ({
          exitCode: null,
          timedOut: false,
          error: `cannot start: ${oneLine(err.message)}`,
          durationMs: Date.now() - started,
        }),
      )
      .then((e) => {
        output.end();
        return e;
      });
    const stop = (why: "timeout" | "kill") => {
      killed ??= why;
      control.stopped = true;
      control.onStop?.();
    };
    const timer = setTimeout(() => stop("timeout"), req.timeoutMs);
    return {
      output,
      exit: exit.then((e) => {
        clearTimeout(timer);
        if (!killed) return e;
        return {
          exitCode: null,
          timedOut: killed === "timeout",
          error: killed === "timeout" ? `timed out after ${req.timeoutMs} ms` : "killed",
          durationMs: e.durationMs,
        };
      }),
      kill: () => stop("kill"),
    };
  }

  private async run(req: SessionRequest, output: PassThrough, control: StopControl): Promise<SessionExit> {
    const started = Date.now();
    const { client, settings } = this.ctx;
    const ns = settings.sessionNamespace;
    const scope = hash(labelValue(req.state.scope, "session scope"), 16);
    const claim = `session-${hash(`${req.state.scope}/${req.state.name}`, 16)}`;
    const name = `session-${randomBytes(6).toString("hex")}`;
    await this.ctx.ensureNamespace(ns, "sessions");
    await this.ctx.createIfAbsent(
      R.pvcs(ns),
      pvc(
        claim,
        ns,
        { [L.sessionScope]: scope, [L.role]: "session" },
        {},
        {
          storageClass: settings.storageClass,
          size: settings.volumeSize,
        },
      ),
    );
    const labels = { [MANAGED_BY]: "berth", [L.role]: "session", [L.sessionScope]: scope };
    await client.create(R.secrets(ns), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns, labels },
      type: "Opaque",
      data: secretData(req.values),
    });
    let deleted = false;
    const deletePod = () => {
      deleted = true;
      void client.delete(R.pods(ns), name, { gracePeriodSeconds: 0 }).catch(() => undefined);
    };
    control.onStop = deletePod;
    try {
      await client.create(R.pods(ns), this.pod(req, ns, name, claim, labels));
      // stopped while the pod was being created: the delete above may have come first
      if (control.stopped) deletePod();
      const pod = await this.ctx.waitFor(
        () => {
          const p = this.ctx.pods.get(ns, name);
          if (deleted) return p ?? ({ metadata: { name } } as KubeObject);
          const st = containerStatus(p ?? { metadata: { name } })?.state;
          if (st?.waiting?.reason && CANNOT_START.has(st.waiting.reason)) return p;
          return st?.running || st?.terminated ? p : undefined;
        },
        300_000,
        `session pod ${name} started`,
      );
      const waiting = containerStatus(pod)?.state?.waiting;
      if (waiting?.reason && CANNOT_START.has(waiting.reason)) {
        return {
          exitCode: null,
          timedOut: false,
          error: `cannot start: ${waiting.reason}: ${oneLine(waiting.message ?? "")}`,
          durationMs: Date.now() - started,
        };
      }
      if (!deleted) {
        if (containerStatus(pod)?.state?.running) {
          await client
            // the output is read from the log (complete from the first line), so attach's is dropped
            .attach(ns, name, CONTAINER, {
              stdin: Readable.from([Buffer.from(req.input)]),
              stdout: discard(),
              stderr: discard(),
            })
            .catch(() => undefined);
        }
        const log = await client
          .podLog(ns, name, { follow: true, container: CONTAINER })
          .catch(() => undefined);
        if (log) {
          log.pipe(output, { end: false });
          await new Promise<void>((resolve) => {
            log.on("end", resolve);
            log.on("close", resolve);
            log.on("error", () => resolve());
          });
        }
      }
      const done = await this.ctx.waitFor(
        () => {
          const p = this.ctx.pods.get(ns, name);
          if (!p || deleted)
            return { exit: null as null | { exitCode?: number; reason?: string; message?: string } };
          const t = containerStatus(p)?.state?.terminated;
          return t ? { exit: t } : undefined;
        },
        req.timeoutMs + 60_000,
        `session pod ${name} ended`,
      );
      const t = done.exit;
      if (t && (t.reason === "StartError" || t.reason === "ContainerCannotRun")) {
        return {
          exitCode: null,
          timedOut: false,
          error: `cannot start: ${oneLine(t.message ?? t.reason)}`,
          durationMs: Date.now() - started,
        };
      }
      return {
        exitCode: t?.exitCode ?? null,
        timedOut: false,
        error: null,
        durationMs: Date.now() - started,
      };
    } finally {
      await client.delete(R.pods(ns), name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      await client.delete(R.secrets(ns), name).catch(() => undefined);
    }
  }

  private pod(
    req: SessionRequest,
    ns: string,
    name: string,
    claim: string,
    labels: Record<string, string>,
  ): KubeObject {
    const mountPath = req.mountPath ?? "/data";
    const provided = { BERTH_SESSION_ID: req.sessionId, BERTH_VOLUME_DIR: mountPath, HOME: mountPath };
    const taken = new Set(Object.keys(provided));
    const env = [
      ...Object.entries(provided).map(([k, value]) => ({ name: k, value })),
      ...Object.keys(req.values)
        .filter((k) => !taken.has(k))
        .map((k) => ({ name: k, valueFrom: { secretKeyRef: { name, key: k } } })),
      ...Object.entries(req.env)
        .filter(([k]) => !taken.has(k) && !Object.hasOwn(req.values, k))
        .map(([k, value]) => ({ name: k, value })),
    ];
    const limits: Record<string, string> = {};
    if (req.resources?.cpu) limits.cpu = req.resources.cpu;
    if (req.resources?.memory) limits.memory = req.resources.memory;
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: ns, labels, annotations: { [A.key]: `session/${req.sessionId}` } },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: POD_SECURITY,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: CONTAINER,
            image: this.ctx.settings.defaultImage,
            command: [req.command],
            ...(req.args.length > 0 ? { args: req.args } : {}),
            env,
            stdin: true,
            stdinOnce: true,
            ...(Object.keys(limits).length > 0 ? { resources: { requests: limits, limits } } : {}),
            volumeMounts: [{ name: "state", mountPath }],
            securityContext: { allowPrivilegeEscalation: false, privileged: false },
          },
        ],
        volumes: [{ name: "state", persistentVolumeClaim: { claimName: claim } }],
      },
    };
  }

  /** Deletes the state PVCs of every session of `scope`. */
  async deleteState(scope: string): Promise<void> {
    const ns = this.ctx.settings.sessionNamespace;
    const sel = selector({
      [L.sessionScope]: hash(labelValue(scope, "session scope"), 16),
      [L.role]: "session",
    });
    const { items } = await this.ctx.client
      .list(R.pvcs(ns), sel)
      .catch(() => ({ items: [] as KubeObject[] }));
    for (const p of items) await this.ctx.client.delete(R.pvcs(ns), p.metadata.name);
    await this.ctx.waitFor(
      async () => ((await this.ctx.client.list(R.pvcs(ns), sel)).items.length === 0 ? true : undefined),
      120_000,
      `session state of ${scope} deleted`,
    );
  }
}

const discard = (): Writable =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
