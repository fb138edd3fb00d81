/** The status feed: a wait ends on the publish that makes its check true, or at its deadline. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../util/manual-clock.js";
import { StatusFeed } from "./status-feed.js";

describe("StatusFeed", () => {
  it("answers at once when the check already holds", async () => {
    expect(await new StatusFeed().await("d1", () => "ready", { timeoutMs: 10 })).toBe("ready");
  });

  it("re-runs the check on each publish for that deployment only", async () => {
    const feed = new StatusFeed();
    let status = "deploying";
    let checks = 0;
    const waiting = feed.await(
      "d1",
      () => {
        checks++;
        return status === "ready" ? status : undefined;
      },
      { timeoutMs: 60_000, recheckMs: 60_000 },
    );
    feed.publish("d2");
    status = "ready";
    expect(checks).toBe(1);
    feed.publish("d1");
    expect(await waiting).toBe("ready");
    expect(checks).toBe(2);
  });

  it("answers undefined at the deadline", async () => {
    const feed = new StatusFeed();
    expect(await feed.await("d1", () => undefined, { timeoutMs: 20, recheckMs: 5 })).toBeUndefined();
    feed.publish("d1"); // no waiter left
  });

  it("passes a failing check's error to the waiter", async () => {
    const feed = new StatusFeed();
    let calls = 0;
    const waiting = feed.await(
      "d1",
      () => {
        if (++calls > 1) throw new Error("store gone");
        return undefined;
      },
      { timeoutMs: 60_000 },
    );
    feed.publish("d1");
    await expect(waiting).rejects.toThrow("store gone");
  });
});

describe("StatusFeed on an injected clock", () => {
  it("gives up when the clock passes the deadline, not before, without sleeping", async () => {
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
    const feed = new StatusFeed(clock);
    let checks = 0;
    let answer: string | undefined = "not yet";
    const waiting = feed
      .await(
        "d1",
        () => {
          checks++;
          return undefined;
        },
        { timeoutMs: 60_000, recheckMs: 10_000 },
      )
      .then((v) => {
        answer = v;
      });
    await Promise.resolve();
    clock.advance(59_000);
    await Promise.resolve();
    expect(answer).toBe("not yet");
    expect(checks).toBeGreaterThan(1); // the backstop re-checked on the clock's time (never overlapping)
    clock.advance(1_000);
    await waiting;
    expect(answer).toBeUndefined();
    expect(clock.pending).toBe(0);
  });
});
