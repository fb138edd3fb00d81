/**
 * One client connection on the front port. llhttp frames every request; each is routed by its own
 * Host (host.ts) to a replica (over a pooled kept-alive connection) or to berth's API (over this
 * connection's in-process link), and one request is in flight at a time, so pipelined requests are
 * answered in order. Bodies and responses pass as raw bytes in the framing llhttp validated; the
 * next request is parsed only after the previous response ended. An accepted Upgrade turns the
 * connection into a tunnel. Invariant: bytes of one request never reach another request's target.
 */
import type http from "node:http";
import type net from "node:net";
import type { CidrList } from "./forwarded.js";
import { unmapped } from "./forwarded.js";
import { destinationOf } from "./host.js";
import { ERR, HttpParser, type ParserHandler, TYPE } from "./llhttp.js";
import { localResponse } from "./local-response.js";
import { buildHead, HeadReader, headFacts } from "./request-head.js";
import type { Refusal, Router, Target } from "./router.js";
import { apiLink, type Upstream, type UpstreamPool, type UpstreamUser } from "./upstream.js";

export interface FrontContext {
  router: Router;
  pool: UpstreamPool;
  api: http.Server;
  domain: string;
  trusted: CidrList;
  touch(deploymentId: string): void;
  warn(obj: object, msg: string): void;
  maxHeadBytes: number;
}

enum Phase {
  Head = 0,
  Body = 1,
  Wait = 2,
  Tunnel = 3,
  Closed = 4,
}

const EMPTY = Buffer.alloc(0);
const STREAM_TOUCH_MS = 1_000;
export class ClientConnection implements ParserHandler, UpstreamUser {
  private readonly parser = new HttpParser(TYPE.REQUEST, this);
  readonly wantsText = true;
  private readonly peer: string;
  private readonly trusted: boolean;
  private phase = Phase.Head;
  private readonly head = new HeadReader();
  private headBytes = 0;
  /** When the head being read began (0: between requests); the front's sweep enforces timeouts. */
  headStartedAt: number;
  lastActive: number;
  private pending: Buffer | undefined;
  private blocked = false;
  private clientEnded = false;
  // The exchange in flight.
  method = "GET";
  private keepAlive = true;
  private hasBody = false;
  private requestDone = false;
  private responseStarted = false;
  private local = false;
  private up: Upstream | undefined;
  private apiUp: Upstream | undefined;
  private target: Target | undefined;
  private replay: string | undefined;
  private lastTouch = 0;
  private upPaused = false;

  constructor(
    readonly socket: net.Socket,
    private readonly ctx: FrontContext,
  ) {
    this.peer = unmapped(socket.remoteAddress ?? "");
    this.trusted = ctx.trusted.contains(this.peer);
    this.headStartedAt = this.lastActive = Date.now();
    socket.on("data", (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    socket.on("end", () => this.onClientEnd());
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.onClose());
  }

  /** A fault in handling one connection ends that connection, never the control plane. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.warn({ err }, "ingress connection failed");
      this.close(true);
    }
  }

  get idle(): boolean {
    return this.phase === Phase.Head && this.headStartedAt === 0;
  }

  get readingHead(): boolean {
    return this.phase === Phase.Head && this.headStartedAt !== 0;
  }

  // --- llhttp callbacks (request parser) ---
  onMessageBegin(): void {
    this.head.reset();
    if (this.headStartedAt === 0) this.headStartedAt = Date.now();
  }
  onUrl(text: string): void {
    this.head.url += text;
  }
  onHeaderField(text: string): void {
    this.head.field(text);
  }
  onHeaderValue(text: string): void {
    this.head.value(text);
  }
  onHeadersComplete(_status: number, upgrade: boolean, keepAlive: boolean): number {
    this.head.method = this.parser.method();
    this.head.version = this.parser.version();
    this.head.upgrade = upgrade;
    this.keepAlive = keepAlive;
    return ERR.PAUSED;
  }
  onMessageComplete(): number {
    return ERR.PAUSED;
  }

  // --- client bytes ---
  private onData(chunk: Buffer): void {
    this.lastActive = Date.now();
    if (this.phase === Phase.Tunnel) {
      this.touchStreaming();
      if (this.up && !this.up.socket.write(chunk)) this.waitForUpstreamDrain();
      return;
    }
    if (this.phase === Phase.Closed) return;
    if (this.blocked) {
      this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      this.socket.pause();
      return;
    }
    this.parse(chunk);
  }

  private parse(chunk: Buffer): void {
    let off = 0;
    for (;;) {
      const part = off === 0 ? chunk : chunk.subarray(off);
      const phase = this.phase;
      const r = this.parser.execute(part);
      if (r.errno === ERR.OK) {
        if (phase === Phase.Head) this.countHead(part.length);
        else if (part.length > 0) this.sendBody(part);
        return;
      }
      if (r.errno !== ERR.PAUSED) {
        this.refuse(400, `malformed request: ${this.parser.reason()}`, {}, true);
        return;
      }
      this.parser.resume();
      off += r.offset;
      if (phase === Phase.Head) {
        if (!this.countHead(r.offset)) return;
        this.phase = Phase.Body;
        this.beginExchange();
      } else {
        if (r.offset > 0) this.sendBody(part.subarray(0, r.offset));
        this.endRequest();
      }
      if ((this.phase as Phase) === Phase.Closed) return;
      if (this.blocked) {
        if (off < chunk.length) this.pending = chunk.subarray(off);
        this.socket.pause();
        return;
      }
    }
  }

  private countHead(n: number): boolean {
    this.headBytes += n;
    if (this.headBytes <= this.ctx.maxHeadBytes) return true;
    this.refuse(431, `request head larger than ${this.ctx.maxHeadBytes} bytes`, {}, true);
    return false;
  }

  /** Continues with bytes that arrived while a request waited for routing or its response. */
  private unblock(): void {
    this.blocked = false;
    const rest = this.pending ?? EMPTY;
    this.pending = undefined;
    this.parse(rest);
    if (!this.blocked && this.phase !== Phase.Closed) this.socket.resume();
  }

  // --- one exchange ---
  private beginExchange(): void {
    const head = this.head;
    this.headBytes = 0;
    this.headStartedAt = 0;
    this.method = head.method;
    this.requestDone = this.responseStarted = this.local = false;
    this.replay = this.target = undefined;
    const facts = headFacts(head);
    this.hasBody = facts.hasBody;
    if (head.method === "CONNECT") {
      this.refuse(405, "CONNECT is not supported", {}, true);
      return;
    }
    if (facts.transferEncoding !== undefined && !/(^|,)\s*chunked\s*$/i.test(facts.transferEncoding)) {
      this.refuse(400, "Transfer-Encoding must end with chunked", {}, true);
      return;
    }
    const dest = destinationOf(facts.hosts, head.url, head.version, this.ctx.domain);
    switch (dest.kind) {
      case "bad": {
        this.refuse(400, dest.reason, {}, true);
        return;
      }
      case "unknown": {
        this.refuse(404, `no deployment serves ${dest.host}`);
        return;
      }
      case "api": {
        if (head.upgrade) {
          this.refuse(400, "berth's API does not upgrade connections", {}, true);
          return;
        }
        if (!this.apiUp?.alive)
          this.apiUp = apiLink(this.ctx.api, { address: this.peer, port: this.socket.remotePort ?? 0 });
        this.attach(this.apiUp, buildHead(head, facts, dest.path, undefined));
        return;
      }
      case "ingress": {
        const head2 = (t: Target) =>
          this.forward(
            t,
            buildHead(head, facts, dest.path, { peer: this.peer, trusted: this.trusted, host: dest.host }),
          );
        const ready = this.ctx.router.now(dest.name, Date.now());
        if (ready && this.enter(dest.name, ready)) {
          head2(ready);
          return;
        }
        if (ready) return;
        this.blocked = true;
        this.ctx.router
          .resolve(dest.name, () => this.phase === Phase.Closed)
          .then(
            (r) => this.afterResolve(dest.name, r, head2),
            (err) => {
              this.ctx.warn({ err, name: dest.name }, "routing failed");
              this.afterResolve(dest.name, { status: 502, message: "routing failed" }, head2);
            },
          );
      }
    }
  }

  private afterResolve(name: string, r: Target | Refusal, go: (t: Target) => void): void {
    if (this.phase === Phase.Closed) return;
    if ("status" in r) this.refuse(r.status, r.message, r.headers);
    else if (this.enter(name, r)) go(r);
    if ((this.phase as Phase) === Phase.Closed) return;
    this.unblock();
  }

  private enter(name: string, t: Target): boolean {
    if (this.ctx.router.enter(t.deploymentId)) {
      this.target = t;
      return true;
    }
    const limit = this.ctx.router.limitRefusal(name);
    this.refuse(limit.status, limit.message, limit.headers);
    return false;
  }

  private forward(t: Target, head: string): void {
    this.ctx.touch(t.deploymentId);
    this.lastTouch = Date.now();
    if (!this.hasBody && !this.head.upgrade) this.replay = head;
    this.attach(this.ctx.pool.acquire(t.endpoint.host, t.endpoint.port), head);
  }

  private attach(up: Upstream, head: string): void {
    up.user = this;
    up.uses++;
    this.up = up;
    up.socket.write(head);
  }

  private sendBody(part: Buffer): void {
    if (this.up && !this.up.socket.write(part)) {
      this.socket.pause();
      this.up.socket.once("drain", () => {
        if (!this.blocked && this.phase !== Phase.Closed) this.socket.resume();
      });
    }
  }

  private endRequest(): void {
    this.requestDone = true;
    if (this.local) {
      this.phase = Phase.Head;
      this.lastActive = Date.now();
      if (this.clientEnded) this.close();
      return;
    }
    this.phase = Phase.Wait;
    this.blocked = true;
  }

  // --- upstream bytes ---
  onUpstreamData(up: Upstream, chunk: Buffer): void {
    if (up !== this.up) {
      up.destroy();
      return;
    }
    if (this.phase === Phase.Tunnel) {
      this.touchStreaming();
      this.toClient(chunk);
      return;
    }
    let off = 0;
    for (;;) {
      const part = off === 0 ? chunk : chunk.subarray(off);
      const r = up.parser.execute(part);
      if (r.errno === ERR.OK) {
        this.toClient(part);
        return;
      }
      if (r.errno !== ERR.PAUSED) {
        this.ctx.warn({ reason: up.parser.reason() }, "malformed response from upstream");
        this.onUpstreamFailed(up, undefined);
        return;
      }
      up.parser.resume();
      this.toClient(part.subarray(0, r.offset));
      off += r.offset;
      if (up.status === 101) {
        this.startTunnel(up, chunk.subarray(off));
        return;
      }
      if (up.status >= 200) {
        this.endResponse(up, off < chunk.length);
        return;
      }
    }
  }

  onUpstreamEnd(up: Upstream): void {
    if (up !== this.up) return;
    if (this.phase === Phase.Tunnel) {
      // The app ended the tunnel: what it sent still reaches the client, then the connection ends.
      this.up = undefined;
      up.user = undefined;
      this.close();
      return;
    }
    const r = up.parser.finish();
    if (r === ERR.PAUSED && this.responseStarted && up.status >= 200) {
      up.keepAlive = false;
      this.endResponse(up, false);
      return;
    }
    this.onUpstreamFailed(up, undefined);
  }

  onUpstreamFailed(up: Upstream, err: Error | undefined): void {
    if (up !== this.up) return;
    this.up = undefined;
    up.destroy();
    if (up === this.apiUp) this.apiUp = undefined;
    if (this.phase === Phase.Tunnel || this.responseStarted) {
      this.close(true);
      return;
    }
    const t = this.target;
    if (t && this.replay !== undefined && up.uses > 1) {
      this.attach(this.ctx.pool.acquire(t.endpoint.host, t.endpoint.port), this.replay);
      return;
    }
    if (err) this.ctx.warn({ err: err.message }, "upstream connection failed");
    this.leave();
    this.refuse(502, "upstream connection failed", {}, !this.requestDone);
    if (this.phase === Phase.Wait) {
      this.phase = Phase.Head;
      this.lastActive = Date.now();
      this.unblock();
    }
  }

  private toClient(buf: Buffer): void {
    if (buf.length === 0) return;
    this.responseStarted = true;
    if (!this.socket.write(buf) && this.up && !this.upPaused) {
      const up = this.up;
      this.upPaused = true;
      up.socket.pause();
      this.socket.once("drain", () => {
        this.upPaused = false;
        up.socket.resume();
      });
    }
    if (this.target && this.phase !== Phase.Tunnel) this.touchStreaming();
  }

  private endResponse(up: Upstream, extraBytes: boolean): void {
    this.up = undefined;
    const reusable = up.keepAlive && this.requestDone && !extraBytes;
    if (up === this.apiUp) {
      up.user = undefined;
      if (!reusable) {
        up.destroy();
        this.apiUp = undefined;
      }
    } else if (reusable) this.ctx.pool.release(up, Date.now());
    else up.destroy();
    this.leave();
    if (!this.keepAlive || !up.keepAlive || this.head.upgrade || this.clientEnded) {
      this.close();
      return;
    }
    if (!this.requestDone) {
      // Answered before the whole body arrived (a 401, a 413): the rest is read and dropped, as
      // Node's own server does, and the connection carries on.
      this.local = true;
      this.socket.resume();
      return;
    }
    this.phase = Phase.Head;
    this.lastActive = Date.now();
    this.unblock();
  }

  private startTunnel(up: Upstream, rest: Buffer): void {
    if (!this.head.upgrade) {
      this.onUpstreamFailed(up, undefined);
      return;
    }
    this.phase = Phase.Tunnel;
    this.toClient(rest);
    up.parser.destroy();
    const early = this.pending;
    this.pending = undefined;
    this.blocked = false;
    if (early) up.socket.write(early);
    this.socket.resume();
  }

  private waitForUpstreamDrain(): void {
    this.socket.pause();
    this.up?.socket.once("drain", () => this.socket.resume());
  }

  private touchStreaming(): void {
    const now = Date.now();
    if (this.target && now - this.lastTouch >= STREAM_TOUCH_MS) {
      this.lastTouch = now;
      this.ctx.touch(this.target.deploymentId);
    }
  }

  private leave(): void {
    if (!this.target) return;
    this.ctx.touch(this.target.deploymentId);
    this.ctx.router.leave(this.target.deploymentId);
    this.target = undefined;
  }

  /**
   * Answers the current request from berth itself ({"error": message}). The connection stays open
   * only when the request is body-less and kept alive; otherwise it closes after the answer.
   */
  refuse(status: number, message: string, headers: Record<string, string> = {}, close = false): void {
    if (this.phase === Phase.Closed) return;
    const closing = close || !this.keepAlive || this.clientEnded || (this.hasBody && !this.requestDone);
    this.socket.write(localResponse(status, message, headers, closing, this.method === "HEAD"));
    this.local = true;
    if (closing) this.close();
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.phase === Phase.Tunnel) this.up?.socket.end();
    else if (this.idle || this.readingHead) this.close();
    // A body cut short can never complete: abort it rather than leave the app waiting for the rest.
    else if (this.phase === Phase.Body && !this.blocked) this.close(true);
  }

  /** Ends the connection after what was written (or at once with `abort`). */
  close(abort = false): void {
    if (this.phase === Phase.Closed && !abort) return;
    this.phase = Phase.Closed;
    if (abort) this.socket.destroy();
    else this.socket.end();
  }

  private onClose(): void {
    this.phase = Phase.Closed;
    this.parser.destroy();
    if (this.up) {
      const up = this.up;
      this.up = undefined;
      up.destroy();
    }
    this.apiUp?.destroy();
    this.apiUp = undefined;
    this.leave();
  }
}
