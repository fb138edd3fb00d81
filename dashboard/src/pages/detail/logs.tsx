/**
 * Live logs: the last lines, then new ones over Server-Sent Events (the SDK's followDeploymentLogs,
 * which sends the key as a header, never in the URL). Pause holds new lines back until resumed;
 * follow keeps the newest line in view; search filters what is shown. A closed stream is followed
 * again after a pause.
 */
import { useEffect, useRef, useState } from "react";
import { useSession } from "../../app.js";
import { ErrorNote } from "../../ui.js";

const KEEP = 1000;
const RECONNECT_MS = 2000;

export function Logs({ name }: { name: string }) {
  const { client } = useSession();
  const [lines, setLines] = useState<string[]>([]);
  const [held, setHeld] = useState<string[]>([]);
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [live, setLive] = useState(false);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    const add = (more: string[]) => {
      if (pausedRef.current) setHeld((h) => [...h, ...more].slice(-KEEP));
      else setLines((l) => [...l, ...more].slice(-KEEP));
    };
    (async () => {
      const { logs } = await client.getDeploymentLogs(name, { tail: 100 });
      setLines(logs.split("\n").filter((l) => l !== ""));
      // The stream ends when the server closes it (a restart, a pause): follow again after a moment.
      while (!abort.signal.aborted) {
        try {
          setLive(true);
          setError(undefined);
          for await (const data of client.followDeploymentLogs(name, {}, { signal: abort.signal })) {
            add(data.split("\n"));
          }
        } catch (err) {
          if (abort.signal.aborted) return;
          setError(err);
        }
        setLive(false);
        await new Promise((r) => setTimeout(r, RECONNECT_MS));
      }
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) setError(err);
    });
    return () => {
      setLive(false);
      abort.abort();
    };
  }, [client, name]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  });

  const shown = query ? lines.filter((l) => l.toLowerCase().includes(query.toLowerCase())) : lines;
  return (
    <section aria-labelledby="logs">
      <h2 id="logs">Logs</h2>
      <div className="toolbar">
        <button
          type="button"
          aria-pressed={paused}
          onClick={() => {
            if (paused) {
              setLines((l) => [...l, ...held].slice(-KEEP));
              setHeld([]);
            }
            setPaused(!paused);
          }}
        >
          {paused ? `Resume logs (${held.length} new)` : "Pause logs"}
        </button>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow newest
        </label>
        <label>
          Search logs
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <span className="muted" role="status">
          {live ? (paused ? "paused" : "live") : "connecting…"}
        </span>
      </div>
      <ErrorNote error={error} />
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the log box scrolls, so keyboard users must reach it */}
      <pre ref={box} className="logs" role="log" tabIndex={0} aria-label="Log lines" data-testid="log-lines">
        {shown.length === 0
          ? query
            ? "No line matches the search."
            : "No log lines yet."
          : shown.join("\n")}
      </pre>
    </section>
  );
}
