/**
 * Registry logins as the container driver sees them: a lookup that finds the login of a workload's
 * team for one registry (filled in app.ts from the registry credentials service, so the runtime
 * never reads the store), the set of images pulled with a login, and the scrubbing of a password
 * out of an engine's error.
 *
 * Why the set: the engine keeps a pulled image for everyone. An image once pulled with a login is
 * pulled again on every later start, with the starting team's own login or none, so the registry,
 * not the engine's cache, decides whether that team may run it. The set is a JSON file in the data
 * directory (written by rename), so it survives a control-plane restart.
 */
import fs from "node:fs";
import path from "node:path";

/** A registry login: used for a pull from that registry, never logged, echoed or put in an event. */
export interface RegistryAuth {
  username: string;
  password: string;
}

/**
 * Finds the login a workload's team stored for `registry` (host[:port], `docker.io` for Docker
 * Hub). `namespace` is the workload's namespace incarnation id (DesiredWorkload.namespace).
 */
export type RegistryAuthLookup = (namespace: string, registry: string) => Promise<RegistryAuth | undefined>;

/** Image references pulled with a login (see the module comment). */
export class PrivateImages {
  private readonly refs: Set<string>;

  constructor(private readonly file: string) {
    let saved: unknown = [];
    try {
      saved = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
      // none saved yet
    }
    this.refs = new Set(Array.isArray(saved) ? saved.filter((x) => typeof x === "string") : []);
  }

  has(ref: string): boolean {
    return this.refs.has(ref);
  }

  add(ref: string): void {
    if (this.refs.has(ref)) return;
    this.refs.add(ref);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify([...this.refs]));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}

/** `err` as an Error whose message no longer holds the login's password (an engine may quote it). */
export function scrubbed(err: unknown, auth: RegistryAuth | undefined): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(auth ? message.replaceAll(auth.password, "[redacted]") : message);
}
