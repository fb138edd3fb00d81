import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalDriver, type LocalDriver } from "../runtime/local/local-driver.js";
import { runSession } from "./session-runner.js";

const drivers: LocalDriver[] = [];
/** A real local runtime on a data directory of its own (sessions run through the driver). */
async function localDriver(): Promise<LocalDriver> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-session-"));
  const d = await createLocalDriver({ dataDir, logger: { info() {}, warn() {}, error() {} } });
  drivers.push(d);
  return d;
}
afterAll(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

describe("a session's kept output", () => {
  const secret = "vault-s3cret-0123456789-abcdef";
  const printing = async (xs: number) => {
    const driver = await localDriver();
    const result = await runSession(driver, {
      spec: {
        command: process.execPath,
        args: ["-e", `process.stdout.write(process.env.TOKEN + "x".repeat(${xs}))`],
        env: {},
      },
      sessionId: "sesn_test",
      state: { scope: "test", name: "sesn_test" },
      secrets: { TOKEN: secret },
      events: [],
      timeoutMs: 20_000,
      pids: 64,
    });
    expect(result.exitCode).toBe(0);
    for (let i = 0; i + 8 <= secret.length; i++) expect(result.output).not.toContain(secret.slice(i, i + 8));
    return result.output;
  };

  it("masks a vault secret the 4000-character cut would go through", async () => {
    // the last 4000 characters start 10 characters into the secret
    expect(await printing(4000 - secret.length + 10)).toBe(`********${"x".repeat(3980)}`);
  });

  it("drops the tail of a vault secret cut off before the kept buffer", async () => {
    expect(await printing(4010)).toBe("x".repeat(4000));
  });

  it("keeps the output written just before the process exits", async () => {
    const driver = await localDriver();
    const result = await runSession(driver, {
      spec: {
        command: process.execPath,
        args: ["-e", `process.stdout.write("x".repeat(1 << 20) + "END"); process.stderr.write("err")`],
        env: {},
      },
      sessionId: "sesn_test",
      state: { scope: "test", name: "sesn_test" },
      secrets: {},
      events: [],
      timeoutMs: 20_000,
      pids: 64,
    });
    expect(result.output.endsWith("END") || result.output.endsWith("ENDerr")).toBe(true);
  });

  it("reports a spawn failure by its code, not by Node's message", async () => {
    const driver = await localDriver();
    const result = await runSession(driver, {
      spec: { command: "/nonexistent/agent-binary", args: ["--token=secret-arg-value"], env: {} },
      sessionId: "sesn_test",
      state: { scope: "test", name: "sesn_test" },
      secrets: {},
      events: [],
      timeoutMs: 20_000,
      pids: 64,
    });
    expect(result.error).toBe("cannot start the session: ENOENT");
  });
});
