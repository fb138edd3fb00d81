/**
 * The Python SDK, installed with pip from sdk/python into a scratch folder (no PyPI), runs its own
 * unittest suite with the machine's python3 against a real berth on port 0.
 */
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBerth, type TestBerth, teamWithKey } from "./support/berth.js";

const run = promisify(execFile);
const sdkDir = path.resolve(import.meta.dirname, "../sdk/python");
let t: TestBerth;

beforeAll(async () => {
  t = await startTestBerth();
});
afterAll(async () => {
  await t?.close();
});

it("installs with pip and passes its end-to-end suite against a real server", async () => {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-sdk-python-"));
  const site = path.join(scratch, "site");
  const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PYTHONDONTWRITEBYTECODE: "1" };
  await run(
    "python3",
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--no-build-isolation",
      "--no-index",
      "--no-deps",
      "--target",
      site,
      sdkDir,
    ],
    { env },
  );
  await expect(fs.stat(path.join(site, "berth_sdk", "client.py"))).resolves.toBeTruthy();

  // the tests run from a copy so that `import berth_sdk` finds the installed package, not the source
  await fs.cp(path.join(sdkDir, "tests"), path.join(scratch, "tests"), { recursive: true });
  const { key } = await teamWithKey(t.api);
  const result = await run("python3", ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."], {
    cwd: scratch,
    env: { ...env, PYTHONPATH: site, BERTH_URL: t.url, BERTH_TOKEN: key },
    timeout: 120_000,
  }).catch((err: { stdout: string; stderr: string }) => err);
  const output = `${result.stdout}\n${result.stderr}`;
  expect(output, output).toMatch(/\nOK\s*$/);
  expect(Number(/Ran (\d+) tests?/.exec(output)?.[1])).toBeGreaterThanOrEqual(6);
  expect(output).toMatch(/test_every_operation_in_openapi_has_a_method \(.*\) \.\.\. ok/);
  expect(output).toMatch(/test_seed_examples_in_order \(.*\) \.\.\. ok/);
}, 180_000);
