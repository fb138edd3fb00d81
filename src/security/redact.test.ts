import { describe, expect, it } from "vitest";
import { MASK, redact, redactTail, secretPieces } from "./redact.js";

/** Every 8-character fragment of `secret` that occurs in `text`. */
const fragments = (text: string, secret: string) =>
  Array.from({ length: Math.max(0, secret.length - 7) }, (_, i) => secret.slice(i, i + 8)).filter((f) =>
    text.includes(f),
  );

describe("redact", () => {
  it("masks every occurrence, the longer of two overlapping secrets first", () => {
    const pieces = secretPieces(["abcd1234", "abcd1234-longer", "ok"]);
    expect(redact("x abcd1234-longer y abcd1234 ok", pieces)).toBe(`x ${MASK} y ${MASK} ok`);
  });

  it("masks each line of a multi-line secret, so a line-by-line log shows none of it", () => {
    const pem = "-----BEGIN KEY-----\r\nAAAAbbbbCCCCdddd\nEEEEffff\n-----END KEY-----";
    const pieces = secretPieces([pem]);
    const log = pem.split(/\r?\n/).map((l) => `log: ${l}`);
    for (const line of log) expect(fragments(redact(line, pieces), "AAAAbbbbCCCCdddd")).toEqual([]);
    expect(redact(log[2]!, pieces)).toBe(`log: ${MASK}`);
  });

  it("leaves values shorter than 4 characters alone", () => {
    expect(redact("on 1 off", secretPieces(["on", "1"]))).toBe("on 1 off");
  });
});

describe("redactTail", () => {
  const secret = "tok-5ecret-7f3a9c-0123456789";
  const pieces = secretPieces([secret]);

  it("drops the tail of a secret the cut went through", () => {
    const tail = `${secret.slice(10)} and then ${secret} end`;
    const out = redactTail(tail, pieces, 1000, true);
    expect(out).toBe(` and then ${MASK} end`);
    expect(fragments(out, secret)).toEqual([]);
  });

  it("keeps a text that was not cut as it is, masked", () => {
    expect(redactTail(`${secret.slice(10)} x`, pieces, 1000, false)).toBe(`${secret.slice(10)} x`);
  });

  it("keeps stripping while the next secret also starts inside the dropped part", () => {
    const other = "second-secret-value";
    const both = secretPieces([secret, other]);
    const tail = `${secret.slice(-6)}${other.slice(-12)} rest`;
    const out = redactTail(tail, both, 1000, true);
    expect(fragments(out, other)).toEqual([]);
    expect(out).toBe(" rest");
  });

  it("returns at most `keep` characters", () => {
    expect(redactTail(`${"a".repeat(50)}${secret}`, pieces, 10, false)).toBe(`aa${MASK}`);
  });
});
