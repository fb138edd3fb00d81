/** The local image table: image names berth can run as local processes, and how. */
import path from "node:path";
import type { ImageCommand } from "../driver.js";

export function builtinImages(examplesDir: string): Record<string, ImageCommand> {
  const node = (file: string, health: string): ImageCommand => ({
    command: process.execPath,
    args: [path.join(examplesDir, file)],
    defaultPort: 8080,
    healthCheck: { type: "http", path: health },
  });
  return {
    "berth/hello": node("hello/server.js", "/"),
    "berth/counter-agent": node("counter-agent/agent.js", "/healthz"),
  };
}
