// One node:test test for a share of the compatibility cases (the cases are
// split over a few test files so each stays well inside the per-file timeout).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_CASES } from './cases/index.ts';
import { type Case, compare, implFromEnv, readKnownFailures, runAll } from './lib.ts';

/** Runs the cases `pick` selects against RELENG_COMPAT_IMPL (default releng). */
export function compatSuite(title: string, pick: (name: string) => boolean): void {
  test(title, async (t) => {
    const impl = implFromEnv();
    const cases: Case[] = ALL_CASES.filter((c) => pick(c.name));
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

/** The tool cases (real builds with make, cmake, meson, scons, git) run in their own file. */
export const isToolCase = (name: string): boolean =>
  name.startsWith('tool-') && !isPythonCase(name);

/** The Python package builds, in a third file. */
export const isPythonCase = (name: string): boolean => name.startsWith('tool-python-');
