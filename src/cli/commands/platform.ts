/** `berth teams …`, `berth keys …` and `berth agents …`: tenancy and agents on the platform API. */
import fs from "node:fs/promises";
import type { Command } from "commander";
import type { Body } from "../../../sdk/typescript/src/index.js";
import { contextOf, intArg, keyValue } from "../context.js";
import { CliError, details, table } from "../output.js";

// biome-ignore lint/suspicious/noExplicitAny: the platform API declares no response schemas
type Row = Record<string, any>;

const TIERS = ["free", "business", "enterprise"];
const SCOPES = [
  "deployments:read",
  "deployments:write",
  "templates:read",
  "templates:write",
  "agents:write",
  "admin",
];

function oneOf(what: string, allowed: string[], value: string): string {
  if (!allowed.includes(value))
    throw new CliError(`${what} must be one of ${allowed.join(", ")}, not "${value}"`);
  return value;
}

export function platformCommands(program: Command): void {
  const teams = program.command("teams").alias("team").description("teams and their tiers (admin keys)");
  teams
    .command("list")
    .description("teams you can see")
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { teams: list } = (await client.listTeams()) as { teams: Row[] };
      print.out(list, () =>
        table(list, [
          ["id", (t) => t.id],
          ["name", (t) => t.name],
          ["tier", (t) => t.tier],
          ["limit", (t) => t.deploymentLimit ?? "unlimited"],
        ]),
      );
    });
  teams
    .command("create <name>")
    .description("create a team")
    .option("--tier <tier>", `one of ${TIERS.join(", ")}`, "free")
    .action(async (name: string, opts: { tier: string }, cmd: Command) => {
      const tier = oneOf("--tier", TIERS, opts.tier) as Body<"createTeam">["tier"];
      const { client, print } = await contextOf(cmd);
      const team = await client.createTeam({ name, tier });
      print.out(team, () => details(team));
    });

  const keys = program.command("keys").alias("key").description("API keys (shown once when created)");
  keys
    .command("list")
    .description("keys you can see (never their secret part)")
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { keys: list } = (await client.listKeys()) as { keys: Row[] };
      print.out(list, () =>
        table(list, [
          ["id", (k) => k.id],
          ["name", (k) => k.name],
          ["team", (k) => k.teamId],
          ["fingerprint", (k) => k.fingerprint],
          ["scopes", (k) => (k.scopes as string[]).join(",")],
        ]),
      );
    });
  keys
    .command("create <name>")
    .description("create a key; its secret is printed once")
    .option("--team <teamId>", "the team it acts for (admin keys)")
    .option("--scope <scope>", `a scope (repeatable): ${SCOPES.join(", ")}`, (v, prev: string[] = []) => [
      ...prev,
      oneOf("--scope", SCOPES, v),
    ])
    .action(async (name: string, opts: { team?: string; scope?: string[] }, cmd: Command) => {
      const scopes = (opts.scope ?? [
        "deployments:read",
        "deployments:write",
        "templates:read",
      ]) as Body<"createKey">["scopes"];
      const { client, print } = await contextOf(cmd);
      const key = await client.createKey({ name, teamId: opts.team, scopes });
      print.out(key, () => `${details({ ...key, key: undefined })}\n\nkey (shown once): ${key.key}`);
    });
  keys
    .command("delete <keyId>")
    .description("revoke a key")
    .action(async (keyId: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.deleteKey(keyId);
      print.out(res, () => `revoked ${keyId}`);
    });

  const agents = program
    .command("agents")
    .alias("agent")
    .description("agents: runnable specs to deploy or schedule");
  agents
    .command("list")
    .description("your team's agents")
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { agents: list } = (await client.listAgents()) as { agents: Row[] };
      print.out(list, () =>
        table(list, [
          ["id", (a) => a.id],
          ["name", (a) => a.name],
          ["version", (a) => a.version],
          ["status", (a) => a.status],
          ["runs", (a) => a.spec.image ?? a.spec.command],
        ]),
      );
    });
  agents
    .command("get <agentId>")
    .description("one agent with its spec")
    .action(async (agentId: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const a = await client.getAgent(agentId);
      print.out(a, () => details(a));
    });
  agents
    .command("create <name>")
    .description("create an agent from an image or a command, or from a JSON spec file (--spec)")
    .option("--image <image>", "image to run, e.g. berth/counter-agent")
    .option("--command <command>", "command to run (must be on the server's allow-list)")
    .option("--arg <arg>", "a command argument (repeatable)", (v, prev: string[] = []) => [...prev, v])
    .option("--port <port>", "port it listens on", intArg("port", 1, 65535))
    .option("--env <KEY=VALUE>", "an env var (repeatable)", keyValue)
    .option("--spec <file>", "the whole workload spec as JSON")
    .action(
      async (
        name: string,
        opts: {
          image?: string;
          command?: string;
          arg?: string[];
          port?: number;
          env?: Record<string, string>;
          spec?: string;
        },
        cmd: Command,
      ) => {
        let spec: Row;
        if (opts.spec) {
          try {
            spec = JSON.parse(await fs.readFile(opts.spec, "utf8")) as Row;
          } catch (err) {
            throw new CliError(`cannot read the spec ${opts.spec}: ${(err as Error).message}`);
          }
        } else {
          if (!opts.image && !opts.command) throw new CliError("give --image, --command or --spec");
          spec = {
            name: "agent",
            image: opts.image,
            command: opts.command,
            args: opts.arg,
            port: opts.port,
            env: opts.env,
          };
        }
        const { client, print } = await contextOf(cmd);
        const a = await client.createAgent({ name, spec } as Body<"createAgent">);
        print.out(a, () => details(a));
      },
    );
}
