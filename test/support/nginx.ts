/** A real nginx (Debian's package) started with the caller's `http {}` body, stopped by `stop()`. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Nginx {
  stop(): void;
  /** The error log, for failure messages. */
  errors(): string;
}

/** Starts nginx (one worker) with `http` as the body of its http block; `{prefix}` is replaced. */
export function startNginx(http: (prefix: string) => string): Nginx {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "berth-nginx-"));
  fs.mkdirSync(path.join(prefix, "logs"));
  const conf = path.join(prefix, "nginx.conf");
  fs.writeFileSync(
    conf,
    `worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
${http(prefix)}
}
`,
  );
  const run = (args: string[]) =>
    spawnSync("nginx", ["-c", conf, "-p", prefix, ...args], { encoding: "utf8" });
  const started = run([]);
  if (started.status !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
  const errors = () => {
    try {
      return fs.readFileSync(path.join(prefix, "logs", "error.log"), "utf8");
    } catch {
      return "";
    }
  };
  return {
    errors,
    stop() {
      run(["-s", "stop"]);
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Established TCP connections from IPv4 address `from` to local port `port`, read from /proc/net/tcp. */
export function connectionsTo(port: number, from: string): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  // /proc/net/tcp writes an IPv4 address as its 32 bits in host (little-endian) order.
  const addr = from
    .split(".")
    .reverse()
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0"))
    .join("");
  return fs
    .readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .filter((line) => {
      const cols = line.trim().split(/\s+/);
      return cols[1]?.startsWith(`${addr}:`) && cols[2]?.endsWith(`:${hex}`) && cols[3] === "01";
    }).length;
}
