/**
 * Driver contract, volume verbs: snapshot and restore from a snapshot, an archive streamed out and
 * back in, all-or-nothing restores (a refused archive leaves the volume as it was) and restores that
 * finish when repeated after a crash. Declined verbs are checked as declined.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  collect,
  driverPool,
  expectDeclined,
  type MakeDriver,
  tarMembers,
  volumeOf,
  volumeState,
} from "./contract-helpers.js";
import type { DriverVerb } from "./driver.js";

export function describeVolumeContract(name: string, makeDriver: MakeDriver, unsupported: Set<DriverVerb>) {
  describe(`runtime driver contract: ${name}, volumes`, () => {
    const make = driverPool(makeDriver);
    const key = "vol/agent";
    const volume = volumeOf(key);

    if (unsupported.has("snapshotVolume")) {
      it("declines snapshots", async () => {
        const d = await make();
        await expectDeclined("snapshotVolume", () => d.snapshotVolume(volume, "s1"));
      });
    } else {
      it("snapshots a volume and restores the snapshot, all or nothing", async () => {
        const d = await make();
        expect(await volumeState(d, key, "first")).toBe("first");
        const snap = await d.snapshotVolume(volume, "snap-1");
        expect(snap.bytes).toBeGreaterThanOrEqual("first".length);
        expect(await volumeState(d, key, "second")).toBe("second");
        await d.remove(key);
        await d.restoreVolume(volume, "restore-1", { snapshot: "snap-1" });
        expect(await volumeState(d, key)).toBe("first");
        await d.remove(key);
        // repeating a finished restore (a crash after the swap) changes nothing
        await d.restoreVolume(volume, "restore-1", { snapshot: "snap-1" });
        expect(await volumeState(d, key)).toBe("first");
        await d.remove(key);
        await d.deleteSnapshot(volume, "snap-1");
        await expect(d.restoreVolume(volume, "restore-2", { snapshot: "snap-1" })).rejects.toThrow();
        expect(await volumeState(d, key)).toBe("first");
        // the workload can write its restored volume (whatever owner its isolation gives it)
        expect(await volumeState(d, key, "after restore")).toBe("after restore");
      });
    }

    if (unsupported.has("exportVolume")) {
      it("declines archive export", async () => {
        const d = await make();
        await expectDeclined("exportVolume", () => d.exportVolume(volume));
      });
    } else if (unsupported.has("restoreVolume")) {
      it("declines restores", async () => {
        const d = await make();
        await expectDeclined("restoreVolume", () =>
          d.restoreVolume(volume, "r", { archive: async () => undefined }),
        );
      });
    } else {
      it("streams a volume out as a tar.gz and back in", async () => {
        const d = await make();
        expect(await volumeState(d, key, "archived")).toBe("archived");
        const archive = await collect(d.exportVolume(volume));
        expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
        expect((await tarMembers(archive)).map((m) => m.replace(/^\.\//, ""))).toContain("state.txt");
        expect(await volumeState(d, key, "changed")).toBe("changed");
        await d.remove(key);
        await d.restoreVolume(volume, "from-archive", {
          archive: (extract) => extract(Readable.from([archive])),
        });
        expect(await volumeState(d, key)).toBe("archived");
        expect(await volumeState(d, key, "after restore")).toBe("after restore");
      });

      it("keeps the volume unchanged when the caller refuses the archive or the stream breaks", async () => {
        const d = await make();
        expect(await volumeState(d, key, "original")).toBe("original");
        const archive = await collect(d.exportVolume(volume));
        await d.remove(key);
        const refused = d.restoreVolume(volume, "refused", {
          archive: async (extract) => {
            await extract(Readable.from([archive]));
            throw new Error("checksum does not match");
          },
        });
        await expect(refused).rejects.toThrow(/checksum/);
        const broken = d.restoreVolume(volume, "broken", {
          archive: (extract) => {
            const half = new Readable({ read() {} });
            half.push(archive.subarray(0, archive.length >> 1));
            setTimeout(() => half.destroy(new Error("connection reset")), 20);
            return extract(half);
          },
        });
        await expect(broken).rejects.toThrow();
        const garbage = d.restoreVolume(volume, "garbage", {
          archive: (extract) => extract(Readable.from([Buffer.from("not an archive at all")])),
        });
        await expect(garbage).rejects.toThrow();
        expect(await volumeState(d, key)).toBe("original");
      });
    }
  });
}
