/**
 * CPU and memory over time: the dashboard samples the metrics route every few seconds while the
 * page is open and draws the last samples as sparklines.
 */
import { useEffect, useState } from "react";
import { useSession } from "../../app.js";
import { Sparkline } from "../../sparkline.js";
import { ErrorNote } from "../../ui.js";

const EVERY_MS = 3000;
const KEEP = 60;

/** `150m` → 150 millicores; `2` → 2000. */
export const millicores = (s: string) => (s.endsWith("m") ? Number(s.slice(0, -1)) : Number(s) * 1000) || 0;

const UNITS: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
/** `256Mi` → 256 MiB; plain bytes are converted too. */
export function mebibytes(s: string): number {
  const m = /^([\d.]+)(Ki|Mi|Gi|Ti)?$/.exec(s);
  if (!m) return 0;
  return m[2] ? Number(m[1]) * UNITS[m[2]]! : Number(m[1]) / 1024 / 1024;
}

export function Metrics({ name }: { name: string }) {
  const { client } = useSession();
  const [cpu, setCpu] = useState<number[]>([]);
  const [mem, setMem] = useState<number[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let live = true;
    const sample = () =>
      client.getDeploymentMetrics(name).then(
        (m) => {
          if (!live) return;
          setError(undefined);
          setCpu((v) => [...v, millicores(m.cpuUsage)].slice(-KEEP));
          setMem((v) => [...v, mebibytes(m.memoryUsage)].slice(-KEEP));
        },
        (err: unknown) => live && setError(err),
      );
    void sample();
    const timer = setInterval(sample, EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, name]);
  return (
    <section aria-labelledby="metrics">
      <h2 id="metrics">CPU and memory</h2>
      <ErrorNote error={error} />
      <div className="grid2">
        <Sparkline label="CPU" values={cpu} format={(v) => `${Math.round(v)} millicores`} />
        <Sparkline label="Memory" values={mem} format={(v) => `${v.toFixed(0)} MiB`} />
      </div>
      <p className="muted">Sampled every {EVERY_MS / 1000} s while this page is open.</p>
    </section>
  );
}
