/**
 * Errors raised while validating a packaging description or writing an output.
 * Every error names the output (e.g. `hello (deb)`), the field that is wrong
 * (e.g. `contents[2].src`) and, where one applies, the rule that was broken.
 */
export class OutputError extends Error {
  /** The output the error belongs to, e.g. `hello (deb)` or `outputs[1]`. */
  readonly output: string;
  /** Dotted path of the offending field, e.g. `contents[0].dst`. */
  readonly field: string;
  /** The rule that was broken (policy section or tool rule), if any. */
  readonly rule: string | undefined;

  constructor(output: string, field: string, message: string, rule?: string) {
    super(`${output}: ${field}: ${message}${rule ? ` (${rule})` : ''}`);
    this.name = 'OutputError';
    this.output = output;
    this.field = field;
    this.rule = rule;
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(
        up + 1,
        prev[j - 1]! + 1,
        diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if one is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestScore <= limit ? best : undefined;
}
