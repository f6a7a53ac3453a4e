/** Edit distance (Levenshtein), iterative with two rows. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The candidates closest to `name` (case-insensitive), best first, only those
 * near enough to be a plausible typo.
 */
export function closestMatches(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: Array<[string, number]> = [];
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    let d = editDistance(lower, c);
    if (c.startsWith(lower) || lower.startsWith(c)) d = Math.min(d, 1);
    if (d <= limit) scored.push([candidate, d]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, max).map(([c]) => c);
}

/** ` (did you mean "x" or "y"?)`, or an empty string when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const matches = closestMatches(name, candidates);
  if (matches.length === 0) return '';
  return ` (did you mean ${matches.map((m) => `"${m}"`).join(' or ')}?)`;
}
