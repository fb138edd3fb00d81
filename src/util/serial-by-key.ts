/**
 * Runs async work one at a time per key, in call order, while different keys run concurrently
 * (a driver's verbs on one workload must not interleave). A failed run does not stop later ones.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier run for `key` has settled; resolves or rejects as `fn` does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.tails.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Resolves once every run started so far has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
