/** "Did you mean": the known word nearest to a mistyped one (config keys, wrenc commands). */

/** Edit distance (insertions, deletions, substitutions). */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The candidate nearest to `word` (case aside: an exact match first), if within `maxDistance`. */
export function closest(word: string, candidates: readonly string[], maxDistance = 2): string | null {
  let best: string | null = null;
  let bestD = maxDistance + 1;
  for (const k of candidates) {
    const d = k.toLowerCase() === word.toLowerCase() ? 0 : distance(word, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
