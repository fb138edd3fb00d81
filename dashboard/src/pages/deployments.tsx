/**
 * Deployments of the team: status badge (one vocabulary, explained in a legend), source, visibility,
 * ingress links and replicas; a filter by status and a search by name; create from a template (an
 * env form built from the template's declared vars, secrets as password fields) or from an image.
 */
import type { Result } from "@berth/sdk";
import { useMemo, useState } from "react";
import { Link, useSession } from "../app.js";
import { navigate } from "../router.js";
import { BADGES, type Badge, badgeOfCloud, badgeOfPlatform } from "../status.js";
import type { TemplateDetailView, TemplateView } from "../views.js";
import {
  ago,
  Empty,
  ErrorNote,
  Loading,
  PageTitle,
  StatusBadge,
  useAction,
  useLoad,
  TableWrap,
  webUrl,
} from "../ui.js";

type Cloud = Result<"listCloudDeployments">["deployments"][number];

interface Row {
  id: string;
  name: string;
  badge: Badge;
  source: string;
  visibility: string;
  replicas: number | null;
  ingresses: { url: string; host: string }[];
  updatedAt: string;
}

function rowOfCloud(d: Cloud): Row {
  const s = d.source;
  const source =
    s.type === "template"
      ? `template ${s.templateSlug ?? "?"} r${s.templateRevision ?? "?"}`
      : s.type === "image"
        ? `image ${s.image ?? ""}`
        : s.type;
  return {
    id: d.id,
    name: d.name,
    badge: badgeOfCloud(d.status),
    source,
    visibility: d.visibility,
    replicas: d.replicas,
    ingresses: d.ingresses,
    updatedAt: d.updatedAt,
  };
}

export default function Deployments() {
  const { client } = useSession();
  const list = useLoad(
    async () => {
      const [cloud, platform] = await Promise.all([client.listCloudDeployments(), client.listDeployments()]);
      const rows = cloud.deployments.filter((d) => d.isCurrent).map(rowOfCloud);
      const known = new Set(rows.map((r) => r.id));
      // The cloud surface hides failed deployments; the template platform still lists them.
      for (const d of platform) {
        if (known.has(d.id)) continue;
        rows.push({
          id: d.id,
          name: d.name,
          badge: badgeOfPlatform(d.status, d.deploymentReady),
          source: d.template ? `template ${d.template}` : `image ${d.image ?? ""}`,
          visibility: d.visibility,
          replicas: null,
          ingresses: d.ingresses,
          updatedAt: d.updatedAt,
        });
      }
      return rows.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    },
    [client],
    3000,
  );
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState<"" | Badge>("");
  const rows = useMemo(
    () =>
      (list.data ?? []).filter(
        (r) =>
          (status === "" || r.badge === status) &&
          (query === "" || `${r.name} ${r.source}`.toLowerCase().includes(query.toLowerCase())),
      ),
    [list.data, query, status],
  );

  return (
    <>
      <PageTitle>Deployments</PageTitle>
      <search className="toolbar">
        <label>
          Search
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="name or source"
          />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as Badge | "")}>
            <option value="">any</option>
            {(Object.keys(BADGES) as Badge[]).map((b) => (
              <option key={b} value={b}>
                {BADGES[b].label}
              </option>
            ))}
          </select>
        </label>
      </search>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="deployments" />
      ) : rows.length === 0 ? (
        list.data?.length ? (
          <Empty title="No deployment matches">Clear the search or pick another status.</Empty>
        ) : (
          <Empty title="No deployments yet">Create one from a template or an image below.</Empty>
        )
      ) : (
        <TableWrap label="Deployments of your team">
          <table>
            <caption className="sr-only">Deployments of your team</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Visibility</th>
                <th scope="col">Replicas</th>
                <th scope="col">Ingress</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <Link to={`/deployments/${r.name}`}>{r.name}</Link>
                  </th>
                  <td>
                    <StatusBadge badge={r.badge} />
                  </td>
                  <td>{r.source}</td>
                  <td>{r.visibility}</td>
                  <td>{r.replicas ?? "—"}</td>
                  <td>
                    {r.ingresses.length === 0
                      ? "—"
                      : r.ingresses.map((i) => (
                          <a key={i.url} href={webUrl(i.url)} target="_blank" rel="noreferrer">
                            {i.host}
                          </a>
                        ))}
                  </td>
                  <td>{ago(r.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <details className="legend">
        <summary>What the statuses mean</summary>
        <dl>
          {(Object.keys(BADGES) as Badge[]).map((b) => (
            <div key={b}>
              <dt>
                <StatusBadge badge={b} />
              </dt>
              <dd>{BADGES[b].meaning}</dd>
            </div>
          ))}
        </dl>
      </details>
      <div className="grid2">
        <CreateFromTemplate onCreated={(name) => navigate(`/deployments/${name}`)} />
        <CreateFromImage onCreated={(name) => navigate(`/deployments/${name}`)} />
      </div>
    </>
  );
}

function CreateFromTemplate({ onCreated }: { onCreated: (name: string) => void }) {
  const { client } = useSession();
  const templates = useLoad(async () => (await client.listTemplates()).templates as TemplateView[], [client]);
  const [slug, setSlug] = useState("");
  const detail = useLoad(
    async () => (slug ? ((await client.getTemplate(slug)) as TemplateDetailView) : undefined),
    [client, slug],
  );
  const [env, setEnv] = useState<Record<string, string>>({});
  const action = useAction();
  const vars = detail.data?.revisions.at(-1)?.config.envVars ?? [];
  return (
    <section aria-labelledby="create-template">
      <h2 id="create-template">Create from a template</h2>
      <ErrorNote error={templates.error} />
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          let created = "";
          const envVars = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
          if (
            await action.run(
              async () => (created = (await client.createDeployment({ template: slug, envVars })).name),
            )
          )
            onCreated(created);
        }}
      >
        <label htmlFor="template">Template</label>
        <select
          id="template"
          required
          value={slug}
          onChange={(e) => {
            setSlug(e.target.value);
            setEnv({});
          }}
        >
          <option value="">choose a template</option>
          {templates.data?.map((t) => (
            <option key={t.slug} value={t.slug}>
              {t.name} ({t.slug})
            </option>
          ))}
        </select>
        {detail.data?.description && <p className="muted">{detail.data.description}</p>}
        <ErrorNote error={detail.error} />
        {vars.map((v) => (
          <div key={v.name} className="field">
            <label htmlFor={`env-${v.name}`}>
              {v.name}
              {v.required && " (required)"}
              {v.secret && " (secret)"}
            </label>
            <input
              id={`env-${v.name}`}
              type={v.secret ? "password" : "text"}
              autoComplete={v.secret ? "new-password" : "off"}
              required={v.required && (v.default ?? "") === ""}
              placeholder={v.secret ? "" : (v.default ?? "")}
              value={env[v.name] ?? ""}
              onChange={(e) => setEnv({ ...env, [v.name]: e.target.value })}
              aria-describedby={v.description ? `env-${v.name}-help` : undefined}
            />
            {v.description && (
              <p id={`env-${v.name}-help`} className="muted">
                {v.description}
                {v.default && !v.secret ? ` (default ${v.default})` : ""}
              </p>
            )}
          </div>
        ))}
        {slug && vars.length === 0 && detail.data && (
          <p className="muted">This template declares no settings.</p>
        )}
        <ErrorNote error={action.error} />
        <button type="submit" className="primary" disabled={action.busy || !slug}>
          Create deployment
        </button>
      </form>
    </section>
  );
}

function CreateFromImage({ onCreated }: { onCreated: (name: string) => void }) {
  const { client } = useSession();
  const [image, setImage] = useState("");
  const [port, setPort] = useState("8080");
  const [visibility, setVisibility] = useState<"public" | "internal">("public");
  const action = useAction();
  return (
    <section aria-labelledby="create-image">
      <h2 id="create-image">Create from an image</h2>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          let created = "";
          if (
            await action.run(
              async () =>
                (created = (await client.deployImage({ image, containerPort: Number(port), visibility }))
                  .name),
            )
          )
            onCreated(created);
        }}
      >
        <label htmlFor="image">Image</label>
        <input
          id="image"
          required
          value={image}
          onChange={(e) => setImage(e.target.value)}
          placeholder="berth/hello"
          autoComplete="off"
        />
        <label htmlFor="image-port">Container port</label>
        <input
          id="image-port"
          type="number"
          min={1}
          max={65535}
          required
          value={port}
          onChange={(e) => setPort(e.target.value)}
        />
        <label htmlFor="image-visibility">Visibility</label>
        <select
          id="image-visibility"
          value={visibility}
          onChange={(e) => setVisibility(e.target.value as "public" | "internal")}
        >
          <option value="public">public (reachable at its ingress URL)</option>
          <option value="internal">internal (no ingress)</option>
        </select>
        <ErrorNote error={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>
          Deploy image
        </button>
      </form>
    </section>
  );
}
