/**
 * The runtime driver contract: every driver (local, sandboxed, container, kubernetes) must pass this
 * same suite, which covers every verb of driver.ts. A driver names the verbs it does not offer
 * (`unsupported`); for each of those the suite checks that the verb is declined with UnsupportedVerb
 * and left out of the capability report, instead of testing it. Real workloads: a tiny HTTP server
 * run by the machine's node; volumes are written and read only through the workload itself, so
 * nothing here depends on where a driver keeps them.
 */
import { describe, expect, it } from "vitest";
import type { RuntimeEvent } from "./driver.js";
import {
  alive,
  type ContractOptions,
  driverPool,
  expectDeclined,
  get,
  httpWorkload,
  type MakeDriver,
  until,
  volumeOf,
  volumeState,
  withWorkloadSpec,
} from "./contract-helpers.js";
import { describeSessionContract } from "./session.contract.js";
import { describeVolumeContract } from "./volume.contract.js";

export * from "./contract-helpers.js";

export function describeDriverContract(
  name: string,
  makeDriverAsWritten: MakeDriver,
  opts: ContractOptions = {},
): void {
  const makeDriver = withWorkloadSpec(makeDriverAsWritten, opts);
  const unsupported = new Set(opts.unsupported ?? []);
  describeVolumeContract(name, makeDriver, unsupported);
  describeSessionContract(name, makeDriver, unsupported);
  describe(`runtime driver contract: ${name}`, () => {
    const make = driverPool(makeDriver);

    it("runs the desired replicas, each reachable on its own endpoint", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns1/web", { replicas: 2 }));
      const eps = await until(() => d.endpoints("ns1/web").length === 2 && d.endpoints("ns1/web"), "2 ready");
      const replies = await Promise.all(eps.map((e) => get(e)));
      expect(replies.sort()).toEqual(["one:0", "one:1"]);
      expect(d.status("ns1/web")).toMatchObject({ desiredReplicas: 2, readyReplicas: 2 });
    });

    it("changes nothing when the same workload is applied again", async () => {
      const d = await make();
      const w = httpWorkload("ns2/web");
      await d.apply(w);
      await until(() => d.endpoints("ns2/web").length === 1, "ready");
      const pids = d.status("ns2/web")!.replicas.map((r) => r.pid);
      await d.apply(w);
      await d.apply(w);
      expect(d.status("ns2/web")!.replicas.map((r) => r.pid)).toEqual(pids);
    });

    it("replaces processes on a spec change, keeping an endpoint ready throughout a rolling update", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns3/web"));
      await until(() => d.endpoints("ns3/web").length === 1, "ready");
      const oldPid = d.status("ns3/web")!.replicas[0]!.pid!;
      let gaps = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          if (d.endpoints("ns3/web").length === 0) gaps++;
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      await d.apply(httpWorkload("ns3/web", { reply: "two" }));
      polling = false;
      await poller;
      expect(gaps).toBe(0);
      const ep = await until(() => d.endpoints("ns3/web")[0], "new ready");
      expect(await get(ep)).toBe("two:0");
      await until(() => !alive(oldPid), "old process gone");
    });

    it("scales down from the highest index", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns4/web", { replicas: 3 }));
      await until(() => d.endpoints("ns4/web").length === 3, "3 ready");
      const pids = d.status("ns4/web")!.replicas.map((r) => r.pid!);
      await d.apply(httpWorkload("ns4/web", { replicas: 1 }));
      expect(d.status("ns4/web")!.replicas.map((r) => r.pid)).toEqual([pids[0]]);
      await until(() => !alive(pids[1]!) && !alive(pids[2]!), "scaled-down processes gone");
    });

    it("stops every process on remove and forgets the workload, keeping the volume", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns5/web", { replicas: 2 }));
      await until(() => d.endpoints("ns5/web").length === 2, "ready");
      const pids = d.status("ns5/web")!.replicas.map((r) => r.pid!);
      await d.remove("ns5/web");
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(d.status("ns5/web")).toBeUndefined();
      expect(d.keys()).not.toContain("ns5/web");
    });

    it("keeps a volume across remove, and deleteVolume empties it", async () => {
      const d = await make();
      expect(await volumeState(d, "ns5v/web", "kept")).toBe("kept");
      expect(await d.volumeBytes(volumeOf("ns5v/web"))).toBeGreaterThanOrEqual(4);
      await d.remove("ns5v/web");
      expect(await volumeState(d, "ns5v/web")).toBe("kept");
      await d.remove("ns5v/web");
      await d.deleteVolume(volumeOf("ns5v/web"));
      expect(await d.volumeBytes(volumeOf("ns5v/web"))).toBe(0);
      expect(await volumeState(d, "ns5v/web")).toBe("none");
    });

    it("refuses volume references that would leave its volumes", async () => {
      const d = await make();
      for (const bad of [
        { namespace: "..", workload: ".." },
        { namespace: "ns", workload: "" },
        { namespace: ".", workload: "x" },
      ]) {
        await expect(d.deleteVolume(bad)).rejects.toThrow();
      }
    });

    it("reports what it can do", async () => {
      const d = await make();
      const caps = d.capabilities();
      expect(caps.runtime).toBe(d.name);
      expect(caps.unsupported.sort()).toEqual([...unsupported].sort());
      expect(caps.backupDrivers.includes("volumeSnapshot")).toBe(!unsupported.has("snapshotVolume"));
      expect(caps.backupDrivers.includes("objectArchive")).toBe(
        !unsupported.has("exportVolume") && !unsupported.has("restoreVolume"),
      );
      expect(["sandbox", "none", "unavailable", "container", "pod"]).toContain(caps.isolation);
      expect(caps.missing.length > 0).toBe(caps.isolation === "unavailable");
      expect(caps.clientCommands).toBe(caps.isolation !== "unavailable");
      expect(caps.images).toEqual([...caps.images].sort());
      for (const image of caps.images) expect(d.resolveImage(image)).toBeDefined();
    });

    it("tails and follows logs", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns6/web"));
      const ep = await until(() => d.endpoints("ns6/web")[0], "ready");
      await get(ep, "/a");
      await get(ep, "/b");
      const text = await until(async () => {
        const t = await d.readLogs("ns6/web", { tail: 1 });
        return t.includes("req /b") && t;
      }, "log lines");
      expect(text).toBe("req /b\n");
      const ctrl = new AbortController();
      if (unsupported.has("followLogs")) {
        await expectDeclined("followLogs", () => d.followLogs("ns6/web", { signal: ctrl.signal }));
        return;
      }
      const seen: string[] = [];
      const follow = (async () => {
        for await (const line of d.followLogs("ns6/web", { signal: ctrl.signal })) {
          seen.push(line);
          if (line.includes("/c")) ctrl.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 150));
      await get(ep, "/c");
      await follow;
      expect(seen).toEqual(["req /c"]);
    });

    it("reports metrics and emits Kubernetes-style events", async () => {
      const d = await make();
      const events: RuntimeEvent[] = [];
      d.onEvent((e) => events.push(e));
      await d.apply(httpWorkload("ns7/web"));
      await until(() => d.endpoints("ns7/web").length === 1, "ready");
      if (unsupported.has("metrics")) await expectDeclined("metrics", () => d.metrics("ns7/web"));
      else {
        const m = await d.metrics("ns7/web");
        expect(m!.memoryBytes).toBeGreaterThan(1024 * 1024);
        expect(m!.cpuMillicores).toBeGreaterThanOrEqual(0);
      }
      expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(["Scheduled", "Started", "Ready"]));
      expect(events[0]).toMatchObject({ key: "ns7/web", type: "Normal", object: "pod/web-0" });
    });
  });
}
