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

/**
 * Characters two strings share in matching blocks, found as Python's
 * difflib.SequenceMatcher finds them (the longest common block, then the
 * same on each side of it).
 */
function matchingCharacters(a: string, b: string): number {
  const count = (alo: number, ahi: number, blo: number, bhi: number): number => {
    let besti = alo;
    let bestj = blo;
    let best = 0;
    let lengths = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (let j = blo; j < bhi; j++) {
        if (a[i] !== b[j]) continue;
        const k = (lengths.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > best) {
          besti = i - k + 1;
          bestj = j - k + 1;
          best = k;
        }
      }
      lengths = next;
    }
    if (best === 0) return 0;
    return best + count(alo, besti, blo, bestj) + count(besti + best, ahi, bestj + best, bhi);
  };
  return count(0, a.length, 0, b.length);
}

/**
 * Candidates similar to `word` as Python's difflib.get_close_matches picks
 * them (similarity ratio at least `cutoff`, the best `max`), sorted by name:
 * what releng-tool suggests for a mistyped action or package.
 */
export function closeMatches(
  word: string,
  candidates: Iterable<string>,
  max = 3,
  cutoff = 0.6,
): string[] {
  const scored: Array<[number, string]> = [];
  for (const c of candidates) {
    const total = c.length + word.length;
    const ratio = total === 0 ? 1 : (2 * matchingCharacters(c, word)) / total;
    if (ratio >= cutoff) scored.push([ratio, c]);
  }
  scored.sort((x, y) => y[0] - x[0] || (y[1] < x[1] ? -1 : y[1] > x[1] ? 1 : 0));
  return scored
    .slice(0, max)
    .map(([, c]) => c)
    .sort();
}
