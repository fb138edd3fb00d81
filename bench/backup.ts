/**
 * bench/backup: a generated volume (~500 MB: 30,000 small files and a few large ones) backed up and
 * restored by berth, next to restic's first backup, `tar czf`, `tar xzf` and `cp -al` of the same
 * data in the same run. Targets (PERFORMANCE.md): archive ÷ restic ≥ 1.0, restore ÷ tar xzf ≥ 0.9,
 * snapshot ÷ cp -al ≤ 2. Installs restic and pigz from Debian's packages when missing (berth
 * compresses with pigz when it is installed, gzip otherwise).
 *   npm run bench:backup            (BENCH_MB=500 by default)
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiClient, onlyVolume, waitFor } from "../test/support/berth.js";
import { berthWithHello, ensureTools } from "./lib.js";

ensureTools({ restic: "restic", pigz: "pigz" });

const TOTAL_MB = Number(process.env.BENCH_MB ?? 500);

function fill(dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < 30_000; i++) {
    const sub = path.join(dir, `d${i % 300}`);
    if (i < 300) fs.mkdirSync(sub, { recursive: true });
    const data = Buffer.from(`${randomBytes(1024).toString("base64")}\n`.repeat(2));
    fs.writeFileSync(path.join(sub, `f${i}.txt`), data);
    bytes += data.length;
  }
  const big = Math.max(0, TOTAL_MB * 1024 * 1024 - bytes);
  const chunk = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(1024 * 1024, 97)]);
  for (let written = 0, n = 0; written < big; n++) {
    const fd = fs.openSync(path.join(dir, `large-${n}.bin`), "w");
    for (let f = 0; f < 64 && written < big; f++, written += chunk.length) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
  }
  return Number.parseInt(execFileSync("du", ["-sb", dir], { encoding: "utf8" }), 10);
}

const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

const b = await berthWithHello();
const admin = apiClient(b.berth.url, b.key);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-backup-"));
try {
  const dep = await admin<{ id: string; name: string }>("POST", "/api/deployments", {
    body: { template: "counter-agent" },
  });
  const id = dep.body.id;
  await waitFor(
    async () =>
      (await admin("GET", `/api/cloud-saas/deployments/${id}`)).body.deployment?.status === "deployed",
    "deployed",
  );
  const volume = await onlyVolume(b.dataDir, "counter");
  const bytes = fill(volume);
  const mib = bytes / (1024 * 1024);
  console.log(`volume: ${mib.toFixed(0)} MiB`);

  const tarFile = path.join(work, "baseline.tar.gz");
  const tarC = time(() => execFileSync("tar", ["-czf", tarFile, "-C", volume, "."]));
  const out = path.join(work, "x");
  fs.mkdirSync(out);
  const tarX = time(() => execFileSync("tar", ["-xzf", tarFile, "-C", out]));
  const cpal = time(() => execFileSync("cp", ["-al", volume, path.join(work, "cpal")]));
  const resticEnv = {
    ...process.env,
    RESTIC_REPOSITORY: path.join(work, "restic"),
    RESTIC_PASSWORD: "bench",
  };
  execFileSync("restic", ["init", "--quiet"], { env: resticEnv });
  const restic = time(() => execFileSync("restic", ["backup", "--quiet", volume], { env: resticEnv }));

  const cloud = (a: string) => `/api/cloud-saas/deployments/${id}/${a}`;
  /** POSTs, retrying while the previous operation still holds the namespace (409). */
  const post = async (p: string, body: object) => {
    for (;;) {
      const res = await admin("POST", p, { body });
      if (res.status !== 409) return res;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const runBackup = async (driver: string) => {
    const t = performance.now();
    const res = await post(cloud("backups"), { driver });
    const backupId = res.body.backup.id as string;
    await waitFor(
      async () =>
        (await admin("GET", cloud("backups"))).body.backups.find((x: { id: string }) => x.id === backupId)
          ?.status === "succeeded",
      "backup",
      600_000,
      50,
    );
    return { seconds: (performance.now() - t) / 1000, backupId };
  };
  // The API must stay responsive while a large archive is made (work happens in child processes).
  const latencies: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t = performance.now();
      await admin("GET", `/api/deployments/status?name=${dep.body.name}`);
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const archive = await runBackup("restic");
  probing = false;
  await prober;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN;
  const snapshot = await runBackup("volumeSnapshot");
  const t0 = performance.now();
  await post(cloud("restore"), { backupId: archive.backupId });
  await waitFor(
    async () =>
      (await admin("GET", cloud("backups"))).body.backups.find(
        (x: { id: string }) => x.id === archive.backupId,
      )?.restoreStatus === "succeeded",
    "restore",
    600_000,
    50,
  );
  const restore = (performance.now() - t0) / 1000;

  const rate = (s: number) => `${(mib / s).toFixed(1)} MiB/s (${s.toFixed(2)} s)`;
  console.log(`restic backup           ${rate(restic)}`);
  console.log(`tar czf                 ${rate(tarC)}`);
  console.log(
    `berth archive backup    ${rate(archive.seconds)}   ratio to restic ${(restic / archive.seconds).toFixed(2)} (target >= 1.0), to tar czf ${(tarC / archive.seconds).toFixed(2)}`,
  );
  console.log(
    `API during the archive backup: ${latencies.length} requests, p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target < 100 ms)`,
  );
  console.log(`tar xzf                 ${rate(tarX)}`);
  console.log(
    `berth restore           ${rate(restore)}   ratio to tar xzf ${(tarX / restore).toFixed(2)} (target >= 0.9)`,
  );
  console.log(`cp -al                  ${cpal.toFixed(2)} s`);
  console.log(
    `berth snapshot          ${snapshot.seconds.toFixed(2)} s   ratio to cp -al ${(snapshot.seconds / cpal).toFixed(1)} (target <= 2)`,
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  await b.stop();
}
