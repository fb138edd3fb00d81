/** Templates and their immutable numbered revisions. */
import type { Kysely } from "kysely";
import type { Database, TemplateRevisionRow, TemplateRow } from "../schema.js";

export class TemplatesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: TemplateRow): Promise<unknown> {
    return this.db.insertInto("templates").values(row).execute();
  }

  get(id: string): Promise<TemplateRow | undefined> {
    return this.db.selectFrom("templates").selectAll().where("id", "=", id).executeTakeFirst();
  }

  getBySlug(slug: string): Promise<TemplateRow | undefined> {
    return this.db.selectFrom("templates").selectAll().where("slug", "=", slug).executeTakeFirst();
  }

  list(): Promise<TemplateRow[]> {
    return this.db.selectFrom("templates").selectAll().orderBy("slug").execute();
  }

  async update(id: string, set: Partial<Omit<TemplateRow, "id">>): Promise<void> {
    await this.db.updateTable("templates").set(set).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("template_revisions").where("template_id", "=", id).execute();
    await this.db.deleteFrom("templates").where("id", "=", id).execute();
  }

  insertRevision(row: TemplateRevisionRow): Promise<unknown> {
    return this.db.insertInto("template_revisions").values(row).execute();
  }

  getRevision(templateId: string, revision: number): Promise<TemplateRevisionRow | undefined> {
    return this.db
      .selectFrom("template_revisions")
      .selectAll()
      .where("template_id", "=", templateId)
      .where("revision", "=", revision)
      .executeTakeFirst();
  }

  listRevisions(templateId: string): Promise<TemplateRevisionRow[]> {
    return this.db
      .selectFrom("template_revisions")
      .selectAll()
      .where("template_id", "=", templateId)
      .orderBy("revision", "desc")
      .execute();
  }
}
