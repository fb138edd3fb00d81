/**
 * Archive backups in an S3-compatible object store (s3rver on loopback, reached through a small
 * recording proxy): the counter-agent's state survives backup → change → restore, the object is in
 * the bucket, and retention deletes it; an archive larger than a part goes up as a multipart upload
 * and restores byte for byte; a multipart upload that fails is aborted and leaves no object.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MIN_PART_BYTES } from "../src/backup/object-store.js";
import { type ApiClient, FakeClock, startWithTeam, type TestBerth, viaIngress } from "./support/berth.js";
import { backupHarness } from "./support/backups.js";

const clock = new FakeClock(Date.now());
let s3: S3rver;
let s3Dir: string;
let endpoint: string;
let proxy: http.Server;
let t: TestBerth;
let api: ApiClient;
let client: S3Client;

/** Every request berth sent to the store, by S3 action; and a way to fail some. */
const seen: string[] = [];

function actionOf(req: http.IncomingMessage): string {
  const q = new URL(req.url ?? "/", "http://x").searchParams;
  if (req.method === "POST") return q.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
  if (req.method === "PUT") return q.has("partNumber") ? "UploadPart" : "PutObject";
  if (req.method === "DELETE") return q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
  return `${req.method}`;
}
let refuse: ((req: http.IncomingMessage) => boolean) | undefined;

/**
 * Forwards to s3rver unchanged (the Host header too, so signatures hold). AbortMultipartUpload is
 * answered here with S3's 204, as s3rver does not implement it.
 */
function recordingProxy(target: number): http.Server {
  return http.createServer((req, res) => {
    const action = actionOf(req);
    seen.push(action);
    if (refuse?.(req) || action === "AbortMultipartUpload") {
      req.resume();
      req.on("end", () => {
        if (action === "AbortMultipartUpload") return res.writeHead(204).end();
        res.writeHead(403, { "content-type": "application/xml" });
        res.end("<Error><Code>AccessDenied</Code><Message>refused by the test</Message></Error>");
      });
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
}

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
  proxy = recordingProxy(addr.port);
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  ({ t, api } = await startWithTeam(
    {
      BERTH_S3_BUCKET: "berth-archives",
      BERTH_S3_ENDPOINT: endpoint,
      BERTH_S3_ACCESS_KEY_ID: "S3RVER",
      BERTH_S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    { clock },
  ));
  client = new S3Client({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${addr.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
});

afterAll(async () => {
  await t?.close();
  await new Promise((r) => proxy?.close(r));
  await s3?.close();
  await fs.rm(s3Dir, { recursive: true, force: true });
});

const head = (objectKey: string) =>
  client.send(new HeadObjectCommand({ Bucket: "berth-archives", Key: `berth/${objectKey}` }));

async function counterAgent() {
  const dep = (await api("POST", "/api/deployments", { body: { template: "counter-agent" } })).body as {
    id: string;
    name: string;
  };
  const h = backupHarness(t, api, dep);
  await h.deployed();
  return { dep, h, host: `${dep.name}.localhost`, volume: await h.volume() };
}

it("keeps the counter-agent's state through an archive in S3, and collects it when it expires", async () => {
  const { h, host } = await counterAgent();
  const count = async () => JSON.parse((await viaIngress(t.url, host)).text).count as number;
  for (let i = 0; i < 2; i++) await viaIngress(t.url, host, "/increment", { method: "POST" });

  const backup = await h.backup({ driver: "objectArchive", retentionDays: 7 });
  expect(backup).toMatchObject({ status: "succeeded" });
  expect((await head(backup.objectKey)).ContentLength).toBeGreaterThan(0);
  await expect(fs.access(path.join(t.dataDir, "objects", backup.objectKey))).rejects.toThrow();

  for (let i = 0; i < 3; i++) await viaIngress(t.url, host, "/increment", { method: "POST" });
  expect(await h.restore({})).toMatchObject({ restoreStatus: "succeeded", error: null });
  await h.deployed();
  expect(await count()).toBe(2);

  clock.advance(8 * 86_400_000);
  expect(await t.berth.backups.collect()).toContain(backup.id);
  await expect(head(backup.objectKey)).rejects.toThrow();
  clock.advance(-8 * 86_400_000);
});

const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await fs.readFile(file))
    .digest("hex");

it("uploads an archive larger than a part in parts, and restores it byte for byte", async () => {
  const { h, volume } = await counterAgent();
  const big = path.join(volume, "big.bin");
  await fs.writeFile(big, randomBytes(2 * MIN_PART_BYTES + 1024 * 1024));
  const digest = await sha256(big);
  seen.length = 0;
  const backup = await h.backup({ driver: "objectArchive" });
  expect(backup).toMatchObject({ status: "succeeded", error: null });
  expect(backup.bytesDone).toBeGreaterThan(2 * MIN_PART_BYTES);
  expect(seen).toEqual([
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPart",
    "UploadPart",
    "CompleteMultipartUpload",
  ]);
  expect((await head(backup.objectKey)).ContentLength).toBe(backup.bytesDone);

  await fs.writeFile(big, "overwritten");
  expect(await h.restore({ backupId: backup.id })).toMatchObject({ restoreStatus: "succeeded", error: null });
  expect(await sha256(big)).toBe(digest);
});

it("aborts a multipart upload that fails, leaving no object and a failed backup", async () => {
  const { h, volume } = await counterAgent();
  await fs.writeFile(path.join(volume, "big.bin"), randomBytes(2 * MIN_PART_BYTES));
  seen.length = 0;
  refuse = (req) => req.method === "PUT" && (req.url ?? "").includes("partNumber=2");
  try {
    const backup = await h.backup({ driver: "objectArchive" });
    expect(backup).toMatchObject({
      status: "failed",
      phase: "failed",
      error: expect.stringMatching(/refused/),
    });
    expect(seen).toContain("AbortMultipartUpload");
    expect(seen).not.toContain("CompleteMultipartUpload");
    const key = `${await h.namespaceId()}/${backup.agentId}/${backup.id}.tar.gz.enc`;
    await expect(head(key)).rejects.toThrow();
  } finally {
    refuse = undefined;
  }
});
