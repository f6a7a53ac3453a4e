// One node:test test for a share of the compatibility cases (the cases are
// split over a few test files so each stays well inside the per-file timeout).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CASE_GROUPS } from './cases/index.ts';
import { type Case, compare, implFromEnv, readKnownFailures, runAll } from './lib.ts';

/** Runs the cases of the case files `groups` names (keys of CASE_GROUPS) against RELENG_COMPAT_IMPL (default releng). */
export function compatSuite(title: string, groups: string[]): void {
  test(title, async (t) => {
    const impl = implFromEnv();
    const cases: Case[] = groups.flatMap((g) => {
      const picked = CASE_GROUPS[g];
      if (!picked) throw new Error(`no compatibility case file "${g}" in cases/index.ts`);
      return picked;
    });
    const names = new Set(cases.map((c) => c.name));
    const pick = (name: string): boolean => names.has(name);
    const outcomes = await runAll(cases, impl, Number(process.env.RELENG_COMPAT_JOBS ?? 2));
    const passed = outcomes.filter((o) => o.status === 'pass').length;
    t.diagnostic(`${impl.name}: ${passed} of ${outcomes.length} cases pass`);
    for (const u of outcomes.filter((o) => o.status === 'unavailable')) {
      t.diagnostic(`unavailable: ${u.name} (${u.status === 'unavailable' ? u.message : ''})`);
    }
    const all = impl.name === 'releng' ? readKnownFailures() : new Map<string, string>();
    const known = new Map([...all].filter(([name]) => pick(name)));
    const { unexpected, fixed } = compare(outcomes, known, true);
    const detail = outcomes
      .filter((o) => o.status === 'fail' && unexpected.includes(o.name))
      .map((o) => `${o.name}:\n  ${o.status === 'fail' ? o.message.replace(/\n/g, '\n  ') : ''}`)
      .join('\n');
    assert.deepEqual(unexpected, [], `cases failing outside known-failures.txt:\n${detail}`);
    assert.deepEqual(fixed, [], 'cases in known-failures.txt that pass: take them off the list');
  });
}
