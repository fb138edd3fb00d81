/**
 * The operator's image catalogue (BERTH_LOCAL_IMAGES): validated at start, and a real third-party
 * program installed from npm (http-server) deployed by name through deploy-image and an agent spec,
 * sandboxed with only its catalogue paths bound read-only.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogueError, parseCatalogue } from "../src/runtime/local/index.js";
import { type ApiClient, startWithTeam, type TestBerth, viaIngress, waitFor } from "./support/berth.js";

const root = path.resolve(import.meta.dirname, "..");
const site = fs.mkdtempSync(path.join(os.tmpdir(), "berth-site-"));
const catalogueFile = path.join(site, "images.yaml");

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  // Catalogue paths must be readable by the sandbox user (docs/sandbox.md).
  fs.chmodSync(site, 0o755);
  fs.mkdirSync(path.join(site, "public"));
  fs.writeFileSync(path.join(site, "public", "index.html"), "<h1>served by http-server</h1>\n");
  fs.writeFileSync(
    catalogueFile,
    [
      "images:",
      "  acme/static-site:",
      `    command: ${process.execPath}`,
      `    args: [${path.join(root, "node_modules/http-server/bin/http-server")}, ${path.join(site, "public")}, -p, "$(PORT)", -a, 127.0.0.1, --silent]`,
      "    port: 8080",
      "    healthCheck: { type: http, path: / }",
      `    paths: [${path.join(root, "node_modules")}, ${path.join(site, "public")}]`,
      "",
    ].join("\n"),
  );
  ({ t, api } = await startWithTeam({ BERTH_LOCAL_IMAGES: catalogueFile }));
}, 60_000);

afterAll(async () => {
  await t?.close();
  fs.rmSync(site, { recursive: true, force: true });
});

describe("the image catalogue file", () => {
  it("accepts YAML and JSON, keeping the built-in entries' shape", () => {
    const yaml = parseCatalogue("images:\n  a/b:\n    command: /usr/bin/true\n", "x.yaml");
    const json = parseCatalogue(
      JSON.stringify({ images: { "a/b": { command: "/usr/bin/true" } } }),
      "x.json",
    );
    expect(yaml).toEqual(json);
    expect(yaml["a/b"]).toMatchObject({ command: "/usr/bin/true", args: [], paths: [], env: {} });
  });

  it.each([
    ["not YAML", "images: [", /not valid YAML/],
    [
      "a relative command",
      "images:\n  a/b:\n    command: node\n",
      /images\.a\/b\.command: must be a normalised absolute path/,
    ],
    ["an unknown field", "images:\n  a/b:\n    command: /x\n    shell: true\n", /unrecognized key.*shell/i],
    ["a bad image name", "images:\n  A B:\n    command: /x\n", /must be an image name/],
    [
      "the whole host as a path",
      "images:\n  a/b:\n    command: /x\n    paths: [/]\n",
      /cannot bind the whole host/,
    ],
    ["a port out of range", "images:\n  a/b:\n    command: /x\n    port: 70000\n", /port/],
  ])("refuses %s, naming the problem", (_what, text, message) => {
    expect(() => parseCatalogue(text, "images.yaml")).toThrow(CatalogueError);
    expect(() => parseCatalogue(text, "images.yaml")).toThrow(message);
  });
});

describe("a catalogue image", () => {
  it("deploys through deploy-image and serves through the ingress", async () => {
    const res = await api<{ name: string }>("POST", "/api/deployments/deploy-image", {
      body: { image: "acme/static-site" },
    });
    expect(res.status, res.text).toBe(201);
    const page = await waitFor(
      async () => {
        const r = await viaIngress(t.url, `${res.body.name}.localhost`).catch(() => undefined);
        return r?.status === 200 ? r.text : undefined;
      },
      "static site served",
      60_000,
    );
    expect(page).toBe("<h1>served by http-server</h1>\n");
  });

  it("runs from an agent spec that names it", async () => {
    const agent = await api<{ id: string }>("POST", "/api/agents", {
      body: { name: "site", spec: { name: "site", image: "acme/static-site:1.0" } },
    });
    expect(agent.status, agent.text).toBe(201);
    const dep = await api<{ id: string; name: string }>("POST", "/deployments", {
      body: { agent_id: agent.body.id },
    });
    expect(dep.status, dep.text).toBe(201);
    await waitFor(
      async () => {
        const r = await viaIngress(t.url, `${dep.body.name}.localhost`).catch(() => undefined);
        return r?.status === 200 && r.text.includes("served by http-server");
      },
      "agent site served",
      60_000,
    );
  });

  it("an image outside the catalogue is 422 naming the catalogue", async () => {
    const res = await api("POST", "/api/deployments/deploy-image", { body: { image: "acme/unknown" } });
    expect(res.status).toBe(422);
    expect(res.text).toContain("acme/static-site");
    expect(res.text).toContain("BERTH_LOCAL_IMAGES");
  });
});
