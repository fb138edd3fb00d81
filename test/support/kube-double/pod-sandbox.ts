/**
 * Part of the Kubernetes API test double (the simulated kubelet): how a container becomes a local
 * process.
 *
 * Stands in for a container runtime as "Pods → Containers" describes it, with the differences that
 * matter to tests stated plainly: no image is pulled (`image` is only recorded); the container's
 * `command` + `args` run under bubblewrap with the host's /usr, /bin, /lib*, /etc mounted read-only,
 * a private /tmp, /proc and /dev, each volume bound read-write at its volumeMount's `mountPath`,
 * and HOST networking (the pod's "IP" is 127.0.0.1, see kubelet.ts for the port).
 */
import fs from "node:fs";

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface SandboxSpec {
  hostname: string;
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
}

const HOST_DIRS = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function bwrapArgs(spec: SandboxSpec): string[] {
  const args: string[] = [
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--hostname",
    spec.hostname,
  ];
  for (const dir of HOST_DIRS) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run");
  for (const m of spec.mounts) args.push(m.readOnly ? "--ro-bind" : "--bind", m.source, m.target);
  args.push("--chdir", spec.workingDir ?? "/", "--clearenv");
  const env = { PATH: DEFAULT_PATH, HOSTNAME: spec.hostname, ...spec.env };
  for (const [k, v] of Object.entries(env)) args.push("--setenv", k, v);
  args.push("--", ...spec.argv);
  return args;
}
