/**
 * Benchmark: a tree of 30 small C packages (make type, local sources) built
 * with -j equal to the cores. Reports the wall time against the sum of the
 * per-package times (what a serial tool such as releng-tool would take) and
 * the critical-path bound (the longest dependency chain), both read from
 * releng's own stage journals.
 *
 *   node bench/ctree/run.ts [--packages 30] [--files 6] [--jobs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '30' },
    files: { type: 'string', default: '6' },
    jobs: { type: 'string', default: String(availableParallelism()) },
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(values.packages);
const files = Number(values.files);
const jobs = Number(values.jobs);
const repo = new URL('../..', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'releng-ctree-'));

/** Dependencies: a tree where package i depends on (i-1)/2 and, every third, on one more earlier package. */
function depsOf(i: number): number[] {
  if (i === 0) return [];
  const deps = [Math.floor((i - 1) / 2)];
  if (i % 3 === 0 && i > 3) deps.push(i - 3);
  return [...new Set(deps)];
}

const name = (i: number) => `lib${String(i).padStart(2, '0')}`;
writeFileSync(
  join(root, 'releng.config.ts'),
  `export default { packages: ${JSON.stringify(Array.from({ length: count }, (_, i) => name(i)))}, defaultInternal: true };\n`,
);
for (let i = 0; i < count; i++) {
  const dir = join(root, 'package', name(i));
  mkdirSync(join(dir, 'local'), { recursive: true });
  writeFileSync(
    join(dir, `${name(i)}.ts`),
    `export default { version: '1.0', site: 'local', type: 'make', installType: 'staging', dependencies: ${JSON.stringify(depsOf(i).map(name))} };\n`,
  );
  const sources: string[] = [];
  for (let f = 0; f < files; f++) {
    // Enough arithmetic per file that -O2 takes a noticeable moment.
    const body = Array.from(
      { length: 60 },
      (_, k) =>
        `double ${name(i)}_f${f}_${k}(double x) { double s = 0; for (int j = 0; j < ${k + 3}; j++) s += x * j / (j + 1.0) + ${k}.5; return s; }`,
    ).join('\n');
    writeFileSync(join(dir, 'local', `f${f}.c`), `${body}\n`);
    sources.push(`f${f}.o`);
  }
  writeFileSync(
    join(dir, 'local', 'Makefile'),
    [
      'CFLAGS ?= -O2',
      `lib${name(i)}.a: ${sources.join(' ')}`,
      '\tar rcs $@ $^',
      '%.o: %.c',
      '\t$(CC) $(CFLAGS) -c $< -o $@',
      `install: lib${name(i)}.a`,
      `\tinstall -D -m 0644 lib${name(i)}.a $(DESTDIR)$(PREFIX)/lib/lib${name(i)}.a`,
      '',
    ].join('\n'),
  );
}

const started = performance.now();
execFileSync(
  process.execPath,
  [join(repo, 'bin/releng.mjs'), '-R', root, '-j', String(jobs), '-q'],
  { stdio: 'inherit' },
);
const wall = (performance.now() - started) / 1000;

// Per-package time: the sum of its stage durations from the journal.
const own = new Map<number, number>();
for (let i = 0; i < count; i++) {
  const journal = readFileSync(
    join(root, 'output/build', `${name(i)}-1.0`, '.releng-state'),
    'utf8',
  );
  const ms = journal
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line.split(' ')[2] ?? 0), 0);
  own.set(i, ms / 1000);
}
const serial = [...own.values()].reduce((a, b) => a + b, 0);
const finish = new Map<number, number>();
for (let i = 0; i < count; i++) {
  finish.set(i, own.get(i)! + Math.max(0, ...depsOf(i).map((d) => finish.get(d)!)));
}
const critical = Math.max(...finish.values());
console.log(`packages ${count}, jobs ${jobs}, cores ${availableParallelism()}`);
console.log(`wall time            ${wall.toFixed(2)} s`);
console.log(
  `sum of package times ${serial.toFixed(2)} s  (serial, as releng-tool builds)  wall/serial = ${(wall / serial).toFixed(2)}`,
);
console.log(
  `critical path bound  ${critical.toFixed(2)} s  wall/critical = ${(wall / critical).toFixed(2)}`,
);
console.log(
  `ideal with ${jobs} jobs    ${Math.max(critical, serial / jobs).toFixed(2)} s  (max of critical path and serial/jobs)`,
);
if (!values.keep) rmSync(root, { recursive: true, force: true });
else console.log(`project kept in ${root}`);
