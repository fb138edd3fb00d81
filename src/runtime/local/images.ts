/**
 * The local runtime's image catalogue: image names berth runs as sandboxed processes, and how.
 * berth's examples are the built-in entries; an operator adds programs installed on the host with
 * a catalogue file (`BERTH_LOCAL_IMAGES`, JSON or YAML, read once at start):
 *
 * ```yaml
 * images:
 *   acme/static-site:
 *     command: /usr/bin/node                       # absolute path, run without a shell
 *     args: [/opt/acme/node_modules/serve/build/main.js, -l, "tcp://0.0.0.0:$(PORT)"]
 *     port: 8080                                   # default port (1-65535)
 *     healthCheck: { type: http, path: / }         # http | tcp | none
 *     paths: [/opt/acme]                           # host paths bound read-only into the sandbox
 *     env: { NODE_ENV: production }
 * ```
 *
 * Names follow image references (`owner/name`, lowercase); a reference with a tag resolves to its
 * untagged entry. A file entry with a built-in name replaces the built-in one.
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { envVarsSchema, healthCheckSchema } from "../../domain/config-spec.js";
import type { ImageCommand } from "../driver.js";

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => path.isAbsolute(p) && path.normalize(p) === p, "must be a normalised absolute path");

const imageEntrySchema = z.strictObject({
  command: absolutePath,
  args: z.array(z.string().max(4096)).max(256).default([]),
  port: z.number().int().min(1).max(65535).optional(),
  healthCheck: healthCheckSchema.optional(),
  paths: z
    .array(absolutePath.refine((p) => p !== "/", "cannot bind the whole host"))
    .max(64)
    .default([]),
  env: envVarsSchema.default({}),
});

export const IMAGE_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export const imageCatalogueSchema = z.strictObject({
  images: z.record(z.string(), imageEntrySchema).superRefine((images, ctx) => {
    for (const name of Object.keys(images)) {
      if (name.length > 255 || !IMAGE_NAME.test(name))
        ctx.addIssue({ code: "custom", path: [name], message: "must be an image name like owner/name" });
    }
  }),
});

export class CatalogueError extends Error {}

export function builtinImages(examplesDir: string): Record<string, ImageCommand> {
  const node = (dir: string, file: string, health: string): ImageCommand => ({
    command: process.execPath,
    args: [path.join(examplesDir, dir, file)],
    defaultPort: 8080,
    healthCheck: { type: "http", path: health },
    paths: [path.join(examplesDir, dir)],
  });
  return {
    "berth/hello": node("hello", "server.js", "/"),
    "berth/counter-agent": node("counter-agent", "agent.js", "/healthz"),
  };
}

/** Parses and validates a catalogue's text; throws CatalogueError naming every problem. */
export function parseCatalogue(text: string, source: string): Record<string, ImageCommand> {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(source) ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new CatalogueError(
      `${source}: not valid ${/\.json$/i.test(source) ? "JSON" : "YAML"}: ${(err as Error).message}`,
    );
  }
  const parsed = imageCatalogueSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new CatalogueError(`${source}: invalid image catalogue:\n  ${lines.join("\n  ")}`);
  }
  const out: Record<string, ImageCommand> = {};
  for (const [name, e] of Object.entries(parsed.data.images)) {
    out[name] = {
      command: e.command,
      args: e.args,
      defaultPort: e.port,
      healthCheck: e.healthCheck,
      paths: e.paths,
      env: e.env,
    };
  }
  return out;
}

/** The built-in entries plus the operator's file (when given); the file wins on a shared name. */
export function loadCatalogue(examplesDir: string, file: string | undefined): Record<string, ImageCommand> {
  const builtin = builtinImages(examplesDir);
  if (file === undefined) return builtin;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new CatalogueError(`${file}: cannot read the image catalogue: ${(err as Error).message}`);
  }
  return { ...builtin, ...parseCatalogue(text, file) };
}
