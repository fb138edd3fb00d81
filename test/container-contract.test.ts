/**
 * The shared runtime driver contract (src/runtime/driver.contract.ts) against the container driver
 * on a real engine: Podman's Docker Engine API service and a local registry holding an image with
 * this machine's node (test/support/container-host.ts), so the suite's `node -e <app>` workloads
 * run unchanged inside containers. Sessions are declined here: berth runs them on the local
 * sandbox (the mixed driver, src/runtime/mixed-driver.ts).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContainerDriver } from "../src/runtime/container/container-driver.js";
import { MixedDriver } from "../src/runtime/container/mixed-driver.js";
import { alive, describeDriverContract, get, until, volumeWorkload } from "../src/runtime/driver.contract.js";
import type { DesiredWorkload, ResolvedWorkloadSpec } from "../src/runtime/driver.js";
import { createLocalDriver } from "../src/runtime/local/local-driver.js";
import { type ContainerHost, pushNodeImage, startContainerHost } from "./support/container-host.js";

let host: ContainerHost;
let nodeRef: string;

beforeAll(async () => {
  host = await startContainerHost();
  nodeRef = await pushNodeImage(host);
}, 300_000);

afterAll(async () => {
  await host?.close();
}, 120_000);

const quiet = { info() {}, warn() {} };

const containerDriver = (dataDir: string) =>
  createContainerDriver({
    dataDir,
    dockerHost: host.dockerHost,
    logger: quiet,
    backoff: { initialMs: 100, maxMs: 1_000 },
    stopGraceMs: 1_000,
    probeIntervalMs: 100,
  });

const localDriver = (dataDir: string) =>
  createLocalDriver({
    dataDir,
    logger: { ...quiet, error() {} },
    backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 60_000 },
    stopGraceMs: 500,
    probeIntervalMs: 100,
  });

/** The suite's `node -e <app>` specs, run by the node of the test image and listening on every address. */
const inNodeImage = (spec: ResolvedWorkloadSpec): ResolvedWorkloadSpec => ({
  ...spec,
  image: nodeRef,
  command: "node",
  env: { ...spec.env, HOST: "0.0.0.0" },
});

describeDriverContract("container", containerDriver, {
  unsupported: ["startSession", "deleteSessionState"],
  workloadSpec: inNodeImage,
});

// BERTH_RUNTIME=container: the same suite through the mixed driver. The suite's workloads run as
// containers (their image is not in the local catalogue); its sessions run on the local sandbox.
describeDriverContract(
  "container + local sandbox (mixed)",
  async (dataDir) => {
    const containers = await containerDriver(dataDir);
    return new MixedDriver(await localDriver(dataDir), containers);
  },
  { unsupported: [], workloadSpec: inNodeImage },
);

const inImage = (w: DesiredWorkload): DesiredWorkload => ({ ...w, spec: inNodeImage(w.spec) });

describe("mixed driver", () => {
  it("moves a workload between runtimes when its spec changes kind, keeping its volume", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-mixed-"));
    const d = new MixedDriver(await localDriver(dataDir), await containerDriver(dataDir));
    const key = "kind/web";
    try {
      await d.apply(inImage(volumeWorkload(key)));
      let ep = await until(() => d.endpoints(key)[0], "container ready");
      expect(await get(ep, "/set/kept")).toBe("ok");
      const container = d.status(key)!.replicas[0]!.pid!;
      expect(d.containers.keys()).toEqual([key]);
      await d.apply({ ...volumeWorkload(key), specHash: "as-a-command" });
      expect(alive(container)).toBe(false);
      expect(d.containers.keys()).toEqual([]);
      expect(d.local.keys()).toEqual([key]);
      ep = await until(() => d.endpoints(key)[0], "process ready");
      expect(await get(ep, "/get")).toBe("kept");
    } finally {
      await d.remove(key);
      await d.close();
    }
  });
});
