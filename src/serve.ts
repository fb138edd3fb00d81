/** Runs berth in the foreground: parse config once, start, print the bootstrap key once, stop on signals. */
import { startBerth } from "./app.js";
import { ConfigError, parseConfig } from "./config.js";
import { CatalogueError } from "./runtime/local/index.js";

export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let berth: Awaited<ReturnType<typeof startBerth>>;
  try {
    berth = await startBerth(config);
  } catch (err) {
    if (err instanceof CatalogueError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (berth.bootstrapKey) {
    process.stdout.write(
      `\nberth: created the first admin API key (shown once, store it now):\n\n  ${berth.bootstrapKey.key}\n\n`,
    );
  }
  process.stdout.write(`berth listening on ${berth.url} (data in ${config.dataDir})\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`berth: ${signal}, stopping (workloads keep running)\n`);
    await berth.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
