/**
 * Masks secret values in text berth shows (a scheduled run's output excerpt, log lines): every
 * occurrence of a secret, and of each line of a multi-line secret, becomes `********`. An excerpt
 * cut from a longer text never starts with the tail of a secret the cut went through.
 */
export const MASK = "********";

/** Shorter values are not masked: masking every `1` or `on` would make output unreadable. */
const MIN_SECRET_LENGTH = 4;

/** The strings to mask for these secret values, longest first. */
export function secretPieces(values: Iterable<string>): string[] {
  const pieces = new Set<string>();
  for (const v of values) {
    if (v.length >= MIN_SECRET_LENGTH) pieces.add(v);
    if (/[\r\n]/.test(v)) {
      for (const line of v.split(/\r\n|\r|\n/)) if (line.length >= MIN_SECRET_LENGTH) pieces.add(line);
    }
  }
  return [...pieces].sort((a, b) => b.length - a.length);
}

export function redact(text: string, pieces: readonly string[]): string {
  let out = text;
  for (const p of pieces) if (out.includes(p)) out = out.split(p).join(MASK);
  return out;
}

/**
 * The last `keep` characters of a text, masked. `tail` holds the text's last characters (at least
 * `keep` + the longest piece when the text was longer); `cut` says whether anything came before it.
 */
export function redactTail(tail: string, pieces: readonly string[], keep: number, cut: boolean): string {
  let text = tail;
  if (cut) {
    for (let stripped = headFragment(text, pieces); stripped > 0; stripped = headFragment(text, pieces))
      text = text.slice(stripped);
  }
  const masked = redact(text, pieces);
  return masked.length > keep ? masked.slice(-keep) : masked;
}

/** Length of the longest start of `text` that is a proper ending of a piece (0 when none). */
function headFragment(text: string, pieces: readonly string[]): number {
  let longest = 0;
  for (const p of pieces) longest = Math.max(longest, overlap(text.slice(0, p.length - 1), p));
  return longest;
}

/** Longest k such that `head` starts with the last k characters of `piece` (prefix function, O(n)). */
function overlap(head: string, piece: string): number {
  // the prefix function of `head + <separator> + piece`, read by index; -1 is the separator
  const n = head.length + 1 + piece.length;
  const at = (i: number) =>
    i < head.length ? head.charCodeAt(i) : i === head.length ? -1 : piece.charCodeAt(i - head.length - 1);
  const pi = new Int32Array(n);
  for (let i = 1; i < n; i++) {
    let k = pi[i - 1]!;
    while (k > 0 && at(i) !== at(k)) k = pi[k - 1]!;
    if (at(i) === at(k)) k++;
    pi[i] = k;
  }
  return pi[n - 1]!;
}
