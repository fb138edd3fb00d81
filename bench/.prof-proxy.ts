import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startWithTeam } from "../test/support/berth.js";
import { deployApp } from "../test/support/ingress.js";
const run = promisify(execFile);
const { t, api } = await startWithTeam();
const a = await deployApp(api, "hello", { image: true });
const w = (s: number) =>
  run("wrk", ["-t2", "-c50", `-d${s}s`, "--latency", "-H", `Host: ${a.host}`, `${t.url}/`]);
await w(2);
console.log((await w(Number(process.env.S ?? 5))).stdout);
await t.close();
process.exit(0);
