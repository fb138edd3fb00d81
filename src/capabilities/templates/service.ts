/**
 * Templates: slug, owner, kind (official | community), review status, and immutable numbered
 * revisions each holding a runnable config and its hash. A new revision notifies listeners (the
 * deployments service uses it for auto-update).
 */
import type { ConfigPolicy } from "../config-policy.js";
import { conflict, forbidden, invalidState, notFound } from "../../domain/errors.js";
import { configHash, type RunnableConfig, runnableConfigSchema } from "../../domain/config-spec.js";
import { newId } from "../../domain/ids.js";
import type { TemplateRevisionRow, TemplateRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import {
  isAdminDecision,
  isPublicTemplate,
  ownerMayMoveTemplate,
  type TemplateStatus,
} from "../../domain/record-status.js";
import { actorOf, isAdmin, type Principal, requireScope } from "../auth/principal.js";

export { TEMPLATE_STATUSES, type TemplateStatus } from "../../domain/record-status.js";
export type TemplateKind = "official" | "community";

export interface TemplateWithRevision {
  template: TemplateRow;
  revision: TemplateRevisionRow;
  config: RunnableConfig;
}

export const templateView = (t: TemplateRow) => ({
  slug: t.slug,
  name: t.name,
  description: t.description,
  kind: t.kind as TemplateKind,
  status: t.status as TemplateStatus,
  ownerTeamId: t.owner_team_id,
  latestRevision: t.latest_revision,
  forkedFrom: t.forked_from,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
});

export const revisionView = (r: TemplateRevisionRow) => ({
  revision: r.revision,
  configHash: r.config_hash,
  config: JSON.parse(r.config) as RunnableConfig,
  createdAt: r.created_at,
});

/** Told of each new revision, by template id (deployments link templates by id, not by slug). */
type RevisionListener = (templateId: string, revision: number) => void;

export class TemplatesService {
  private readonly listeners: RevisionListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: ConfigPolicy,
  ) {}

  onNewRevision(listener: RevisionListener): void {
    this.listeners.push(listener);
  }

  /** Official approved templates are visible to everyone; others to their owner team and admins. */
  canRead(p: Principal | null, t: TemplateRow): boolean {
    if (isPublicTemplate(t)) return true;
    if (!p) return false;
    return isAdmin(p) || (t.owner_team_id !== null && t.owner_team_id === p.teamId);
  }

  canWrite(p: Principal, t: TemplateRow): boolean {
    return isAdmin(p) || (t.owner_team_id !== null && t.owner_team_id === p.teamId);
  }

  async list(caller: Principal) {
    requireScope(caller, "templates:read");
    const rows = await this.store.templates.list();
    return rows.filter((t) => this.canRead(caller, t)).map(templateView);
  }

  async get(caller: Principal, slug: string) {
    requireScope(caller, "templates:read");
    const t = await this.store.templates.getBySlug(slug);
    if (!t || !this.canRead(caller, t)) throw notFound("template");
    const revisions = await this.store.templates.listRevisions(t.id);
    return { ...templateView(t), revisions: revisions.map(revisionView) };
  }

  /** The template (by slug, or by id for a linked one) and the revision a deployment would run (latest unless pinned). */
  async resolve(
    caller: Principal | null,
    ref: string | { id: string },
    revision?: number,
  ): Promise<TemplateWithRevision> {
    const t =
      typeof ref === "string"
        ? await this.store.templates.getBySlug(ref)
        : await this.store.templates.get(ref.id);
    const slug = typeof ref === "string" ? ref : (t?.slug ?? "linked to this deployment");
    if (!t || !this.canRead(caller, t)) throw notFound(`template ${slug}`);
    const rev = await this.store.templates.getRevision(t.id, revision ?? t.latest_revision);
    if (!rev) throw notFound(`revision ${revision} of template ${slug}`);
    return { template: t, revision: rev, config: runnableConfigSchema.parse(JSON.parse(rev.config)) };
  }

  async create(
    caller: Principal,
    input: { slug: string; name?: string; description?: string; kind?: TemplateKind; config: RunnableConfig },
  ) {
    requireScope(caller, "templates:write");
    const kind = input.kind ?? "community";
    if (kind === "official" && !isAdmin(caller)) throw forbidden("only admins create official templates");
    if (await this.store.templates.getBySlug(input.slug))
      throw conflict(`template ${input.slug} already exists`);
    const ownerTeamId = kind === "official" ? null : caller.teamId;
    await this.policy.check(ownerTeamId, input.config);
    const row = await this.insertTemplate({
      slug: input.slug,
      name: input.name ?? input.slug,
      description: input.description ?? "",
      ownerTeamId,
      kind,
      status: kind === "official" ? "approved" : "draft",
      config: input.config,
      actor: actorOf(caller),
      forkedFrom: null,
    });
    return this.get(caller, row.slug);
  }

  async insertTemplate(input: {
    slug: string;
    name: string;
    description: string;
    ownerTeamId: string | null;
    kind: TemplateKind;
    status: TemplateStatus;
    config: RunnableConfig;
    actor: string | null;
    forkedFrom: string | null;
  }): Promise<TemplateRow> {
    const at = this.clock.now().toISOString();
    const row: TemplateRow = {
      id: newId(),
      slug: input.slug,
      name: input.name,
      description: input.description,
      owner_team_id: input.ownerTeamId,
      kind: input.kind,
      status: input.status,
      latest_revision: 1,
      forked_from: input.forkedFrom,
      created_at: at,
      updated_at: at,
    };
    await this.store.transaction(async (tx) => {
      await tx.templates.insert(row);
      await tx.templates.insertRevision({
        template_id: row.id,
        revision: 1,
        config: JSON.stringify(input.config),
        config_hash: configHash(input.config),
        created_by: input.actor,
        created_at: at,
      });
    });
    return row;
  }

  async addRevision(caller: Principal, slug: string, config: RunnableConfig) {
    requireScope(caller, "templates:write");
    const t = await this.store.templates.getBySlug(slug);
    if (!t || !this.canRead(caller, t)) throw notFound("template");
    if (!this.canWrite(caller, t)) throw forbidden("only the owner team can add revisions to this template");
    await this.policy.check(t.owner_team_id, config);
    const revision = await this.appendRevision(t, config, actorOf(caller));
    return { ...templateView({ ...t, latest_revision: revision }), revision };
  }

  async appendRevision(t: TemplateRow, config: RunnableConfig, actor: string | null): Promise<number> {
    const at = this.clock.now().toISOString();
    const revision = await this.store.transaction(async (tx) => {
      const fresh = await tx.templates.get(t.id);
      if (!fresh) throw notFound("template");
      const next = fresh.latest_revision + 1;
      await tx.templates.insertRevision({
        template_id: fresh.id,
        revision: next,
        config: JSON.stringify(config),
        config_hash: configHash(config),
        created_by: actor,
        created_at: at,
      });
      await tx.templates.update(fresh.id, { latest_revision: next, updated_at: at });
      return next;
    });
    for (const l of this.listeners) l(t.id, revision);
    return revision;
  }

  /** Review flow: owners submit (draft|rejected → pending); admins approve, reject or reset anything. */
  async setStatus(caller: Principal, slug: string, status: TemplateStatus) {
    requireScope(caller, "templates:write");
    const t = await this.store.templates.getBySlug(slug);
    if (!t || !this.canRead(caller, t)) throw notFound("template");
    if (!isAdmin(caller)) {
      if (!this.canWrite(caller, t)) throw forbidden("only the owner team can change this template");
      if (!ownerMayMoveTemplate(t.status, status)) throw forbidden(`only admins can set status ${status}`);
    }
    if (t.kind === "official" && !isAdminDecision(status)) {
      throw invalidState("official templates are approved or rejected");
    }
    const at = this.clock.now().toISOString();
    await this.store.templates.update(t.id, { status, updated_at: at });
    return templateView({ ...t, status, updated_at: at });
  }

  /** Deletes a template and its revisions; deployments made from it keep running, now unlinked from any template. */
  async delete(caller: Principal, slug: string): Promise<void> {
    requireScope(caller, "templates:write");
    const t = await this.store.templates.getBySlug(slug);
    if (!t || !this.canRead(caller, t)) throw notFound("template");
    if (!this.canWrite(caller, t)) throw forbidden("only the owner team can delete this template");
    await this.store.templates.delete(t.id);
  }

  /** Installs or updates berth's built-in templates; a changed config becomes a new revision. */
  async ensureBuiltin(input: { slug: string; name: string; description: string; config: RunnableConfig }) {
    const existing = await this.store.templates.getBySlug(input.slug);
    if (!existing) {
      await this.insertTemplate({
        ...input,
        ownerTeamId: null,
        kind: "official",
        status: "approved",
        actor: "system",
        forkedFrom: null,
      });
      return;
    }
    const latest = await this.store.templates.getRevision(existing.id, existing.latest_revision);
    if (latest?.config_hash !== configHash(input.config)) {
      await this.appendRevision(existing, input.config, "system");
    }
  }
}
