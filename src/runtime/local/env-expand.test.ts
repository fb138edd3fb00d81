import { describe, expect, it } from "vitest";
import { expandEnv, expandRefs } from "./env-expand.js";

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

  it("resolves env entries in order, runtime vars winning", () => {
    const env = expandEnv(
      {
        OTHER_PORT: "$(PORT)",
        URL: "http://127.0.0.1:$(OTHER_PORT)/",
        LATER: "$(AFTER)",
        AFTER: "x",
        PORT: "ignored",
      },
      { PORT: "9000" },
    );
    expect(env).toEqual({
      PORT: "9000",
      OTHER_PORT: "9000",
      URL: "http://127.0.0.1:9000/",
      LATER: "$(AFTER)",
      AFTER: "x",
    });
  });
});
