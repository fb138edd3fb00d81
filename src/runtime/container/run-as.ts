/**
 * Who a container runs as, and with which privileges (issue 15: "a non-root user where the image
 * allows, no privileged mode"). The rule, in one place:
 * - an image whose USER is a non-root user runs as that user;
 * - an image of the operator's catalogue that needs root to start (the official nginx and postgres
 *   images switch to their own user after setting up files and ports) runs as root, with only the
 *   capabilities that start-up needs;
 * - every other image runs as nobody (65534:65534).
 * Every container drops all other capabilities and sets no-new-privileges, so no setuid binary in
 * an image can gain privileges.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { parseImageRef } from "./image-ref.js";

export const NOBODY = "65534:65534";

/** Docker Hub repositories of the catalogue that start as root (nginx binds 80, postgres chowns its data). */
const ROOT_REPOSITORIES = new Set(["library/nginx", "library/postgres"]);

/** What those images need as root: own their files, switch users, bind port 80. */
const ROOT_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "NET_BIND_SERVICE"];

export interface RunAs {
  /** The engine's `User` (undefined: the image's own USER). */
  user: string | undefined;
  /** Numeric uid and gid the volume is handed to, when known. */
  owner: { uid: number; gid: number } | undefined;
  capAdd: string[];
}

const isRoot = (user: string) => {
  const name = user.split(":")[0]!.trim();
  return name === "" || name === "0" || name === "root";
};

/** The rule above, for `image` (as the workload names it) whose config says `imageUser`. */
export function runAs(image: string, imageUser: string | undefined): RunAs {
  const user = imageUser ?? "";
  if (!isRoot(user)) return { user: undefined, owner: numericOwner(user), capAdd: [] };
  const ref = parseImageRef(image);
  const hub = ref !== undefined && ref.registry === undefined;
  const repository = ref && !ref.repository.includes("/") ? `library/${ref.repository}` : ref?.repository;
  if (hub && repository !== undefined && ROOT_REPOSITORIES.has(repository)) {
    return { user: undefined, owner: undefined, capAdd: ROOT_CAPABILITIES };
  }
  return { user: NOBODY, owner: { uid: 65534, gid: 65534 }, capAdd: [] };
}

function numericOwner(user: string): RunAs["owner"] {
  const m = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  if (!m) return undefined;
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

/** HostConfig fields every container gets (see the module comment). */
export function hardening(capAdd: string[]) {
  return {
    Privileged: false,
    CapDrop: ["ALL"],
    ...(capAdd.length > 0 ? { CapAdd: capAdd } : {}),
    SecurityOpt: ["no-new-privileges"],
  };
}

/**
 * Hands the volume directory (its content too, the first time) to the container's user, so a
 * non-root workload can write it; a volume already owned by that user is left as it is.
 */
export async function ownVolumeFor(dir: string, owner: RunAs["owner"]): Promise<void> {
  if (!owner) return;
  const st = await fsp.stat(dir);
  if (st.uid === owner.uid && st.gid === owner.gid) return;
  const walk = async (p: string): Promise<void> => {
    await fsp.lchown(p, owner.uid, owner.gid);
    const s = await fsp.lstat(p);
    if (s.isDirectory()) for (const e of await fsp.readdir(p)) await walk(path.join(p, e));
  };
  await walk(dir);
}
