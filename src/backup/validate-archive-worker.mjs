// Runs in a child process (never on the API's event loop): parses the tar.gz arriving on stdin with
// node-tar and prints one JSON verdict, as soon as it finds a problem or at the end. Refuses absolute
// paths, `..`, links leaving the archive root, writes through a link, devices/FIFOs and other special
// entries, and decompression bombs (size, ratio, count).
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

function check(entry) {
  const p = entry.path;
  if (path.posix.isAbsolute(p)) return `absolute path ${p}`;
  if (p.split("/").includes("..")) return `path with .. ${p}`;
  if (!OK_TYPES.has(entry.type)) return `refused entry type ${entry.type} at ${p}`;
  const norm = path.posix.normalize(p).replace(/\/$/, "");
  const parts = norm.split("/");
  for (let i = 1; i < parts.length; i++) {
    if (links.has(parts.slice(0, i).join("/"))) return `entry ${p} is written through a link`;
  }
  if (entry.type === "SymbolicLink") {
    const target = entry.linkpath ?? "";
    if (path.posix.isAbsolute(target) || escapes(path.posix.join(path.posix.dirname(norm), target))) {
      return `symlink ${p} points outside the volume (${target})`;
    }
    links.add(norm);
  }
  if (entry.type === "Link") {
    const target = entry.linkpath ?? "";
    if (path.posix.isAbsolute(target) || escapes(target))
      return `hard link ${p} points outside the volume (${target})`;
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
