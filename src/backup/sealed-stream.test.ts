/**
 * Format 2 (sealed-stream.ts) against every way a stored stream can be damaged: each one fails,
 * and what was released before the failure is only whole chunks that verified.
 */
import { randomBytes } from "node:crypto";
import { PassThrough, Readable, type Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { CHUNK_BYTES, isSealed, openSealed, SEALED_HEADER_BYTES, seal } from "./sealed-stream.js";

const key = randomBytes(32);
const SEALED_CHUNK = CHUNK_BYTES + 16;

async function through(t: Transform, input: Buffer, piece = 10_000): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += piece) parts.push(input.subarray(i, i + piece));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(parts),
    t,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Opens `sealed`, returning what was released and the error (if any). */
async function open(sealed: Buffer, k = key): Promise<{ released: Buffer; error?: Error }> {
  const released: Buffer[] = [];
  const sink = new PassThrough();
  sink.on("data", (c: Buffer) => released.push(c));
  try {
    await pipeline(Readable.from([sealed]), openSealed(k), sink);
    return { released: Buffer.concat(released) };
  } catch (error) {
    return { released: Buffer.concat(released), error: error as Error };
  }
}

describe("round trip", () => {
  it.each([0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 5 * CHUNK_BYTES + 777])(
    "%i bytes come back unchanged, in exactly ⌈n/64 KiB⌉ chunks (at least one)",
    async (n) => {
      const plain = randomBytes(n);
      const sealed = await through(seal(key), plain);
      expect(isSealed(sealed)).toBe(true);
      const chunks = Math.max(1, Math.ceil(n / CHUNK_BYTES));
      expect(sealed.length).toBe(SEALED_HEADER_BYTES + n + 16 * chunks);
      const { released, error } = await open(sealed);
      expect(error).toBeUndefined();
      expect(released.equals(plain)).toBe(true);
    },
  );

  it("reads a stream however its input is split", async () => {
    const plain = randomBytes(2 * CHUNK_BYTES + 5);
    const sealed = await through(seal(key), plain, 65_537);
    for (const piece of [3, 4096, 70_000]) {
      expect((await through(openSealed(key), sealed, piece)).equals(plain)).toBe(true);
    }
  });
});

describe("refuses a damaged stream, releasing only chunks that verified before the damage", () => {
  const plain = randomBytes(4 * CHUNK_BYTES + 100);
  const sealedP = through(seal(key), plain);
  const chunkAt = (i: number) => SEALED_HEADER_BYTES + i * SEALED_CHUNK;

  it("a flipped bit in chunk 2: chunks 0 and 1 released, nothing of chunk 2 or later", async () => {
    const s = Buffer.from(await sealedP);
    s[chunkAt(2) + 100]! ^= 1;
    const { released, error } = await open(s);
    expect(error?.message).toMatch(/authentication failed/);
    expect(released.equals(plain.subarray(0, 2 * CHUNK_BYTES))).toBe(true);
  });

  it("a flipped bit in a tag", async () => {
    const s = Buffer.from(await sealedP);
    s[chunkAt(1) - 1]! ^= 0x80;
    const { released, error } = await open(s);
    expect(error?.message).toMatch(/authentication failed/);
    expect(released.length).toBe(0);
  });

  it("two chunks swapped", async () => {
    const s = Buffer.from(await sealedP);
    const one = Buffer.from(s.subarray(chunkAt(1), chunkAt(2)));
    s.copy(s, chunkAt(1), chunkAt(2), chunkAt(3));
    one.copy(s, chunkAt(2));
    const { released, error } = await open(s);
    expect(error?.message).toMatch(/authentication failed/);
    expect(released.equals(plain.subarray(0, CHUNK_BYTES))).toBe(true);
  });

  it("a chunk dropped", async () => {
    const s = await sealedP;
    const { error } = await open(Buffer.concat([s.subarray(0, chunkAt(1)), s.subarray(chunkAt(2))]));
    expect(error?.message).toMatch(/authentication failed/);
  });

  it("cut at a chunk boundary (no last chunk)", async () => {
    const s = await sealedP;
    const { released, error } = await open(s.subarray(0, chunkAt(3)));
    expect(error?.message).toMatch(/authentication failed/);
    expect(released.length).toBe(2 * CHUNK_BYTES);
  });

  it("cut inside a chunk, or before the first tag", async () => {
    const s = await sealedP;
    expect((await open(s.subarray(0, s.length - 1))).error?.message).toMatch(/authentication failed/);
    expect((await open(s.subarray(0, SEALED_HEADER_BYTES + 3))).error?.message).toMatch(/authentication/);
  });

  it("bytes appended after the last chunk", async () => {
    const s = await sealedP;
    const { error } = await open(Buffer.concat([s, Buffer.from("x")]));
    expect(error?.message).toMatch(/authentication failed/);
  });

  it("an edited header (chunk size or nonce prefix)", async () => {
    for (const at of [SEALED_HEADER_BYTES - 1, SEALED_HEADER_BYTES - 8]) {
      const s = Buffer.from(await sealedP);
      s[at]! ^= 1;
      const { released, error } = await open(s);
      expect(error?.message).toMatch(/authentication failed/);
      expect(released.length).toBe(0);
    }
  });

  it("the wrong key", async () => {
    const { released, error } = await open(await sealedP, randomBytes(32));
    expect(error?.message).toMatch(/authentication failed/);
    expect(released.length).toBe(0);
  });

  it("something that is not a sealed stream", async () => {
    const { error } = await open(Buffer.from("BERTHGCM1 and then some other bytes"));
    expect(error?.message).toMatch(/not a sealed berth archive/);
  });
});
