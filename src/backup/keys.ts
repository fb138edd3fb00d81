/**
 * Backup encryption keys: each backup gets a random data key, stored only wrapped (AES-256-GCM) by
 * a per-namespace key derived with HKDF from berth's root key. The record keeps the key id.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export class BackupKeys {
  constructor(private readonly rootKey: string) {}

  keyId(namespace: string): string {
    return `ns:${namespace}:v1`;
  }

  private namespaceKey(namespace: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.rootKey, "berth-backup", `namespace:${namespace}`, 32));
  }

  newDataKey(namespace: string): { key: Buffer; wrapped: string; keyId: string } {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.namespaceKey(namespace), iv);
    const data = Buffer.concat([c.update(key), c.final()]);
    return {
      key,
      wrapped: [iv, c.getAuthTag(), data].map((b) => b.toString("base64url")).join("."),
      keyId: this.keyId(namespace),
    };
  }

  unwrap(namespace: string, wrapped: string): Buffer {
    const [iv, tag, data] = wrapped.split(".").map((p) => Buffer.from(p, "base64url"));
    if (!iv || !tag || !data) throw new Error("unreadable wrapped key");
    const d = createDecipheriv("aes-256-gcm", this.namespaceKey(namespace), iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(data), d.final()]);
  }
}
