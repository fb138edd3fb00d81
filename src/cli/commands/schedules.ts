/** `berth schedules …` and `berth environments …`: scheduled agent sessions (seed 003). */
import type { Command } from "commander";
import { contextOf, intArg } from "../context.js";
import { type Column, details, table } from "../output.js";

// biome-ignore lint/suspicious/noExplicitAny: the scheduled surface declares no response schemas
type Row = Record<string, any>;

const scheduleColumns: Column<Row>[] = [
  ["id", (s) => s.id],
  ["name", (s) => s.name],
  ["status", (s) => (s.archived_at ? "archived" : s.status)],
  ["cron", (s) => `${s.schedule.expression} ${s.schedule.timezone}`],
  ["next run", (s) => s.schedule.upcoming_runs_at[0]],
  ["runs", (s) => s.metadata?.cas_config?.stats?.total_runs],
  ["failures", (s) => s.metadata?.cas_config?.stats?.total_failures],
];

const show = (s: Row) =>
  details({
    ...s,
    schedule: `${s.schedule.expression} (${s.schedule.timezone})`,
    upcoming: (s.schedule.upcoming_runs_at as string[]).join(" "),
  });

export function scheduleCommands(program: Command): void {
  const schedules = program
    .command("schedules")
    .alias("schedule")
    .description("scheduled agent sessions: cron in any timezone, runs, pause and archive");

  schedules
    .command("list")
    .description("scheduled deployments, newest first")
    .option("--limit <n>", "how many", intArg("limit", 1, 100), 20)
    .action(async (opts: { limit: number }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const page = await client.listScheduledDeployments({ limit: opts.limit });
      print.out(page, () => table(page.data as Row[], scheduleColumns));
    });

  schedules
    .command("get <id>")
    .description("one scheduled deployment with its next runs and stats")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const s = await client.getScheduledDeployment(id);
      print.out(s, () => show(s));
    });

  schedules
    .command("create")
    .description("run an agent on a cron schedule")
    .requiredOption("--agent <agentId>", "the agent to run")
    .requiredOption("--environment <environmentId>", "the environment to run it in")
    .requiredOption("--name <name>", "a name")
    .requiredOption("--cron <expression>", 'cron expression, e.g. "30 9 * * 1-5"')
    .option("--timezone <tz>", "IANA timezone", "UTC")
    .option("--message <text>", "a user message each session starts with (repeatable)", collect, [])
    .option("--vault <vaultId>", "a vault whose secrets the session gets (repeatable)", collect, [])
    .action(
      async (
        opts: {
          agent: string;
          environment: string;
          name: string;
          cron: string;
          timezone: string;
          message: string[];
          vault: string[];
        },
        cmd: Command,
      ) => {
        const { client, print } = await contextOf(cmd);
        const s = await client.createScheduledDeployment({
          agent: { id: opts.agent, type: "agent" },
          environment_id: opts.environment,
          name: opts.name,
          schedule: { type: "cron", expression: opts.cron, timezone: opts.timezone },
          initial_events: opts.message.map((content) => ({ type: "user.message", content })),
          vault_ids: opts.vault,
        } as Parameters<typeof client.createScheduledDeployment>[0]);
        print.out(s, () => show(s));
      },
    );

  const simple = (name: string, description: string, run: (id: string, cmd: Command) => Promise<Row>) =>
    schedules
      .command(`${name} <id>`)
      .description(description)
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const { print } = await contextOf(cmd);
        const s = await run(id, cmd);
        print.out(s, () => (s.schedule ? show(s) : details(s)));
      });

  simple("unpause", "resume firing (next runs are computed from now)", async (id, cmd) =>
    (await contextOf(cmd)).client.unpauseScheduledDeployment(id),
  );
  simple("archive", "stop for good (kept for its history)", async (id, cmd) =>
    (await contextOf(cmd)).client.archiveScheduledDeployment(id),
  );
  simple("delete", "delete a scheduled deployment", async (id, cmd) =>
    (await contextOf(cmd)).client.deleteScheduledDeployment(id),
  );
  simple("run", "start a session now, outside the schedule", async (id, cmd) =>
    (await contextOf(cmd)).client.runScheduledDeployment(id),
  );

  schedules
    .command("pause <id>")
    .description("stop firing until unpaused")
    .option("--reason <text>", "why (shown as paused_reason)")
    .action(async (id: string, opts: { reason?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const s = await client.pauseScheduledDeployment(id, { reason: opts.reason });
      print.out(s, () => show(s));
    });

  schedules
    .command("runs <id>")
    .description("the schedule's runs, newest first")
    .option("--limit <n>", "how many", intArg("limit", 1, 100), 20)
    .action(async (id: string, opts: { limit: number }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const page = await client.listScheduledDeploymentRuns(id, { limit: opts.limit });
      print.out(page, () =>
        table(page.data as Row[], [
          ["id", (r) => r.id],
          ["trigger", (r) => r.trigger],
          ["scheduled for", (r) => r.scheduled_for],
          ["status", (r) => r.status],
          ["attempt", (r) => r.attempt],
          ["duration ms", (r) => r.duration_ms],
          ["exit", (r) => r.exit_code],
        ]),
      );
    });

  const environments = program
    .command("environments")
    .alias("environment")
    .description("environments scheduled sessions run in");
  environments
    .command("list")
    .description("your team's environments")
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const page = await client.listEnvironments();
      print.out(page, () =>
        table(page.data as Row[], [
          ["id", (e) => e.id],
          ["name", (e) => e.name],
          ["created", (e) => e.created_at],
        ]),
      );
    });
  environments
    .command("create <name>")
    .description("create an environment")
    .option("--description <text>", "what it is for")
    .action(async (name: string, opts: { description?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const e = await client.createEnvironment({ name, description: opts.description });
      print.out(e, () => details(e));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
