/**
 * The `berth` command line, run as a real process (bin/berth.mjs) against a real berth on port 0:
 * login, every command group end to end, tables and --json, backup/restore progress, errors with the
 * server's message and a non-zero exit code, `--help` on every command, and `berth serve`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { CommanderError, type Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { startTestBerth, type TestBerth, teamWithKey, viaIngress, waitFor } from "./support/berth.js";

const bin = path.resolve(import.meta.dirname, "../bin/berth.mjs");
let t: TestBerth;
let key: string;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function berth(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: { ...process.env, XDG_CONFIG_HOME: home, BERTH_URL: "", BERTH_TOKEN: "", ...env },
        timeout: 120_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await berth(args);
  expect(r.code, `berth ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const json = async <T = Record<string, unknown>>(args: string[]): Promise<T> =>
  JSON.parse(await ok(["--json", ...args]));

beforeAll(async () => {
  t = await startTestBerth();
  ({ key } = await teamWithKey(t.api));
  home = await fs.mkdtemp(path.join(os.tmpdir(), "berth-cli-home-"));
});
afterAll(async () => {
  await t?.close();
});

describe("help", () => {
  const leaves: string[][] = [];
  const walk = (cmd: Command, trail: string[]) => {
    for (const sub of cmd.commands) {
      leaves.push([...trail, sub.name()]);
      walk(sub, [...trail, sub.name()]);
    }
  };
  walk(buildProgram(), []);

  it("covers the documented command groups", () => {
    const names = leaves.map((l) => l.join(" "));
    for (const c of [
      "serve",
      "login",
      ...[
        "list",
        "create",
        "get",
        "delete",
        "restart",
        "scale",
        "config",
        "logs",
        "metrics",
        "events",
        "history",
      ].map((s) => `deployments ${s}`),
      ...["pause", "resume", "backup", "backups", "restore", "manifest", "redeploy", "template"].map(
        (s) => `sandbox ${s}`,
      ),
      "templates list",
      "schedules list",
      "schedules create",
    ])
      expect(names).toContain(c);
  });

  it("prints usage for --help on every command", async () => {
    for (const leaf of leaves) {
      let out = "";
      const program = buildProgram({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
      program.exitOverride();
      const err = await program.parseAsync(["node", "berth", ...leaf, "--help"]).catch((e: unknown) => e);
      expect(err, leaf.join(" ")).toBeInstanceOf(CommanderError);
      expect((err as CommanderError).exitCode).toBe(0);
      expect(out).toContain(`Usage: berth ${leaf.join(" ")}`);
    }
    const top = await berth(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Commands:[\s\S]*deployments[\s\S]*sandbox[\s\S]*templates[\s\S]*schedules/);
  });
});

describe("login", () => {
  it("refuses to work before login, with a hint", async () => {
    const r = await berth(["deployments", "list"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not logged in");
  });

  it("checks the key, then saves URL and key to a 0600 file", async () => {
    const bad = await berth(["login", "--url", t.url, "--token", "wrong-key-value"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HTTP 401/);
    expect(bad.stderr).not.toContain("wrong-key-value");

    await ok(["login", "--url", t.url, "--token", key]);
    const file = path.join(home, "berth", "config.json");
    expect(JSON.parse(await fs.readFile(file, "utf8"))).toEqual({ url: t.url, token: key });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe("deployments", () => {
  const name = "cli-app";
  const host = `${name}.localhost`;

  it("creates and waits until ready, then lists as a table and as JSON", async () => {
    const status = await json([
      "deployments",
      "create",
      "--template",
      "counter-agent",
      "--name",
      name,
      "--wait",
    ]);
    expect(status).toMatchObject({ name, deploymentReady: true });
    const table = await ok(["deployments", "list"]);
    expect(table.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+READY/);
    expect(table).toMatch(new RegExp(`${name}\\s+Ready\\s+true\\s+counter-agent`));
    expect((await json<{ name: string }[]>(["deployments", "list"])).map((d) => d.name)).toContain(name);
    expect(await ok(["deployments", "get", name])).toMatch(/deploymentReady:\s+true/);
  });

  it("shows logs, follows them with -f, and shows metrics, events and history", async () => {
    expect(await ok(["deployments", "logs", name])).toContain("counter-agent listening");
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, "deployments", "logs", name, "-f", "--tail", "0"],
      {
        env: { ...process.env, XDG_CONFIG_HOME: home },
      },
    );
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await waitFor(async () => {
      await viaIngress(t.url, host, "/increment", { method: "POST" });
      return out.includes("count is now");
    }, "a followed log line");
    child.kill("SIGINT");
    expect(await exited).toBe(0);

    expect(await ok(["deployments", "metrics", name])).toMatch(/memoryUsage:\s+\d+/);
    expect(await ok(["deployments", "events", name])).toMatch(/Normal\s+Ready/);
    expect(await ok(["deployments", "history", name])).toMatch(/1\s+\S+\s+create/);
  });

  it("sets config, restarts and scales", async () => {
    expect(await ok(["deployments", "config", name, "--set", "GREETING=hey"])).toMatch(/GREETING:\s+hey/);
    expect(await json(["deployments", "config", name])).toMatchObject({ configData: { GREETING: "hey" } });
    expect(await ok(["deployments", "restart", name])).toContain("restarting");
    await waitFor(async () => (await json(["deployments", "get", name])).deploymentReady === true, "ready");
    expect(await json(["deployments", "scale", name, "2"])).toMatchObject({ replicas: 2 });
    expect(await json(["deployments", "scale", name, "1"])).toMatchObject({ replicas: 1 });
    const bad = await berth(["deployments", "scale", name, "many"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("replicas must be a whole number");
  });

  it("pauses, resumes, backs up with progress, restores and redeploys the sandbox", async () => {
    await waitFor(async () => (await viaIngress(t.url, host)).status === 200, "serving");
    expect(await ok(["sandbox", "pause", name])).toContain(`${name}: paused`);
    expect(await ok(["sandbox", "resume", name])).toContain(`${name}: deployed`);
    await waitFor(async () => (await viaIngress(t.url, host)).status === 200, "serving");
    const count = async () => JSON.parse((await viaIngress(t.url, host)).text).count as number;
    const saved = await count();

    const backup = await berth([
      "--json",
      "sandbox",
      "backup",
      name,
      "--driver",
      "restic",
      "--retention-days",
      "3",
    ]);
    expect(backup.code, backup.stderr).toBe(0);
    const record = JSON.parse(backup.stdout);
    expect(record).toMatchObject({ status: "succeeded", phase: "completed", driver: "restic" });
    expect(backup.stderr).toMatch(new RegExp(`${record.id}\\s+completed\\s+\\d+(\\.\\d)? \\S*B / \\d`));
    expect(await ok(["sandbox", "backups", name])).toMatch(
      new RegExp(`${record.id}\\s+counter\\s+restic\\s+succeeded`),
    );

    await viaIngress(t.url, host, "/increment", { method: "POST" });
    const restore = await berth(["sandbox", "restore", name, "--backup", record.id]);
    expect(restore.code, restore.stderr).toBe(0);
    // progress shows the restore phases it polled (the first poll may land after restoring-pausing)
    expect(restore.stderr).toMatch(/restoring-(pausing|pvc|resuming)[\s\S]*completed/);
    expect(restore.stdout).toMatch(/restoreStatus:\s+succeeded/);
    await waitFor(async () => (await count()) === saved, "restored counter");

    expect(await json(["sandbox", "manifest", name])).toMatchObject({ ok: true });
    const before = (await json(["deployments", "get", name])).id;
    const redeployed = await json<{ deployment: { id: string; namespace: string } }>([
      "sandbox",
      "redeploy",
      name,
      "--mode",
      "template",
    ]);
    expect(redeployed.deployment).toMatchObject({ namespace: name });
    expect(redeployed.deployment.id).not.toBe(before);
    expect((await json(["deployments", "get", name])).id).toBe(redeployed.deployment.id);
    expect(await json(["sandbox", "template", name])).toMatchObject({ ok: true, mode: expect.any(String) });
  });

  it("reports the server's error message with a non-zero exit code", async () => {
    const missing = await berth(["deployments", "get", "no-such-app"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toBe("berth: deployment not found (HTTP 404)\n");
    const both = await berth(["deployments", "create", "--template", "hello", "--image", "berth/hello"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("exactly one of --template and --image");
    const unreachable = await berth(["deployments", "list"], {
      BERTH_URL: `http://127.0.0.1:${await closedPort()}`,
      BERTH_TOKEN: key,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach the control plane");
  });

  it("deletes", async () => {
    expect(await ok(["deployments", "delete", name])).toContain("being deleted");
    await waitFor(async () => (await berth(["deployments", "get", name])).code === 1, "gone");
  });
});

describe("templates and schedules", () => {
  it("lists, creates, revises and deletes templates", async () => {
    expect(await ok(["templates", "list"])).toMatch(/hello\s+Hello\s+official\s+approved/);
    const hello = await json<{ revisions: { config: unknown }[] }>(["templates", "get", "hello"]);
    const configFile = path.join(home, "config.json");
    await fs.writeFile(configFile, JSON.stringify(hello.revisions.at(-1)!.config));
    expect(
      await json(["templates", "create", "cli-hello", "--config", configFile, "--name", "CLI hello"]),
    ).toMatchObject({ slug: "cli-hello" });
    expect(await json(["templates", "revise", "cli-hello", "--config", configFile])).toMatchObject({
      revision: 2,
    });
    const fromStdin = await new Promise<Run>((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, "--json", "templates", "revise", "cli-hello", "--config", "-"],
        { env: { ...process.env, XDG_CONFIG_HOME: home } },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
      child.stdin?.end(JSON.stringify(hello.revisions.at(-1)!.config));
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ revision: 3 });
    const broken = path.join(home, "broken.json");
    await fs.writeFile(broken, "{not json");
    const bad = await berth(["templates", "revise", "cli-hello", "--config", broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is not JSON");
    await ok(["templates", "delete", "cli-hello"]);
  });

  it("creates, pauses, unpauses, runs and archives a schedule", async () => {
    const env = await json<{ id: string }>(["environments", "create", "cli-env"]);
    const agent = {
      body: await json<{ id: string }>([
        "agents",
        "create",
        "cli-agent",
        "--image",
        "berth/counter-agent",
        "--port",
        "8080",
      ]),
    };
    expect(await ok(["agents", "list"])).toMatch(
      new RegExp(`${agent.body.id}\\s+cli-agent\\s+1\\s+idle\\s+berth/counter-agent`),
    );
    const shell = await berth([
      "agents",
      "create",
      "shell",
      "--command",
      "/bin/sh",
      "--arg",
      "-c",
      "--arg",
      "id",
    ]);
    expect(shell.code).toBe(1);
    expect(shell.stderr).toMatch(/command \/bin\/sh is not allowed.*\(HTTP 422\)/);
    const created = await json<{ id: string; schedule: { upcoming_runs_at: string[] } }>([
      "schedules",
      "create",
      "--agent",
      agent.body.id,
      "--environment",
      env.id,
      "--name",
      "cli-nightly",
      "--cron",
      "0 2 * * *",
      "--timezone",
      "Asia/Tokyo",
      "--message",
      "tidy up",
    ]);
    expect(created.schedule.upcoming_runs_at).toHaveLength(5);
    expect(await ok(["schedules", "list"])).toMatch(
      new RegExp(`${created.id}\\s+cli-nightly\\s+active\\s+0 2 \\* \\* \\* Asia/Tokyo`),
    );
    expect(await json(["schedules", "pause", created.id, "--reason", "maintenance"])).toMatchObject({
      status: "paused",
      paused_reason: "maintenance",
    });
    expect(await json(["schedules", "unpause", created.id])).toMatchObject({ status: "active" });
    await ok(["schedules", "run", created.id]);
    await waitFor(async () => {
      const runs = await json<{ data: { trigger: string; status: string }[] }>([
        "schedules",
        "runs",
        created.id,
      ]);
      return runs.data.some((r) => r.trigger === "manual" && r.status === "completed");
    }, "a manual run completed");
    expect(await ok(["schedules", "archive", created.id])).toMatch(/archived_at:\s+\d{4}-/);
    const bad = await berth(["schedules", "get", "not-an-id"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HTTP 4\d\d/);
  });
});

describe("teams and keys", () => {
  it("creates a team and a scoped key with an admin key, lists keys without secrets, and revokes", async () => {
    const asAdmin = (args: string[]) => berth(["--token", t.adminToken, ...args]);
    const team = await asAdmin(["--json", "teams", "create", "cli-team", "--tier", "business"]);
    expect(team.code, team.stderr).toBe(0);
    const teamId = JSON.parse(team.stdout).id as string;
    expect((await asAdmin(["teams", "list"])).stdout).toMatch(
      new RegExp(`${teamId}\\s+cli-team\\s+business\\s+10`),
    );
    const created = await asAdmin([
      "keys",
      "create",
      "cli-key",
      "--team",
      teamId,
      "--scope",
      "deployments:read",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const secret = /key \(shown once\): (\S+)/.exec(created.stdout)?.[1];
    expect(secret).toMatch(/^berth_/);
    const listed = await asAdmin(["keys", "list"]);
    expect(listed.stdout).toContain("cli-key");
    expect(listed.stdout).not.toContain(secret);
    const withKey = await berth(["--json", "deployments", "list"], {
      BERTH_TOKEN: secret!,
      BERTH_URL: t.url,
    });
    expect(withKey).toMatchObject({ code: 0 });
    const keyId = (
      JSON.parse((await asAdmin(["--json", "keys", "list"])).stdout) as { id: string; name: string }[]
    ).find((k) => k.name === "cli-key")!.id;
    expect((await asAdmin(["keys", "delete", keyId])).code).toBe(0);
    const revoked = await berth(["deployments", "list"], { BERTH_TOKEN: secret!, BERTH_URL: t.url });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("HTTP 401");
    const badTier = await asAdmin(["teams", "create", "x", "--tier", "gold"]);
    expect(badTier.code).toBe(1);
    expect(badTier.stderr).toContain("--tier must be one of free, business, enterprise");
  });
});

describe("serve", () => {
  it("runs the control plane in the foreground and stops on SIGTERM", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-cli-serve-"));
    const child = spawn(process.execPath, [bin, "serve"], {
      env: {
        ...process.env,
        PORT: "0",
        BERTH_DATA_DIR: dataDir,
        BERTH_ADMIN_TOKEN: "serve-admin-token-0123456789",
        BERTH_ENCRYPTION_KEY: "serve-encryption-key-0123456789abcdef",
      },
    });
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const url = await waitFor(
      () => /berth listening on (\S+)/.exec(out)?.[1],
      "berth serve to listen",
      30_000,
    );
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
