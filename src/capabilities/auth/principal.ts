/** Who is calling: the key's team, scopes and admin flag, and the tenancy rules built on them. */
import { BerthError, forbidden, notFound } from "../../domain/errors.js";

export const SCOPES = [
  "deployments:read",
  "deployments:write",
  "templates:read",
  "templates:write",
  "agents:write",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  keyId: string;
  teamId: string | null;
  userId: string | null;
  scopes: ReadonlySet<Scope>;
}

export const isAdmin = (p: Principal): boolean => p.scopes.has("admin");

/** 403 unless the key has the scope; `admin` implies every scope. */
export function requireScope(p: Principal, scope: Scope): void {
  if (p.scopes.has(scope) || isAdmin(p)) return;
  throw forbidden(`this API key lacks the ${scope} scope`);
}

export function canAccessTeam(p: Principal, teamId: string | null): boolean {
  return isAdmin(p) || (teamId !== null && p.teamId === teamId);
}

/** Another tenant's object is reported exactly like a missing one. */
export function assertOwned<T extends { team_id: string }>(
  p: Principal,
  row: T | undefined,
  what: string,
): T {
  if (!row || !canAccessTeam(p, row.team_id)) throw notFound(what);
  return row;
}

/** The team a write acts in: the key's team, or for admins the team they name. */
export function actingTeam(p: Principal, requested?: string): string {
  if (requested !== undefined && requested !== p.teamId) {
    if (!isAdmin(p)) throw notFound("team");
    return requested;
  }
  if (p.teamId === null) {
    throw new BerthError("VALIDATION", "this key has no team: name one with teamId");
  }
  return p.teamId;
}

export const actorOf = (p: Principal): string => `key:${p.keyId}`;

/**
 * Which team a list shows the caller: every team (undefined) or the one named for an admin; the
 * key's own team otherwise ("" for a key without a team, which matches nothing). A non-admin naming
 * another team sees nothing (null).
 */
export function visibleTeam(p: Principal): string | undefined;
export function visibleTeam(p: Principal, requested: string | undefined): string | undefined | null;
export function visibleTeam(p: Principal, requested?: string): string | undefined | null {
  if (isAdmin(p)) return requested;
  if (requested !== undefined && requested !== p.teamId) return null;
  return p.teamId ?? "";
}
