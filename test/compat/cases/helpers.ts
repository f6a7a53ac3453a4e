// releng-tool's tests of the functions behind the script helpers
// (tests/unit-tests/test_util_*.py, test_support*.py: path_copy → releng_copy,
// cat → releng_cat, …), re-expressed as our own checks: each file in
// test/compat/helpers/ holds functions that call the public helpers, each
// registered with @check(...) naming the releng-tool tests whose behaviour it
// covers (the case's `from`). helpers/harness.py, put in front, runs them in a
// one-package project's build script and writes each check's verdict and
// number of expectations to results/<group>.json; the case requires every
// check to have passed with at least one. A few cases check through the
// console and exit codes instead (critical= failures, log messages,
// opt_file's script lookup, the names scripts get).
import { chmodSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';

const CHECK_FILES = join(HERE, 'helpers');

interface Verdict {
  status: 'pass' | 'fail';
  asserts: number;
  message?: string;
}

/** A check file: its checks' names and the releng-tool tests they cover. */
interface CheckFile {
  group: string;
  script: string;
  checks: string[];
  covers: string[];
}

/**
 * Reads helpers/<group>.py: each `@check('test_…', …)` above a `def name(`
 * is one check (its covers: test functions of releng-tool's
 * test_<group>.py, unless given as `file.py::name`).
 */
function readChecks(group: string): CheckFile {
  const text = readFileSync(join(CHECK_FILES, `${group}.py`), 'utf8');
  const checks: string[] = [];
  const covers: string[] = [];
  for (const m of text.matchAll(/^@check\(([^)]*)\)\s*\ndef (\w+)\(/gm)) {
    checks.push(m[2]!);
    for (const c of m[1]!.matchAll(/'([^']+)'/g)) {
      covers.push(c[1]!.includes('::') ? c[1]! : `test_${group}.py::${c[1]}`);
    }
  }
  if (checks.length === 0) throw new Error(`helpers/${group}.py: no @check functions`);
  return {
    group,
    checks,
    covers: [...new Set(covers)],
    script: `${readFileSync(join(CHECK_FILES, 'harness.py'), 'utf8')}\n${text}\nrun_checks(${JSON.stringify(group)})\n`,
  };
}

/** What is wrong with a file's verdicts: a check that did not run, failed or expected nothing. */
function problemsOf(names: string[], results: Record<string, Verdict>, prefix = ''): string[] {
  const problems: string[] = [];
  for (const n of names) {
    const v = results[n];
    if (!v) problems.push(`${prefix}${n}: did not run`);
    else if (v.status !== 'pass') problems.push(`${prefix}${n}: ${v.message}`);
    else if (v.asserts === 0) problems.push(`${prefix}${n}: asserted nothing`);
  }
  return problems;
}

/** Writes the helpers project: the check file (after its harness) as the package's build script. */
function writeProject(t: Ctx, file: CheckFile): void {
  t.write('releng-tool.rt', "packages = ['helpers']\n");
  t.write('package/helpers/helpers.rt', "HELPERS_VERSION = '1.0'\n");
  t.write('package/helpers/helpers-build.rt', file.script);
  // releng-tool's test assets (harness.py's ASSETS)
  cpSync(join(HERE, 'assets'), t.path('tests/unit-tests/assets'), { recursive: true });
}

/**
 * One case per check file (`group`: the releng-tool test file's name without
 * `test_` and `.py`): every check must pass.
 */
function checkFileCase(group: string, options: { own?: boolean } = {}): Case {
  const file = readChecks(group);
  return {
    name: `helpers/${group.replace(/^util_/, '').replace(/_/g, '-')}`,
    // `own`: checks of documented options that re-express no releng-tool test
    ...(options.own ? {} : { from: file.covers.join(', ') }),
    async run(t) {
      writeProject(t, file);
      await t.ok();
      const results = JSON.parse(t.read('results', `${group}.json`)) as Record<string, Verdict>;
      const problems = problemsOf(file.checks, results);
      assert.deepEqual(problems, [], problems.join('\n'));
    },
  };
}

/**
 * Helpers in a package definition (releng-tool gives definitions the same
 * names): a few check files run while the definition loads, each must pass.
 */
const IN_DEFINITION = [
  'util_io_copy',
  'util_io_move',
  'util_io_mkdir',
  'util_string',
  'util_common',
];
const inDefinitionCase: Case = {
  name: 'helpers/in-definition',
  async run(t) {
    writeProject(t, readChecks('util_io_exists'));
    const files = IN_DEFINITION.map(readChecks);
    t.write(
      'package/helpers/helpers.rt',
      `${files.map((f) => f.script).join('\n')}\nHELPERS_VERSION = '1.0'\n`,
    );
    await t.ok();
    const problems = files.flatMap((f) =>
      problemsOf(
        f.checks,
        JSON.parse(t.read('results', `${f.group}.json`)) as Record<string, Verdict>,
        `${f.group} `,
      ),
    );
    assert.deepEqual(problems, [], problems.join('\n'));
  },
};

/**
 * test_util_critical.py: a helper's failure with critical=False returns False
 * and the script goes on; with critical=True (the default) it ends the
 * build with a failing exit code, the message naming the path.
 */
const criticalCase: Case = {
  name: 'helpers/critical',
  from: ['no_raise_no_flag', 'no_raise_on_none', 'raise_no_arg', 'raise_on_flag', 'raise_on_result']
    .map((n) => `test_util_critical.py::test_util_critical_${n}`)
    .join(', '),
  async run(t) {
    t.write('releng-tool.rt', "packages = ['helpers']\n");
    t.write('package/helpers/helpers.rt', "HELPERS_VERSION = '1.0'\n");
    const script = (critical: string): string =>
      [
        "rv = releng_copy('missing-src', 'dst', critical=False)",
        "rv2 = releng_move('missing-src', 'dst', critical=False)",
        "rv3 = releng_register_env_path('missing-dir', critical=False)",
        "with open(os.path.join(ROOT_DIR, 'non-critical.txt'), 'w') as f:",
        '    f.write(repr([rv, rv2, rv3]))',
        critical,
        "with open(os.path.join(ROOT_DIR, 'after.txt'), 'w') as f:",
        "    f.write('reached')",
        '',
      ].join('\n');
    t.write('package/helpers/helpers-build.rt', script(''));
    await t.ok();
    assert.equal(t.read('non-critical.txt'), '[False, False, False]');
    assert.equal(t.read('after.txt'), 'reached');
    t.remove('after.txt');
    t.write('package/helpers/helpers-build.rt', script("releng_copy('missing-src', 'dst')"));
    const r = await t.fails(['helpers-rebuild']);
    assert.match(r.output, /missing-src/);
    t.assertMissing('after.txt');
  },
};

/**
 * test_util_log.py on the console: each log helper's message (variables
 * expanded, `{}` arguments formatted) is printed; debug only with --debug,
 * verbose with --verbose or --debug (debug implies verbose in releng-tool),
 * and releng_is_debug_mode / releng_is_verbose_mode say so.
 */
const logConsoleCase: Case = {
  name: 'helpers/log-console',
  from: 'test_util_log.py::test_utilio_log_expanded',
  async run(t) {
    t.write('releng-tool.rt', "packages = ['helpers']\n");
    t.write('package/helpers/helpers.rt', "HELPERS_VERSION = '1.0'\n");
    const levels = ['log', 'note', 'warn', 'err', 'success', 'hint', 'debug', 'verbose'];
    t.write(
      'package/helpers/helpers-build.rt',
      [
        "os.environ['KEYWORD'] = 'example'",
        ...levels.map((l) => `${l}('${l} $KEYWORD message')`),
        "note('{} formatted {}', 'args', 2)",
        "with open(os.path.join(ROOT_DIR, 'modes.txt'), 'w') as f:",
        '    f.write(repr([releng_is_debug_mode(), releng_is_verbose_mode()]))',
        '',
      ].join('\n'),
    );
    const runs: Array<[string[], string[], string]> = [
      [[], ['debug', 'verbose'], '[False, False]'],
      [['--debug'], [], '[True, True]'],
      [['--verbose'], ['debug'], '[False, True]'],
    ];
    for (const [args, hidden, modes] of runs) {
      t.remove('output');
      const r = await t.ok(['--nocolorout', ...args]);
      for (const l of levels) {
        const shown = new RegExp(`${l} example message`).test(r.output);
        assert.equal(shown, !hidden.includes(l), `${l}() message with [${args.join(' ')}]`);
      }
      assert.match(r.output, /args formatted 2/);
      // warnings, errors and successes are marked as such
      assert.match(r.output, /\(warn\) .*warn example message/);
      assert.match(r.output, /\(error\) .*err example message/);
      assert.match(r.output, /\(success\) .*success example message/);
      assert.equal(t.read('modes.txt'), modes, `modes with [${args.join(' ')}]`);
    }
  },
};

/**
 * test_util_io_opt_file.py as the engine uses opt_file: which file of a
 * package's build script runs (`.rt` over `.py` over no extension, the last
 * one deprecated with a warning; none at all is no error). One package per
 * test; each script records its own file name.
 */
const OPT_FILE: Array<[string, string[], string | null]> = [
  ['find_legacy_no_ext', [''], ''],
  ['find_py_ext', ['.py'], '.py'],
  ['find_rt_ext', ['.rt'], '.rt'],
  ['missing', [], null],
  ['priority_01_rt_over_py', ['.py', '.rt'], '.rt'],
  ['priority_02_py_over_none', ['', '.py'], '.py'],
];
const optFileCase: Case = {
  name: 'helpers/opt-file',
  from: OPT_FILE.map(([n]) => `test_util_io_opt_file.py::test_utilio_optfile_${n}`).join(', '),
  async run(t) {
    const pkgs = OPT_FILE.map(([n]) => `opt-${n.replace(/_/g, '-')}`);
    t.write('releng-tool.rt', `packages = ${JSON.stringify(pkgs)}\n`);
    OPT_FILE.forEach(([, exts], i) => {
      const pkg = pkgs[i]!;
      t.write(
        `package/${pkg}/${pkg}.rt`,
        `${pkg.toUpperCase().replace(/-/g, '_')}_VERSION = '1.0'\n`,
      );
      for (const ext of exts) {
        t.write(
          `package/${pkg}/${pkg}-build${ext}`,
          `with open(os.path.join(ROOT_DIR, '${pkg}.ran'), 'a') as f:\n    f.write('${pkg}-build${ext}\\n')\n`,
        );
      }
    });
    const r = await t.ok();
    OPT_FILE.forEach(([, , ran], i) => {
      const pkg = pkgs[i]!;
      if (ran === null) t.assertMissing(`${pkg}.ran`);
      else assert.equal(t.read(`${pkg}.ran`), `${pkg}-build${ran}\n`, pkg);
    });
    assert.match(r.output, /deprecated file:.*opt-find-legacy-no-ext-build/);
  },
};

/** What releng-tool's engine/script_env.py gives every script and definition. */
const SCRIPT_NAMES = [
  'Path',
  'os',
  'sys',
  'debug',
  'err',
  'hint',
  'log',
  'note',
  'success',
  'verbose',
  'warn',
  'releng_cat',
  'releng_copy',
  'releng_copy_into',
  'releng_define',
  'releng_env',
  'releng_execute',
  'releng_execute_rv',
  'releng_exists',
  'releng_exit',
  'releng_expand',
  'releng_include',
  'releng_is_api_mode',
  'releng_is_debug_mode',
  'releng_is_verbose_mode',
  'releng_join',
  'releng_ls',
  'releng_mkdir',
  'releng_move',
  'releng_move_into',
  'releng_path',
  'releng_register_env_path',
  'releng_register_path',
  'releng_register_python_path',
  'releng_remove',
  'releng_require_version',
  'releng_step',
  'releng_symlink',
  'releng_tmpdir',
  'releng_touch',
  'releng_wd',
  'RELENG_HOST_OS_LINUX',
];
/** What `releng_tool/__init__.py` exports for `from releng_tool import …`. */
const MODULE_NAMES = SCRIPT_NAMES.filter(
  (n) => !['Path', 'os', 'sys', 'releng_include', 'RELENG_HOST_OS_LINUX'].includes(n),
).concat(['releng_include']);

/**
 * Every helper name exists without an import, in a build script and in a
 * package definition, and `from releng_tool import …` gives the same
 * functions (issue 11: every helper of releng-tool 4.x exists); releng_join
 * is os.path.join and releng_path is pathlib.Path, as in releng-tool.
 */
const namesCase: Case = {
  name: 'helpers/names',
  async run(t) {
    const check = (out: string): string =>
      [
        `names = ${JSON.stringify(SCRIPT_NAMES)}`,
        'import json as _json, os.path as _osp, pathlib as _pl',
        'import releng_tool as _rt',
        'found = {',
        "    'missing': [n for n in names if n not in globals()],",
        `    'module': [n for n in ${JSON.stringify(MODULE_NAMES)} if not callable(getattr(_rt, n, None))],`,
        "    'join': releng_join('a', 'b') == _osp.join('a', 'b'),",
        "    'path': releng_path('a') == _pl.Path('a'),",
        "    'linux': RELENG_HOST_OS_LINUX,",
        '}',
        `with open(_osp.join(str(ROOT_DIR), '${out}'), 'w') as f:`,
        '    _json.dump(found, f)',
        '',
      ].join('\n');
    t.write('releng-tool.rt', "packages = ['helpers']\n");
    t.write('package/helpers/helpers.rt', `HELPERS_VERSION = '1.0'\n${check('definition.json')}`);
    t.write('package/helpers/helpers-build.rt', check('script.json'));
    await t.ok();
    for (const f of ['definition.json', 'script.json']) {
      const found = JSON.parse(t.read(f));
      assert.deepEqual(
        found,
        { missing: [], module: [], join: true, path: true, linux: true },
        `${f}: names a releng-tool script is given`,
      );
    }
  },
};

/**
 * A folder registered with releng_register_env_path / _python_path in one
 * package's script stays registered for the packages built after it (the
 * helpers change the build's process, as in releng-tool): a later package
 * runs a tool from it by name and imports a module from it.
 */
const registerCarryCase: Case = {
  name: 'helpers/register-paths-carry',
  async run(t) {
    t.write('releng-tool.rt', "packages = ['second']\n");
    t.write('package/first/first.rt', "FIRST_VERSION = '1.0'\n");
    t.write('package/second/second.rt', "SECOND_VERSION = '1.0'\nSECOND_NEEDS = ['first']\n");
    t.write('tools/bin/extra-tool', '#!/bin/sh\necho "extra tool ran"\n');
    chmodSync(t.path('tools/bin/extra-tool'), 0o755);
    t.write('tools/py/extra_module.py', "VALUE = 'extra module'\n");
    t.write(
      'package/first/first-build.rt',
      [
        "releng_register_env_path(os.path.join(ROOT_DIR, 'tools', 'bin'))",
        "releng_register_python_path(os.path.join(ROOT_DIR, 'tools', 'py'))",
        '',
      ].join('\n'),
    );
    t.write(
      'package/second/second-build.rt',
      [
        'import extra_module',
        "rv, out = releng_execute_rv('extra-tool')",
        "with open(os.path.join(ROOT_DIR, 'second.txt'), 'w') as f:",
        "    f.write('%s|%s|%s' % (rv, out, extra_module.VALUE))",
        '',
      ].join('\n'),
    );
    await t.ok();
    assert.equal(t.read('second.txt'), '0|extra tool ran|extra module');
  },
};

export const helperCases: Case[] = [
  criticalCase,
  inDefinitionCase,
  registerCarryCase,
  namesCase,
  optFileCase,
  logConsoleCase,
  checkFileCase('util_io_copy'),
  checkFileCase('util_io_cat'),
  checkFileCase('util_io_exists'),
  checkFileCase('util_io_ls'),
  checkFileCase('util_io_mkdir'),
  checkFileCase('util_io_move'),
  checkFileCase('util_io_remove'),
  checkFileCase('util_io_step'),
  checkFileCase('util_io_symlink'),
  checkFileCase('util_io_temp_dir'),
  checkFileCase('util_io_touch'),
  checkFileCase('util_io_wd'),
  checkFileCase('util_io_path_register_env_path'),
  checkFileCase('util_io_path_register_python_path'),
  checkFileCase('util_io'),
  checkFileCase('util_env'),
  checkFileCase('util_common'),
  checkFileCase('util_log'),
  checkFileCase('util_platform'),
  checkFileCase('util_string'),
  checkFileCase('util_path'),
  checkFileCase('support'),
  checkFileCase('support_include'),
  checkFileCase('extra', { own: true }),
];
