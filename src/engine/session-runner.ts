/**
 * Runs one agent session of a scheduled deployment as a child process: `initial_events` as JSON
 * lines on stdin, BERTH_SESSION_ID and vault secrets in its env, a state dir per session (or one
 * shared by every run with `reuse_session`), killed (process group, SIGKILL) after `timeout_ms`.
 * The agent's args and env are expanded like a replica's; vault secrets are passed byte for byte.
 * The kept output excerpt has vault secret values masked. With a `sandbox`, the session runs in the
 * same sandbox as replicas (src/runtime/local/sandbox.ts): its state dir is its volume.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { RuntimeDriver, SessionSandbox } from "../runtime/driver.js";
import { processEnv } from "../runtime/local/env-expand.js";
import { spawnFailure } from "../runtime/local/proc.js";
import { launchSandbox, limitsOf, releaseSandbox, sandboxIdOf } from "../runtime/local/sandbox.js";
import { redactTail, secretPieces } from "../security/redact.js";

export interface SessionSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Host paths the program needs (its image's), bound read-only into the sandbox. */
  readOnlyPaths?: string[];
  mountPath?: string;
  resources?: { cpu?: string; memory?: string };
  /** True when the command came from the client (refused when the sandbox is unavailable). */
  clientCommand?: boolean;
}

export interface SessionResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  durationMs: number;
  error: string | null;
}

const OUTPUT_KEEP = 4_000;
/** How long a finished session's output may still arrive. */
const OUTPUT_GRACE_MS = 1_000;

export function sessionSpecOf(
  spec: {
    command?: string;
    args?: string[];
    image?: string;
    env?: Record<string, string>;
    resources?: { cpu?: string; memory?: string };
    volume?: { mountPath: string };
  },
  driver: Pick<RuntimeDriver, "resolveImage">,
): SessionSpec | undefined {
  const common = { resources: spec.resources, mountPath: spec.volume?.mountPath };
  if (spec.command !== undefined) {
    return {
      ...common,
      command: spec.command === "node" ? process.execPath : spec.command,
      args: spec.args ?? [],
      env: spec.env ?? {},
      clientCommand: true,
    };
  }
  const image = spec.image !== undefined ? driver.resolveImage(spec.image) : undefined;
  if (!image) return undefined;
  return {
    ...common,
    command: image.command,
    args: spec.args?.length ? spec.args : image.args,
    env: { ...image.env, ...spec.env },
    readOnlyPaths: image.paths,
    clientCommand: false,
  };
}

export function runSession(input: {
  spec: SessionSpec;
  sessionId: string;
  stateDir: string;
  secrets: Record<string, string>;
  events: unknown[];
  timeoutMs: number;
  /** Set when sessions run sandboxed (the driver's `sessionSandbox()`). */
  sandbox?: SessionSandbox;
}): Promise<SessionResult> {
  const started = performance.now();
  fs.mkdirSync(input.stateDir, { recursive: true });
  const { env, args } = processEnv({
    provided: {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: input.stateDir,
      BERTH_SESSION_ID: input.sessionId,
      BERTH_VOLUME_DIR: input.stateDir,
    },
    values: input.secrets,
    authorEnv: input.spec.env,
    authorArgs: input.spec.args,
  });
  const pieces = secretPieces(Object.values(input.secrets));
  const buffer = OUTPUT_KEEP + (pieces[0]?.length ?? 0);
  const sandbox = input.sandbox;
  const sandboxId = sandbox ? sandboxIdOf(randomUUID()) : undefined;
  const launched =
    sandbox && sandboxId
      ? launchSandbox(sandbox, {
          id: sandboxId,
          command: input.spec.command,
          args,
          env,
          volume: { hostDir: input.stateDir, mountPath: input.spec.mountPath ?? "/data" },
          readOnlyPaths: input.spec.readOnlyPaths ?? [],
          port: null,
          limits: limitsOf(input.spec.resources, sandbox.pids),
          apiPort: sandbox.apiPort(),
          stdin: "pipe",
          output: "pipe",
        })
      : undefined;
  const result = new Promise<SessionResult>((resolve) => {
    let output = "";
    let cut = false;
    let timedOut = false;
    const decoders = [new StringDecoder("utf8"), new StringDecoder("utf8")] as const;
    const keep = (text: string) => {
      output += text;
      if (output.length > buffer) {
        output = output.slice(-buffer);
        cut = true;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const finish = (exitCode: number | null, error: string | null) => {
      clearTimeout(timer);
      for (const d of decoders) keep(d.end());
      resolve({
        exitCode,
        timedOut,
        output: redactTail(output, pieces, OUTPUT_KEEP, cut),
        durationMs: Math.round(performance.now() - started),
        error,
      });
    };
    if (launched)
      launched.then(watch, (err) => finish(null, `cannot start the session: ${spawnFailure(err)}`));
    else {
      try {
        watch(
          spawn(input.spec.command, args, {
            cwd: input.stateDir,
            env,
            detached: true,
            stdio: ["pipe", "pipe", "pipe"],
          }),
        );
      } catch (err) {
        finish(null, `cannot start the session: ${spawnFailure(err)}`);
      }
    }
    function watch(child: ChildProcess): void {
      timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }, input.timeoutMs);
      child.stdout!.on("data", (chunk: Buffer) => keep(decoders[0].write(chunk)));
      child.stderr!.on("data", (chunk: Buffer) => keep(decoders[1].write(chunk)));
      child.on("error", (err) => finish(null, `cannot start the session: ${spawnFailure(err)}`));
      // 'exit' can come before the last output: wait for both pipes to end, but not for a process
      // the session left behind holding them open
      let open = 2;
      let exited: (() => void) | undefined;
      const ended = () => {
        if (--open === 0) exited?.();
      };
      child.stdout!.once("end", ended);
      child.stderr!.once("end", ended);
      child.on("exit", (code) => {
        const done = () => finish(code, timedOut ? `killed after timeout_ms (${input.timeoutMs} ms)` : null);
        if (open === 0) return done();
        exited = done;
        setTimeout(done, OUTPUT_GRACE_MS).unref();
      });
      child.stdin!.on("error", () => undefined);
      for (const e of input.events) child.stdin!.write(`${JSON.stringify(e)}\n`);
      child.stdin!.end();
    }
  });
  if (!sandbox || !sandboxId) return result;
  return result.then(async (r) => {
    await releaseSandbox(sandbox, sandboxId);
    return r;
  });
}

/** Every session state dir of a schedule. */
export const sessionsOf = (dataDir: string, scheduleId: string) => path.join(dataDir, "sessions", scheduleId);

export const sessionDir = (dataDir: string, scheduleId: string, sessionId: string) =>
  path.join(sessionsOf(dataDir, scheduleId), sessionId);

/** Lets the unprivileged sandbox launcher traverse (only traverse) to a session's state dir. */
export function openSessionPath(dataDir: string, scheduleId: string): void {
  for (const dir of [path.join(dataDir, "sessions"), sessionsOf(dataDir, scheduleId)]) {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o711);
  }
}
