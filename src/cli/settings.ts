/**
 * Where the CLI finds its control plane: --url/--token flags, then BERTH_URL/BERTH_TOKEN, then the
 * file `berth login` writes ($XDG_CONFIG_HOME/berth/config.json, mode 0600).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { CliError } from "./output.js";

const fileSchema = z.object({ url: z.url(), token: z.string().min(1) });
export type Login = z.infer<typeof fileSchema>;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return path.join(base, "berth", "config.json");
}

export async function readLogin(env: NodeJS.ProcessEnv = process.env): Promise<Login | undefined> {
  const file = configPath(env);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    return fileSchema.parse(JSON.parse(text));
  } catch {
    throw new CliError(`${file} is not a valid berth login; run \`berth login\` again`);
  }
}

export async function saveLogin(login: Login, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = configPath(env);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
  return file;
}

export async function resolveLogin(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Login> {
  const saved = await readLogin(env);
  const url = flags.url || env.BERTH_URL || saved?.url;
  const token = flags.token || env.BERTH_TOKEN || saved?.token;
  if (!url || !token)
    throw new CliError(
      "not logged in: run `berth login --url URL --token KEY`, or set BERTH_URL and BERTH_TOKEN",
    );
  if (!z.url().safeParse(url).success) throw new CliError(`not a URL: ${url}`);
  return { url, token };
}
