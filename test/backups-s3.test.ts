/**
 * Archive backups in an S3-compatible object store (s3rver on loopback): the counter-agent's state
 * survives backup → change → restore, the object is in the bucket, and retention deletes it.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type ApiClient,
  FakeClock,
  startWithTeam,
  type TestBerth,
  viaIngress,
  waitFor,
} from "./support/berth.js";

const clock = new FakeClock(Date.now());
let s3: S3rver;
let s3Dir: string;
let endpoint: string;
let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  s3Dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-s3-"));
  s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: "berth-archives" }],
  });
  const addr = await s3.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
  ({ t, api } = await startWithTeam(
    {
      BERTH_S3_BUCKET: "berth-archives",
      BERTH_S3_ENDPOINT: endpoint,
      BERTH_S3_ACCESS_KEY_ID: "S3RVER",
      BERTH_S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    { clock },
  ));
});

afterAll(async () => {
  await t?.close();
  await s3?.close();
  await fs.rm(s3Dir, { recursive: true, force: true });
});

it("keeps the counter-agent's state through an archive in S3, and collects it when it expires", async () => {
  const dep = await api("POST", "/api/deployments", { body: { template: "counter-agent" } });
  const id = dep.body.id as string;
  const host = `${dep.body.name}.localhost`;
  const cloud = (a: string) => `/api/cloud-saas/deployments/${id}/${a}`;
  const deployed = () =>
    waitFor(
      async () =>
        (await api("GET", `/api/cloud-saas/deployments/${id}`)).body.deployment?.status === "deployed",
      "deployed",
    );
  const count = async () => JSON.parse((await viaIngress(t.url, host)).text).count as number;
  await deployed();
  for (let i = 0; i < 2; i++) await viaIngress(t.url, host, "/increment", { method: "POST" });

  const created = await api("POST", cloud("backups"), {
    body: { driver: "objectArchive", retentionDays: 7 },
  });
  expect(created.status).toBe(202);
  const backup = await waitFor(async () => {
    const b = (await api("GET", cloud("backups"))).body.backups.find(
      (x: { id: string }) => x.id === created.body.backup.id,
    );
    return b?.status === "succeeded" ? b : undefined;
  }, "backup in S3");
  const client = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  const head = await client.send(
    new HeadObjectCommand({ Bucket: "berth-archives", Key: `berth/${backup.objectKey}` }),
  );
  expect(head.ContentLength).toBeGreaterThan(0);
  await expect(fs.access(path.join(t.dataDir, "objects", backup.objectKey))).rejects.toThrow();

  for (let i = 0; i < 3; i++) await viaIngress(t.url, host, "/increment", { method: "POST" });
  const r = await api("POST", cloud("restore"), { body: {} });
  expect(r.status).toBe(202);
  await waitFor(async () => {
    const b = (await api("GET", cloud("backups"))).body.backups.find(
      (x: { id: string }) => x.id === backup.id,
    );
    return b?.restoreStatus === "succeeded" || b?.restoreStatus === "failed" ? b : undefined;
  }, "restore from S3").then((b) => expect(b).toMatchObject({ restoreStatus: "succeeded", error: null }));
  await deployed();
  expect(await count()).toBe(2);

  clock.advance(8 * 86_400_000);
  expect(await t.berth.backups.collect()).toContain(backup.id);
  await expect(
    client.send(new HeadObjectCommand({ Bucket: "berth-archives", Key: `berth/${backup.objectKey}` })),
  ).rejects.toThrow();
});
