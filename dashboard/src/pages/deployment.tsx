/**
 * One deployment: status, actions (pause, resume, restart, scale, delete, redeploy, save as
 * template — each confirmed), manifest and drift, the history timeline (lifecycle events and
 * revisions), config editor, live logs, CPU/memory charts and backups.
 */
import type { Result } from "@berth/sdk";
import { useState } from "react";
import { Link, useSession } from "../app.js";
import { navigate } from "../router.js";
import { badgeOfCloud, badgeOfPlatform } from "../status.js";
import { ConfirmButton, ErrorNote, Loading, PageTitle, StatusBadge, useLoad, when, webUrl } from "../ui.js";
import { Backups } from "./detail/backups.js";
import { ConfigEditor } from "./detail/config-editor.js";
import { Logs } from "./detail/logs.js";
import { Metrics } from "./detail/metrics.js";

type Cloud = Result<"getCloudDeployment">["deployment"];

export default function Deployment({ name }: { name: string }) {
  const { client } = useSession();
  const status = useLoad(() => client.getDeploymentStatus(name), [client, name], 2000);
  const id = status.data?.id;
  const cloud = useLoad(
    async () => (id ? (await client.getCloudDeployment(id)).deployment : undefined),
    [client, id],
    2000,
  );
  if (!status.data) {
    return (
      <>
        <PageTitle>{name}</PageTitle>
        {status.error ? (
          <>
            <ErrorNote error={status.error} />
            <p>
              <Link to="/deployments">Back to deployments</Link>
            </p>
          </>
        ) : (
          <Loading what="deployment" />
        )}
      </>
    );
  }
  const s = status.data;
  const c = cloud.data;
  const badge = c ? badgeOfCloud(c.status) : badgeOfPlatform(s.status, s.deploymentReady);
  return (
    <>
      <p className="crumbs">
        <Link to="/deployments">Deployments</Link> /
      </p>
      <PageTitle>{name}</PageTitle>
      <div className="summary">
        <span>
          Status: <StatusBadge badge={badge} />
        </span>
        {c?.statusReason && <span className="muted">{c.statusReason}</span>}
        {s.ingresses.map((i) => (
          <a key={i.url} href={webUrl(i.url)} target="_blank" rel="noreferrer" className="ingress">
            Open {i.host}
          </a>
        ))}
        {c && (
          <span className="muted">
            {c.visibility} · {c.replicas} replica{c.replicas === 1 ? "" : "s"} · revision {c.manifestRevision}
          </span>
        )}
      </div>
      <ErrorNote error={status.error ?? cloud.error} />
      {c && (
        <Actions
          deployment={c}
          name={name}
          onChange={() => {
            status.reload();
            cloud.reload();
          }}
        />
      )}
      <div className="grid2">
        {id && <Manifest id={id} />}
        {id && <Timeline id={id} name={name} />}
      </div>
      <ConfigEditor name={name} />
      <Logs name={name} />
      <Metrics name={name} />
      {c && <Backups deployment={c} />}
    </>
  );
}

function Actions({
  deployment: d,
  name,
  onChange,
}: {
  deployment: Cloud;
  name: string;
  onChange: () => void;
}) {
  const { client } = useSession();
  const [replicas, setReplicas] = useState(String(d.replicas));
  const [idle, setIdle] = useState("");
  const [mode, setMode] = useState<"template" | "snapshot">(
    d.source.type === "template" ? "template" : "snapshot",
  );
  const [note, setNote] = useState("");
  const paused = d.status === "paused";
  const after = (p: Promise<unknown>) => p.then(onChange);
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      <div className="row wrap">
        {paused ? (
          <ConfirmButton
            label="Resume"
            question={`Resume ${name}? It continues from its volume.`}
            onConfirm={() => after(client.resumeCloudDeployment(d.id))}
          />
        ) : (
          <ConfirmButton
            label="Pause"
            question={`Pause ${name}? Its processes stop and its volume is kept; a request to its URL wakes it.`}
            disabled={d.status !== "deployed"}
            onConfirm={() => after(client.pauseCloudDeployment(d.id))}
          />
        )}
        <ConfirmButton
          label="Restart"
          question={`Restart every replica of ${name}?`}
          onConfirm={() => after(client.restartDeployment(name))}
        />
        <ConfirmButton
          label="Scale"
          question={`Scale ${name} to how many replicas?`}
          onConfirm={() => after(client.scaleAgentDeployment(d.id, Number(replicas)))}
        >
          <label htmlFor="scale-replicas">Replicas</label>
          <input
            id="scale-replicas"
            type="number"
            min={0}
            max={50}
            value={replicas}
            onChange={(e) => setReplicas(e.target.value)}
          />
        </ConfirmButton>
        <ConfirmButton
          label="Redeploy"
          question={`Redeploy ${name}? A new deployment replaces it in its namespace; the volume is kept.`}
          onConfirm={async () => {
            const next = await client.redeployCloudDeployment(d.id, { mode });
            navigate(`/deployments/${next.deployment.name}`);
          }}
        >
          <label htmlFor="redeploy-mode">From</label>
          <select id="redeploy-mode" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
            {d.source.type === "template" && <option value="template">the template's latest revision</option>}
            <option value="snapshot">the config it runs now</option>
          </select>
        </ConfirmButton>
        <ConfirmButton
          label="Save as template"
          question={`Save the config ${name} runs as a template you can edit?`}
          onConfirm={async () => {
            const r = await client.syncCloudDeploymentTemplate(d.id);
            setNote(`Template ${r.template.slug} ${r.mode}, revision ${r.revision}.`);
            onChange();
          }}
        />
        <ConfirmButton
          label="Idle timeout"
          question={`Pause ${name} after how many minutes without requests? Empty turns idle pause off.`}
          onConfirm={() =>
            after(
              client.setCloudDeploymentIdleTimeout(d.id, {
                idleTimeoutMs: idle === "" ? null : Number(idle) * 60_000,
              }),
            )
          }
        >
          <label htmlFor="idle-minutes">Minutes</label>
          <input
            id="idle-minutes"
            type="number"
            min={1}
            value={idle}
            onChange={(e) => setIdle(e.target.value)}
          />
        </ConfirmButton>
        <ConfirmButton
          label="Delete"
          danger
          question={`Delete ${name} with its volumes and secrets? This cannot be undone.`}
          onConfirm={async () => {
            await client.deleteDeployment(name);
            navigate("/deployments");
          }}
        />
      </div>
      {note && (
        <p role="status" className="ok">
          {note}
        </p>
      )}
    </section>
  );
}

const DRIFT: Record<string, string> = {
  "up-to-date": "runs the template's latest revision",
  "template-updated": "the template has a newer revision: redeploy from template to take it",
  "missing-template": "the template it came from is gone",
  unlinked: "not linked to a template: save it as one",
  unknown: "berth cannot tell",
};

function Manifest({ id }: { id: string }) {
  const { client } = useSession();
  const m = useLoad(() => client.getCloudDeploymentManifest(id), [client, id], 5000);
  return (
    <section aria-labelledby="manifest">
      <h2 id="manifest">Manifest</h2>
      <ErrorNote error={m.error} />
      {m.data ? (
        <dl className="facts">
          <dt>Template</dt>
          <dd>
            {m.data.template
              ? `${m.data.template.slug} revision ${m.data.template.revision} (${m.data.template.kind}, ${m.data.template.status})`
              : "none"}
          </dd>
          <dt>Drift</dt>
          <dd>
            <span className={`badge drift-${m.data.drift}`}>{m.data.drift}</span> {DRIFT[m.data.drift]}
          </dd>
          <dt>Manifest revision</dt>
          <dd>{m.data.manifestRevision}</dd>
          <dt>Config hash</dt>
          <dd className="mono">{m.data.configHash.slice(0, 19)}…</dd>
        </dl>
      ) : (
        !m.error && <Loading what="manifest" />
      )}
    </section>
  );
}

function Timeline({ id, name }: { id: string; name: string }) {
  const { client } = useSession();
  const t = useLoad(
    async () => {
      const [events, history] = await Promise.all([
        client.listAgentDeploymentEvents(id, { limit: 50 }),
        client.getDeploymentHistory(name),
      ]);
      const items = [
        ...events.events.map((e) => ({
          key: e.id,
          at: e.created_at,
          kind: "event",
          text: `${e.from_status ?? "—"} → ${e.to_status ?? "—"}: ${e.message ?? e.event_type}`,
          who: e.actor,
        })),
        ...history.revisions.map((r) => ({
          key: `rev-${r.revision}`,
          at: r.createdAt,
          kind: `revision ${r.revision}`,
          text: `${r.reason}: ${r.message}`,
          who: r.actor,
        })),
      ];
      return items.sort((a, b) => b.at.localeCompare(a.at));
    },
    [client, id, name],
    3000,
  );
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      <ErrorNote error={t.error} />
      {t.data ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the timeline scrolls, so keyboard users must reach it
        <ol className="timeline scroll" tabIndex={0} aria-label="History, newest first">
          {t.data.map((i) => (
            <li key={i.key} data-kind={i.kind.startsWith("revision") ? "revision" : "event"}>
              <time dateTime={i.at}>{when(i.at)}</time> <strong>{i.kind}</strong> {i.text}
              {i.who && <span className="muted"> · {i.who}</span>}
            </li>
          ))}
        </ol>
      ) : (
        !t.error && <Loading what="history" />
      )}
    </section>
  );
}
