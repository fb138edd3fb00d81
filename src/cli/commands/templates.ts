/** `berth templates …`: templates with immutable numbered revisions. */
import fs from "node:fs/promises";
import type { Command } from "commander";
import type { Body } from "../../../sdk/typescript/src/index.js";
import { contextOf } from "../context.js";
import { CliError, details, table } from "../output.js";

type Config = Body<"createTemplate">["config"];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function readConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await fs.readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Config;
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

export function templateCommands(program: Command): void {
  const templates = program
    .command("templates")
    .alias("template")
    .description("templates: list, inspect, publish revisions, change status");

  templates
    .command("list")
    .description("templates you can deploy")
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { templates: list } = (await client.listTemplates()) as { templates: Record<string, unknown>[] };
      print.out(list, () =>
        table(list, [
          ["slug", (t) => t.slug],
          ["name", (t) => t.name],
          ["kind", (t) => t.kind],
          ["status", (t) => t.status],
          ["revision", (t) => t.latestRevision],
        ]),
      );
    });

  templates
    .command("get <slug>")
    .description("a template with its revisions")
    .action(async (slug: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const t = await client.getTemplate(slug);
      print.out(t, () => details(t));
    });

  templates
    .command("create <slug>")
    .description("create a template from a runnable config (JSON file, or - for stdin)")
    .requiredOption("--config <file>", "runnable config as JSON")
    .option("--name <name>", "display name")
    .option("--description <text>", "what it is for")
    .option("--kind <kind>", "official or community")
    .action(
      async (
        slug: string,
        opts: { config: string; name?: string; description?: string; kind?: string },
        cmd,
      ) => {
        if (opts.kind !== undefined && opts.kind !== "official" && opts.kind !== "community")
          throw new CliError(`--kind must be official or community, not "${opts.kind}"`);
        const { client, print } = await contextOf(cmd as Command);
        const t = await client.createTemplate({
          slug,
          config: await readConfig(opts.config),
          name: opts.name,
          description: opts.description,
          kind: opts.kind as "official" | "community" | undefined,
        });
        print.out(t, () => details(t));
      },
    );

  templates
    .command("revise <slug>")
    .description("publish a new revision of a template")
    .requiredOption("--config <file>", "runnable config as JSON (or - for stdin)")
    .action(async (slug: string, opts: { config: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const r = await client.createTemplateRevision(slug, { config: await readConfig(opts.config) });
      print.out(r, () => details(r));
    });

  templates
    .command("status <slug> <status>")
    .description("change a template's status (admin)")
    .action(async (slug: string, status: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const t = await client.setTemplateStatus(slug, { status } as Body<"setTemplateStatus">);
      print.out(t, () => details(t));
    });

  templates
    .command("delete <slug>")
    .description("delete a template")
    .action(async (slug: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.deleteTemplate(slug);
      print.out(res, () => `deleted ${slug}`);
    });
}
