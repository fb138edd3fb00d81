import { describe, expect, it } from "vitest";
import { expandRefs, processEnv } from "./env-expand.js";

describe("$(VAR) expansion", () => {
  it.each([
    ["$(PORT)", { PORT: "8080" }, "8080"],
    ["--port=$(PORT) --host=$(HOST)", { PORT: "1", HOST: "h" }, "--port=1 --host=h"],
    ["$(MISSING)", {}, "$(MISSING)"],
    ["$$(PORT)", { PORT: "1" }, "$(PORT)"],
    ["$$$(PORT)", { PORT: "1" }, "$1"],
    ["$PORT", { PORT: "1" }, "$PORT"],
    ["$(1BAD)", { "1BAD": "x" }, "$(1BAD)"],
    ["a$(X)b$(X)", { X: "-" }, "a-b-"],
    ["$(X", { X: "1" }, "$(X"],
  ])("%s → %s", (input, vars, expected) => {
    expect(expandRefs(input, vars)).toBe(expected);
  });

  it("resolves the author's env entries in order, berth's vars winning", () => {
    const { env } = processEnv({
      provided: { PORT: "9000" },
      authorEnv: {
        OTHER_PORT: "$(PORT)",
        URL: "http://127.0.0.1:$(OTHER_PORT)/",
        LATER: "$(AFTER)",
        AFTER: "x",
        PORT: "ignored",
      },
      authorArgs: [],
    });
    expect(env).toEqual({
      PORT: "9000",
      OTHER_PORT: "9000",
      URL: "http://127.0.0.1:9000/",
      LATER: "$(AFTER)",
      AFTER: "x",
    });
  });

  it("passes user-supplied values byte for byte and inserts them literally where the author refers to them", () => {
    const value = "pa$$w0rd-$(HOME)-end";
    const { env, args } = processEnv({
      provided: { HOME: "/data/volume" },
      defaults: { LANG: "C.UTF-8" },
      values: { GREETING: value, API_TOKEN: "$(HOME)", LANG: "de_DE.UTF-8" },
      authorEnv: { GREETING: "author default", WRAPPED: "[$(GREETING)]", AUTHOR: "$$(HOME) $(HOME)" },
      authorArgs: ["--token=$(API_TOKEN)", "$(GREETING)", "$$(GREETING)"],
    });
    expect(env).toEqual({
      HOME: "/data/volume",
      LANG: "de_DE.UTF-8",
      GREETING: value,
      API_TOKEN: "$(HOME)",
      WRAPPED: `[${value}]`,
      AUTHOR: "$(HOME) /data/volume",
    });
    expect(args).toEqual(["--token=$(HOME)", value, "$(GREETING)"]);
  });
});
