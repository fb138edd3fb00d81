/** How the CLI shows answers: aligned tables and key/value lists for people, JSON with --json. */

/** A failure the CLI reports as `berth: <message>` with a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export type Column<T> = [header: string, value: (row: T) => unknown];

const cell = (v: unknown): string =>
  v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : String(v);

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map(([, value]) => cell(value(r))));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (parts: string[]) =>
    parts
      .map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map(([h]) => h.toUpperCase())), ...cells.map(line)].join("\n");
}

export function details(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  const width = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => `${`${k}:`.padEnd(width + 1)}  ${cell(record[k])}`).join("\n");
}

export interface Printer {
  json: boolean;
  /** Prints `value` as JSON with --json, else what `human` renders. */
  out(value: unknown, human?: () => string): void;
  /** Progress and notes go to stderr so that stdout stays parseable. */
  note(text: string): void;
}

export function printer(json: boolean): Printer {
  return {
    json,
    out(value, human) {
      process.stdout.write(
        `${json || !human ? JSON.stringify(value, null, json ? 2 : undefined) : human()}\n`,
      );
    },
    note(text) {
      process.stderr.write(`${text}\n`);
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
