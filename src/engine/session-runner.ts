/**
 * Runs one agent session of a scheduled deployment as a child process: `initial_events` as JSON
 * lines on stdin, BERTH_SESSION_ID and vault secrets in its env, a state dir per session (or one
 * shared by every run with `reuse_session`), killed (process group, SIGKILL) after `timeout_ms`.
 * The kept output excerpt has vault secret values masked.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { RuntimeDriver } from "../runtime/driver.js";

export interface SessionSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface SessionResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  durationMs: number;
  error: string | null;
}

const OUTPUT_KEEP = 4_000;

export function sessionSpecOf(
  spec: { command?: string; args?: string[]; image?: string; env?: Record<string, string> },
  driver: Pick<RuntimeDriver, "resolveImage">,
): SessionSpec | undefined {
  if (spec.command !== undefined) {
    return {
      command: spec.command === "node" ? process.execPath : spec.command,
      args: spec.args ?? [],
      env: spec.env ?? {},
    };
  }
  const image = spec.image !== undefined ? driver.resolveImage(spec.image) : undefined;
  if (!image) return undefined;
  return { command: image.command, args: spec.args?.length ? spec.args : image.args, env: spec.env ?? {} };
}

export function runSession(input: {
  spec: SessionSpec;
  sessionId: string;
  stateDir: string;
  secrets: Record<string, string>;
  events: unknown[];
  timeoutMs: number;
}): Promise<SessionResult> {
  const started = performance.now();
  fs.mkdirSync(input.stateDir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: input.stateDir,
    ...input.spec.env,
    ...input.secrets,
    BERTH_SESSION_ID: input.sessionId,
    BERTH_VOLUME_DIR: input.stateDir,
  };
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEEP * 2);
    };
    const finish = (exitCode: number | null, error: string | null) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        timedOut,
        output: mask(output.slice(-OUTPUT_KEEP), input.secrets),
        durationMs: Math.round(performance.now() - started),
        error,
      });
    };
    const child = spawn(input.spec.command, input.spec.args, {
      cwd: input.stateDir,
      env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, input.timeoutMs);
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (err) => finish(null, `cannot start the session: ${err.message}`));
    child.on("exit", (code) =>
      finish(code, timedOut ? `killed after timeout_ms (${input.timeoutMs} ms)` : null),
    );
    child.stdin.on("error", () => undefined);
    for (const e of input.events) child.stdin.write(`${JSON.stringify(e)}\n`);
    child.stdin.end();
  });
}

export function mask(text: string, secrets: Record<string, string>): string {
  let out = text;
  for (const value of Object.values(secrets)) if (value.length >= 4) out = out.split(value).join("********");
  return out;
}

export const sessionDir = (dataDir: string, scheduleId: string, sessionId: string) =>
  path.join(dataDir, "sessions", scheduleId, sessionId);
