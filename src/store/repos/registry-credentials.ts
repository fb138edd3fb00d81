/**
 * Registry credentials: one row per (team, registry). The repository stores and returns the sealed
 * password as it was given; sealing and opening belong to the registry credentials service.
 */
import type { Kysely } from "kysely";
import type { Database, RegistryCredentialRow } from "../schema.js";

export class RegistryCredentialsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates or replaces the team's login to `registry`; returns the row as stored. */
  async put(row: RegistryCredentialRow): Promise<RegistryCredentialRow> {
    await this.db
      .insertInto("registry_credentials")
      .values(row)
      .onConflict((oc) =>
        oc.columns(["team_id", "registry"]).doUpdateSet({
          username: row.username,
          secret: row.secret,
          updated_at: row.updated_at,
        }),
      )
      .execute();
    return (await this.get(row.team_id, row.registry))!;
  }

  get(teamId: string, registry: string): Promise<RegistryCredentialRow | undefined> {
    return this.db
      .selectFrom("registry_credentials")
      .selectAll()
      .where("team_id", "=", teamId)
      .where("registry", "=", registry)
      .executeTakeFirst();
  }

  /** The login of the team owning namespace incarnation `namespaceId`, for a pull. */
  forNamespace(namespaceId: string, registry: string): Promise<RegistryCredentialRow | undefined> {
    return this.db
      .selectFrom("registry_credentials")
      .innerJoin("namespaces", "namespaces.team_id", "registry_credentials.team_id")
      .selectAll("registry_credentials")
      .where("namespaces.id", "=", namespaceId)
      .where("registry_credentials.registry", "=", registry)
      .executeTakeFirst();
  }

  list(teamId: string): Promise<RegistryCredentialRow[]> {
    return this.db
      .selectFrom("registry_credentials")
      .selectAll()
      .where("team_id", "=", teamId)
      .orderBy("registry")
      .execute();
  }

  /** True when a row was deleted. */
  async delete(teamId: string, registry: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("registry_credentials")
      .where("team_id", "=", teamId)
      .where("registry", "=", registry)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
