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

/** Collects one request head from llhttp's text callbacks; a name or value may come in pieces. */
export class HeadReader implements ParsedHead {
  method = "GET";
  version = "1.1";
  url = "";
  names: string[] = [];
  values: string[] = [];
  upgrade = false;
  private inValue = false;

  reset(): void {
    this.url = "";
    this.names = [];
    this.values = [];
    this.upgrade = false;
    this.inValue = false;
  }

  field(text: string): void {
    if (this.inValue || this.names.length === 0) {
      this.names.push(text);
      this.values.push("");
      this.inValue = false;
    } else this.names[this.names.length - 1] += text;
  }

  value(text: string): void {
    this.values[this.values.length - 1] += text;
    this.inValue = true;
  }
}

/** What the head says about routing and framing, read in one pass. */
export interface HeadFacts {
  /** Header names in lower case, index for index with `ParsedHead.names`. */
  lower: string[];
  /** Headers the Connection header names (hop-by-hop), if it names any. */
  named: Set<string> | undefined;
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
  const lower: string[] = new Array(head.names.length);
  let named: Set<string> | undefined;
  let te: string | undefined;
  let hasBody = false;
  for (let i = 0; i < head.names.length; i++) {
    const n = head.names[i]!.toLowerCase();
    const v = head.values[i]!;
    lower[i] = n;
    if (n === "host") hosts.push(v);
    else if (n === "content-length") hasBody ||= v.trim() !== "0";
    else if (n === "transfer-encoding") {
      te = te === undefined ? v : `${te}, ${v}`;
      hasBody = true;
    } else if (n === "connection") named = connectionTokens(v, named);
  }
  return { lower, named, hosts, transferEncoding: te, hasBody };
}

/**
 * @param path origin-form target; @param forwarding the peer and whether it is trusted, or
 * undefined for a request to berth's own API (which reads the peer from its connection)
 */
export function buildHead(
  head: ParsedHead,
  facts: HeadFacts,
  path: string,
  forwarding: { peer: string; trusted: boolean; host: string } | undefined,
): string {
  const { lower: names, named } = facts;
  const sent: Forwarding = { xff: [], proto: undefined, xhost: undefined, forwarded: [] };
  const http10 = head.version === "1.0";
  let out = `${head.method} ${path} HTTP/${http10 ? "1.0" : "1.1"}\r\n`;
  let upgradeTo: string | undefined;
  for (let i = 0; i < head.names.length; i++) {
    const lower = names[i]!;
    const value = head.values[i]!.trim();
    if (!DROPPED.has(lower) && !named?.has(lower)) {
      out += `${head.names[i]}: ${value}\r\n`;
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

function connectionTokens(value: string, into: Set<string> | undefined): Set<string> {
  const tokens = into ?? new Set<string>();
  for (const t of value.split(",")) {
    const token = t.trim().toLowerCase();
    // Naming a framing or routing header must not strip it: the body's framing was validated with it.
    if (token && token !== "content-length" && token !== "transfer-encoding" && token !== "host")
      tokens.add(token);
  }
  return tokens;
}
