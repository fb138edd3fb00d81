/**
 * A container host for tests, built without a daemon and without the internet: Podman's Docker
 * Engine API service on a private Unix socket (vfs storage, runc, its own storage root), a local
 * CNCF distribution registry on 127.0.0.1, and tiny OCI images built with umoci from busybox-static
 * and pushed with skopeo. Idempotent host setup: `/etc/containers/containers.conf` gets
 * `default_ulimits = []` when it lacks the setting (Podman's default nofile exceeds this machine's
 * hard limit). Missing tools are a test failure with a clear message, never a skip.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { freePort } from "./postgres.js";

export interface ContainerHost {
  /** DOCKER_HOST for dockerode, e.g. unix:///tmp/x/podman.sock */
  dockerHost: string;
  socketPath: string;
  /** host:port of the local registry, e.g. 127.0.0.1:5123 */
  registry: string;
  /** host:port of the registry that needs a login (startContainerHost's `login`), when asked for. */
  privateRegistry?: string;
  /** Runs the podman CLI against the same storage as the service. */
  podman(args: string[]): string;
  close(): Promise<void>;
}

const TOOLS = ["podman", "runc", "docker-registry", "skopeo", "umoci", "busybox"];

function need(): void {
  const missing = TOOLS.filter((t) => {
    try {
      execFileSync("sh", ["-c", `command -v ${t}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `container tests need ${missing.join(", ")}: run \`node scripts/system-deps.mjs\` as root (README's test command does)`,
    );
  }
}

/** Podman's default nofile ulimit fails every container on hosts with a lower hard limit. */
export function ensureContainersConf(file = "/etc/containers/containers.conf"): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (/^\s*default_ulimits\s*=/m.test(text)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const next = /^\[containers\]\s*$/m.test(text)
    ? text.replace(/^\[containers\]\s*$/m, "[containers]\ndefault_ulimits = []")
    : `${text}${text && !text.endsWith("\n") ? "\n" : ""}[containers]\ndefault_ulimits = []\n`;
  fs.writeFileSync(file, next);
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`container host: ${what} did not come up within ${ms} ms`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  });
}

/** Serves a CNCF distribution registry on a free loopback port; with `login`, behind htpasswd auth. */
async function serveRegistry(
  dir: string,
  login?: { username: string; password: string },
): Promise<{ addr: string; child: ChildProcess }> {
  await fsp.mkdir(dir, { recursive: true });
  const addr = `127.0.0.1:${await freePort()}`;
  let auth = "";
  if (login) {
    const htpasswd = path.join(dir, "htpasswd");
    await fsp.writeFile(htpasswd, `${login.username}:${bcrypt.hashSync(login.password, 10)}\n`);
    auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${htpasswd}\n`;
  }
  const conf = path.join(dir, "registry.yml");
  await fsp.writeFile(
    conf,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${addr}\n${auth}`,
  );
  const child = spawn("docker-registry", ["serve", conf], { stdio: "ignore" });
  // an authenticated registry answers /v2/ with 401: up either way
  try {
    await waitFor(`the registry at ${addr}`, async () =>
      [200, 401].includes((await fetch(`http://${addr}/v2/`)).status),
    );
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { addr, child };
}

/**
 * Starts the engine and the local registry; with `login`, a second registry on loopback that
 * refuses pulls and pushes without that username and password (plain HTTP, marked insecure for
 * Podman like the first, so basic auth needs no TLS here).
 */
export async function startContainerHost(
  opts: { login?: { username: string; password: string } } = {},
): Promise<ContainerHost> {
  need();
  ensureContainersConf();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "berth-ctr-"));
  const { addr: registry, child: reg } = await serveRegistry(path.join(dir, "registry"));
  const locked = opts.login ? await serveRegistry(path.join(dir, "private-registry"), opts.login) : undefined;
  const registriesConf = path.join(dir, "registries.conf");
  await fsp.writeFile(
    registriesConf,
    `${[
      "unqualified-search-registries = []",
      ...[registry, locked?.addr]
        .filter(Boolean)
        .map((r) => `[[registry]]\nlocation = "${r}"\ninsecure = true`),
    ].join("\n")}\n`,
  );
  const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: registriesConf };
  const globalFlags = [
    "--storage-driver=vfs",
    "--runtime",
    "runc",
    "--root",
    path.join(dir, "storage"),
    "--runroot",
    path.join(dir, "run"),
    "--tmpdir",
    path.join(dir, "tmp"),
  ];
  const socketPath = path.join(dir, "podman.sock");
  const service = spawn("podman", [...globalFlags, "system", "service", "--time=0", `unix://${socketPath}`], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let serviceErr = "";
  service.stderr?.on("data", (b: Buffer) => {
    serviceErr = (serviceErr + b.toString()).slice(-4000);
  });
  const podman = (args: string[]) =>
    execFileSync("podman", [...globalFlags, ...args], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  try {
    await waitFor(
      "podman system service",
      async () => {
        if (service.exitCode !== null) throw new Error(`podman system service exited: ${serviceErr}`);
        return fs.existsSync(socketPath) && (await pingSocket(socketPath));
      },
      60_000,
    );
  } catch (err) {
    await stop(service);
    await stop(reg);
    if (locked) await stop(locked.child);
    throw new Error(`${(err as Error).message}\n${serviceErr}`);
  }
  return {
    dockerHost: `unix://${socketPath}`,
    socketPath,
    registry,
    ...(locked ? { privateRegistry: locked.addr } : {}),
    podman,
    async close() {
      try {
        podman(["rm", "--all", "--force", "--time", "0"]);
      } catch {
        // the service may already be gone; its storage is removed below
      }
      await stop(service);
      await stop(reg);
      if (locked) await stop(locked.child);
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

function pingSocket(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath, () => {
      s.write("GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n");
    });
    let got = "";
    s.on("data", (b) => {
      got += b.toString();
    });
    s.on("end", () => resolve(got.includes("OK")));
    s.on("error", () => resolve(false));
  });
}

export interface TestImage {
  /** Repository path inside the registry, e.g. `berth-test/web` or `library/nginx`. */
  name: string;
  tag?: string;
  /** Files of the image, path → content (mode 0755 for paths under /cgi-bin or ending in .sh). */
  files: Record<string, string>;
  entrypoint: string[];
  env?: Record<string, string>;
  port?: number;
  /** Host files copied into the image at the same path (e.g. a binary and the libraries it links). */
  hostFiles?: string[];
  /** The image's USER (config.user), e.g. `1000:1000`. */
  user?: string;
}

/**
 * Builds an image from busybox-static plus `files` with umoci (no daemon) and pushes it to the
 * local registry with skopeo. Returns its reference, `<registry>/<name>:<tag>`.
 */
export async function buildAndPush(host: ContainerHost, image: TestImage, to?: PushTarget): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "berth-img-"));
  try {
    const layout = path.join(dir, "layout");
    await buildLayout(layout, image);
    return push(to ?? { registry: host.registry }, layout, image);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });

/** Where an image is pushed: a registry, and the `user:password` it needs, if any. */
export interface PushTarget {
  registry: string;
  creds?: string;
}

function push(to: PushTarget, layout: string, image: TestImage): string {
  const tag = image.tag ?? "latest";
  const ref = `${to.registry}/${image.name}:${tag}`;
  const creds = to.creds ? ["--dest-creds", to.creds] : [];
  run("skopeo", ["copy", "--dest-tls-verify=false", ...creds, `oci:${layout}:${tag}`, `docker://${ref}`]);
  return ref;
}

/** Writes the image as an OCI layout at `layout`. */
async function buildLayout(layout: string, image: TestImage): Promise<void> {
  const bundle = `${layout}.bundle`;
  const tag = image.tag ?? "latest";
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:${tag}`]);
  run("umoci", ["unpack", "--image", `${layout}:${tag}`, bundle]);
  const rootfs = path.join(bundle, "rootfs");
  for (const d of ["bin", "tmp", "etc", "data"]) await fsp.mkdir(path.join(rootfs, d), { recursive: true });
  await fsp.chmod(path.join(rootfs, "tmp"), 0o1777);
  const busybox = execFileSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).trim();
  await fsp.copyFile(busybox, path.join(rootfs, "bin/busybox"));
  await fsp.chmod(path.join(rootfs, "bin/busybox"), 0o755);
  await fsp.symlink("busybox", path.join(rootfs, "bin/sh"));
  await fsp.writeFile(path.join(rootfs, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
  for (const [file, content] of Object.entries(image.files)) {
    const target = path.join(rootfs, file);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const exec = file.includes("/cgi-bin/") || file.endsWith(".sh");
    await fsp.writeFile(target, content, { mode: exec ? 0o755 : 0o644 });
  }
  for (const file of image.hostFiles ?? []) {
    const target = path.join(rootfs, file);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.copyFile(fs.realpathSync(file), target);
    await fsp.chmod(target, 0o755);
  }
  run("umoci", ["repack", "--image", `${layout}:${tag}`, bundle]);
  await fsp.rm(bundle, { recursive: true, force: true });
  const cfg = ["config", "--image", `${layout}:${tag}`, "--config.workingdir", "/"];
  cfg.push("--config.entrypoint", image.entrypoint[0]!);
  for (const a of image.entrypoint.slice(1)) cfg.push("--config.entrypoint", a);
  for (const [k, v] of Object.entries(image.env ?? {})) cfg.push("--config.env", `${k}=${v}`);
  cfg.push("--config.exposedports", `${image.port ?? 8080}/tcp`);
  if (image.user) cfg.push("--config.user", image.user);
  run("umoci", cfg);
}

/**
 * An image holding this machine's node binary and the shared libraries `ldd` lists for it, with
 * node as its entrypoint, so the driver contract's `node -e <app>` workloads run unchanged in a
 * container. The OCI layout is built once per node binary and kept in the temp directory (an
 * atomic rename, so test files building it at once do not see a half-written one).
 */
export async function pushNodeImage(host: ContainerHost, name = "berth-test/node"): Promise<string> {
  const node = fs.realpathSync(process.execPath);
  const st = fs.statSync(node);
  const cached = path.join(
    os.tmpdir(),
    `berth-node-image-${process.version}-${st.size}-${Math.floor(st.mtimeMs)}`,
  );
  const image: TestImage = {
    name,
    files: {},
    hostFiles: [node, ...sharedLibraries(node)],
    entrypoint: [node],
    env: { PATH: `${path.dirname(node)}:/bin` },
  };
  if (!fs.existsSync(path.join(cached, "index.json"))) {
    const staging = `${cached}.${process.pid}-${Date.now()}`;
    await buildLayout(staging, image);
    await fsp.rename(staging, cached).catch(async () => {
      // another test file built it first
      await fsp.rm(staging, { recursive: true, force: true });
    });
  }
  return push({ registry: host.registry }, cached, image);
}

/** Absolute paths of the libraries a dynamically linked binary loads (ld.so included). */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!).filter((p) => fs.existsSync(p));
}

/**
 * A busybox httpd image: `/` serves `page`; `/cgi-bin/who` prints the uid it runs as, its replica
 * (BERTH_REPLICA), its effective capabilities and no-new-privileges flag; `/cgi-bin/env` prints GREETING, the first line of
 * /data/config.txt if any, and LAST, the query string the previous request with one stored in /data/last-query; requests are logged on stderr.
 */
export function httpdImage(name: string, page: string, port = 8080): TestImage {
  return {
    name,
    port,
    files: {
      "/www/index.html": page,
      "/www/cgi-bin/env": [
        "#!/bin/sh",
        "printf 'Content-Type: text/plain\\r\\n\\r\\n'",
        'echo "GREETING=$GREETING"',
        'echo "CONFIG=$(cat /data/config.txt 2>/dev/null)"',
        'echo "LAST=$(cat /data/last-query 2>/dev/null)"',
        '[ -n "$QUERY_STRING" ] && echo "$QUERY_STRING" > /data/last-query',
        "exit 0",
        "",
      ].join("\n"),
      "/www/cgi-bin/who": [
        "#!/bin/sh",
        "printf 'Content-Type: text/plain\\r\\n\\r\\n'",
        'echo "uid=$(busybox id -u) replica=$BERTH_REPLICA"',
        "busybox grep -E '^(CapEff|NoNewPrivs):' /proc/self/status",
        "",
      ].join("\n"),
    },
    entrypoint: ["/bin/busybox", "httpd", "-f", "-vv", "-p", String(port), "-h", "/www"],
  };
}
