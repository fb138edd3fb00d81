/**
 * The `/etc` a sandbox sees: one directory holding copies of the few host entries a program needs
 * (CA certificates, name resolution, users, time zone), bound read-only at `/etc` in one mount.
 * Binding each host entry on its own cost bubblewrap two mount calls and a read of the mount table
 * per entry: 1–4 ms of every sandbox start (more under load), on the wake path (docs/decisions.md).
 *
 * Invariants:
 * - Only what uid 65534 could read on the host is copied (a file without the read bit for others,
 *   a directory without read and search for others, is left out: `/etc/ssl/private` never leaves
 *   the host's /etc). Symbolic links inside copied directories stay links (their targets are under
 *   `/usr` or in this copy); an entry that is itself a link is copied as what it points to, as a
 *   bind of it showed.
 * - A copy is never changed once made: it is named by a digest of the host entries' inodes, sizes
 *   and change times (directories below them included), under `/run/berth/sandbox-etc/` (root's,
 *   traversable: bubblewrap runs unprivileged and must reach its bind sources). A start compares
 *   the host entries at most once a second and makes a new copy when one changed; running
 *   sandboxes keep the copy they started with, as their binds of the host's files did. Several
 *   control planes on one host share the copies (each builds under a name of its own, then renames).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Host entries copied into the sandbox's /etc. */
export const ETC_ENTRIES = [
  "/etc/alternatives",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/localtime",
  "/etc/passwd",
  "/etc/group",
];

/** Where the copies live (tmpfs on most hosts, so gone at reboot). */
export const ETC_COPIES = "/run/berth/sandbox-etc";
const CHECK_EVERY_MS = 1_000;

/** The copy in use per copies directory, and the stat line of each path its digest was made from. */
const current = new Map<string, { dir: string; checkedAt: number; seen: Map<string, string> }>();

/**
 * The directory to bind at the sandbox's `/etc`, made first when the host's entries changed since
 * the last copy. Throws only when the copies' directory cannot be written. `entries` and `copies`
 * are for tests.
 */
export function sandboxEtc(opts: { entries?: string[]; copies?: string; now?: number } = {}): string {
  const { entries = ETC_ENTRIES, copies = ETC_COPIES, now = performance.now() } = opts;
  const last = current.get(copies);
  if (last && now - last.checkedAt < CHECK_EVERY_MS) return last.dir;
  // A stat of each path seen last time (~20) tells whether anything changed; a new or removed
  // directory changes its parent's times, so the walk below is needed only then.
  if (last && [...last.seen].every(([p, line]) => statLine(p) === line)) {
    last.checkedAt = now;
    return last.dir;
  }
  const seen = new Map<string, string>();
  for (const entry of entries) walk(entry, seen);
  const digest = createHash("sha256");
  for (const [p, line] of seen) digest.update(`${p}=${line}\n`);
  const dir = path.join(copies, digest.digest("hex").slice(0, 16));
  if (!fs.existsSync(dir)) build(dir, entries);
  current.set(copies, { dir, checkedAt: now, seen });
  return dir;
}

function build(dir: string, entries: string[]): void {
  // Missing parents are made traversable (0755); existing ones are left as they are.
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.dirname(dir), 0o755);
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { mode: 0o755 });
  fs.chmodSync(tmp, 0o755);
  for (const entry of entries) {
    let st: fs.Stats;
    try {
      st = fs.statSync(entry);
    } catch {
      continue;
    }
    if (othersCanRead(st)) copy(entry, path.join(tmp, path.basename(entry)), st);
  }
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another control plane made the same copy first: use it.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err;
  }
}

const lineOf = (st: fs.Stats) => `${st.ino}:${st.ctimeMs}:${st.mtimeMs}:${st.size}:${st.mode}`;

/** Inode, size, mode and change times of a path (followed), or "absent". */
function statLine(p: string): string {
  try {
    return lineOf(fs.statSync(p));
  } catch {
    return "absent";
  }
}

/** Records the stat line of `p` and, below a directory others may read, of every directory. */
function walk(p: string, seen: Map<string, string>): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    seen.set(p, "absent");
    return;
  }
  seen.set(p, lineOf(st));
  if (!st.isDirectory() || !othersCanRead(st)) return;
  for (const e of fs.readdirSync(p, { withFileTypes: true }))
    if (e.isDirectory()) walk(path.join(p, e.name), seen);
}

const othersCanRead = (st: fs.Stats) =>
  st.isDirectory() ? (st.mode & 0o005) === 0o005 : (st.mode & 0o004) !== 0;

function copy(from: string, to: string, st: fs.Stats): void {
  if (st.isFile()) {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, st.mode & 0o755);
    return;
  }
  if (!st.isDirectory()) return;
  fs.mkdirSync(to, { mode: 0o755 });
  fs.chmodSync(to, 0o755);
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    if (e.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), path.join(to, e.name));
      continue;
    }
    const s = fs.statSync(src);
    if (othersCanRead(s)) copy(src, path.join(to, e.name), s);
  }
}
