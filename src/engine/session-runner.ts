/**
 * Runs one agent session of a scheduled deployment through the runtime driver (startSession):
 * `initial_events` as JSON lines on stdin, BERTH_SESSION_ID and vault secrets in its env (the
 * agent's args and env are expanded like a replica's; vault secrets are passed byte for byte), a
 * state dir per session (or one shared by every run with `reuse_session`), killed after
 * `timeout_ms`. The kept output excerpt has vault secret values masked, never leaving a fragment
 * at the cut. Nothing here starts a process: the driver does (the local one in its sandbox).
 */
import type { RuntimeDriver } from "../runtime/driver.js";
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

/**
 * Runs one session through the runtime driver and waits for its end, keeping the last
 * OUTPUT_KEEP characters of its output with vault secret values masked.
 */
export async function runSession(
  driver: Pick<RuntimeDriver, "startSession">,
  input: {
    spec: SessionSpec;
    sessionId: string;
    /** Same scope and name on every run of a `reuse_session` schedule: the state is kept. */
    state: { scope: string; name: string };
    secrets: Record<string, string>;
    events: unknown[];
    timeoutMs: number;
    /** Most processes the session may run at once (its team's tier). */
    pids: number;
  },
): Promise<SessionResult> {
  const pieces = secretPieces(Object.values(input.secrets));
  const buffer = OUTPUT_KEEP + (pieces[0]?.length ?? 0);
  const session = driver.startSession({
    sessionId: input.sessionId,
    state: input.state,
    command: input.spec.command,
    args: input.spec.args,
    env: input.spec.env,
    values: input.secrets,
    input: input.events.map((e) => `${JSON.stringify(e)}\n`).join(""),
    timeoutMs: input.timeoutMs,
    clientCommand: input.spec.clientCommand ?? false,
    mountPath: input.spec.mountPath,
    readOnlyPaths: input.spec.readOnlyPaths,
    resources: input.spec.resources,
    pids: input.pids,
  });
  let output = "";
  let cut = false;
  session.output.setEncoding("utf8");
  for await (const text of session.output) {
    output += text as string;
    if (output.length > buffer) {
      output = output.slice(-buffer);
      cut = true;
    }
  }
  const exit = await session.exit;
  return {
    exitCode: exit.exitCode,
    timedOut: exit.timedOut,
    output: redactTail(output, pieces, OUTPUT_KEEP, cut),
    durationMs: exit.durationMs,
    error: exit.timedOut ? `killed after timeout_ms (${input.timeoutMs} ms)` : exit.error,
  };
}
