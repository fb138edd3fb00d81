/**
 * Secrets at rest: AES-256-GCM with a key derived (HKDF-SHA256) from BERTH_ENCRYPTION_KEY, or from a
 * random key generated once into the data dir. Ciphertext format: `v1:<iv>:<tag>:<data>` (base64url).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash as oneShotHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export class SecretBox {
  private readonly key: Buffer;

  constructor(rootKey: string, purpose = "berth:env") {
    this.key = Buffer.from(hkdfSync("sha256", rootKey, "berth", purpose, 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ["v1", iv.toString("base64url"), tag.toString("base64url"), data.toString("base64url")].join(":");
  }

  decrypt(ciphertext: string): string {
    const [version, iv, tag, data] = ciphertext.split(":");
    if (version !== "v1" || !iv || !tag || data === undefined) throw new Error("unreadable ciphertext");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  }
}

/** The configured key, or the one generated into `<dataDir>/encryption.key` (mode 0600) on first start. */
export function loadRootKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, "encryption.key");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  try {
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw err;
  }
}

export const sha256Hex = (value: string): string =>
  typeof oneShotHash === "function"
    ? oneShotHash("sha256", value, "hex")
    : createHash("sha256").update(value).digest("hex");

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
