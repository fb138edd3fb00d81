/**
 * Scheduled deployments: create one for an agent (cron and IANA timezone), see its next runs and
 * its run history with outputs, pause it with a reason, unpause it, or run it now.
 */
import { useState } from "react";
import { useSession } from "../app.js";
import type { AgentView, RunView, ScheduleView } from "../views.js";
import { ConfirmButton, Empty, ErrorNote, Loading, PageTitle, useAction, useLoad, when } from "../ui.js";

type Schedule = ScheduleView;

export default function Schedules() {
  const { client } = useSession();
  const list = useLoad(
    async () => (await client.listScheduledDeployments({ limit: 100 })).data as ScheduleView[],
    [client],
    5000,
  );
  const live = list.data?.filter((s) => !s.archived_at) ?? [];
  return (
    <>
      <PageTitle>Schedules</PageTitle>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading what="schedules" />}
      {list.data && live.length === 0 && (
        <Empty title="No schedules yet">Create one below to run an agent on a cron schedule.</Empty>
      )}
      <ul className="cards">
        {live.map((s) => (
          <ScheduleCard key={s.id} schedule={s} onChange={list.reload} />
        ))}
      </ul>
      <CreateSchedule onCreated={list.reload} />
    </>
  );
}

function ScheduleCard({ schedule: s, onChange }: { schedule: Schedule; onChange: () => void }) {
  const { client } = useSession();
  const runs = useLoad(
    async () => (await client.listScheduledDeploymentRuns(s.id, { limit: 10 })).data as RunView[],
    [client, s.id],
    2000,
  );
  const [reason, setReason] = useState("");
  const run = useAction();
  return (
    <li className="card" aria-labelledby={`sched-${s.id}`}>
      <h2 id={`sched-${s.id}`}>
        {s.name} <span className={`badge sched-${s.status}`}>{s.status}</span>
      </h2>
      {s.paused_reason && <p>Paused: {s.paused_reason}</p>}
      <p className="mono">
        {s.schedule.expression} ({s.schedule.timezone})
      </p>
      <h3>Upcoming runs</h3>
      {s.status === "paused" ? (
        <p className="muted">None while paused.</p>
      ) : (
        <ul className="plain">
          {s.schedule.upcoming_runs_at.map((t) => (
            <li key={t}>
              <time dateTime={t}>{when(t)}</time>
            </li>
          ))}
        </ul>
      )}
      <div className="row wrap">
        <button
          type="button"
          disabled={run.busy}
          onClick={() => run.run(() => client.runScheduledDeployment(s.id)).then(runs.reload)}
        >
          Run now
        </button>
        {s.status === "paused" ? (
          <ConfirmButton
            label="Unpause"
            question={`Unpause ${s.name}? Its next run is computed from now.`}
            onConfirm={() => client.unpauseScheduledDeployment(s.id).then(onChange)}
          />
        ) : (
          <ConfirmButton
            label="Pause"
            question={`Pause ${s.name}?`}
            onConfirm={() => client.pauseScheduledDeployment(s.id, reason ? { reason } : {}).then(onChange)}
          >
            <label htmlFor={`reason-${s.id}`}>Reason (optional)</label>
            <input id={`reason-${s.id}`} value={reason} onChange={(e) => setReason(e.target.value)} />
          </ConfirmButton>
        )}
        <ConfirmButton
          label="Archive"
          danger
          question={`Archive ${s.name}? It stops firing and leaves this list.`}
          onConfirm={() => client.archiveScheduledDeployment(s.id).then(onChange)}
        />
      </div>
      <ErrorNote error={run.error} />
      <h3>Run history</h3>
      <ErrorNote error={runs.error} />
      {runs.data?.length === 0 && <p className="muted">No runs yet: run it now or wait for the next one.</p>}
      {runs.data && runs.data.length > 0 && (
        <ol className="runs">
          {runs.data.map((r) => (
            <li key={r.id} data-run-status={r.status}>
              <strong>{r.status}</strong> · {r.trigger} ·{" "}
              <time dateTime={r.scheduled_for}>{when(r.scheduled_for)}</time>
              {r.duration_ms !== null && ` · ${r.duration_ms} ms`}
              {r.exit_code !== null && ` · exit ${r.exit_code}`}
              {r.attempt > 1 && ` · attempt ${r.attempt}`}
              {r.error && <span className="error-text"> {r.error}</span>}
              {r.output && <pre className="output">{r.output}</pre>}
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

function CreateSchedule({ onCreated }: { onCreated: () => void }) {
  const { client } = useSession();
  const agents = useLoad(async () => (await client.listAgents()).agents as AgentView[], [client]);
  const [form, setForm] = useState({
    name: "",
    agent: "",
    expression: "0 * * * *",
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    message: "",
  });
  const action = useAction();
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  return (
    <section aria-labelledby="create-schedule">
      <h2 id="create-schedule">Create a schedule</h2>
      <ErrorNote error={agents.error} />
      {agents.data?.length === 0 && <p className="muted">Register an agent first: schedules run agents.</p>}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await action.run(async () => {
            const envs = await client.listEnvironments();
            const env = envs.data[0] ?? (await client.createEnvironment({ name: "default" }));
            await client.createScheduledDeployment({
              name: form.name,
              agent: { id: form.agent, type: "agent" },
              environment_id: env.id,
              initial_events: form.message ? [{ type: "user.message", content: form.message }] : [],
              schedule: { type: "cron", expression: form.expression, timezone: form.timezone },
            });
          });
          if (ok) {
            setForm({ ...form, name: "", message: "" });
            onCreated();
          }
        }}
      >
        <label htmlFor="sched-name">Name</label>
        <input id="sched-name" required value={form.name} onChange={set("name")} autoComplete="off" />
        <label htmlFor="sched-agent">Agent</label>
        <select id="sched-agent" required value={form.agent} onChange={set("agent")}>
          <option value="">choose an agent</option>
          {agents.data?.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <label htmlFor="sched-cron">Cron expression</label>
        <input
          id="sched-cron"
          required
          value={form.expression}
          onChange={set("expression")}
          aria-describedby="sched-cron-help"
        />
        <p id="sched-cron-help" className="muted">
          Five fields (minute hour day month weekday), e.g. 30 9 * * 1-5.
        </p>
        <label htmlFor="sched-tz">Timezone</label>
        <input id="sched-tz" required value={form.timezone} onChange={set("timezone")} />
        <label htmlFor="sched-msg">First message to the agent</label>
        <textarea id="sched-msg" value={form.message} onChange={set("message")} rows={2} />
        <ErrorNote error={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>
          Create schedule
        </button>
      </form>
    </section>
  );
}
