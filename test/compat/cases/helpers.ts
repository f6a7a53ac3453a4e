// releng-tool's tests of the functions behind the script helpers
// (tests/unit-tests/test_util_*.py: path_copy → releng_copy, cat →
// releng_cat, …), re-expressed as builds of a one-package project whose build
// script keeps each test function as a method that calls the public helper
// the way the test calls the function (test/compat/helpers/util_*.py, started
// by helpers/harness.py, a stand-in for unittest's assertions). The script
// writes each test's verdict and assertion count to results/<group>.json;
// the case requires every test function of the file to have run, asserted
// something and passed, so each releng-tool test maps to checks that can fail.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';

const PORTS = join(HERE, 'helpers');

interface Verdict {
  status: 'pass' | 'fail';
  asserts: number;
  message?: string;
}

/** The test functions a port keeps (its `def test_*` methods). */
function testNames(port: string): string[] {
  return [...port.matchAll(/^ {4}def (test_\w+)\(/gm)].map((m) => m[1]!);
}

/** Writes the helpers project: harness + port as the package's build script. */
function writeProject(t: Ctx, group: string, port: string, extra = ''): void {
  const cls = /^class (\w+)\(TestCase\)/m.exec(port)?.[1];
  if (!cls) throw new Error(`helpers/util_${group}.py: no TestCase class`);
  t.write('releng-tool.rt', "packages = ['helpers']\n");
  t.write('package/helpers/helpers.rt', "HELPERS_VERSION = '1.0'\n");
  t.write(
    'package/helpers/helpers-build.rt',
    `${readFileSync(join(PORTS, 'harness.py'), 'utf8')}\n${port}\n${extra}\nrun_tests(${JSON.stringify(group)}, ${cls})\n`,
  );
  // releng-tool's tests/unit-tests folder as the tests see it (assets, and
  // the names test_util_io_ls lists).
  cpSync(join(HERE, 'assets'), t.path('tests/unit-tests/assets'), { recursive: true });
  writeFileSync(t.path('tests/unit-tests/__init__.py'), '');
  writeFileSync(t.path('tests/unit-tests/test_util_io_ls.py'), '');
}

/** One case per releng-tool test file: every test function must pass. */
function portCase(group: string, options: { args?: string[]; extra?: string } = {}): Case {
  const port = readFileSync(join(PORTS, `util_${group}.py`), 'utf8');
  const names = testNames(port);
  return {
    name: `helpers/${group.replace(/_/g, '-')}`,
    from: names.map((n) => `test_util_${group}.py::${n}`).join(', '),
    async run(t) {
      writeProject(t, group, port, options.extra);
      await t.ok(options.args ?? []);
      const results = JSON.parse(t.read('results', `${group}.json`)) as Record<string, Verdict>;
      const problems: string[] = [];
      for (const n of names) {
        const v = results[n];
        if (!v) problems.push(`${n}: did not run`);
        else if (v.status !== 'pass') problems.push(`${n}: ${v.message}`);
        else if (v.asserts === 0) problems.push(`${n}: asserted nothing`);
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    },
  };
}

export const helperCases: Case[] = [
  portCase('io_copy'),
  portCase('io_cat'),
  portCase('io_exists'),
  portCase('io_ls'),
  portCase('io_mkdir'),
  portCase('io_move'),
  portCase('io_remove'),
  portCase('io_step'),
  portCase('io_symlink'),
  portCase('io_temp_dir'),
  portCase('io_touch'),
  portCase('io_wd'),
  portCase('io_path_register_env_path'),
  portCase('io_path_register_python_path'),
  portCase('io'),
  portCase('env'),
  portCase('common'),
  portCase('log'),
  portCase('platform'),
  portCase('string'),
  portCase('path'),
];
