/**
 * What an archive holds: the volume's directories, regular files and symlinks (hard links among them
 * kept), listed by `find` in a child process and handed to GNU tar as NUL-separated names. Sockets,
 * FIFOs and device nodes are left out: they are not data, and restores refuse them. The listing is
 * held to the same limits a restore applies (total bytes, entry count), so a backup that succeeds is
 * one that restores; a volume beyond them fails its backup with a clear error instead.
 */
import { spawn } from "node:child_process";
import { Transform } from "node:stream";
import { ArchiveError } from "./archive-error.js";
import type { ArchiveLimits } from "./validate.js";

export interface VolumeListing {
  /** NUL-terminated `./…` names for `tar --null -T -`. */
  names: Transform;
  /** Resolves when `find` exited cleanly; rejects with its error or a limit. */
  done: Promise<{ entries: number; bytes: number }>;
}

/** Lists `dir` for tar, counting entries and bytes (apparent sizes; never fewer than tar's). */
export function listVolume(
  dir: string,
  limits: Pick<ArchiveLimits, "maxBytes" | "maxEntries">,
): VolumeListing {
  const find = spawn(
    "find",
    [".", "(", "-type", "f", "-o", "-type", "d", "-o", "-type", "l", ")", "-printf", "%s\\t%p\\0"],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  find.stderr.on("data", (c) => {
    stderr += String(c);
  });
  let entries = 0;
  let bytes = 0;
  let rest = Buffer.alloc(0);
  const names = new Transform({
    transform(chunk: Buffer, _e, cb) {
      const all = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      const out: Buffer[] = [];
      let start = 0;
      for (let end = all.indexOf(0, start); end !== -1; end = all.indexOf(0, start)) {
        const tab = all.indexOf(9, start);
        bytes += Number(all.subarray(start, tab).toString("latin1"));
        entries++;
        out.push(all.subarray(tab + 1, end + 1));
        start = end + 1;
      }
      rest = Buffer.from(all.subarray(start));
      if (bytes > limits.maxBytes)
        return cb(
          new ArchiveError(`the volume holds more than ${limits.maxBytes} bytes, the most a restore accepts`),
        );
      if (entries > limits.maxEntries)
        return cb(
          new ArchiveError(
            `the volume holds more than ${limits.maxEntries} entries, the most a restore accepts`,
          ),
        );
      cb(null, Buffer.concat(out));
    },
  });
  find.stdout.pipe(names);
  const done = new Promise<{ entries: number; bytes: number }>((resolve, reject) => {
    names.once("error", reject);
    find.once("close", (code) => {
      if (code === 0) resolve({ entries, bytes });
      else reject(new ArchiveError(`could not list the volume: ${stderr.trim() || `find exit ${code}`}`));
    });
  });
  done.catch(() => find.kill("SIGKILL"));
  return { names, done };
}
