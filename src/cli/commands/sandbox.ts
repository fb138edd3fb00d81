/** `berth sandbox …`: the cloud runtime's lifecycle (seeds 000/001) — pause, resume, backups, redeploy. */
import type { Command } from "commander";
import type { Backup, BerthClient } from "../../../sdk/typescript/src/index.js";
import { contextOf, deploymentId, intArg, keyValue } from "../context.js";
import { CliError, type Column, details, formatBytes, type Printer, table } from "../output.js";

const backupColumns: Column<Backup>[] = [
  ["id", (b) => b.id],
  ["agent", (b) => b.agentId],
  ["driver", (b) => b.driver],
  ["status", (b) => b.status],
  ["phase", (b) => b.phase],
  ["size", (b) => formatBytes(b.totalBytes)],
  ["restore", (b) => b.restoreStatus],
  ["created", (b) => b.createdAt],
  ["expires", (b) => b.expiresAt],
];

/** Polls until the backup's operation ends, showing phase and bytes; fails the command if it failed. */
async function follow(client: BerthClient, print: Printer, id: string, backupId: string): Promise<Backup> {
  const tty = process.stderr.isTTY && !print.json;
  let last = "";
  const done = await client.waitForBackup(id, backupId, {
    intervalMs: 250,
    onProgress: (b) => {
      const bytes = b.totalBytes ? `${formatBytes(b.bytesDone)} / ${formatBytes(b.totalBytes)}` : "";
      const line = `${b.phase}${bytes ? `  ${bytes}` : ""}`;
      if (line === last) return;
      last = line;
      if (tty) process.stderr.write(`\r\x1b[2K${backupId}  ${line}`);
      else print.note(`${backupId}  ${line}`);
    },
  });
  if (tty) process.stderr.write("\n");
  if (done.phase === "failed")
    throw new CliError(`backup ${backupId} failed: ${done.error ?? "unknown error"}`);
  return done;
}

export function sandboxCommands(program: Command): void {
  const sandbox = program
    .command("sandbox")
    .description("pause, resume, back up, restore and redeploy a deployment's sandbox (by id or name)");

  sandbox
    .command("pause <deployment>")
    .description("scale the sandbox to 0 and keep its volume")
    .option("--agent <agentId>", "which agent (default: the first)")
    .action(async (ref: string, opts: { agent?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.pauseCloudDeployment(await deploymentId(client, ref), { agentId: opts.agent });
      print.out(res, () => `${res.deployment.name}: ${res.status}`);
    });

  sandbox
    .command("resume <deployment>")
    .description("start the sandbox again from its saved volume")
    .option("--agent <agentId>", "which agent (default: the first)")
    .action(async (ref: string, opts: { agent?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.resumeCloudDeployment(await deploymentId(client, ref), {
        agentId: opts.agent,
      });
      print.out(res, () => `${res.deployment.name}: ${res.status}`);
    });

  sandbox
    .command("backup <deployment>")
    .description("back up the sandbox's volume and wait for it, showing phase and bytes")
    .option("--agent <agentId>", "which agent (default: the first)")
    .option("--driver <driver>", "volumeSnapshot (default) or restic (encrypted object archive)")
    .option("--retention-days <days>", "days before the backup expires", intArg("retention days", 1, 365))
    .option("--no-wait", "return once the backup is queued")
    .action(
      async (
        ref: string,
        opts: { agent?: string; driver?: string; retentionDays?: number; wait: boolean },
        cmd: Command,
      ) => {
        const { client, print } = await contextOf(cmd);
        const id = await deploymentId(client, ref);
        const { backup } = await client.createCloudDeploymentBackup(id, {
          agentId: opts.agent,
          driver: opts.driver,
          retentionDays: opts.retentionDays,
        });
        const result = opts.wait ? await follow(client, print, id, backup.id) : backup;
        print.out(result, () => details(result));
      },
    );

  sandbox
    .command("backups <deployment>")
    .description("the sandbox's backups, newest first")
    .option("--agent <agentId>", "only this agent's backups")
    .action(async (ref: string, opts: { agent?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { backups } = await client.listCloudDeploymentBackups(await deploymentId(client, ref), {
        agentId: opts.agent,
      });
      print.out(backups, () => table(backups, backupColumns));
    });

  sandbox
    .command("restore <deployment>")
    .description("restore the volume from a backup (default: the newest that succeeded) and wait")
    .option("--backup <backupId>", "which backup")
    .option("--agent <agentId>", "which agent (default: the first)")
    .option("--no-wait", "return once the restore has started")
    .action(async (ref: string, opts: { backup?: string; agent?: string; wait: boolean }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const id = await deploymentId(client, ref);
      const res = await client.restoreCloudDeploymentBackup(id, {
        backupId: opts.backup,
        agentId: opts.agent,
      });
      const result = opts.wait ? await follow(client, print, id, res.backup.id) : res.backup;
      if (opts.wait && result.restoreStatus !== "succeeded")
        throw new CliError(`restore from ${result.id} failed: ${result.error ?? "unknown error"}`);
      print.out(result, () => details(result));
    });

  sandbox
    .command("manifest <deployment>")
    .description("the rendered manifest and whether it drifted from its template")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const manifest = await client.getCloudDeploymentManifest(await deploymentId(client, ref));
      print.out(manifest, () => JSON.stringify(manifest, null, 2));
    });

  sandbox
    .command("redeploy <deployment>")
    .description("replace the deployment with a new one in the same namespace (state kept)")
    .option("--mode <mode>", "snapshot (default) or template")
    .option("--template <slug>", "redeploy from another accessible template")
    .option("--env <KEY=VALUE>", "override a declared env var (repeatable)", keyValue)
    .action(
      async (ref: string, opts: { mode?: string; template?: string; env?: Record<string, string> }, cmd) => {
        if (opts.mode !== undefined && opts.mode !== "snapshot" && opts.mode !== "template")
          throw new CliError(`--mode must be snapshot or template, not "${opts.mode}"`);
        const { client, print } = await contextOf(cmd as Command);
        const res = await client.redeployCloudDeployment(await deploymentId(client, ref), {
          mode: opts.mode as "snapshot" | "template" | undefined,
          templateSlug: opts.template,
          envVars: opts.env,
        });
        print.out(res, () => `${res.deployment.name}: ${res.status}, now deployment ${res.deployment.id}`);
      },
    );

  sandbox
    .command("template <deployment>")
    .description("save the deployment's config as its template (in place, or forked when not yours)")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.syncCloudDeploymentTemplate(await deploymentId(client, ref));
      print.out(res, () => details(res));
    });
}
