/**
 * Scheduled sessions on the local runtime: one tenant process (started through spawn.ts, like a
 * replica, so in the same sandbox when the driver runs sandboxed) per run, with `input` on stdin,
 * its state directory under `<dataDir>/sessions/<scope>/<name>` as cwd, HOME and BERTH_VOLUME_DIR
 * (in a sandbox: its volume, seen at `mountPath`, owned by the sandbox user), and its process
 * group killed (SIGKILL) after `timeoutMs` or on kill(); the sandbox is released after the exit. The author's args and env are expanded like a
 * replica's; user-supplied values are passed byte for byte. Output is stdout and stderr
 * interleaved, each decoded on its own so a character split across writes stays whole; it ends
 * when both pipes have ended, or 1 s after the exit when a leftover process still holds them.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { RunningSession, SessionExit, SessionRequest } from "../driver.js";
import { processEnv } from "./env-expand.js";
import { safeKey } from "./logs.js";
import { signalGroup, spawnFailure } from "./proc.js";
import { limitsOf, releaseSandbox, sandboxIdOf } from "./sandbox.js";
import { launchSandboxedTenant, spawnTenant, type TenantProcess, type TenantSandbox } from "./spawn.js";

/** Where a sandboxed session sees its state directory when its spec names no mount path. */
const DEFAULT_MOUNT = "/data";

/** How long output may still arrive after the process exited (a child left holding the pipe). */
const OUTPUT_GRACE_MS = 1_000;

/** Where every session state of a scope lives; refuses a scope that would point elsewhere. */
export function sessionScopeDir(dataDir: string, scope: string): string {
  if (scope === "" || scope === "." || scope === "..")
    throw new Error("refusing a session scope outside sessions");
  return path.join(dataDir, "sessions", safeKey(scope));
}

export const sessionStateDir = (dataDir: string, state: SessionRequest["state"]): string =>
  path.join(sessionScopeDir(dataDir, state.scope), safeKey(state.name));

/** Lets the unprivileged sandbox launcher traverse (only traverse) to a session's state dir. */
function openSessionPath(dataDir: string, scope: string): void {
  for (const dir of [path.join(dataDir, "sessions"), sessionScopeDir(dataDir, scope)]) {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o711);
  }
}

/** A session that never starts: its exit carries `error`. */
export function refusedSession(error: string): RunningSession {
  const output = new PassThrough();
  output.end();
  return {
    output,
    exit: Promise.resolve({ exitCode: null, timedOut: false, error, durationMs: 0 }),
    kill() {},
  };
}

/**
 * Starts the session; with `sandbox`, in a sandbox of its own (limits from `resources` and
 * `pids`, its state dir bound at `mountPath`) that is released once it has exited.
 */
export function startLocalSession(
  dataDir: string,
  req: SessionRequest,
  sandbox?: TenantSandbox,
): RunningSession {
  const started = performance.now();
  const output = new PassThrough();
  let timedOut = false;
  let child: ChildProcess | undefined;
  let resolveExit!: (e: SessionExit) => void;
  const exit = new Promise<SessionExit>((r) => {
    resolveExit = r;
  });
  let ended = false;
  const finish = (exitCode: number | null, error: string | null) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    output.end();
    resolveExit({ exitCode, timedOut, error, durationMs: Math.round(performance.now() - started) });
  };
  let killed = false;
  const kill = () => {
    killed = true;
    if (child?.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, req.timeoutMs);
  let tenant: TenantProcess;
  try {
    const dir = sessionStateDir(dataDir, req.state);
    if (sandbox) openSessionPath(dataDir, req.state.scope);
    fs.mkdirSync(dir, { recursive: true });
    const seenAs = sandbox ? (req.mountPath ?? DEFAULT_MOUNT) : dir;
    const { env, args } = processEnv({
      provided: {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: seenAs,
        BERTH_SESSION_ID: req.sessionId,
        BERTH_VOLUME_DIR: seenAs,
      },
      values: req.values,
      authorEnv: req.env,
      authorArgs: req.args,
    });
    tenant = { command: req.command, args, env, cwd: dir, stdin: "pipe", output: "pipe" };
    if (!sandbox) child = spawnTenant(tenant);
  } catch (err) {
    finish(null, `cannot start the session: ${spawnFailure(err)}`);
    return { output, exit, kill };
  }
  if (child) watch(child);
  else if (sandbox) {
    const id = sandboxIdOf(randomUUID());
    launchSandboxedTenant(tenant, {
      host: sandbox,
      id,
      mountPath: req.mountPath ?? DEFAULT_MOUNT,
      readOnlyPaths: req.readOnlyPaths ?? [],
      port: null,
      limits: limitsOf(req.resources, req.pids),
    }).then(
      (started) => {
        void exit.then(() => releaseSandbox(sandbox, id));
        child = started;
        watch(started);
        // timed out (or killed) while its sandbox was being built
        if (timedOut || killed) kill();
      },
      (err) => finish(null, `cannot start the session: ${spawnFailure(err)}`),
    );
  }
  return { output, exit, kill };

  function watch(proc: ChildProcess): void {
    let open = 2;
    let exitCode: number | null | undefined;
    const pipeEnded = () => {
      if (--open === 0 && exitCode !== undefined) finish(exitCode, null);
    };
    for (const pipe of [proc.stdout!, proc.stderr!]) forward(pipe, output, pipeEnded);
    proc.once("error", (err) => finish(null, `cannot start the session: ${spawnFailure(err)}`));
    proc.once("exit", (code) => {
      exitCode = code;
      if (open === 0) return finish(code, null);
      const t = setTimeout(() => {
        proc.stdout!.destroy();
        proc.stderr!.destroy();
        finish(code, null);
      }, OUTPUT_GRACE_MS);
      t.unref();
    });
    proc.stdin!.on("error", () => undefined);
    proc.stdin!.end(req.input);
  }
}

/** Copies one pipe into the shared output as whole UTF-8 characters, with back-pressure. */
function forward(pipe: Readable, output: PassThrough, ended: () => void): void {
  const decoder = new StringDecoder("utf8");
  pipe.on("data", (chunk: Buffer) => {
    const text = decoder.write(chunk);
    if (text && !output.write(text)) {
      pipe.pause();
      output.once("drain", () => pipe.resume());
    }
  });
  pipe.once("end", () => {
    const rest = decoder.end();
    if (rest) output.write(rest);
    ended();
  });
}
