/**
 * Where a deployment came from: its linked template, manifest revision, config hash and drift; and
 * saving its running config back as an editable template (in place when the caller's team owns a
 * community draft/rejected template, otherwise as a new owned draft), linking the deployment to it.
 */
import { randomBytes } from "node:crypto";
import { configHash } from "../../domain/config-spec.js";
import { type Drift, driftOf } from "../../domain/drift.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import type { Deployment } from "../../domain/deployment.js";
import { type TemplatesService, templateView } from "../templates/service.js";
import { isUnpublishedTemplate } from "../../domain/record-status.js";
import { addEvent } from "./pause-resume.js";

export interface Manifest {
  deploymentId: string;
  template: { slug: string; kind: string; status: string; revision: number | null } | null;
  manifestRevision: number;
  configHash: string;
  drift: Drift;
}

export class ManifestService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly templates: TemplatesService,
  ) {}

  /** The template a deployment is linked to, by id: a deleted template's slug may belong to someone else now. */
  private linkedTemplate(d: Deployment) {
    return d.source.templateId ? this.store.templates.get(d.source.templateId) : Promise.resolve(undefined);
  }

  async manifest(caller: Principal, d: Deployment): Promise<Manifest> {
    const slug = d.source.templateSlug;
    const t = await this.linkedTemplate(d);
    const readable = t !== undefined && this.templates.canRead(caller, t);
    const latest = readable ? await this.store.templates.getRevision(t.id, t.latest_revision) : undefined;
    const linked =
      readable && d.source.templateRevision !== null
        ? await this.store.templates.getRevision(t.id, d.source.templateRevision)
        : undefined;
    const drift = driftOf({
      linked: slug !== null,
      template:
        readable && latest
          ? { latestRevision: t.latest_revision, latestHash: latest.config_hash }
          : undefined,
      linkedRevision: d.source.templateRevision,
      linkedRevisionHash: linked?.config_hash,
      configHash: d.configHash,
    });
    return {
      deploymentId: d.id,
      template: readable
        ? { slug: t.slug, kind: t.kind, status: t.status, revision: d.source.templateRevision }
        : null,
      manifestRevision: d.manifestRevision,
      configHash: d.configHash,
      drift,
    };
  }

  async syncTemplate(caller: Principal, d: Deployment) {
    requireScope(caller, "templates:write");
    const linked = await this.linkedTemplate(d);
    const at = this.clock.now().toISOString();
    let mode: "updated" | "forked" | "created";
    let templateSlug: string;
    let templateId: string;
    let revision: number;
    if (
      linked &&
      linked.kind === "community" &&
      linked.owner_team_id === d.teamId &&
      this.templates.canWrite(caller, linked) &&
      isUnpublishedTemplate(linked.status)
    ) {
      revision = await this.templates.appendRevision(linked, d.config, actorOf(caller));
      mode = "updated";
      templateSlug = linked.slug;
      templateId = linked.id;
    } else {
      const base = linked ? `${linked.slug}-fork` : d.namespace;
      templateSlug = await this.freeSlug(base);
      const created = await this.templates.insertTemplate({
        slug: templateSlug,
        name: linked ? `${linked.name} (fork)` : `${d.namespace}`,
        description: linked
          ? `Forked from ${linked.slug} by deployment ${d.name}`
          : `Saved from deployment ${d.name}`,
        ownerTeamId: d.teamId,
        kind: "community",
        status: "draft",
        config: d.config,
        actor: actorOf(caller),
        forkedFrom: linked?.slug ?? null,
      });
      revision = 1;
      templateId = created.id;
      mode = linked ? "forked" : "created";
    }
    await this.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, {
        template_id: templateId,
        template_slug: templateSlug,
        template_revision: revision,
        config_hash: configHash(d.config),
        updated_at: at,
      });
      await addEvent(
        tx,
        d.id,
        "template_synced",
        d.status,
        d.status,
        `config saved to template ${templateSlug} revision ${revision} (${mode})`,
        actorOf(caller),
        at,
      );
    });
    const t = await this.store.templates.get(templateId);
    return { mode, revision, template: templateView(t!) };
  }

  private async freeSlug(base: string): Promise<string> {
    const stem = base.slice(0, 50).replace(/-+$/, "");
    if (!(await this.store.templates.getBySlug(stem))) return stem;
    for (;;) {
      const slug = `${stem}-${randomBytes(2).toString("hex")}`;
      if (!(await this.store.templates.getBySlug(slug))) return slug;
    }
  }
}
