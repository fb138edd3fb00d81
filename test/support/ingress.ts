/** Helpers for the ingress tests: deploy a workload, read its own log, speak raw HTTP on one socket. */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { type ApiClient, waitFor } from "./berth.js";

/**
 * The fixture app's source, passed with `node -e` so it runs wherever the runtime runs node (a
 * sandbox need not see this repository). Comment lines and indentation are dropped to stay under
 * the 4096-character limit of one argument.
 */
const ingressApp = fs
  .readFileSync(path.resolve(import.meta.dirname, "../fixtures/ingress-app.mjs"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("//"))
  .join("\n");

export interface Deployed {
  id: string;
  name: string;
  host: string;
}

/** A deployment of the ingress fixture app (or `berth/hello` with `image`), ready. */
export async function deployApp(
  api: ApiClient,
  label: string,
  opts: { image?: boolean; env?: Record<string, string> } = {},
): Promise<Deployed> {
  const spec = opts.image
    ? { name: label, image: "berth/hello", port: 8080, env: { GREETING: label, ...opts.env } }
    : {
        name: label,
        command: "node",
        args: ["--input-type=module", "-e", ingressApp],
        port: 8080,
        env: { APP_NAME: label, ...opts.env },
      };
  const agent = await api<{ id: string }>("POST", "/api/agents", { body: { name: label, spec } });
  if (agent.status !== 201) throw new Error(`agent: ${agent.status} ${agent.text}`);
  const dep = await api<{ id: string; name: string }>("POST", "/deployments", {
    body: { agent_id: agent.body.id },
  });
  if (dep.status !== 201) throw new Error(`deployment: ${dep.status} ${dep.text}`);
  await waitReady(api, dep.body.id);
  return { id: dep.body.id, name: dep.body.name, host: `${dep.body.name}.localhost` };
}

export async function waitReady(api: ApiClient, id: string): Promise<void> {
  await waitFor(async () => (await api("GET", `/deployments/${id}`)).body.status === "ready", `${id} ready`);
}

/** The deployment's own stdout, as its replicas wrote it. */
export async function appLog(api: ApiClient, id: string): Promise<string> {
  const r = await api<{ logs: string }>("GET", `/deployments/${id}/logs?tail=1000`);
  if (r.status !== 200) throw new Error(`logs: ${r.status} ${r.text}`);
  return r.body.logs;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Opens one connection, writes `data` in one write (so requests are pipelined) and reads `count`
 * responses framed by Content-Length (or by the close, without one), or until the server closes.
 * `heads`: indexes of responses to HEAD requests (no body). Returns the responses and whether the
 * server closed the connection.
 */
export function rawExchange(
  port: number,
  data: string | Buffer,
  count: number,
  opts: { timeoutMs?: number; localAddress?: string; heads?: number[] } = {},
): Promise<{ responses: RawResponse[]; closed: boolean; raw: string }> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", localAddress: opts.localAddress });
    let buf = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw exchange timed out with ${responses.length}/${count} responses: ${buf}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed, raw: buf.toString("latin1") });
    };
    const parse = () => {
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) return;
        const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
        }
        const status = Number(lines[0]!.split(" ")[1]);
        const noBody = status < 200 || opts.heads?.includes(responses.length);
        const untilClose = !noBody && headers["content-length"] === undefined;
        if (untilClose && !closed) return;
        const len = noBody ? 0 : untilClose ? buf.length - end - 4 : Number(headers["content-length"]);
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len).toString("utf8");
        buf = buf.subarray(end + 4 + len);
        if (status >= 200) responses.push({ status, headers, body });
        if (responses.length === count) return done();
      }
    };
    socket.on("data", (c) => {
      buf = Buffer.concat([buf, c]);
      parse();
    });
    socket.on("close", () => {
      closed = true;
      parse();
      done();
    });
    socket.on("error", () => undefined);
    socket.write(data);
  });
}
