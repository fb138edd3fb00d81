/**
 * Workload logs from pod logs: the last lines of each replica's current container, and following
 * every replica (including pods that appear later, from their first line) until aborted.
 */
import readline from "node:readline";
import type { Readable } from "node:stream";
import type { Informer } from "./informer.js";
import type { KubeClient, KubeObject } from "./kube-client.js";

/** The last `tail` lines over the given pods, in pod order. */
export async function tailPodLogs(client: KubeClient, pods: KubeObject[], tail: number): Promise<string> {
  const lines: string[] = [];
  for (const p of pods) {
    const stream = await client
      .podLog(p.metadata.namespace ?? "", p.metadata.name, { tailLines: tail })
      .catch(() => undefined);
    if (!stream) continue;
    for await (const line of readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }))
      lines.push(line);
  }
  const last = lines.slice(-tail);
  return last.length > 0 ? `${last.join("\n")}\n` : "";
}

/** Lines written after now by the pods `pods()` returns, as they come, until `signal` aborts. */
export async function* followPodLogs(
  client: KubeClient,
  informer: Informer,
  pods: () => KubeObject[],
  signal: AbortSignal,
): AsyncIterable<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const followed = new Set<string>();
  const streams: Readable[] = [];
  const follow = (p: KubeObject, fromStart: boolean) => {
    const id = `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid ?? ""}`;
    if (followed.has(id) || signal.aborted) return;
    followed.add(id);
    void client
      .podLog(
        p.metadata.namespace ?? "",
        p.metadata.name,
        { follow: true, ...(fromStart ? {} : { tailLines: 0 }) },
        signal,
      )
      .then((stream) => {
        streams.push(stream);
        const rl = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
        rl.on("line", (line) => {
          queue.push(line);
          wake?.();
        });
      })
      .catch(() => followed.delete(id));
  };
  for (const p of pods()) follow(p, false);
  const off = informer.onChange(() => {
    for (const p of pods()) if (p.status?.containerStatuses?.[0]?.state?.running) follow(p, true);
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      const line = queue.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
  } finally {
    off();
    signal.removeEventListener("abort", onAbort);
    for (const s of streams) s.destroy();
  }
}
