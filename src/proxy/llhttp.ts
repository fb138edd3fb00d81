/**
 * llhttp (the parser inside Node's http and undici), loaded from undici's WebAssembly build, with
 * byte positions: callbacks receive spans of the chunk being parsed, and a handler pauses the parser
 * (return PAUSED) at the end of a head or a message so the caller learns exactly where it ends.
 * The proxy never frames HTTP itself: every length, chunk and message boundary comes from here.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const wasmBytes: Buffer = require("undici/lib/llhttp/llhttp-wasm.js");

/** llhttp error numbers the proxy acts on (llhttp's `llhttp_errno_t`). */
export const ERR = { OK: 0, PAUSED: 21, PAUSED_UPGRADE: 22 } as const;
export const TYPE = { REQUEST: 1, RESPONSE: 2 } as const;
/** on_headers_complete results: parse a body, or treat the message as having none (HEAD responses). */
export const HEADERS = { BODY: 0, NO_BODY: 1 } as const;

export interface ParserHandler {
  /** false: the head's text is not needed (onUrl/onHeaderField/onHeaderValue are not called). */
  readonly wantsText: boolean;
  onMessageBegin(): void;
  /** Pieces (latin1) of the request target; one may arrive in several pieces across chunks. */
  onUrl(text: string): void;
  onHeaderField(text: string): void;
  onHeaderValue(text: string): void;
  /** Returns HEADERS.* or ERR.PAUSED. */
  onHeadersComplete(statusCode: number, upgrade: boolean, keepAlive: boolean): number;
  /** Returns ERR.OK or ERR.PAUSED. */
  onMessageComplete(): number;
}

interface Exports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(p: number): void;
  llhttp_execute(p: number, data: number, len: number): number;
  llhttp_finish(p: number): number;
  llhttp_resume(p: number): void;
  llhttp_get_error_pos(p: number): number;
  llhttp_get_error_reason(p: number): number;
  llhttp_get_method(p: number): number;
  llhttp_get_http_major(p: number): number;
  llhttp_get_http_minor(p: number): number;
  llhttp_should_keep_alive(p: number): number;
}

let current: HttpParser | undefined;
let chunkRef: Buffer = Buffer.alloc(0);
/** The chunk as latin1 text, decoded once per execute on first use; spans are cheap slices of it. */
let chunkText: string | undefined;
let bufPtr = 0;
let bufSize = 0;

function text(at: number, len: number): string {
  chunkText ??= chunkRef.toString("latin1");
  const start = at - bufPtr;
  return chunkText.slice(start, start + len);
}
const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasmBytes)), {
  env: {
    wasm_on_message_begin: () => {
      current!.handler.onMessageBegin();
      return 0;
    },
    wasm_on_url: (_p: number, at: number, len: number) => {
      const h = current!.handler;
      if (h.wantsText) h.onUrl(text(at, len));
      return 0;
    },
    wasm_on_status: () => 0,
    wasm_on_header_field: (_p: number, at: number, len: number) => {
      const h = current!.handler;
      if (h.wantsText) h.onHeaderField(text(at, len));
      return 0;
    },
    wasm_on_header_value: (_p: number, at: number, len: number) => {
      const h = current!.handler;
      if (h.wantsText) h.onHeaderValue(text(at, len));
      return 0;
    },
    wasm_on_headers_complete: (_p: number, status: number, upgrade: number, keepAlive: number) =>
      current!.handler.onHeadersComplete(status, upgrade === 1, keepAlive === 1),
    wasm_on_body: () => 0,
    wasm_on_message_complete: () => current!.handler.onMessageComplete(),
  },
});
const llhttp = instance.exports as unknown as Exports;

/** The method names llhttp numbers (llhttp's `llhttp_method_t`), for the request line. */
const METHODS: string[] = Object.entries(
  require("undici/lib/llhttp/constants.js").METHODS as Record<string, number>,
).reduce<string[]>((acc, [name, n]) => {
  acc[n] = name;
  return acc;
}, []);

export interface ExecuteResult {
  /** ERR.OK, ERR.PAUSED, ERR.PAUSED_UPGRADE or another llhttp error number. */
  errno: number;
  /** For anything but OK: the offset in the chunk where parsing stopped. */
  offset: number;
}

export class HttpParser {
  private ptr: number;

  constructor(
    type: number,
    readonly handler: ParserHandler,
  ) {
    this.ptr = llhttp.llhttp_alloc(type);
  }

  execute(chunk: Buffer): ExecuteResult {
    if (chunk.length > bufSize) {
      if (bufPtr) llhttp.free(bufPtr);
      bufSize = Math.ceil(chunk.length / 4096) * 4096;
      bufPtr = llhttp.malloc(bufSize);
    }
    new Uint8Array(llhttp.memory.buffer, bufPtr, chunk.length).set(chunk);
    current = this;
    chunkRef = chunk;
    chunkText = undefined;
    let errno: number;
    try {
      errno = llhttp.llhttp_execute(this.ptr, bufPtr, chunk.length);
    } finally {
      current = undefined;
      chunkRef = EMPTY;
      chunkText = undefined;
    }
    if (errno === ERR.OK) return { errno, offset: chunk.length };
    return { errno, offset: llhttp.llhttp_get_error_pos(this.ptr) - bufPtr };
  }

  /** Tells the parser the stream ended (a response read until close completes here). */
  finish(): number {
    current = this;
    try {
      return llhttp.llhttp_finish(this.ptr);
    } finally {
      current = undefined;
    }
  }

  resume(): void {
    llhttp.llhttp_resume(this.ptr);
  }

  method(): string {
    return METHODS[llhttp.llhttp_get_method(this.ptr)] ?? "GET";
  }

  version(): string {
    return `${llhttp.llhttp_get_http_major(this.ptr)}.${llhttp.llhttp_get_http_minor(this.ptr)}`;
  }

  keepAlive(): boolean {
    return llhttp.llhttp_should_keep_alive(this.ptr) === 1;
  }

  /** llhttp's reason for the last error, e.g. "Content-Length can't be present with Transfer-Encoding". */
  reason(): string {
    const p = llhttp.llhttp_get_error_reason(this.ptr);
    if (!p) return "malformed HTTP";
    const bytes = new Uint8Array(llhttp.memory.buffer, p);
    return Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString("latin1");
  }

  destroy(): void {
    if (this.ptr) llhttp.llhttp_free(this.ptr);
    this.ptr = 0;
  }
}

const EMPTY = Buffer.alloc(0);
