/** Required env vars: one rule for create, config replace and redeploy (a declared default counts). */
import { describe, expect, it } from "vitest";
import { type EnvVarDecl, missingRequiredEnv, resolveDeclaredEnv } from "./config-spec.js";

const decl = (name: string, extra: Partial<EnvVarDecl> = {}): EnvVarDecl =>
  ({ name, required: false, secret: false, ...extra }) as EnvVarDecl;

describe("missingRequiredEnv", () => {
  const decls = [
    decl("KEY", { required: true }),
    decl("MODE", { required: true, default: "prod" }),
    decl("OPT"),
  ];

  it.each<[string, Record<string, string>, string[]]>([
    ["nothing given", {}, ["KEY"]],
    ["the required one given", { KEY: "k" }, []],
    ["an empty value", { KEY: "" }, ["KEY"]],
    ["an empty value over a default", { KEY: "k", MODE: "" }, ["MODE"]],
  ])("%s", (_what, env, missing) => {
    expect(missingRequiredEnv(decls, env)).toEqual(missing);
  });

  it("is the rule resolveDeclaredEnv applies, after filling defaults", () => {
    expect(resolveDeclaredEnv(decls, { KEY: "k" })).toEqual({ env: { MODE: "prod", KEY: "k" }, missing: [] });
    expect(resolveDeclaredEnv(decls, {}).missing).toEqual(missingRequiredEnv(decls, {}));
  });
});
