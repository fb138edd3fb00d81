/**
 * Each client example in README.md, run as written against a real berth: the TypeScript one
 * against the SDK built as a package, the Python one with the machine's python3, the CLI one in bash.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBerth, type TestBerth, teamWithKey } from "./support/berth.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
let t: TestBerth;
let env: NodeJS.ProcessEnv;
let scratch: string;

async function example(kind: string): Promise<string> {
  const readme = await fs.readFile(path.join(root, "README.md"), "utf8");
  const m = new RegExp(`<!-- example: ${kind} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no ${kind} example`);
  return m[1]!;
}

beforeAll(async () => {
  t = await startTestBerth();
  const { key } = await teamWithKey(t.api);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-readme-"));
  env = { ...process.env, BERTH_URL: t.url, BERTH_TOKEN: key, XDG_CONFIG_HOME: path.join(scratch, "config") };
});
afterAll(async () => {
  await t?.close();
});

it("runs the TypeScript SDK example against the built package", async () => {
  const pkg = path.join(scratch, "node_modules", "@berth", "sdk");
  execFileSync(process.execPath, [
    require.resolve("typescript/bin/tsc"),
    "-p",
    path.join(root, "sdk/typescript"),
    "--outDir",
    path.join(pkg, "dist"),
  ]);
  await fs.copyFile(path.join(root, "sdk/typescript/package.json"), path.join(pkg, "package.json"));
  await fs.writeFile(path.join(scratch, "package.json"), JSON.stringify({ type: "module" }));
  const file = path.join(scratch, "example.ts");
  await fs.writeFile(file, await example("typescript"));
  const { stdout } = await run(process.execPath, [require.resolve("tsx/cli"), file], { env, cwd: scratch });
  expect(stdout).toMatch(/^drift: \w+/m);
  // onProgress reports each phase it observes, in the seed's order, ending with completed (how early
  // the first poll lands — queued or already archiving — depends on the machine's speed).
  const phases = stdout.split("\n").filter((l) => /^(queued|object-archiving|completed|failed)$/.test(l));
  const order = ["queued", "object-archiving", "completed"];
  expect(phases.at(-1)).toBe("completed");
  const ranks = phases.map((p) => order.indexOf(p));
  expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  expect(ranks).not.toContain(-1);
  expect(stdout).toContain("backup succeeded");
  expect(stdout).toContain("404 deployment not found");
}, 120_000);

it("runs the Python SDK example", async () => {
  const file = path.join(scratch, "example.py");
  await fs.writeFile(file, await example("python"));
  const { stdout } = await run("python3", [file], {
    env: { ...env, PYTHONPATH: path.join(root, "sdk/python"), PYTHONDONTWRITEBYTECODE: "1" },
  });
  expect(stdout.split("\n")).toEqual([
    "paused",
    "deployed",
    "backup succeeded",
    "404 deployment not found",
    "",
  ]);
}, 120_000);

it("runs the CLI example in bash", async () => {
  const shims = path.join(scratch, "bin");
  await fs.mkdir(shims, { recursive: true });
  await fs.writeFile(
    path.join(shims, "berth"),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(root, "bin/berth.mjs")}" "$@"\n`,
    { mode: 0o755 },
  );
  const { stdout, stderr } = await run("bash", ["-euo", "pipefail", "-c", await example("cli")], {
    env: { ...env, PATH: `${shims}:${process.env.PATH}` },
    timeout: 120_000,
  });
  expect(stdout).toMatch(/my-agent\s+Ready\s+true\s+counter-agent/);
  expect(stdout).toContain("counter-agent listening");
  expect(stdout).toMatch(/restoreStatus:\s+succeeded/);
  expect(stderr).toMatch(/completed\s+\d/);
  const backups = JSON.parse(stdout.slice(stdout.indexOf("\n[") + 1, stdout.lastIndexOf("]") + 1));
  expect(backups).toEqual([expect.objectContaining({ driver: "restic", status: "succeeded" })]);
  expect(stdout).toContain("deployment my-agent is being deleted");
}, 120_000);
