// Runs the compatibility cases from the command line:
//   node test/compat/run.ts [substring…]
// RELENG_COMPAT_IMPL=releng (default) or releng-tool=<releng-tool source folder>;
// RELENG_COMPAT_JOBS=<n> cases at once (default 2). Against releng, the run
// fails when a case outside known-failures.txt fails or a listed case passes;
// against releng-tool, when any case fails (the cases must be fair).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CASES } from './cases/index.ts';
import { compare, HERE, implFromEnv, readKnownFailures, runAll } from './lib.ts';

const filters = process.argv.slice(2);
const cases = ALL_CASES.filter(
  (c) => filters.length === 0 || filters.some((f) => c.name.includes(f)),
);
const impl = implFromEnv();
const pool = Number(process.env.RELENG_COMPAT_JOBS ?? 2);
const started = Date.now();
const outcomes = await runAll(cases, impl, pool, (o) => {
  if (o.status === 'fail')
    process.stdout.write(`FAIL ${o.name} (${o.ms} ms)\n  ${o.message.replace(/\n/g, '\n  ')}\n`);
  else if (o.status === 'unavailable')
    process.stdout.write(`UNAVAILABLE ${o.name}: ${o.message}\n`);
  else if (process.env.RELENG_COMPAT_VERBOSE) process.stdout.write(`pass ${o.name} (${o.ms} ms)\n`);
});
const passed = outcomes.filter((o) => o.status === 'pass').length;
const failed = outcomes.filter((o) => o.status === 'fail').length;
const unavailable = outcomes.filter((o) => o.status === 'unavailable').length;
process.stdout.write(
  `\n${impl.name}: ${outcomes.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (pool ${pool}); ${unavailable} unavailable\n`,
);
let bad = false;
if (impl.name === 'releng') {
  const known = readKnownFailures();
  const { unexpected, fixed } = compare(outcomes, known, filters.length === 0);
  for (const n of unexpected) process.stdout.write(`unexpected failure: ${n}\n`);
  for (const n of fixed) process.stdout.write(`listed in known-failures.txt but passes: ${n}\n`);
  bad = unexpected.length > 0 || fixed.length > 0;
  // RELENG_COMPAT_PRUNE=1: take passing cases off the list (it never adds).
  if (process.env.RELENG_COMPAT_PRUNE && fixed.length > 0) {
    const drop = new Set(fixed.map((n) => n.replace(/ \(no such case\)$/, '')));
    const file = join(HERE, 'known-failures.txt');
    const kept = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !drop.has(l.split(' #')[0]!.trim()));
    writeFileSync(file, kept.join('\n'));
    process.stdout.write(`pruned ${drop.size} passing cases from known-failures.txt\n`);
  }
} else {
  bad = failed > 0;
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = bad ? 1 : 0;
if (process.env.RELENG_COMPAT_PRINT_FAILURES) {
  for (const o of outcomes) {
    if (o.status !== 'fail') continue;
    const first = o.message.split('\n').find((l) => l.trim() !== '' && !/^exit code/.test(l)) ?? '';
    process.stdout.write(`${o.name} # ${first.trim().slice(0, 140)}\n`);
  }
}
