/**
 * Forwarding headers (X-Forwarded-For/-Proto/-Host and RFC 7239 Forwarded) added to every request
 * berth forwards to a workload. What a peer sent is kept and extended only when the peer is a
 * trusted front proxy (BERTH_TRUSTED_PROXIES); from anyone else it is replaced, so a client cannot
 * choose the address a workload sees.
 */
import net from "node:net";

export interface CidrList {
  /** The list as configured, for messages. */
  source: string[];
  contains(address: string): boolean;
}

/**
 * Parses a comma-separated list of CIDRs or single addresses ("10.0.0.0/8,127.0.0.1,::1/128").
 * @throws Error naming the first entry that is not an IPv4/IPv6 address or CIDR
 */
export function parseCidrs(list: string): CidrList {
  const block = new net.BlockList();
  const source = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const entry of source) {
    const [addr, bits, extra] = entry.split("/");
    const family = net.isIP(addr ?? "");
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max))
      throw new Error(`"${entry}" is not an IP address or CIDR`);
    block.addSubnet(addr!, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return {
    source,
    contains(address) {
      const ip = unmapped(address);
      const family = net.isIP(ip);
      return family !== 0 && block.check(ip, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`. */
export function unmapped(address: string): string {
  return address.startsWith("::ffff:") && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export interface Forwarding {
  xff: string[];
  proto: string | undefined;
  xhost: string | undefined;
  forwarded: string[];
}

/**
 * The forwarding header lines (each ending in CRLF) for one request.
 * @param peer the connection's remote address; @param trusted whether it is a trusted proxy
 * @param sent the values the peer sent (kept only when trusted); @param host the request's Host
 */
export function forwardingHeaders(peer: string, trusted: boolean, sent: Forwarding, host: string): string {
  const node = net.isIPv6(peer) ? `"[${peer}]"` : peer;
  const element = `for=${node};host="${host}";proto=http`;
  const xff = trusted && sent.xff.length > 0 ? `${sent.xff.join(", ")}, ${peer}` : peer;
  const proto = (trusted ? sent.proto : undefined) ?? "http";
  const xhost = (trusted ? sent.xhost : undefined) ?? host;
  const fwd = trusted && sent.forwarded.length > 0 ? `${sent.forwarded.join(", ")}, ${element}` : element;
  return `X-Forwarded-For: ${xff}\r\nX-Forwarded-Proto: ${proto}\r\nX-Forwarded-Host: ${xhost}\r\nForwarded: ${fwd}\r\n`;
}
