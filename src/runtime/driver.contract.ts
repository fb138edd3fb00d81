/**
 * The runtime driver contract: every driver (local, kubernetes) must pass this same suite.
 * Real workloads: a tiny HTTP server run by the machine's node.
 */
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DesiredWorkload, RuntimeDriver, RuntimeEvent } from "./driver.js";

export const HTTP_APP = `
const http = require("node:http");
const s = http.createServer((req, res) => { if (req.url !== "/") console.log("req " + req.url); res.end(process.env.REPLY + ":" + process.env.BERTH_REPLICA); });
s.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => s.close(() => process.exit(0)));
`;

export function httpWorkload(
  key: string,
  opts: Partial<DesiredWorkload> & { reply?: string } = {},
): DesiredWorkload {
  const reply = opts.reply ?? "one";
  return {
    key,
    namespace: key.split("/")[0]!,
    name: key.split("/")[1] ?? "web",
    replicas: 1,
    specHash: `hash-${reply}`,
    strategy: "rolling",
    ...opts,
    spec: opts.spec ?? {
      command: process.execPath,
      args: ["-e", HTTP_APP],
      env: { REPLY: reply },
      listens: true,
      healthCheck: { type: "http", path: "/" },
    },
  };
}

export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function get(port: number, p = "/"): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: p, agent: false }, (res) => {
        let body = "";
        res.on("data", (c) => {
          body += String(c);
        });
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function describeDriverContract(
  name: string,
  makeDriver: (dataDir: string) => Promise<RuntimeDriver>,
): void {
  describe(`runtime driver contract: ${name}`, () => {
    const open: RuntimeDriver[] = [];
    const make = async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-driver-"));
      const d = await makeDriver(dir);
      open.push(d);
      return d;
    };
    afterEach(async () => {
      for (const d of open.splice(0)) {
        for (const key of d.keys()) await d.remove(key);
        await d.close();
      }
    });

    it("runs the desired replicas, each reachable on its own endpoint", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns1/web", { replicas: 2 }));
      const eps = await until(() => d.endpoints("ns1/web").length === 2 && d.endpoints("ns1/web"), "2 ready");
      const replies = await Promise.all(eps.map((e) => get(e.port)));
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
      expect(await get(ep.port)).toBe("two:0");
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
      await fs.writeFile(path.join(d.volumePath("ns5", "web"), "state.txt"), "kept");
      await d.remove("ns5/web");
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(d.status("ns5/web")).toBeUndefined();
      expect(d.keys()).not.toContain("ns5/web");
      expect(await fs.readFile(path.join(d.volumePath("ns5", "web"), "state.txt"), "utf8")).toBe("kept");
      await d.deleteVolume("ns5", "web");
      await expect(fs.access(d.volumePath("ns5", "web"))).rejects.toThrow();
    });

    it("tails and follows logs", async () => {
      const d = await make();
      await d.apply(httpWorkload("ns6/web"));
      const ep = await until(() => d.endpoints("ns6/web")[0], "ready");
      await get(ep.port, "/a");
      await get(ep.port, "/b");
      const text = await until(async () => {
        const t = await d.readLogs("ns6/web", { tail: 1 });
        return t.includes("req /b") && t;
      }, "log lines");
      expect(text).toBe("req /b\n");
      const ctrl = new AbortController();
      const seen: string[] = [];
      const follow = (async () => {
        for await (const line of d.followLogs("ns6/web", { signal: ctrl.signal })) {
          seen.push(line);
          if (line.includes("/c")) ctrl.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 150));
      await get(ep.port, "/c");
      await follow;
      expect(seen).toEqual(["req /c"]);
    });

    it("reports metrics and emits Kubernetes-style events", async () => {
      const d = await make();
      const events: RuntimeEvent[] = [];
      d.onEvent((e) => events.push(e));
      await d.apply(httpWorkload("ns7/web"));
      await until(() => d.endpoints("ns7/web").length === 1, "ready");
      const m = await d.metrics("ns7/web");
      expect(m!.memoryBytes).toBeGreaterThan(1024 * 1024);
      expect(m!.cpuMillicores).toBeGreaterThanOrEqual(0);
      expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(["Scheduled", "Started", "Ready"]));
      expect(events[0]).toMatchObject({ key: "ns7/web", type: "Normal", object: "pod/web-0" });
    });
  });
}
