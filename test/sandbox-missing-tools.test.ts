/**
 * berth without the sandbox's tools (a PATH without bubblewrap and nsenter; ip and nft are also
 * looked for in /usr/sbin and /sbin): it starts,
 * says what is missing in its log and /readyz, and refuses client-supplied commands with 422 naming
 * the missing tool. BERTH_ISOLATION=none is the operator's explicit way out, and says so too.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.js";
import { apiClient, teamWithKey } from "./support/berth.js";
import { type BerthProcess, spawnBerth } from "./support/process.js";

const admin = "admin-token-for-missing-tools-test";
let berth: BerthProcess | undefined;

afterEach(async () => {
  await berth?.kill("SIGTERM");
  berth = undefined;
});

async function start(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-notools-"));
  berth = await spawnBerth({
    BERTH_DATA_DIR: dataDir,
    BERTH_ADMIN_TOKEN: admin,
    BERTH_ENCRYPTION_KEY: "test-encryption-key-0123456789abcdef",
    BERTH_LOG_LEVEL: "info",
    ...env,
  });
  return { api: apiClient(berth.url, admin), berth };
}

describe("without the sandbox's tools", () => {
  it("starts, says what is missing, and refuses client-supplied commands with 422", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "berth-nopath-"));
    const { api, berth } = await start({ PATH: empty });
    expect(berth.output()).toMatch(/sandbox unavailable, missing: bwrap, nsenter\b/);
    const ready = await api("GET", "/readyz", { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      isolation: "unavailable",
      missing: expect.arrayContaining(["bwrap", "nsenter"]),
    });
    const team = apiClient(berth.url, (await teamWithKey(api)).key);
    const refused = await team("POST", "/api/agents", {
      body: { name: "cmd", spec: { name: "cmd", command: "node", args: ["-e", "1"] } },
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("bwrap");
    expect(refused.text).toContain("BERTH_ISOLATION=none");
    // Catalogue images are the operator's programs: they are still accepted.
    const image = await team("POST", "/api/agents", {
      body: { name: "img", spec: { name: "img", image: "berth/hello" } },
    });
    expect(image.status, image.text).toBe(201);
  });
});

describe("BERTH_ISOLATION", () => {
  it("is validated", () => {
    expect(() => parseConfig({ BERTH_ISOLATION: "off" })).toThrow(ConfigError);
    expect(() => parseConfig({ BERTH_ISOLATION: "off" })).toThrow(/BERTH_ISOLATION/);
  });

  it("=none runs unsandboxed and says so in the log and /readyz", async () => {
    const { api, berth } = await start({ BERTH_ISOLATION: "none" });
    expect(berth.output()).toMatch(/BERTH_ISOLATION=none: tenant processes run UNSANDBOXED/);
    expect((await api("GET", "/readyz", { token: null })).body).toMatchObject({
      isolation: "none",
      missing: [],
    });
  });
});
