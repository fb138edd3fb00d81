/**
 * The head berth sends on for one parsed request: request line in origin form, the client's headers
 * minus hop-by-hop ones (RFC 9110 §7.6.1: Connection, the headers it names, Keep-Alive, TE,
 * Upgrade unless upgrading) and minus forwarding headers, which are rebuilt (forwarded.ts). Framing
 * headers (Content-Length, Transfer-Encoding) pass unchanged because the body is forwarded in the
 * framing llhttp validated. Values reached here only through llhttp, so none holds CR or LF.
 */
import { type Forwarding, forwardingHeaders } from "./forwarded.js";

export interface ParsedHead {
  method: string;
  /** "1.1", "1.0"… */
  version: string;
  names: string[];
  values: string[];
  upgrade: boolean;
}

/** What the head says about routing and framing, read in one pass. */
export interface HeadFacts {
  hosts: string[];
  transferEncoding: string | undefined;
  /** True when a body follows the head (a non-zero Content-Length or any Transfer-Encoding). */
  hasBody: boolean;
}

const DROPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "upgrade",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "forwarded",
]);

export function headFacts(head: ParsedHead): HeadFacts {
  const hosts: string[] = [];
  let te: string | undefined;
  let hasBody = false;
  for (let i = 0; i < head.names.length; i++) {
    const n = head.names[i]!;
    if (n.length === 4 && n.toLowerCase() === "host") hosts.push(head.values[i]!);
    else if (n.length === 14 && n.toLowerCase() === "content-length")
      hasBody ||= head.values[i]!.trim() !== "0";
    else if (n.length === 17 && n.toLowerCase() === "transfer-encoding") {
      te = te === undefined ? head.values[i]! : `${te}, ${head.values[i]}`;
      hasBody = true;
    }
  }
  return { hosts, transferEncoding: te, hasBody };
}

/**
 * @param path origin-form target; @param forwarding the peer and whether it is trusted, or
 * undefined for a request to berth's own API (which reads the peer from its connection)
 */
export function buildHead(
  head: ParsedHead,
  path: string,
  forwarding: { peer: string; trusted: boolean; host: string } | undefined,
): string {
  const named = connectionTokens(head);
  const sent: Forwarding = { xff: [], proto: undefined, xhost: undefined, forwarded: [] };
  const http10 = head.version === "1.0";
  let out = `${head.method} ${path} HTTP/${http10 ? "1.0" : "1.1"}\r\n`;
  let upgradeTo: string | undefined;
  for (let i = 0; i < head.names.length; i++) {
    const name = head.names[i]!;
    const lower = name.toLowerCase();
    const value = head.values[i]!.trim();
    if (!DROPPED.has(lower) && !named?.has(lower)) {
      out += `${name}: ${value}\r\n`;
      continue;
    }
    if (lower === "upgrade") upgradeTo = value;
    else if (lower === "x-forwarded-for") sent.xff.push(value);
    else if (lower === "x-forwarded-proto") sent.proto ??= value;
    else if (lower === "x-forwarded-host") sent.xhost ??= value;
    else if (lower === "forwarded") sent.forwarded.push(value);
  }
  if (forwarding) out += forwardingHeaders(forwarding.peer, forwarding.trusted, sent, forwarding.host);
  if (head.upgrade && upgradeTo !== undefined) out += `Connection: upgrade\r\nUpgrade: ${upgradeTo}\r\n`;
  else if (http10) out += "Connection: close\r\n";
  return `${out}\r\n`;
}

function connectionTokens(head: ParsedHead): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < head.names.length; i++) {
    if (head.names[i]!.toLowerCase() !== "connection") continue;
    tokens ??= new Set();
    for (const t of head.values[i]!.split(",")) {
      const token = t.trim().toLowerCase();
      // Naming a framing or routing header must not strip it: the body's framing was validated with it.
      if (token && token !== "content-length" && token !== "transfer-encoding" && token !== "host")
        tokens.add(token);
    }
  }
  return tokens;
}
