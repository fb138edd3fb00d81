/**
 * deploy/smoke.mjs, the operator's check of a real installation, run against a real berth (local
 * runtime, real sandboxed processes) without a kubeconfig: every API step passes — team, deploy,
 * ingress, pause, wake, backup and restore with each driver (the counter on the volume survives),
 * delete — the cluster steps say they were skipped and why, and no token is printed.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBerth, type TestBerth } from "./support/berth.js";

let t: TestBerth;
beforeAll(async () => {
  t = await startTestBerth();
});
afterAll(async () => {
  await t?.close();
});

function runSmoke(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const script = path.resolve(import.meta.dirname, "..", "deploy", "smoke.mjs");
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => {
    out += c;
  });
  child.stderr.on("data", (c) => {
    out += c;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

describe("deploy/smoke.mjs", () => {
  it("passes every API step against a running berth and skips the cluster steps without a kubeconfig", async () => {
    const { code, out } = await runSmoke({
      BERTH_URL: t.url,
      BERTH_ADMIN_TOKEN: t.adminToken,
      SMOKE_BACKUP_DRIVERS: "volumeSnapshot,restic",
      SMOKE_TIMEOUT_S: "60",
    });
    const lines = out.trim().split("\n");
    const outcome = (step: string) =>
      lines
        .find((l) => l.includes(step))
        ?.slice(0, 4)
        .trim();
    expect(out).not.toContain(t.adminToken);
    for (const step of [
      "berth answers /healthz and /readyz",
      "create a team and a key",
      "deploy the counter-agent template and wait until it is ready",
      "request it through berth's ingress",
      "pause it (volume kept)",
      "wake it with a request",
      "back up with volumeSnapshot",
      "restore from the volumeSnapshot backup",
      "back up with restic",
      "restore from the restic backup",
      "delete it and its cluster objects",
    ])
      expect(outcome(step), `${step}\n${out}`).toBe("PASS");
    expect(lines.find((l) => l.includes("cluster: the workload runs"))).toMatch(
      /^SKIP .*no KUBECONFIG given/,
    );
    expect(lines.find((l) => l.includes("through the cluster's Ingress"))).toMatch(
      /^SKIP .*SMOKE_INGRESS_URL not set/,
    );
    expect(lines.find((l) => l.includes("berth's own replicas"))).toMatch(/^SKIP .*no KUBECONFIG given/);
    expect(lines.at(-1)).toBe("smoke result: 11 passed / 0 failed / 4 skipped");
    expect(code).toBe(0);
  }, 240_000);

  it("refuses to start without berth's URL and token", async () => {
    const { code, out } = await runSmoke({});
    expect(code).toBe(2);
    expect(out).toContain("set BERTH_URL and BERTH_ADMIN_TOKEN");
  });
});
