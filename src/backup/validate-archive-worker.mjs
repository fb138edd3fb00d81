// Runs in a child process (never on the API's event loop): parses the tar.gz arriving on stdin with
// node-tar and prints one JSON verdict, as soon as it finds a problem or at the end. What it refuses
// is WRITING outside the archive root or through a link: absolute member names, `..`, a member at or
// under a path an earlier member made a symlink, a hard link whose target is absolute, holds `..` or
// reaches through a symlink, a root that is not a directory, devices/FIFOs and other special entries,
// and decompression bombs (size, ratio, count). A symlink's text is data: any text is kept as is
// (absolute, dangling or leading out of the volume), since restoring a link writes nothing through it.
import path from "node:path";
import * as tar from "tar";

const [compressedArg, maxBytesArg, maxRatioArg, maxEntriesArg] = process.argv.slice(2);
const compressed = Number(compressedArg);
const maxBytes = Number(maxBytesArg);
const maxRatio = Number(maxRatioArg);
const maxEntries = Number(maxEntriesArg);
const OK_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

let total = 0;
let entries = 0;
const links = new Set();

const escapes = (p) => {
  const n = path.posix.normalize(p);
  return path.posix.isAbsolute(p) || n === ".." || n.startsWith("../");
};

/** True when `norm` is, or lies under, a path an earlier member made a symlink. */
const throughLink = (norm, includingItself) => {
  const parts = norm.split("/");
  for (let i = 1; i < parts.length; i++) if (links.has(parts.slice(0, i).join("/"))) return true;
  return includingItself && links.has(norm);
};

function check(entry) {
  const p = entry.path;
  if (path.posix.isAbsolute(p)) return `absolute path ${p}`;
  if (p.split("/").includes("..")) return `path with .. ${p}`;
  if (!OK_TYPES.has(entry.type)) return `refused entry type ${entry.type} at ${p}`;
  const norm = path.posix.normalize(p).replace(/\/$/, "");
  if (norm === "." && entry.type !== "Directory") return "the root of the archive is not a directory";
  if (throughLink(norm, true)) return `entry ${p} is written through a link`;
  if (entry.type === "SymbolicLink") links.add(norm);
  if (entry.type === "Link") {
    const target = entry.linkpath ?? "";
    if (path.posix.isAbsolute(target) || escapes(target))
      return `hard link ${p} points outside the volume (${target})`;
    if (throughLink(path.posix.normalize(target).replace(/\/$/, ""), false))
      return `hard link ${p} reaches through a link (${target})`;
  }
  total += entry.size ?? 0;
  entries++;
  if (total > maxBytes) return `archive expands beyond ${maxBytes} bytes`;
  if (compressed > 0 && total / compressed > maxRatio && total > 64 * 1024 * 1024)
    return `compression ratio above ${maxRatio}`;
  if (entries > maxEntries) return `more than ${maxEntries} entries`;
  return undefined;
}

function verdict(problem) {
  process.stdout.write(
    `${JSON.stringify(problem ? { ok: false, problem } : { ok: true, bytes: total, entries })}\n`,
    () => process.exit(0),
  );
}

let decided = false;
const decide = (problem) => {
  if (decided) return;
  decided = true;
  process.stdin.unpipe();
  process.stdin.destroy();
  verdict(problem);
};

const parser = new tar.Parser({
  strict: true,
  onReadEntry(entry) {
    const problem = check(entry);
    if (problem) decide(problem);
    entry.resume();
  },
});
parser.on("error", (err) => decide(`unreadable archive: ${err.message}`));
parser.on("end", () => decide(undefined));
process.stdin.on("error", () => decide("unreadable archive: input ended early"));
process.stdin.pipe(parser);
