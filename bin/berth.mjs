#!/usr/bin/env node
// The `berth` command: runs the TypeScript sources through tsx, as `npm start` does.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
