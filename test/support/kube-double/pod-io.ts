/**
 * Part of the Kubernetes API test double (the simulated kubelet): the pod subresources `log`,
 * `exec` and `attach`.
 *
 * - `log` follows "Pods → log" in the API reference: `container`, `follow` (the stream ends when the
 *   container instance ends), `previous`, `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`,
 *   `limitBytes`; a container that has not started is a 400 "is waiting to start".
 * - `exec` and `attach` speak the WebSocket channel protocol of the streaming API
 *   (`v5.channel.k8s.io`, else `v4.channel.k8s.io`): every binary frame starts with its channel,
 *   0 stdin, 1 stdout, 2 stderr, 3 status (a metav1.Status JSON: Success, or Failure with reason
 *   NonZeroExitCode and the exit code as the ExitCode cause), 255 close (v5: `[255, 0]` closes stdin).
 *   Exec runs the command in a new process inside the pod's sandbox (same volumes and env), as
 *   `kubectl exec` / `kubectl cp` (tar) need; attach joins the running container's stdin/stdout/stderr
 *   (stdin only when the container has `stdin: true`; `stdinOnce` closes it when the client detaches).
 */
import { spawn } from "node:child_process";
import type http from "node:http";
import type net from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { PodSubresources } from "./api-server.js";
import type { Kubelet } from "./kubelet.js";
import { bwrapArgs } from "./pod-sandbox.js";
import type { PodRuntime } from "./pod-runtime.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import { badRequest } from "./status-errors.js";
import type { ObjectStore } from "./store.js";

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const CLOSE = 255;

function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

function exitStatus(code: number, argv: string[]): object {
  if (code === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${argv.join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

const failure = (message: string) => ({
  metadata: {},
  status: "Failure",
  message,
  reason: "InternalError",
  code: 500,
});

function parseLogQuery(q: URLSearchParams) {
  const int = (name: string) => {
    const v = q.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${name}: ${v}`);
    return n;
  };
  const sinceTime = q.get("sinceTime");
  if (sinceTime !== null && Number.isNaN(Date.parse(sinceTime)))
    throw badRequest(`invalid sinceTime: ${sinceTime}`);
  const sinceSeconds = int("sinceSeconds");
  return {
    follow: q.get("follow") === "true" || q.get("follow") === "1",
    previous: q.get("previous") === "true",
    timestamps: q.get("timestamps") === "true",
    tailLines: int("tailLines"),
    limitBytes: int("limitBytes"),
    since:
      sinceTime !== null
        ? Date.parse(sinceTime)
        : sinceSeconds !== undefined
          ? Date.now() - sinceSeconds * 1000
          : undefined,
  };
}

export function podSubresources(
  store: ObjectStore,
  table: ResourceTable,
  kubelet: Kubelet,
): PodSubresources & { close(): void } {
  const podDef = table.find("", "v1", "pods")!;
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  const podAndRuntime = (
    ns: string,
    name: string,
    container: string | null,
  ): { pod: KubeObject; rt: PodRuntime | undefined } => {
    const pod = store.mustGet(podDef, ns, name);
    const first = pod.spec?.containers?.[0]?.name;
    if (container && !(pod.spec?.containers ?? []).some((c: { name: string }) => c.name === container))
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    if (container && container !== first)
      throw badRequest(
        `container ${container} is not simulated by the double (only the first container runs)`,
      );
    return { pod, rt: kubelet.runtimes.get(pod.metadata!.uid!) };
  };

  return {
    /** Ends every exec/attach stream (their exec processes are killed when the socket closes). */
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },

    log(ns, name, query, res) {
      const opts = parseLogQuery(query);
      const { pod, rt } = podAndRuntime(ns, name, query.get("container"));
      const cname = pod.spec?.containers?.[0]?.name;
      if (!rt || (rt.startedAt === undefined && !rt.lastTerminated))
        throw badRequest(`container "${cname}" in pod "${name}" is waiting to start: ContainerCreating`);
      if (opts.previous && rt.restartCount === 0)
        throw badRequest(`previous terminated container "${cname}" in pod "${name}" not found`);
      const render = (line: string) => {
        const space = line.indexOf(" ");
        return `${opts.timestamps ? line : line.slice(space + 1)}\n`;
      };
      const keep = (line: string) =>
        opts.since === undefined || Date.parse(line.slice(0, line.indexOf(" "))) >= opts.since;
      let lines = rt.lines(opts.previous ? rt.restartCount - 1 : rt.restartCount).filter(keep);
      if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
      let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
      res.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
      const write = (text: string): boolean => {
        if (budget <= 0) return false;
        const buf = Buffer.from(text);
        const part = buf.length > budget ? buf.subarray(0, budget) : buf;
        budget -= part.length;
        res.write(part);
        return budget > 0;
      };
      for (const l of lines) if (!write(render(l))) return void res.end();
      if (!opts.follow || opts.previous) return void res.end();
      const unfollow = rt.follow((line) => {
        if (line === null || !write(render(line))) {
          unfollow();
          res.end();
        }
      });
      res.on("close", unfollow);
    },

    upgrade(kind, ns, name, query, req: http.IncomingMessage, socket: net.Socket, head: Buffer) {
      const { rt } = podAndRuntime(ns, name, query.get("container"));
      if (!rt?.child) throw badRequest(`container not found or not running in pod "${name}"`);
      const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
      if (!PROTOCOLS.some((p) => offered.includes(p)))
        throw badRequest(
          `the double speaks ${PROTOCOLS.join(" or ")}; the client offered ${offered.join(", ") || "none"}`,
        );
      const wantStdin = query.get("stdin") === "true" || query.get("stdin") === "1";
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (kind === "exec") runExec(ws, rt, query, wantStdin);
        else runAttach(ws, rt, wantStdin);
      });
    },
  };
}

function runExec(ws: WebSocket, rt: PodRuntime, query: URLSearchParams, wantStdin: boolean): void {
  const argv = query.getAll("command");
  if (argv.length === 0) {
    ws.send(frame(3, JSON.stringify(failure("you must specify at least one command for the container"))));
    return void ws.close();
  }
  const child = spawn("bwrap", bwrapArgs(rt.execSpec(argv)), {
    stdio: [wantStdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame(channel, data));
  };
  child.stdout!.on("data", (c: Buffer) => send(1, c));
  child.stderr!.on("data", (c: Buffer) => send(2, c));
  child.stdin?.on("error", () => {});
  child.on("error", (err) => send(2, `kube-double: ${err.message}\n`));
  ws.on("message", (data: Buffer, isBinary) => {
    const buf = isBinary ? data : Buffer.from(data.toString());
    if (buf.length === 0) return;
    if (buf[0] === 0) child.stdin?.write(buf.subarray(1));
    else if (buf[0] === CLOSE && buf[1] === 0) child.stdin?.end();
  });
  ws.on("close", () => {
    child.stdin?.end();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  child.on("close", (code, signal) => {
    send(3, JSON.stringify(exitStatus(code ?? (signal ? 137 : 1), argv)));
    ws.close(1000);
  });
}

function runAttach(ws: WebSocket, rt: PodRuntime, wantStdin: boolean): void {
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame(channel, data));
  };
  if (wantStdin && !rt.stdinOpen) {
    send(
      3,
      JSON.stringify({
        ...failure("Stdin is not enabled for this container"),
        reason: "BadRequest",
        code: 400,
      }),
    );
    return void ws.close(1000);
  }
  const child = rt.child!;
  const detach = rt.onOutput((stream, chunk) => send(stream, chunk));
  const ended = () => {
    detach();
    send(3, JSON.stringify(exitStatus(child.exitCode ?? 137, ["attach"])));
    ws.close(1000);
  };
  child.once("close", ended);
  ws.on("message", (data: Buffer, isBinary) => {
    const buf = isBinary ? data : Buffer.from(data.toString());
    if (buf[0] === 0 && wantStdin) rt.writeStdin(buf.subarray(1));
    else if (buf[0] === CLOSE && buf[1] === 0 && wantStdin) rt.closeStdin();
  });
  ws.on("close", () => {
    detach();
    child.off("close", ended);
    if (wantStdin && rt.stdinOnce) rt.closeStdin();
  });
}
