/**
 * Connections the front listener forwards requests over: kept-alive TCP connections to replicas,
 * pooled per endpoint, and in-process links to berth's own API server (a Duplex pair handed to the
 * API's http.Server, so an API request never leaves the process). Each connection carries one
 * request at a time and owns a response parser that tells its user where each response ends.
 */
import { Duplex } from "node:stream";
import type http from "node:http";
import net from "node:net";
import { ERR, HEADERS, HttpParser, type ParserHandler, TYPE } from "./llhttp.js";

/** What an upstream reports to the request it serves. */
export interface UpstreamUser {
  readonly method: string;
  /** Runs a handler; a fault ends the user's connection instead of escaping. */
  guard(fn: () => void): void;
  onUpstreamData(up: Upstream, chunk: Buffer): void;
  onUpstreamEnd(up: Upstream): void;
  onUpstreamFailed(up: Upstream, err: Error | undefined): void;
}

export class Upstream implements ParserHandler {
  readonly parser = new HttpParser(TYPE.RESPONSE, this);
  readonly wantsText = false;
  user: UpstreamUser | undefined;
  /** Status and keep-alive of the response being read. */
  status = 0;
  keepAlive = false;
  /** Requests this connection has carried; above 0 it may have been closed by the other end. */
  uses = 0;
  idleSince = 0;
  private failed = false;

  constructor(
    readonly socket: Duplex,
    readonly poolKey: string,
  ) {
    socket.on("data", (chunk: Buffer) => {
      const user = this.user;
      if (user) user.guard(() => user.onUpstreamData(this, chunk));
      else socket.destroy();
    });
    socket.on("end", () => {
      const user = this.user;
      user?.guard(() => user.onUpstreamEnd(this));
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(undefined));
  }

  private fail(err: Error | undefined): void {
    if (this.failed) return;
    this.failed = true;
    this.parser.destroy();
    const user = this.user;
    this.user = undefined;
    user?.guard(() => user.onUpstreamFailed(this, err));
  }

  get alive(): boolean {
    return !this.failed && !this.socket.destroyed;
  }

  onMessageBegin(): void {}
  onUrl(): void {}
  onHeaderField(): void {}
  onHeaderValue(): void {}
  onHeadersComplete(status: number, _upgrade: boolean, keepAlive: boolean): number {
    this.status = status;
    this.keepAlive = keepAlive;
    return this.user?.method === "HEAD" && status >= 200 ? HEADERS.NO_BODY : HEADERS.BODY;
  }
  onMessageComplete(): number {
    // Asked again now: a HEAD response without a length is complete without waiting for EOF.
    this.keepAlive = this.parser.keepAlive();
    return ERR.PAUSED;
  }

  destroy(): void {
    this.user = undefined;
    this.socket.destroy();
  }
}

/** Idle kept-alive connections per endpoint; closed after IDLE_MS, before a Node app's default 5 s. */
export class UpstreamPool {
  private readonly idle = new Map<string, Upstream[]>();
  static readonly IDLE_MS = 3_000;
  static readonly MAX_IDLE_PER_ENDPOINT = 128;

  /** A kept-alive connection to host:port, or a new one (writes wait for the connect). */
  acquire(host: string, port: number): Upstream {
    const key = `${host}:${port}`;
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const up = list.pop()!;
      if (up.alive) return up;
    }
    const socket = net.connect({ host, port, noDelay: true });
    return new Upstream(socket, key);
  }

  release(up: Upstream, now: number): void {
    if (!up.alive) return;
    up.user = undefined;
    up.idleSince = now;
    let list = this.idle.get(up.poolKey);
    if (!list) {
      list = [];
      this.idle.set(up.poolKey, list);
    }
    if (list.length >= UpstreamPool.MAX_IDLE_PER_ENDPOINT) {
      up.destroy();
      return;
    }
    list.push(up);
  }

  /** Closes connections idle longer than IDLE_MS (all of them with `now` = Infinity). */
  sweep(now: number): void {
    for (const [key, list] of this.idle) {
      const keep = list.filter((up) => {
        const stale = !up.alive || now - up.idleSince >= UpstreamPool.IDLE_MS;
        if (stale) up.destroy();
        return !stale;
      });
      if (keep.length === 0) this.idle.delete(key);
      else this.idle.set(key, keep);
    }
  }
}

/** One end of an in-memory connection; writes become the other end's reads, with backpressure. */
class Half extends Duplex {
  peer!: Half;
  private waiting: (() => void) | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  readonly remoteFamily = "IPv4";
  readonly localAddress = "127.0.0.1";
  readonly encrypted = false;

  // Delivery is deferred a tick so a write never re-enters its writer (as with a real socket).
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    process.nextTick(() => {
      if (this.peer.destroyed) return cb();
      if (this.peer.push(chunk)) cb();
      else this.peer.waiting = cb;
    });
  }
  override _read(): void {
    const cb = this.waiting;
    this.waiting = undefined;
    cb?.();
  }
  override _final(cb: (err?: Error | null) => void): void {
    process.nextTick(() => {
      if (!this.peer.destroyed) this.peer.push(null);
      cb();
    });
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    cb(err);
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

/** A new in-process connection to berth's API server, seen by it as coming from `peer`. */
export function apiLink(api: http.Server, peer: { address: string; port: number }): Upstream {
  const ours = new Half({ allowHalfOpen: true });
  const theirs = new Half({ allowHalfOpen: true });
  ours.peer = theirs;
  theirs.peer = ours;
  theirs.remoteAddress = peer.address;
  theirs.remotePort = peer.port;
  api.emit("connection", theirs);
  return new Upstream(ours, "api");
}
