/**
 * API keys: issue (shown once, stored as SHA-256), authenticate (with a short-lived cache so the hot
 * path does not hit the store per request), revoke, and the bootstrap admin key.
 */
import { BerthError, forbidden, invalid, notFound } from "../../domain/errors.js";
import { newApiKeySecret, newId } from "../../domain/ids.js";
import { safeEqual, sha256Hex } from "../../security/secrets.js";
import type { ApiKeyRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actingTeam, isAdmin, type Principal, SCOPES, type Scope, visibleTeam } from "./principal.js";

const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

export interface IssuedKey {
  id: string;
  name: string;
  teamId: string | null;
  scopes: Scope[];
  key: string;
  fingerprint: string;
  createdAt: string;
}

export class AuthService {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  /** Same entries keyed by the exact Authorization header, so the hot path hashes nothing. */
  private readonly byHeader = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly adminToken: string | undefined,
  ) {}

  /** The principal of a recently seen key without touching the store (hot path), if any. */
  cached(header: string | undefined): Principal | undefined {
    if (!header || header.length > 512) return undefined;
    const hit = this.byHeader.get(header);
    if (hit && hit.until > Date.now()) return hit.principal;
    return undefined;
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new BerthError("UNAUTHENTICATED", "missing bearer token");
    const token = match[1]!;
    if (this.adminToken && safeEqual(token, this.adminToken)) {
      return { keyId: "bootstrap-admin", teamId: null, userId: null, scopes: new Set(SCOPES) };
    }
    const hash = sha256Hex(token);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const row = await this.store.tenancy.getKeyByHash(hash);
    if (!row) throw new BerthError("UNAUTHENTICATED", "invalid API key");
    const principal = toPrincipal(row);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_TTL_MS });
    if (header!.length <= 512) {
      if (this.byHeader.size >= CACHE_MAX) this.byHeader.clear();
      this.byHeader.set(header!, { principal, until: now + CACHE_TTL_MS });
    }
    return principal;
  }

  async issue(
    caller: Principal | null,
    input: { name: string; teamId?: string; userId?: string; scopes: Scope[] },
  ): Promise<IssuedKey> {
    let teamId: string | null;
    if (caller === null) {
      teamId = input.teamId ?? null;
    } else {
      teamId = input.teamId === undefined && isAdmin(caller) ? null : actingTeam(caller, input.teamId);
      if (!isAdmin(caller)) {
        const extra = input.scopes.filter((s) => !caller.scopes.has(s));
        if (extra.length > 0) throw forbidden(`cannot grant scopes this key lacks: ${extra.join(", ")}`);
      }
    }
    if (teamId !== null && !(await this.store.tenancy.getTeam(teamId))) throw notFound("team");
    if (input.userId !== undefined) {
      const user = await this.store.tenancy.getUser(input.userId);
      if (!user) throw notFound("user");
    }
    if (teamId === null && !input.scopes.includes("admin")) {
      throw invalid("a key without a team must have the admin scope");
    }
    const key = newApiKeySecret();
    const row: ApiKeyRow = {
      id: newId(),
      name: input.name,
      team_id: teamId,
      user_id: input.userId ?? null,
      scopes: JSON.stringify([...new Set(input.scopes)]),
      hash: sha256Hex(key),
      prefix: key.slice(0, 12),
      created_at: this.clock.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.store.tenancy.insertKey(row);
    return { ...keyView(row), key };
  }

  async list(caller: Principal): Promise<ReturnType<typeof keyView>[]> {
    const rows = await this.store.tenancy.listKeys(visibleTeam(caller));
    return rows.map(keyView);
  }

  async revoke(caller: Principal, id: string): Promise<void> {
    const row = await this.store.tenancy.getKey(id);
    if (!row || row.revoked_at || (!isAdmin(caller) && row.team_id !== caller.teamId))
      throw notFound("API key");
    await this.store.tenancy.revokeKey(id, this.clock.now().toISOString());
    this.cache.clear();
    this.byHeader.clear();
  }

  /** When no key exists and no admin token is configured, mint the first admin key. */
  async bootstrap(): Promise<IssuedKey | undefined> {
    if (this.adminToken) return undefined;
    if ((await this.store.tenancy.countKeys()) > 0) return undefined;
    return this.issue(null, { name: "bootstrap admin", scopes: ["admin"] });
  }
}

function toPrincipal(row: ApiKeyRow): Principal {
  const scopes = (JSON.parse(row.scopes) as string[]).filter((s): s is Scope =>
    (SCOPES as readonly string[]).includes(s),
  );
  return { keyId: row.id, teamId: row.team_id, userId: row.user_id, scopes: new Set(scopes) };
}

/**
 * A key as listed. No character of the key itself is shown (not even its start): a key is told
 * apart by its `fingerprint`, the first 12 hex digits of its SHA-256
 * (`printf %s "$KEY" | sha256sum | cut -c1-12`).
 */
export function keyView(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    teamId: row.team_id,
    scopes: JSON.parse(row.scopes) as Scope[],
    fingerprint: row.hash.slice(0, 12),
    createdAt: row.created_at,
  };
}
