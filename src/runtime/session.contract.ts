/**
 * Driver contract, sessions: a process fed its input on stdin, its output streamed, its exit code,
 * a state directory kept across runs of the same session, a timeout and kill() that end the whole
 * process tree, and a command that cannot start reported in `exit` rather than thrown.
 */
import { describe, expect, it } from "vitest";
import { alive, collect, driverPool, expectDeclined, type MakeDriver, until } from "./contract-helpers.js";
import type { DriverVerb, RuntimeDriver, SessionRequest } from "./driver.js";

const SESSION = `
const fs = require("node:fs"), path = require("node:path");
let input = "";
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", () => {
  const file = path.join(process.env.BERTH_VOLUME_DIR, "runs.txt");
  let runs = 0; try { runs = Number(fs.readFileSync(file, "utf8")); } catch {}
  fs.writeFileSync(file, String(runs + 1));
  console.log("session " + process.env.BERTH_SESSION_ID + " run " + (runs + 1) + " env " + (process.env.OWN ?? "-"));
  console.error("stderr line");
  process.stdout.write("input " + input);
  process.exitCode = Number(process.env.EXIT ?? 0);
});
`;

const request = (over: Partial<SessionRequest> = {}): SessionRequest => ({
  sessionId: "sesn_1",
  state: { scope: "sched-1", name: "sesn_1" },
  command: process.execPath,
  args: ["-e", SESSION],
  env: { OWN: "mine" },
  values: { TOKEN: "value $(OWN) kept as written" },
  input: '{"type":"user.message"}\n',
  timeoutMs: 10_000,
  clientCommand: true,
  pids: 64,
  ...over,
});

async function run(d: RuntimeDriver, req: SessionRequest) {
  const s = d.startSession(req);
  const output = (await collect(s.output)).toString("utf8");
  return { output, exit: await s.exit };
}

export function describeSessionContract(name: string, makeDriver: MakeDriver, unsupported: Set<DriverVerb>) {
  describe(`runtime driver contract: ${name}, sessions`, () => {
    const make = driverPool(makeDriver);

    if (unsupported.has("startSession")) {
      it("declines sessions", async () => {
        const d = await make();
        await expectDeclined("startSession", () => d.startSession(request()));
        await expectDeclined("deleteSessionState", () => d.deleteSessionState("sched-1"));
      });
      return;
    }

    it("feeds the input, streams stdout and stderr, and reports the exit code", async () => {
      const d = await make();
      const r = await run(d, request({ env: { OWN: "mine", EXIT: "3" } }));
      expect(r.output).toContain("session sesn_1 run 1 env mine");
      expect(r.output).toContain("stderr line");
      expect(r.output).toContain('input {"type":"user.message"}');
      expect(r.exit).toMatchObject({ exitCode: 3, timedOut: false, error: null });
      expect(r.exit.durationMs).toBeGreaterThanOrEqual(0);
    });

    it("keeps the state of a session across runs, and separates sessions", async () => {
      const d = await make();
      await run(d, request());
      expect((await run(d, request())).output).toContain("run 2");
      const other = request({ sessionId: "sesn_2", state: { scope: "sched-1", name: "sesn_2" } });
      expect((await run(d, other)).output).toContain("session sesn_2 run 1");
    });

    it("deletes the state of every session of a scope, and only that scope", async () => {
      const d = await make();
      await run(d, request());
      const other = request({ state: { scope: "sched-2", name: "sesn_1" } });
      await run(d, other);
      await d.deleteSessionState("sched-1");
      expect((await run(d, request())).output).toContain("run 1");
      expect((await run(d, other)).output).toContain("run 2");
      await expect(d.deleteSessionState("..")).rejects.toThrow();
    });

    it("gives a session none of the control plane's environment", async () => {
      process.env.BERTH_TEST_SESSION_LEAK = "must-not-leak";
      const d = await make();
      const r = await run(
        d,
        request({ args: ["-e", "console.log(JSON.stringify(process.env))"], input: "" }),
      );
      delete process.env.BERTH_TEST_SESSION_LEAK;
      const env = JSON.parse(r.output) as Record<string, string>;
      expect(env.BERTH_TEST_SESSION_LEAK).toBeUndefined();
      expect(env).toMatchObject({
        OWN: "mine",
        TOKEN: "value $(OWN) kept as written",
        BERTH_SESSION_ID: "sesn_1",
      });
      expect(env.BERTH_VOLUME_DIR).toBeTruthy();
    });

    it("kills the whole process tree after the timeout", async () => {
      const d = await make();
      const tree = `
        const { spawn } = require("node:child_process");
        const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
        console.log("grandchild " + c.pid);
        setInterval(() => {}, 1000);`;
      const s = d.startSession(request({ args: ["-e", tree], input: "", timeoutMs: 400 }));
      const output = (await collect(s.output)).toString("utf8");
      const exit = await s.exit;
      expect(exit).toMatchObject({ exitCode: null, timedOut: true });
      const grandchild = Number(/grandchild (\d+)/.exec(output)?.[1]);
      await until(() => !alive(grandchild), "grandchild gone");
    });

    it("ends a session on kill()", async () => {
      const d = await make();
      const s = d.startSession(request({ args: ["-e", "setInterval(() => {}, 1000)"], input: "" }));
      const drained = collect(s.output);
      setTimeout(() => s.kill(), 100);
      expect(await s.exit).toMatchObject({ exitCode: null, timedOut: false });
      await drained;
    });

    it("reports a command that cannot start in its exit, without throwing", async () => {
      const d = await make();
      const r = await run(d, request({ command: "/nonexistent/session-binary" }));
      expect(r.exit).toMatchObject({ exitCode: null, timedOut: false });
      expect(r.exit.error).toMatch(/cannot start/);
    });
  });
}
