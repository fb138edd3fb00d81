/**
 * The `berth` command line: `berth serve` runs the control plane; every other command talks to one
 * through the TypeScript SDK. Tables for people, `--json` for scripts, `--help` everywhere.
 */
import { Command, CommanderError, type OutputConfiguration } from "commander";
import { BerthClient, BerthError } from "../../sdk/typescript/src/index.js";
import { deploymentCommands } from "./commands/deployments.js";
import { platformCommands } from "./commands/platform.js";
import { sandboxCommands } from "./commands/sandbox.js";
import { scheduleCommands } from "./commands/schedules.js";
import { templateCommands } from "./commands/templates.js";
import type { GlobalFlags } from "./context.js";
import { CliError, details } from "./output.js";
import { configPath, saveLogin } from "./settings.js";

export function buildProgram(output?: OutputConfiguration): Command {
  const program = new Command("berth")
    .description("berth: deploy, pause, wake, back up and schedule AI agents and apps")
    .version("0.1.0")
    .option("--url <url>", "control plane URL (default: $BERTH_URL, then the saved login)")
    .option("--token <key>", "API key (default: $BERTH_TOKEN, then the saved login)")
    .option("--json", "print JSON instead of tables")
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
  if (output) program.configureOutput(output);
  program.exitOverride();

  program
    .command("serve")
    .description("run the berth control plane in the foreground (configured by PORT, BERTH_DATA_DIR, …)")
    .action(async () => {
      const { serve } = await import("../serve.js");
      await serve(process.env);
      await new Promise(() => undefined);
    });

  program
    .command("login")
    .description(`check --url and --token (or $BERTH_URL and $BERTH_TOKEN) and save them to ${configPath()}`)
    .action(async (_opts: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      const url = flags.url || process.env.BERTH_URL;
      const token = flags.token || process.env.BERTH_TOKEN;
      if (!url || !token) throw new CliError("berth login needs --url URL and --token KEY");
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
        throw new CliError(`not an http(s) URL: ${url}`);
      const client = new BerthClient({ baseUrl: url, token });
      const me = await client.getMe();
      const file = await saveLogin({ url: client.baseUrl, token });
      if (flags.json) process.stdout.write(`${JSON.stringify({ url: client.baseUrl, me, config: file })}\n`);
      else process.stdout.write(`logged in to ${client.baseUrl}; saved to ${file}\n${details(me)}\n`);
    });

  deploymentCommands(program);
  sandboxCommands(program);
  templateCommands(program);
  scheduleCommands(program);
  platformCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof BerthError) {
    process.stderr.write(`berth: ${err.serverMessage ?? "request failed"} (HTTP ${err.status})\n`);
    return 1;
  }
  if (err instanceof CliError) {
    process.stderr.write(`berth: ${err.message}\n`);
    return err.exitCode;
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (err instanceof Error && err.message === "fetch failed") {
    process.stderr.write(`berth: cannot reach the control plane (${cause?.code ?? cause?.message})\n`);
    return 1;
  }
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
