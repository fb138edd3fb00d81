import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startWithTeam } from "../test/support/berth.js";
const run = promisify(execFile);
const { t, key } = await startWithTeam();
const w = (s: number) =>
  run("wrk", [
    "-t2",
    "-c50",
    `-d${s}s`,
    "--latency",
    "-H",
    `authorization: Bearer ${key}`,
    `${t.url}/api/me`,
  ]);
await w(2);
console.log((await w(Number(process.env.S ?? 5))).stdout);
await t.close();
process.exit(0);
