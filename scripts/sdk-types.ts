/**
 * The TypeScript SDK's types come from the OpenAPI document berth serves, which its zod route
 * schemas produce: `npm run sdk:types` regenerates sdk/typescript/src/openapi.ts, and a test fails
 * when the committed file no longer matches the served document.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import pino from "pino";
import { startBerth } from "../src/app.js";
import { configSchema, fromEnv } from "../src/config.js";

export const sdkTypesFile = path.resolve(import.meta.dirname, "../sdk/typescript/src/openapi.ts");

/** The document of a throwaway berth (empty data dir, port 0). */
export async function servedOpenApi(): Promise<Record<string, unknown>> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-openapi-"));
  const config = fromEnv(
    configSchema.parse({
      PORT: "0",
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_TOKEN: "openapi-generator-admin-token",
      BERTH_ENCRYPTION_KEY: "openapi-generator-encryption-key",
    }),
  );
  const berth = await startBerth(config, { logger: pino({ level: "silent" }), scheduler: false });
  try {
    return (await (await fetch(`${berth.url}/openapi.json`)).json()) as Record<string, unknown>;
  } finally {
    await berth.close({ stopWorkloads: true });
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

export async function sdkTypesSource(doc: Record<string, unknown>): Promise<string> {
  // biome-ignore lint/suspicious/noExplicitAny: the generator takes its own OpenAPI object type
  const ast = await openapiTS(doc as any, { alphabetize: true });
  return `/** Generated from berth's /openapi.json by \`npm run sdk:types\`; do not edit. */\n${astToString(ast)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const source = await sdkTypesSource(await servedOpenApi());
  await fs.writeFile(sdkTypesFile, source);
  process.stdout.write(`wrote ${path.relative(process.cwd(), sdkTypesFile)}\n`);
}
