/**
 * Read-through cache of hot single-row lookups, for a store that is the only writer of its
 * database (SQLite in exclusive mode). Writes through the repositories drop the entry; a finished
 * transaction (committed or rolled back) drops everything, so nothing read mid-transaction outlives it.
 */
export class RowCache<T> {
  private readonly rows = new Map<string, T | undefined>();

  constructor(private readonly max = 20_000) {}

  async get(key: string, load: () => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
    if (this.rows.has(key)) return this.rows.get(key);
    const row = await load();
    if (row !== undefined) {
      if (this.rows.size >= this.max) this.rows.clear();
      this.rows.set(key, row);
    }
    return row;
  }

  drop(key: string): void {
    this.rows.delete(key);
  }

  clear(): void {
    this.rows.clear();
  }
}
