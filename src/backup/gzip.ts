/**
 * Which gzip GNU tar runs: level 1 (a volume's data is mostly already dense; level 6 costs ~3× the
 * CPU for a few per cent), on every core with pigz when it is installed. Decided once, on first use.
 */
import { spawnSync } from "node:child_process";

let compressor: { pack: string; unpack: string } | undefined;

export function gzipPrograms(): { pack: string; unpack: string } {
  compressor ??=
    spawnSync("sh", ["-c", "command -v pigz"], { stdio: "ignore" }).status === 0
      ? { pack: "pigz -1", unpack: "pigz" }
      : { pack: "gzip -1", unpack: "gzip" };
  return compressor;
}
