// Runs in a child process (never on the API's event loop): lists a tar.gz with node-tar and prints
// one JSON verdict. Refuses absolute paths, `..`, links leaving the archive root, writes through a
// link, devices/FIFOs and other special entries, and decompression bombs (size, ratio, count).
import fs from "node:fs";
import path from "node:path";
import * as tar from "tar";

const [file, maxBytesArg, maxRatioArg, maxEntriesArg] = process.argv.slice(2);
const maxBytes = Number(maxBytesArg);
const maxRatio = Number(maxRatioArg);
const maxEntries = Number(maxEntriesArg);
const compressed = fs.statSync(file).size;
const OK_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

let total = 0;
let entries = 0;
let problem;
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

try {
  await tar.t({
    file,
    strict: true,
    onReadEntry(entry) {
      problem ??= check(entry);
      entry.resume();
    },
  });
} catch (err) {
  problem ??= `unreadable archive: ${err.message}`;
}
process.stdout.write(
  `${JSON.stringify(problem ? { ok: false, problem } : { ok: true, bytes: total, entries })}\n`,
);
