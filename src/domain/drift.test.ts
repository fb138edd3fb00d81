import { describe, expect, it } from "vitest";
import { type DriftInput, driftOf } from "./drift.js";

const base: DriftInput = {
  linked: true,
  template: { latestRevision: 2, latestHash: "h2" },
  linkedRevision: 2,
  linkedRevisionHash: "h2",
  configHash: "h2",
};

describe("drift", () => {
  it.each<[string, Partial<DriftInput>, string]>([
    ["no template link", { linked: false }, "unlinked"],
    ["template deleted or unreadable", { template: undefined }, "missing-template"],
    ["linked revision gone", { linkedRevisionHash: undefined }, "unknown"],
    ["config edited outside the template", { configHash: "custom" }, "unknown"],
    [
      "newer revision with another config",
      { linkedRevision: 1, linkedRevisionHash: "h1", configHash: "h1" },
      "template-updated",
    ],
    [
      "newer revision with the same config",
      { linkedRevision: 1, linkedRevisionHash: "h2", configHash: "h2" },
      "up-to-date",
    ],
    ["runs the latest revision", {}, "up-to-date"],
  ])("%s → %s", (_name, patch, expected) => {
    expect(driftOf({ ...base, ...patch })).toBe(expected);
  });
});
