/**
 * berth on the container runtime killed with SIGKILL and started again on the same data: running
 * containers are re-adopted by their labels (same container, none duplicated), and a labelled
 * container whose deployment does not exist is removed.
 */
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiClient, teamWithKey, viaIngress, waitFor } from "./support/berth.js";
import {
  buildAndPush,
  type ContainerHost,
  httpdImage,
  startContainerHost,
} from "./support/container-host.js";
import { type BerthDataDir, type BerthProcess, berthDataDir, spawnBerth } from "./support/process.js";

let host: ContainerHost;
let docker: Docker;
let ref: string;
let data: BerthDataDir;
let current: BerthProcess | undefined;
const admin = `admin-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  host = await startContainerHost();
  docker = new Docker({ socketPath: host.socketPath });
  ref = await buildAndPush(host, httpdImage("berth-test/survivor", "still here\n"));
  data = await berthDataDir("berth-ctr-restart-", {
    BERTH_ADMIN_TOKEN: admin,
    BERTH_RESYNC_MS: "300",
    BERTH_BACKOFF_INITIAL_MS: "100",
    BERTH_STOP_GRACE_MS: "2000",
    BERTH_RUNTIME: "container",
    DOCKER_HOST: host.dockerHost,
  });
}, 240_000);

afterAll(async () => {
  await current?.kill("SIGKILL");
  await host?.close();
  await data?.remove();
}, 120_000);

const running = async () =>
  (await docker.listContainers({ filters: { label: ["berth.managed"] } })).map((c) => ({
    id: c.Id,
    workload: c.Labels["berth.workload"],
  }));

it("re-adopts running containers after SIGKILL, never duplicating, and removes those of unknown deployments", async () => {
  current = await spawnBerth(data.env);
  const api = apiClient(current.url, admin);
  const { key } = await teamWithKey(api, ["deployments:read", "deployments:write"], "business");
  const dep = await apiClient(current.url, key)("POST", "/api/deployments/deploy-image", {
    body: { image: ref, name: "survivor" },
  });
  expect(dep.status, dep.text).toBe(201);
  const served = async (url: string) =>
    (await viaIngress(url, "survivor.localhost", "/")).text === "still here\n";
  await waitFor(() => served(current!.url), "served", 120_000, 200);
  const before = await running();
  expect(before).toHaveLength(1);

  await current.kill("SIGKILL");
  // a labelled container whose deployment berth does not know (deleted while berth was down)
  host.podman([
    "run",
    "-d",
    "--label",
    "berth.managed=true",
    "--label",
    "berth.workload=00000000-0000-7000-8000-000000000000/web",
    "--label",
    "berth.namespace=gone",
    "--label",
    "berth.name=web",
    "--label",
    "berth.replica=0",
    "-p",
    "127.0.0.1::8080",
    ref,
  ]);
  expect(await running()).toHaveLength(2);

  current = await spawnBerth(data.env);
  await waitFor(() => served(current!.url), "served after restart", 60_000, 200);
  await waitFor(async () => (await running()).length === 1, "the stray container removed", 60_000, 200);
  await new Promise((r) => setTimeout(r, 1_500)); // a few resync periods: nothing may start a second copy
  expect(await running()).toEqual(before);
}, 240_000);
