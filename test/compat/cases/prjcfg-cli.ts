// releng-tool's prerequisite, release-check, environment and command-line
// tests (test_prerequisites.py, test_release_checks.py, test_environment.py,
// test_engine_run_environ_check.py, test_cli_overrides.py,
// test_engine_env_args.py, test_api_mode.py, test_mainline_color.py,
// test_opts.py, test_engine_suggest.py), re-expressed as CLI runs: releng-tool
// calls its classes with mocks; here a tool is hidden from PATH, the action
// or option is given on the command line, and the exit code, the console and
// what a stage script is given are checked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';
import { probe, stagesRan, writeProbe } from '../probe.ts';

/**
 * A PATH of one folder of links to every command of the current PATH except
 * `hidden` (first found wins, as on the PATH itself).
 */
export function pathWithout(
  t: Ctx,
  hidden: readonly string[],
  path = process.env.PATH ?? '/usr/bin:/bin',
): string {
  const bin = join(t.dir, '..', 'bin-without');
  mkdirSync(bin, { recursive: true });
  const seen = new Set<string>(hidden);
  for (const dir of path.split(':')) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (seen.has(name)) continue;
      seen.add(name);
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

/** The probe project and a second package `needy` (listed after it) with the given definition lines. */
function needyProject(t: Ctx, lines: string, project = ''): void {
  writeProbe(t, { project });
  t.write('releng-tool.rt', `packages = ['test', 'needy']\n${project}\n`);
  t.write('package/needy/needy.rt', `NEEDY_VERSION = '1.0'\n${lines}`);
  t.write('package/needy/local/README', 'needy sources\n');
}

/**
 * A package whose type or site needs `tool`: with the tool hidden the run
 * stops before anything is built (the probe package comes first) and names
 * it; with it present, the package's fetch goes ahead.
 */
function prerequisite(
  label: string,
  lines: string,
  tool: string,
  options: { exists?: boolean; missing?: boolean; hide?: string[]; path?: string } = {},
): Case[] {
  const out: Case[] = [];
  if (options.missing !== false) {
    out.push({
      name: `prjcli/prerequisites-${label}-missing`,
      from: `test_prerequisites.py::test_prerequisites_uc_${label.replace(/-/g, '_')}_missing`,
      async run(t) {
        needyProject(t, lines);
        const PATH = pathWithout(t, options.hide ?? [tool], options.path);
        const r = await t.fails([], undefined, { env: { PATH } });
        assert.ok(r.output.includes(tool), `names ${tool}:\n${r.output}`);
        assert.deepEqual(stagesRan(t), [], 'nothing is built when a host tool is missing');
      },
    });
  }
  if (options.exists !== false) {
    out.push({
      name: `prjcli/prerequisites-${label}-exists`,
      from: `test_prerequisites.py::test_prerequisites_uc_${label.replace(/-/g, '_')}_exists`,
      needs: [tool],
      async run(t) {
        needyProject(t, lines);
        await t.ok(['needy-fetch'], options.path ? { env: { PATH: options.path } } : {});
      },
    });
  }
  return out;
}

const LOCAL = "NEEDY_SITE = 'local'\n";

/**
 * Debian's python3 first: releng-tool checks the Python build modules in the
 * interpreter it runs under, and only Debian's has them all here.
 */
const DEBIAN_PYTHON = `/usr/bin:/bin:${process.env.PATH ?? ''}`;
const PY = `${LOCAL}NEEDY_TYPE = 'python'\n`;

/** A python package with a setup type whose modules are present: the fetch goes ahead. */
const pythonExists = (label: string, lines: string): Case[] =>
  prerequisite(label, `${PY}${lines}`, 'python3', {
    missing: false,
    path: DEBIAN_PYTHON,
  });

const pythonCases: Case[] = [
  ...pythonExists('python-interpreter', ''),
  ...pythonExists('python-installer', ''),
  ...pythonExists('python-pt-default-build', ''),
  ...pythonExists('python-pt-pep517-build', "NEEDY_PYTHON_SETUP_TYPE = 'pep517'\n"),
  ...pythonExists('python-pt-flit', "NEEDY_PYTHON_SETUP_TYPE = 'flit'\n"),
  ...pythonExists('python-pt-setuptools', "NEEDY_PYTHON_SETUP_TYPE = 'setuptools'\n"),
];

/** Runs a fixture command in the case's folder (HOME there, so no tool writes elsewhere). */
function sh(t: Ctx, cmd: string, args: string[], cwd = t.dir): void {
  execFileSync(cmd, args, {
    cwd,
    stdio: 'pipe',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(t.dir, '..'),
      BRZ_EMAIL: 'Fixture <fixture@example.invalid>',
      LANG: 'C.UTF-8',
    },
  });
}

/**
 * A package fetched from a real local repository of the VCS: with its tool
 * present the prerequisites check lets the fetch go ahead.
 */
function vcsExists(label: string, tool: string, make: (t: Ctx, src: string) => string): Case {
  return {
    name: `prjcli/prerequisites-${label}-exists`,
    from: `test_prerequisites.py::test_prerequisites_uc_${label}_exists`,
    needs: [tool],
    async run(t) {
      const src = join(t.dir, '..', 'upstream');
      mkdirSync(src, { recursive: true });
      writeFileSync(join(src, 'README'), 'upstream\n');
      needyProject(t, make(t, src));
      await t.ok(['needy-fetch']);
    },
  };
}

const vcsExistsCases: Case[] = [
  vcsExists('git', 'git', (t, src) => {
    const repo = join(t.dir, '..', 'repo.git');
    sh(t, 'git', ['init', '-q', src]);
    sh(t, 'git', ['add', '.'], src);
    sh(
      t,
      'git',
      ['-c', 'user.name=f', '-c', 'user.email=f@example.invalid', 'commit', '-qm', 'init'],
      src,
    );
    sh(t, 'git', ['tag', '1.0'], src);
    sh(t, 'git', ['clone', '-q', '--bare', src, repo]);
    return `NEEDY_SITE = 'git+file://${repo}'\n`;
  }),
  vcsExists('hg', 'hg', (t, src) => {
    sh(t, 'hg', ['init'], src);
    sh(t, 'hg', ['add', '-q'], src);
    sh(t, 'hg', ['commit', '-q', '-u', 'f', '-m', 'init'], src);
    sh(t, 'hg', ['tag', '-u', 'f', '1.0'], src);
    return `NEEDY_SITE = 'hg+file://${src}'\n`;
  }),
  vcsExists('svn', 'svn', (t, src) => {
    const repo = join(t.dir, '..', 'svnrepo');
    sh(t, 'svnadmin', ['create', repo]);
    sh(t, 'svn', ['import', '-q', '-m', 'init', src, `file://${repo}/trunk`]);
    return `NEEDY_SITE = 'svn+file://${repo}/trunk'\nNEEDY_REVISION = '1'\n`;
  }),
  vcsExists('cvs', 'cvs', (t, src) => {
    const root = join(t.dir, '..', 'cvsroot');
    sh(t, 'cvs', ['-d', root, 'init']);
    sh(t, 'cvs', ['-Q', '-d', root, 'import', '-m', 'init', 'needy', 'fixture', 'start'], src);
    return `NEEDY_SITE = 'cvs+:local:${root} needy'\nNEEDY_REVISION = 'HEAD'\n`;
  }),
  vcsExists('rsync', 'rsync', (_t, src) => `NEEDY_SITE = 'rsync+${src}/'\n`),
];
/** A site of the given VCS type that the prerequisites check is reached before. */
const vcs = (type: string, site: string) => `NEEDY_SITE = '${site}'\nNEEDY_VCS_TYPE = '${type}'\n`;

const prerequisiteCases: Case[] = [
  {
    name: 'prjcli/prerequisites-exist',
    from: 'test_prerequisites.py::test_prerequisites_exist',
    async run(t) {
      writeProbe(t, { project: "prerequisites = ['python3']" });
      await t.ok();
      assert.ok(stagesRan(t).includes('build'));
    },
  },
  {
    name: 'prjcli/prerequisites-missing',
    from: 'test_prerequisites.py::test_prerequisites_missing',
    async run(t) {
      writeProbe(t, { project: "prerequisites = ['unknown-command-releng']" });
      const r = await t.fails();
      assert.ok(r.output.includes('unknown-command-releng'), r.output);
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    // a host package that provides a tool (HOST_PROVIDES) excuses the check for it
    name: 'prjcli/prerequisites-exclude',
    from: 'test_prerequisites.py::test_prerequisites_exclude',
    async run(t) {
      writeProbe(t, {
        project: "prerequisites = ['misc-command']",
        pkg: "TEST_INSTALL_TYPE = 'host'\nTEST_HOST_PROVIDES = ['misc-command']",
      });
      await t.ok();
      assert.ok(stagesRan(t).includes('build'));
    },
  },
  ...prerequisite('autotools-make', `${LOCAL}NEEDY_TYPE = 'autotools'\n`, 'make'),
  ...prerequisite(
    'autoreconf',
    `${LOCAL}NEEDY_TYPE = 'autotools'\nNEEDY_AUTOTOOLS_AUTORECONF = True\n`,
    'autoreconf',
  ),
  ...prerequisite('cargo', `${LOCAL}NEEDY_TYPE = 'cargo'\n`, 'cargo'),
  ...prerequisite('cmake', `${LOCAL}NEEDY_TYPE = 'cmake'\n`, 'cmake'),
  ...prerequisite('make', `${LOCAL}NEEDY_TYPE = 'make'\n`, 'make'),
  ...prerequisite('meson', `${LOCAL}NEEDY_TYPE = 'meson'\n`, 'meson'),
  ...prerequisite('scons', `${LOCAL}NEEDY_TYPE = 'scons'\n`, 'scons'),
  ...prerequisite('waf', `${LOCAL}NEEDY_TYPE = 'waf'\n`, 'waf', { exists: false }),
  ...prerequisite('xmake', `${LOCAL}NEEDY_TYPE = 'xmake'\n`, 'xmake', { exists: false }),
  // The sites: only a missing tool is checked (fetching needs a real repository).
  ...prerequisite('brz', vcs('brz', 'https://example.invalid/repo'), 'brz', { exists: false }),
  ...prerequisite('cvs', vcs('cvs', ':pserver:anonymous@example.invalid:/cvs mod'), 'cvs', {
    exists: false,
  }),
  ...prerequisite('git', vcs('git', 'https://example.invalid/repo.git'), 'git', { exists: false }),
  ...prerequisite('hg', vcs('hg', 'https://example.invalid/repo'), 'hg', { exists: false }),
  ...prerequisite('perforce-git', vcs('perforce', 'p4+example.invalid:1666 //depot/x'), 'git', {
    exists: false,
  }),
  ...prerequisite('rsync', vcs('rsync', 'example.invalid:/srv/x'), 'rsync', { exists: false }),
  ...prerequisite('scp', vcs('scp', 'example.invalid:/srv/x.tar.gz'), 'scp', { exists: false }),
  ...prerequisite('svn', vcs('svn', 'https://example.invalid/svn/x'), 'svn', { exists: false }),
  ...vcsExistsCases,
  ...pythonCases,
];

// --- release checks ------------------------------------------------------

/** A --release run refused for the state given by `prepare`/`args`, building nothing. */
function releaseCheck(label: string, args: string[], prepare?: string[]): Case {
  return {
    name: `prjcli/release-check-${label}`,
    from: `test_release_checks.py::test_relchecks_${label.replace(/-/g, '_')}`,
    async run(t) {
      writeProbe(t);
      if (prepare) await t.ok(prepare);
      const r = await t.fails(['--release', ...args]);
      assert.match(r.output, /release check/i);
      assert.deepEqual(stagesRan(t), []);
    },
  };
}

const releaseCases: Case[] = [
  releaseCheck('development-mode', [], ['-D']),
  releaseCheck('local-sources', [], ['-L']),
  releaseCheck('force-revision', ['TEST_FORCE_REVISION=7.8.9']),
  releaseCheck('global-action', ['extract']),
  releaseCheck('package-action', ['test-build']),
  {
    name: 'prjcli/release-check-clean-run',
    from: 'control: a release run of a plain project passes',
    async run(t) {
      writeProbe(t);
      await t.ok(['--release']);
      assert.ok(stagesRan(t).includes('build'));
    },
  },
];

// --- environment ---------------------------------------------------------

const OPTIONAL_ENV = [
  'RELENG_CLEAN',
  'RELENG_DEBUG',
  'RELENG_DEVMODE',
  'RELENG_DISTCLEAN',
  'RELENG_EXEC',
  'RELENG_FORCE',
  'RELENG_LOCALSRCS',
  'RELENG_MRPROPER',
  'RELENG_PROFILES',
  'RELENG_REBUILD',
  'RELENG_RECONFIGURE',
  'RELENG_REINSTALL',
  'RELENG_RELEASE',
  'RELENG_TARGET_PKG',
  'RELENG_VERBOSE',
];

const environmentCases: Case[] = [
  {
    name: 'prjcli/environ-check-defaults',
    template: 'env-defaults',
    from: 'test_engine_run_environ_check.py::test_engine_run_environ_check_defaults',
    async run(t) {
      // the definition asserts the flags are empty; a script sees none exported
      t.write(
        'package/env-defaults/env-defaults-build.rt',
        "import json, os\nwith open(os.path.join(os.environ['ROOT_DIR'], 'env.json'), 'w') as f:\n    json.dump(dict(os.environ), f)\n",
      );
      await t.ok();
      const env = JSON.parse(t.read('env.json')) as Record<string, string>;
      for (const v of OPTIONAL_ENV) assert.ok(!(v in env), `${v} is exported: ${env[v]}`);
    },
  },
  {
    name: 'prjcli/environ-check-target-pkg',
    from: 'test_engine_run_environ_check.py::test_engine_run_environ_check_target_pkg',
    async run(t) {
      writeProbe(t);
      // the definition is what runs for a `-fetch` of a local package
      t.write(
        'package/test/test.rt',
        `${t.read('package/test/test.rt')}\nimport os\nwith open(os.path.join(os.environ['ROOT_DIR'], 'target.txt'), 'w') as f:\n    f.write(os.environ.get('RELENG_TARGET_PKG', '<unset>'))\n`,
      );
      await t.ok(['test-fetch']);
      assert.equal(t.read('target.txt'), 'test');
    },
  },
  {
    name: 'prjcli/environment-project-injection',
    template: 'env-inject',
    from: 'test_environment.py::test_environment_project_injection',
    async run(t) {
      await t.ok();
      const data = JSON.parse(t.read('output/target/invoke-env.json')) as Record<string, string>;
      assert.equal(data.TEST_1, 'A');
      assert.equal(data.TEST_2, 'B');
      // ${RELENG_VERSION} is expanded to the version scripts are given
      assert.match(data.TEST_3 ?? '', /^\d+\.\d+/);
      assert.equal(data.TEST_3, data.RELENG_VERSION ?? data.TEST_3);
    },
  },
  {
    name: 'prjcli/cli-overrides',
    template: 'override-check',
    from: 'test_cli_overrides.py::test_cli_overrides',
    async run(t) {
      await t.ok(['TEST_OVERRIDE=123']);
      t.assertExists('output/target/override-detected');
    },
  },
];

// --- quirks from the environment and the command line --------------------

const quirkEnvCases: Case[] = (
  [
    ['multiple-comma', 'quirk.opt.1,quirk.opt.2', ['quirk.opt.1', 'quirk.opt.2']],
    ['multiple-semicolon', 'quirk.opt.1;quirk.opt.2', ['quirk.opt.1', 'quirk.opt.2']],
    ['multiple-space', 'quirk.opt.1 quirk.opt.2', ['quirk.opt.1', 'quirk.opt.2']],
    ['single', 'quirk_opt', ['quirk_opt']],
  ] as const
).map(
  ([label, value, quirks]): Case => ({
    name: `prjcli/env-quirks-${label}`,
    from: `test_engine_env_args.py::test_engine_env_args_quirks_${label.replace(/-/g, '_')}`,
    async run(t) {
      writeProbe(t);
      // the configured quirks are listed, one by one, in debug output
      const r = await t.ok(['--debug'], { env: { RELENG_QUIRKS: value } });
      for (const q of quirks) assert.ok(r.output.includes(q), `lists ${q}:\n${r.output}`);
      if (quirks.length > 1) assert.ok(!r.output.includes(value), 'the list is split');
    },
  }),
);

// --- profiles and quirks on the command line (test_opts.py) --------------

function profiles(t: Ctx): string[] {
  const v = probe(t).gbl.RELENG_PROFILES;
  return Array.isArray(v) ? (v as string[]) : [];
}

const optsCases: Case[] = [
  {
    name: 'prjcli/opts-profiles-split',
    from: 'test_opts.py::test_opts_accept_profiles',
    async run(t) {
      writeProbe(t);
      await t.ok(['--profile', 'alpha,charlie', '--profile', 'bravo;delta']);
      assert.deepEqual(profiles(t), ['alpha', 'charlie', 'bravo', 'delta']);
    },
  },
  {
    name: 'prjcli/opts-profiles-order',
    from: 'test_opts.py::test_opts_accept_profiles',
    async run(t) {
      writeProbe(t);
      await t.ok(['-P', 'zulu', '-P', 'first', '-P', 'second', '-P', 'third']);
      assert.deepEqual(profiles(t), ['zulu', 'first', 'second', 'third']);
    },
  },
  {
    name: 'prjcli/opts-profiles-normalized',
    from: 'test_opts.py::test_opts_accept_profiles',
    async run(t) {
      writeProbe(t);
      await t.ok(['--profile', ' this is an--example']);
      assert.deepEqual(profiles(t), ['this-is-an-example']);
    },
  },
  {
    name: 'prjcli/opts-profiles-unique',
    from: 'test_opts.py::test_opts_accept_profiles',
    async run(t) {
      writeProbe(t);
      await t.ok(['-P', 'test1', '-P', 'test1', '-P', 'test1 ', '-P', ' test1']);
      assert.deepEqual(profiles(t), ['test1']);
    },
  },
  {
    name: 'prjcli/opts-quirks-unique',
    from: 'test_opts.py::test_opts_accept_quirks',
    async run(t) {
      writeProbe(t);
      const r = await t.ok([
        '--debug',
        '--quirk',
        'test1',
        '--quirk',
        'test1',
        '--quirk',
        'test1 ',
        '--quirk',
        ' test1',
      ]);
      const listed = r.output.split('\n').filter((l) => /\btest1\b/.test(l));
      assert.equal(listed.length, 1, `the quirk is listed once:\n${listed.join('\n')}`);
    },
  },
];

// --- API mode and colours ------------------------------------------------

const ESC = '\u001b[';

const consoleCases: Case[] = [
  {
    name: 'prjcli/api-mode-streams',
    from: 'test_api_mode.py::test_api_mode_streams',
    async run(t) {
      writeProbe(t);
      const r = await t.ok(['--api']);
      // stdout is one JSON document; the banner and messages are on stderr
      JSON.parse(r.stdout);
      assert.ok(r.stderr.includes('releng-tool '), r.stderr);
    },
  },
  {
    name: 'prjcli/color-force-disabled',
    from: 'test_mainline_color.py::test_mainline_color_force_disabled',
    async run(t) {
      writeProbe(t);
      const r = await t.fails(['no-such-action'], undefined, {
        env: { NO_COLOR: '1', FORCE_COLOR: '' },
      });
      assert.ok(!r.output.includes(ESC), `no colour with NO_COLOR:\n${JSON.stringify(r.output)}`);
    },
  },
  {
    name: 'prjcli/color-force-enabled',
    from: 'test_mainline_color.py::test_mainline_color_force_enabled',
    async run(t) {
      writeProbe(t);
      const r = await t.fails(['no-such-action'], undefined, {
        env: { NO_COLOR: '1', FORCE_COLOR: '1' },
      });
      assert.ok(
        r.output.includes(ESC),
        `FORCE_COLOR wins over NO_COLOR:\n${JSON.stringify(r.output)}`,
      );
    },
  },
  {
    name: 'prjcli/color-nocolorout',
    from: 'control: no colour with --nocolorout either',
    async run(t) {
      writeProbe(t);
      const r = await t.fails(['no-such-action', '--nocolorout']);
      assert.ok(!r.output.includes(ESC), JSON.stringify(r.output));
    },
  },
];

// --- suggestions for a mistyped action -----------------------------------

function suggestCase(label: string, packages: string[], typed: string, expected: string[]): Case {
  return {
    name: `prjcli/suggest-${label}`,
    from: `test_engine_suggest.py::test_engine_suggest_${label.replace(/-/g, '_')}`,
    async run(t) {
      writeProbe(t);
      t.write('releng-tool.rt', `packages = [${packages.map((p) => `'${p}'`).join(', ')}]\n`);
      for (const p of packages) {
        if (p === 'test') continue;
        t.write(`package/${p}/${p}.rt`, `${p.toUpperCase().replace(/-/g, '_')}_VERSION = '1.0'\n`);
      }
      const r = await t.fails([typed, '--nocolorout']);
      assert.match(r.output, /unknown action or package/);
      for (const e of expected)
        assert.ok(r.output.includes(`"${e}"`), `suggests ${e}:\n${r.output}`);
      assert.deepEqual(stagesRan(t), []);
    },
  };
}

const suggestCases: Case[] = [
  suggestCase('action-multiple', ['test'], 'clea', ['clean', 'distclean']),
  suggestCase('action-single', ['test'], 'fecth', ['fetch']),
  suggestCase('valid-action-unknown-pkg', ['example'], 'exanple-patch', ['example-patch']),
  suggestCase('valid-pkg-unknown-action', ['example'], 'example-instll', ['example-install']),
  suggestCase('unknown-all', ['a-long-pkg-name'], 'long-pkg', ['a-long-pkg-name']),
  suggestCase('unknown-package', ['example'], 'exmaple', ['example']),
];

export const prjcfgCliCases: Case[] = [
  ...prerequisiteCases,
  ...releaseCases,
  ...environmentCases,
  ...quirkEnvCases,
  ...optsCases,
  ...consoleCases,
  ...suggestCases,
];
