/**
 * Backups of a deployment's volume: create (driver and retention), restore (confirmed), and the
 * live phase and bytes of a running backup or restore (polled while one runs).
 */
import type { Backup, Result } from "@berth/sdk";
import { useState } from "react";
import { useSession } from "../../app.js";
import { bytes, ConfirmButton, Empty, ErrorNote, useLoad, when, TableWrap } from "../../ui.js";

type Cloud = Result<"getCloudDeployment">["deployment"];

/** A backup or a restore from it is still under way. */
const busy = (b: Backup) => b.status === "running" || b.phase.startsWith("restoring");

export function Backups({ deployment: d }: { deployment: Cloud }) {
  const { client } = useSession();
  const [fast, setFast] = useState(false);
  const list = useLoad(
    async () => {
      const r = await client.listCloudDeploymentBackups(d.id);
      setFast(r.backups.some(busy));
      return r.backups;
    },
    [client, d.id],
    fast ? 500 : 4000,
  );
  const [driver, setDriver] = useState<"volumeSnapshot" | "restic">("volumeSnapshot");
  const [days, setDays] = useState("30");
  return (
    <section aria-labelledby="backups">
      <h2 id="backups">Backups</h2>
      <div className="row wrap">
        <ConfirmButton
          label="Back up now"
          question={`Back up the volume of ${d.name}?`}
          confirmLabel="Start backup"
          onConfirm={async () => {
            await client.createCloudDeploymentBackup(d.id, { driver, retentionDays: Number(days) });
            setFast(true);
            list.reload();
          }}
        >
          <label htmlFor="backup-driver">Driver</label>
          <select
            id="backup-driver"
            value={driver}
            onChange={(e) => setDriver(e.target.value as "volumeSnapshot" | "restic")}
          >
            <option value="volumeSnapshot">volume snapshot</option>
            <option value="restic">archive to object storage (restic)</option>
          </select>
          <label htmlFor="backup-days">Keep for days</label>
          <input
            id="backup-days"
            type="number"
            min={1}
            max={365}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </ConfirmButton>
      </div>
      <ErrorNote error={list.error} />
      {list.data && list.data.length === 0 && (
        <Empty title="No backups yet">Back up now to keep a copy of this deployment's volume.</Empty>
      )}
      {list.data && list.data.length > 0 && (
        <TableWrap label="Backups">
          <table>
            <caption className="sr-only">Backups</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Driver</th>
                <th scope="col">Status</th>
                <th scope="col">Phase</th>
                <th scope="col">Progress</th>
                <th scope="col">Restore</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((b) => (
                <tr key={b.id} data-backup={b.id}>
                  <td>{when(b.createdAt)}</td>
                  <td>{b.driver}</td>
                  <td>
                    {b.status}
                    {b.restoreStatus ? ` · restore ${b.restoreStatus}` : ""}
                    {b.error && <span className="error-text"> {b.error}</span>}
                  </td>
                  <td className="phase">{b.phase}</td>
                  <td>
                    {/* The bar while bytes move; a finished archive is smaller than the volume it holds. */}
                    {busy(b) && (
                      <progress
                        max={Math.max(1, b.totalBytes)}
                        value={b.bytesDone}
                        aria-label={`bytes of backup ${when(b.createdAt)}`}
                      />
                    )}{" "}
                    <span className="bytes">
                      {bytes(b.bytesDone)} / {bytes(b.totalBytes)}
                    </span>
                  </td>
                  <td>
                    <ConfirmButton
                      label="Restore"
                      question={`Restore ${d.name} from the backup of ${when(b.createdAt)}? It pauses, its volume is replaced, then it resumes.`}
                      disabled={b.status !== "succeeded" || list.data!.some(busy)}
                      onConfirm={async () => {
                        await client.restoreCloudDeploymentBackup(d.id, { backupId: b.id });
                        setFast(true);
                        list.reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
