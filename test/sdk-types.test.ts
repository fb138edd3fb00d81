/**
 * The TypeScript SDK's answers are all typed from the served document: no operation falls back to
 * an untyped object. Checked twice: by the type checker (`npx tsc`, the assertion below) and by
 * reading the SDK's source for an `any` fallback.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, expectTypeOf, it } from "vitest";
import type { OperationName, Result } from "../sdk/typescript/src/index.js";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** `any`, `never`, or an object of `any` (`Record<string, any>`): what an undeclared schema gives. */
type IsUntyped<T> =
  IsAny<T> extends true
    ? true
    : [T] extends [never]
      ? true
      : string extends keyof T
        ? IsAny<T[keyof T]>
        : false;
type Untyped = { [N in OperationName]: IsUntyped<Result<N>> extends true ? N : never }[OperationName];

it("types the answer of every operation (checked by tsc)", () => {
  expectTypeOf<Untyped>().toEqualTypeOf<never>();
  // the check itself tells an untyped answer from a typed one
  // biome-ignore lint/suspicious/noExplicitAny: the fallback the check must catch
  expectTypeOf<IsUntyped<Record<string, any>>>().toEqualTypeOf<true>();
  expectTypeOf<IsUntyped<{ ok: true }>>().toEqualTypeOf<false>();
});

it("leaves no untyped fallback in the SDK's source", () => {
  const dir = path.resolve(import.meta.dirname, "../sdk/typescript/src");
  for (const f of ["operations.ts", "openapi.ts", "client.ts"]) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    expect({ file: f, fallback: /Record<string,\s*any>|:\s*any\b/.test(text) }).toEqual({
      file: f,
      fallback: false,
    });
  }
});
