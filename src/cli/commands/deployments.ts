/** `berth deployments …`: deployments by name (template platform API), scaled through the agent API. */
import type { Command } from "commander";
import type { Result } from "../../../sdk/typescript/src/index.js";
import { contextOf, deploymentId, intArg, keyValue, sleep } from "../context.js";
import { CliError, type Column, details, table } from "../output.js";

type Item = Result<"listDeployments">[number];
type Status = Result<"getDeploymentStatus">;
const statusDetails = (s: Status) => details({ ...s, ingresses: s.ingresses.map((i) => i.url).join(" ") });
const itemColumns: Column<Item>[] = [
  ["name", (d) => d.name],
  ["status", (d) => d.status],
  ["ready", (d) => d.deploymentReady],
  ["source", (d) => d.template ?? d.image],
  ["url", (d) => d.ingresses[0]?.url],
  ["id", (d) => d.id],
];

export function deploymentCommands(program: Command): void {
  const deployments = program
    .command("deployments")
    .alias("deployment")
    .description("deploy templates and images, and watch, configure, scale and remove them");

  deployments
    .command("list")
    .description("deployments of your team")
    .option("--team <teamId>", "another team (admin keys)")
    .action(async (opts: { team?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const list = await client.listDeployments({ team_id: opts.team });
      print.out(list, () => table(list, itemColumns));
    });

  deployments
    .command("create")
    .description("deploy a template (--template) or an image (--image)")
    .option("--template <slug>", "template to deploy, e.g. hello")
    .option("--image <image>", "image to deploy, e.g. berth/hello")
    .option("--port <port>", "the image's container port", intArg("port", 1, 65535))
    .option("--name <name>", "deployment name (generated when left out)")
    .option("--env <KEY=VALUE>", "an env var (repeatable)", keyValue)
    .option("--internal", "no public ingress")
    .option("--wait", "wait until the deployment is ready")
    .action(
      async (
        opts: {
          template?: string;
          image?: string;
          port?: number;
          name?: string;
          env?: Record<string, string>;
          internal?: boolean;
          wait?: boolean;
        },
        cmd: Command,
      ) => {
        if (!opts.template === !opts.image) throw new CliError("give exactly one of --template and --image");
        const { client, print } = await contextOf(cmd);
        const common = {
          name: opts.name,
          envVars: opts.env,
          visibility: opts.internal ? ("internal" as const) : undefined,
        };
        const created = opts.template
          ? await client.createDeployment({ template: opts.template, ...common })
          : await client.deployImage({ image: opts.image!, containerPort: opts.port, ...common });
        if (!opts.wait) return print.out(created, () => table([created], itemColumns));
        print.note(`waiting for ${created.name} to be ready…`);
        for (;;) {
          const status = await client.getDeploymentStatus(created.name);
          if (status.deploymentReady) return print.out(status, () => statusDetails(status));
          if (status.status === "Error")
            throw new CliError(`${created.name} failed: ${status.statusMessage ?? "see its events"}`);
          await sleep(250);
        }
      },
    );

  deployments
    .command("get <name>")
    .description("a deployment's status and ingress")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const status = await client.getDeploymentStatus(name);
      print.out(status, () => statusDetails(status));
    });

  deployments
    .command("delete <name>")
    .description("stop a deployment's processes and remove it")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.deleteDeployment(name);
      print.out(res, () => res.message);
    });

  deployments
    .command("restart <name>")
    .description("restart a deployment's processes")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.restartDeployment(name);
      print.out(res, () => res.message);
    });

  deployments
    .command("scale")
    .description("run this many replicas")
    .argument("<name>", "deployment name or id")
    .argument("<replicas>", "replica count (0–20)", intArg("replicas", 0, 20))
    .action(async (name: string, replicas: number, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const res = await client.scaleAgentDeployment(await deploymentId(client, name), replicas);
      print.out(res, () => `${name}: ${res.replicas} replica(s), ${res.status}`);
    });

  deployments
    .command("config <name>")
    .description("show env vars, or replace them with --set (the deployment restarts)")
    .option("--set <KEY=VALUE>", "an env var of the new set (repeatable)", keyValue)
    .action(async (name: string, opts: { set?: Record<string, string> }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const config = opts.set
        ? await client.updateDeploymentConfig(name, opts.set)
        : await client.getDeploymentConfig(name);
      print.out(config, () => details(config.configData as Record<string, unknown>));
    });

  deployments
    .command("logs <name>")
    .description("recent log lines; -f keeps following new ones")
    .option("-f, --follow", "follow new lines until interrupted")
    .option("--tail <lines>", "how many recent lines", intArg("tail", 0, 10_000), 100)
    .option("--service <service>", "one service of a multi-service deployment")
    .action(
      async (name: string, opts: { follow?: boolean; tail: number; service?: string }, cmd: Command) => {
        const { client, print } = await contextOf(cmd);
        const recent = await client.getDeploymentLogs(name, { tail: opts.tail, service: opts.service });
        if (!opts.follow) return print.out(recent, () => recent.logs.replace(/\n$/, ""));
        if (recent.logs) process.stdout.write(recent.logs.endsWith("\n") ? recent.logs : `${recent.logs}\n`);
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        try {
          for await (const line of client.followDeploymentLogs(
            name,
            { service: opts.service },
            { signal: abort.signal },
          )) {
            process.stdout.write(print.json ? `${JSON.stringify({ line })}\n` : `${line}\n`);
          }
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      },
    );

  deployments
    .command("metrics <name>")
    .description("CPU and memory now")
    .option("--service <service>", "one service of a multi-service deployment")
    .action(async (name: string, opts: { service?: string }, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const m = await client.getDeploymentMetrics(name, { service: opts.service });
      print.out(m, () => details(m));
    });

  deployments
    .command("events <name>")
    .description("runtime events (Scheduled, Started, Ready, BackOff, Killing, …)")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { events } = await client.getDeploymentEvents(name);
      print.out(events, () =>
        table(events, [
          ["last seen", (e) => e.lastTimestamp],
          ["type", (e) => e.type],
          ["reason", (e) => e.reason],
          ["object", (e) => e.involvedObject?.name],
          ["message", (e) => e.message],
        ]),
      );
    });

  deployments
    .command("history <name>")
    .description("revisions: what changed, when and by whom")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { client, print } = await contextOf(cmd);
      const { revisions } = await client.getDeploymentHistory(name);
      print.out(revisions, () =>
        table(revisions, [
          ["revision", (r) => r.revision],
          ["created", (r) => r.createdAt],
          ["reason", (r) => r.reason],
          ["actor", (r) => r.actor],
          ["message", (r) => r.message],
        ]),
      );
    });
}
