/**
 * The sandboxes' address pool (config BERTH_SANDBOX_SUBNET, used by the local runtime's
 * sandbox-network.ts): its default and the parsing of an IPv4 CIDR into numbers. Kept outside the
 * local runtime so the config can validate the setting without importing the runtime.
 */

/** Default pool of sandbox addresses (not podman's 10.88/16 nor Docker's 172.17/16). */
export const DEFAULT_SANDBOX_SUBNET = "10.201.0.0/16";

/** An IPv4 CIDR as numbers: its base address and prefix length. */
export interface Subnet {
  base: number;
  prefix: number;
}

/** A dotted IPv4 address of a 32-bit number. */
export const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

/** The 32-bit number of a dotted IPv4 address; undefined when it is not one. */
export function fromIp(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/**
 * Parses an IPv4 CIDR for sandbox addresses: prefix 8–28 (at least eight /31s), base aligned.
 * Throws an Error naming the problem otherwise.
 */
export function parseSubnet(cidr: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const base = m ? fromIp(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : Number.NaN;
  if (base === undefined || !(prefix >= 8 && prefix <= 28))
    throw new Error(`sandbox subnet must be an IPv4 CIDR with a prefix of 8 to 28, got "${cidr}"`);
  if (base % 2 ** (32 - prefix) !== 0)
    throw new Error(`sandbox subnet "${cidr}" has host bits set (its base must be aligned to /${prefix})`);
  return { base, prefix };
}

/** True when every address of `inner` is in `outer` (CIDRs nest or are disjoint). */
export function covers(outer: Subnet, inner: Subnet): boolean {
  const size = 2 ** (32 - outer.prefix);
  return outer.prefix <= inner.prefix && Math.floor(inner.base / size) === Math.floor(outer.base / size);
}
