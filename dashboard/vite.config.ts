/**
 * Builds the dashboard into dashboard/dist, served by berth at /dashboard (src/http/dashboard.ts).
 * The SDK is compiled in from its sources, so the dashboard always speaks the served API's types.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/dashboard/",
  resolve: {
    alias: { "@berth/sdk": fileURLToPath(new URL("../sdk/typescript/src/index.ts", import.meta.url)) },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
});
