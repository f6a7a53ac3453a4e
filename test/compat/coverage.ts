// Which of releng-tool's own tests the harness re-expresses, and why the rest
// are not: every test function of releng-tool's `tests/unit-tests` and
// `tests/tool-tests` (listed in releng-tool-tests.txt, vendored so nothing is
// fetched at test time) is covered by a case (its `from`), or named in
// out-of-scope.txt (with the reason: an internal Python API, Windows only, a
// tool or network not available here) or in not-yet.txt (work left).
//
//   node test/compat/coverage.ts                 summary per test file
//   node test/compat/coverage.ts --missing       the test functions in neither
//   node test/compat/coverage.ts --update DIR    rewrite releng-tool-tests.txt from a releng-tool checkout
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CASES } from './cases/index.ts';
import { HERE } from './lib.ts';

const LIST = join(HERE, 'releng-tool-tests.txt');

/** `file.py::test_name` of every test function in a releng-tool checkout's suite. */
export function scanTests(rtDir: string): string[] {
  const out: string[] = [];
  for (const sub of ['unit-tests', 'tool-tests']) {
    const dir = join(rtDir, 'tests', sub);
    for (const f of readdirSync(dir)
      .filter((n) => /^test_.*\.py$/.test(n))
      .sort()) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^\s*def (test_\w+)\(/gm))
        out.push(`${f}::${m[1]}`);
    }
  }
  return out;
}

/** The vendored list of releng-tool's test functions. */
export function releaseToolTests(): string[] {
  return readFileSync(LIST, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Patterns of a list file (`pattern # reason`), with the reason. */
export function readPatterns(name: string): Array<{ pattern: string; reason: string }> {
  return readFileSync(join(HERE, name), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const at = l.indexOf(' #');
      return at < 0
        ? { pattern: l, reason: '' }
        : { pattern: l.slice(0, at).trim(), reason: l.slice(at + 2).trim() };
    });
}

/**
 * The test patterns a case's `from` names: several may be given, separated
 * by `,`/`;`/` and `; `file.py::name_{a,b}` expands to both names; a file
 * named once applies to the bare names after it; anything after a pattern
 * (`(defaults)`) is a comment.
 */
export function fromPatterns(from: string): string[] {
  const out: string[] = [];
  let file = '';
  let depth = 0;
  let cur = '';
  const flush = (): void => {
    const word = cur.trim().replace(/\s.*$/, '');
    cur = '';
    if (word === '') return;
    const full = word.startsWith('::')
      ? file
        ? `${file}${word}`
        : ''
      : word.includes('::')
        ? word
        : /\.py$/.test(word)
          ? word
          : file
            ? `${file}::${word}`
            : '';
    if (!full || !/\.py/.test(full)) return;
    file = full.split('::')[0]!;
    out.push(...expandBraces(full));
  };
  for (let i = 0; i < from.length; i++) {
    const ch = from[i]!;
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (depth === 0 && (ch === ',' || ch === ';')) flush();
    else if (depth === 0 && from.startsWith(' and ', i)) {
      flush();
      i += 4;
    } else cur += ch;
  }
  flush();
  return out;
}

function expandBraces(p: string): string[] {
  const m = /\{([^{}]*)\}/.exec(p);
  if (!m) return [p];
  return m[1]!
    .split(',')
    .flatMap((alt) =>
      expandBraces(p.slice(0, m.index) + alt.trim() + p.slice(m.index + m[0].length)),
    );
}

/** `file.py` matches every test of the file; `*` is a wildcard inside a name. */
export function matches(pattern: string, test: string): boolean {
  const full = pattern.includes('::') ? pattern : `${pattern}::*`;
  const re = new RegExp(
    `^${full
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(test);
}

export interface Coverage {
  covered: string[];
  outOfScope: string[];
  notYet: string[];
  /** In none of the three. */
  missing: string[];
  /** In more than one. */
  overlapping: string[];
  /** Patterns (from cases or the lists) that match no releng-tool test. */
  stale: string[];
}

/** Sorts every releng-tool test into covered / out of scope / not yet. */
export function coverage(): Coverage {
  const tests = releaseToolTests();
  const fromCases = ALL_CASES.flatMap((c) => fromPatterns(c.from ?? ''));
  const scope = readPatterns('out-of-scope.txt').map((p) => p.pattern);
  const later = readPatterns('not-yet.txt').map((p) => p.pattern);
  const result: Coverage = {
    covered: [],
    outOfScope: [],
    notYet: [],
    missing: [],
    overlapping: [],
    stale: [],
  };
  for (const t of tests) {
    const c = fromCases.some((p) => matches(p, t));
    const o = scope.some((p) => matches(p, t));
    const n = later.some((p) => matches(p, t));
    if (Number(c) + Number(o) + Number(n) > 1) result.overlapping.push(t);
    if (c) result.covered.push(t);
    else if (o) result.outOfScope.push(t);
    else if (n) result.notYet.push(t);
    else result.missing.push(t);
  }
  for (const p of [...new Set([...fromCases, ...scope, ...later])])
    if (!tests.some((t) => matches(p, t))) result.stale.push(p);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--update') {
    const dir = args[1];
    if (!dir) throw new Error('usage: coverage.ts --update RELENG_TOOL_DIR');
    const tests = scanTests(dir);
    writeFileSync(
      LIST,
      `# releng-tool's test functions (tests/unit-tests, tests/tool-tests), from\n# node test/compat/coverage.ts --update DIR; see coverage.ts.\n${tests.join('\n')}\n`,
    );
    process.stdout.write(`${tests.length} test functions written to ${LIST}\n`);
  } else {
    const c = coverage();
    if (args[0] === '--missing') {
      process.stdout.write(`${c.missing.join('\n')}\n`);
    } else {
      const byFile = new Map<string, number[]>();
      const add = (list: string[], i: number): void => {
        for (const t of list) {
          const f = t.split('::')[0]!;
          const row = byFile.get(f) ?? [0, 0, 0, 0];
          row[i]!++;
          byFile.set(f, row);
        }
      };
      add(c.covered, 0);
      add(c.outOfScope, 1);
      add(c.notYet, 2);
      add(c.missing, 3);
      process.stdout.write('file\tcovered\tout-of-scope\tnot-yet\tunlisted\n');
      for (const [f, r] of [...byFile].sort()) process.stdout.write(`${f}\t${r.join('\t')}\n`);
      process.stdout.write(
        `\n${c.covered.length + c.outOfScope.length + c.notYet.length + c.missing.length} tests: ${c.covered.length} covered by cases, ${c.outOfScope.length} out of scope, ${c.notYet.length} not yet, ${c.missing.length} unlisted\n`,
      );
      if (c.overlapping.length) process.stdout.write(`overlapping: ${c.overlapping.join(', ')}\n`);
      if (c.stale.length)
        process.stdout.write(`patterns matching no test: ${c.stale.join(', ')}\n`);
    }
  }
}
