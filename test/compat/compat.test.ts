// releng-tool's own test cases (re-expressed in cases/) against releng. Fails
// when a case outside known-failures.txt fails, and when a listed case passes,
// so the list only shrinks. RELENG_COMPAT_IMPL=releng-tool=DIR checks the cases
// themselves against releng-tool (see docs/compatibility.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_CASES } from './cases/index.ts';
import { compare, implFromEnv, readKnownFailures, runAll } from './lib.ts';

test('releng-tool compatibility cases', async (t) => {
  const impl = implFromEnv();
  const outcomes = await runAll(ALL_CASES, impl, Number(process.env.RELENG_COMPAT_JOBS ?? 2));
  const passed = outcomes.filter((o) => o.status === 'pass').length;
  const unavailable = outcomes.filter((o) => o.status === 'unavailable');
  t.diagnostic(`${impl.name}: ${passed} of ${outcomes.length} cases pass`);
  for (const u of unavailable) t.diagnostic(`unavailable: ${u.name} (${u.message})`);
  const known = impl.name === 'releng' ? readKnownFailures() : new Map<string, string>();
  const { unexpected, fixed } = compare(outcomes, known, impl.name === 'releng');
  const detail = outcomes
    .filter((o) => o.status === 'fail' && unexpected.includes(o.name))
    .map((o) => `${o.name}:\n  ${o.status === 'fail' ? o.message.replace(/\n/g, '\n  ') : ''}`)
    .join('\n');
  assert.deepEqual(unexpected, [], `cases failing outside known-failures.txt:\n${detail}`);
  assert.deepEqual(fixed, [], 'cases in known-failures.txt that pass: take them off the list');
});
