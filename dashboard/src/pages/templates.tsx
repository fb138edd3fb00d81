/**
 * The template catalogue: each template with its kind, status and revisions (declared env vars per
 * revision), and a drift badge for every deployment of the team made from it.
 */
import { useState } from "react";
import { Link, useSession } from "../app.js";
import type { TemplateDetailView, TemplateView } from "../views.js";
import { Empty, ErrorNote, Loading, PageTitle, useLoad, when } from "../ui.js";

export default function Templates() {
  const { client } = useSession();
  const list = useLoad(async () => {
    const [templates, cloud] = await Promise.all([client.listTemplates(), client.listCloudDeployments()]);
    const linked = cloud.deployments.filter((d) => d.isCurrent && d.source.templateSlug);
    const manifests = await Promise.all(
      linked.slice(0, 50).map(async (d) => ({
        slug: d.source.templateSlug!,
        name: d.name,
        drift: (await client.getCloudDeploymentManifest(d.id)).drift,
      })),
    );
    return { templates: templates.templates as TemplateView[], manifests };
  }, [client]);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <PageTitle>Templates</PageTitle>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading what="templates" />}
      {list.data?.templates.length === 0 && (
        <Empty title="No templates">
          Save a deployment as a template from its page, or POST /api/templates.
        </Empty>
      )}
      <ul className="cards">
        {list.data?.templates.map((t) => {
          const deps = list.data!.manifests.filter((m) => m.slug === t.slug);
          return (
            <li key={t.slug} className="card">
              <h2>
                {t.name} <span className="muted mono">{t.slug}</span>
              </h2>
              <p>{t.description || <span className="muted">No description.</span>}</p>
              <p>
                <span className="badge">{t.kind}</span> <span className="badge">{t.status}</span> latest
                revision {t.latestRevision}
                {t.forkedFrom && <span className="muted"> · forked from {t.forkedFrom}</span>}
              </p>
              {deps.length > 0 ? (
                <ul className="plain">
                  {deps.map((m) => (
                    <li key={m.name}>
                      <Link to={`/deployments/${m.name}`}>{m.name}</Link>{" "}
                      <span className={`badge drift-${m.drift}`}>{m.drift}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No deployment of your team uses it.</p>
              )}
              <button
                type="button"
                aria-expanded={open === t.slug}
                onClick={() => setOpen(open === t.slug ? null : t.slug)}
              >
                {open === t.slug ? "Hide revisions" : "Show revisions"}
              </button>
              {open === t.slug && <Revisions slug={t.slug} />}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Revisions({ slug }: { slug: string }) {
  const { client } = useSession();
  const t = useLoad(async () => (await client.getTemplate(slug)) as TemplateDetailView, [client, slug]);
  if (t.error) return <ErrorNote error={t.error} />;
  if (!t.data) return <Loading what="revisions" />;
  return (
    <ol className="timeline">
      {[...t.data.revisions].reverse().map((r) => (
        <li key={r.revision}>
          <strong>revision {r.revision}</strong> <time dateTime={r.createdAt}>{when(r.createdAt)}</time> ·{" "}
          {r.config.workloads.length} workload{r.config.workloads.length === 1 ? "" : "s"} · vars:{" "}
          {r.config.envVars.length === 0
            ? "none"
            : r.config.envVars.map((v) => `${v.name}${v.secret ? " (secret)" : ""}`).join(", ")}
        </li>
      ))}
    </ol>
  );
}
