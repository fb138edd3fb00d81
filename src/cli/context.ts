/** What every command gets: a client for the resolved login, a printer, and argument parsers. */
import { type Command, InvalidArgumentError } from "commander";
import { BerthClient } from "../../sdk/typescript/src/index.js";
import { type Printer, printer } from "./output.js";
import { resolveLogin } from "./settings.js";

export interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

export interface Context {
  client: BerthClient;
  print: Printer;
}

/** The context of the command an action belongs to (global flags may come before or after it). */
export async function contextOf(cmd: Command): Promise<Context> {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  const login = await resolveLogin(flags);
  return {
    client: new BerthClient({ baseUrl: login.url, token: login.token }),
    print: printer(!!flags.json),
  };
}

export const intArg =
  (what: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}`);
    return n;
  };

/** Collects repeated `KEY=VALUE` flags into an object. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  // the argument is not echoed: it may be a secret value given without its name
  if (eq <= 0) throw new InvalidArgumentError("expected KEY=VALUE (a name, =, then the value)");
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A deployment's canonical id from an id, a name, or a namespace (a redeployed sandbox's current
 * deployment is found by the namespace its first deployment was named after).
 */
export async function deploymentId(client: BerthClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { deployments } = await client.listCloudDeployments();
  const current = deployments.find((d) => d.isCurrent && (d.namespace === ref || d.name === ref));
  return current?.id ?? (await client.getDeploymentStatus(ref)).id;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
