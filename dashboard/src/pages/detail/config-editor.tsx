/**
 * The deployment's env vars. berth answers secret values as `********` (write-only): they show as
 * empty password fields, and the mask is sent back for any secret left empty so its value is kept.
 * Saving replaces the env and restarts the workload.
 */
import { useEffect, useState } from "react";
import { useSession } from "../../app.js";
import { ErrorNote, Loading, useAction, useLoad } from "../../ui.js";

const MASK = "********";

export function ConfigEditor({ name }: { name: string }) {
  const { client } = useSession();
  const config = useLoad(() => client.getDeploymentConfig(name), [client, name]);
  const [rows, setRows] = useState<{ key: string; value: string; secret: boolean }[]>([]);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (!config.data) return;
    setRows(
      Object.entries(config.data.configData).map(([key, value]) =>
        value === MASK ? { key, value: "", secret: true } : { key, value: String(value), secret: false },
      ),
    );
  }, [config.data]);
  const set = (i: number, patch: Partial<(typeof rows)[number]>) =>
    setRows(rows.map((r, j) => (i === j ? { ...r, ...patch } : r)));
  return (
    <section aria-labelledby="config">
      <h2 id="config">Config</h2>
      <ErrorNote error={config.error} />
      {!config.data && !config.error && <Loading what="config" />}
      {config.data && (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            setSaved(false);
            const data = Object.fromEntries(
              rows
                .filter((r) => r.key !== "")
                .map((r) => [r.key, r.secret && r.value === "" ? MASK : r.value]),
            );
            if (await action.run(() => client.updateDeploymentConfig(name, data))) {
              setSaved(true);
              config.reload();
            }
          }}
        >
          {rows.length === 0 && <p className="muted">No env vars set. Add one below.</p>}
          {rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, the index is their identity
            <div key={i} className="row env-row">
              <label>
                Name
                <input value={r.key} onChange={(e) => set(i, { key: e.target.value })} autoComplete="off" />
              </label>
              <label>
                {r.secret
                  ? `Value of ${r.key || "secret"} (secret, write-only)`
                  : `Value of ${r.key || "new var"}`}
                <input
                  type={r.secret ? "password" : "text"}
                  value={r.value}
                  placeholder={r.secret ? "unchanged" : ""}
                  autoComplete={r.secret ? "new-password" : "off"}
                  onChange={(e) => set(i, { value: e.target.value })}
                />
              </label>
              <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                Remove {r.key || "var"}
              </button>
            </div>
          ))}
          <div className="row">
            <button type="button" onClick={() => setRows([...rows, { key: "", value: "", secret: false }])}>
              Add var
            </button>
            <button type="submit" className="primary" disabled={action.busy}>
              Save and restart
            </button>
          </div>
          <ErrorNote error={action.error} />
          {saved && (
            <p role="status" className="ok">
              Saved; the deployment restarts with the new config.
            </p>
          )}
        </form>
      )}
    </section>
  );
}
