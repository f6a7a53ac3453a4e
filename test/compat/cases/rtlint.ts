// releng-tool's `lint` action (releng_tool/lint, its lint-playground project
// and tests/unit-tests/test_prj_configs_lint_max_version.py,
// test_engine_run_environ_config.py's RELENG_LINT_MAX_VERSION tests): each
// case lints a fixture and checks the codes reported, where (file:line:col,
// relative to the project) and the exit code. Messages are each tool's own.
import { assert, type Case, type Ctx, type RunResult } from '../lib.ts';

/** The issues a lint run printed: `RTnnn <file>:<line>:<col>`, sorted. */
function issues(t: Ctx, r: RunResult): string[] {
  const text = r.output.replace(/\x1b\[[0-9;]*m/g, '');
  const out: string[] = [];
  let code: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^(RT\d{3}) /.exec(line);
    if (head) code = head[1];
    const at = /^ {2}--> (.+:\d+:\d+)$/.exec(line);
    if (at && code) {
      const where = at[1]!.startsWith(`${t.dir}/`) ? at[1]!.slice(t.dir.length + 1) : at[1]!;
      out.push(`${code} ${where}`);
      code = undefined;
    }
  }
  return out.sort();
}

/** Lints and checks the exit code (0 exactly when no issue is expected) and the issues. */
async function lint(
  t: Ctx,
  expected: string[],
  args: string[] = ['lint'],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const r = await t.run(args, { env });
  assert.deepEqual(issues(t, r), [...expected].sort(), `issues of [${args.join(' ')}]`);
  if (expected.length === 0) assert.equal(r.code, 0, `exit code with no issue:\n${r.output}`);
  else assert.notEqual(r.code, 0, 'a lint run with issues fails');
  return r;
}

const pkgFile = (name: string, line: number) => `package/${name}/${name}.rt:${line}:0`;

/** What releng-tool reports for its lint-playground project (the project file's first). */
const PLAYGROUND_PROJECT = ['RT200 releng-tool.rt:9:0', 'RT300 releng-tool.rt:14:0'];
const PLAYGROUND_PACKAGES: Array<[number, string, number[]]> = [
  [100, 'rt100-bad-pkgcfg-prefix', [1]],
  [100, 'rt100-bad-pkgcfg-suffix', [1]],
  [101, 'rt101-bad-format', [1]],
  [101, 'rt101-deprecated', [1]],
  [101, 'rt101-deprecated-exception', [1]],
  [101, 'rt101-unknown', [1]],
  [101, 'rt101-unknown-exception', [1]],
  [102, 'rt102-deprecated-file-url', [2]],
  [103, 'rt103-deprecated-deps', [1]],
  [104, 'rt104-unexpected-host-provides', [1]],
  [105, 'rt105-unexpected-autotools-cfg', [1]],
  [106, 'rt106-unexpected-cargo-cfg', [1, 2]],
  [107, 'rt107-unexpected-cmake-cfg', [1, 2]],
  [108, 'rt108-unexpected-make-cfg', [1, 2]],
  [109, 'rt109-unexpected-meson-cfg', [1, 2]],
  [110, 'rt110-unexpected-python-cfg', [1, 2, 3, 4, 5, 6]],
  [111, 'rt111-unexpected-scons-cfg', [1]],
  [112, 'rt112-unexpected-waf-cfg', [1]],
  [113, 'rt113-unexpected-git-cfg', [1, 4, 5, 6, 7]],
  [114, 'rt114-unexpected-devmode-cfg', [1, 2, 3, 4]],
  [115, 'rt115-remote-feature-removal', [1, 2]],
  [116, 'rt116-unexpected-xmake-cfg', [1, 2]],
];

/** The playground's issues, of the rules in `codes` (all when omitted). */
function playground(codes?: (code: number) => boolean): string[] {
  const project = PLAYGROUND_PROJECT.filter((i) => !codes || codes(Number(i.slice(2, 5))));
  const packages = PLAYGROUND_PACKAGES.filter(([code]) => !codes || codes(code)).flatMap(
    ([code, name, lines]) => lines.map((line) => `RT${code} ${pkgFile(name, line)}`),
  );
  return [...project, ...packages];
}

/** A one-package project: the package `test` defined by `definition`. */
function project(t: Ctx, definition: string, config = "packages = ['test']\n"): void {
  t.write('releng-tool.rt', config);
  t.write('package/test/test.rt', definition);
}

function lintCase(
  name: string,
  from: string,
  run: (t: Ctx) => Promise<void>,
  template?: string,
): Case {
  return { name: `rtlint/${name}`, from, template, run };
}

const LINT = 'releng-tool lint';

export const rtlintCases: Case[] = [
  lintCase(
    'playground',
    'tests/lint-playground; test_engine_run_args.py::test_engine_run_args_action_global_lint',
    (t) => lint(t, playground()).then(() => {}),
    'lint-playground',
  ),
  lintCase(
    'playground-package-lint',
    'tests/lint-playground; test_engine_run_args.py::test_engine_run_args_action_pkg_lint',
    (t) =>
      lint(
        t,
        [
          ...PLAYGROUND_PROJECT,
          ...[1, 4, 5, 6, 7].map((l) => `RT113 ${pkgFile('rt113-unexpected-git-cfg', l)}`),
        ],
        ['rt113-unexpected-git-cfg-lint'],
      ).then(() => {}),
    'lint-playground',
  ),
  lintCase(
    'clean-project',
    LINT,
    async (t) => {
      const r = await lint(t, []);
      assert.doesNotMatch(r.output, /RT\d{3}/);
    },
    'minimal',
  ),
  // RELENG_LINT_MAX_VERSION and lint_max_version: rules newer than the version are not checked
  lintCase(
    'max-version-env-2.8',
    'test_engine_run_environ_config.py::test_engine_run_environ_cfg_lint_max_version_valid',
    (t) =>
      lint(
        t,
        playground((c) => c === 100),
        ['lint'],
        { RELENG_LINT_MAX_VERSION: '2.8' },
      ).then(() => {}),
    'lint-playground',
  ),
  lintCase(
    'max-version-env-3.1',
    'test_engine_run_environ_config.py::test_engine_run_environ_cfg_lint_max_version_valid',
    (t) =>
      lint(
        t,
        playground((c) => c < 200),
        ['lint'],
        { RELENG_LINT_MAX_VERSION: '3.1' },
      ).then(() => {}),
    'lint-playground',
  ),
  lintCase(
    'max-version-env-3.0.9',
    'test_engine_run_environ_config.py::test_engine_run_environ_cfg_lint_max_version_valid',
    (t) =>
      lint(
        t,
        playground((c) => c < 116),
        ['lint'],
        { RELENG_LINT_MAX_VERSION: '3.0.9' },
      ).then(() => {}),
    'lint-playground',
  ),
  lintCase(
    'max-version-env-4.2.0',
    'test_engine_run_environ_config.py::test_engine_run_environ_cfg_lint_max_version_valid',
    (t) => lint(t, playground(), ['lint'], { RELENG_LINT_MAX_VERSION: '4.2.0' }).then(() => {}),
    'lint-playground',
  ),
  lintCase(
    'max-version-env-invalid',
    'test_engine_run_environ_config.py::test_engine_run_environ_cfg_lint_max_version_invalid',
    async (t) => {
      const r = await lint(t, playground(), ['lint'], { RELENG_LINT_MAX_VERSION: 'some-value' });
      assert.match(r.output, /RELENG_LINT_MAX_VERSION/);
    },
    'lint-playground',
  ),
  lintCase(
    'max-version-env-invalid-build',
    'test_engine_run_environ_config.py::test_engine_run_environ_cfg_lint_max_version_invalid',
    async (t) => {
      const r = await t.ok([], { env: { RELENG_LINT_MAX_VERSION: 'some-value' } });
      assert.match(r.output, /RELENG_LINT_MAX_VERSION/);
    },
    'minimal',
  ),
  lintCase(
    'max-version-option',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_cfgcall_valid',
    async (t) => {
      t.write(
        'releng-tool.rt',
        t
          .read('releng-tool.rt')
          .replace(
            'packages=detected_packages,',
            "packages=detected_packages, lint_max_version='4.1',",
          ),
      );
      await lint(
        t,
        playground((c) => c !== 300),
      );
    },
    'lint-playground',
  ),
  lintCase(
    'max-version-option-global',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_global_valid',
    async (t) => {
      project(
        t,
        "TEST_DEVMODE_PATCHES = True\nTESTX_VERSION = '1'\n",
        "packages = ['test']\nlint_max_version = '2.8'\n",
      );
      await lint(t, ['RT100 package/test/test.rt:2:0']);
    },
  ),
  lintCase(
    'max-version-env-over-option',
    'releng-tool options: RELENG_LINT_MAX_VERSION over lint_max_version',
    async (t) => {
      t.write(
        'releng-tool.rt',
        t
          .read('releng-tool.rt')
          .replace(
            'packages=detected_packages,',
            "packages=detected_packages, lint_max_version='4.2',",
          ),
      );
      await lint(
        t,
        playground((c) => c === 100),
        ['lint'],
        { RELENG_LINT_MAX_VERSION: '2' },
      );
    },
    'lint-playground',
  ),
  lintCase(
    'max-version-option-invalid-value',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_cfgcall_invalid_value',
    async (t) => {
      project(
        t,
        "TEST_VERSION = '1'\n",
        "releng_config(\n    packages=['test'],\n    lint_max_version='1.2a',\n)\n",
      );
      await t.fails([]);
      await t.fails(['lint']);
    },
  ),
  lintCase(
    'max-version-option-invalid-type',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_global_invalid_type',
    async (t) => {
      project(t, "TEST_VERSION = '1'\n", "packages = ['test']\nlint_max_version = True\n");
      await t.fails([]);
    },
  ),
  lintCase(
    'max-version-option-global-invalid-value',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_global_invalid_value',
    async (t) => {
      project(t, "TEST_VERSION = '1'\n", "packages = ['test']\nlint_max_version = '1.2a'\n");
      await t.fails([]);
    },
  ),
  lintCase(
    'max-version-option-cfgcall-invalid-type',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_cfgcall_invalid_type',
    async (t) => {
      project(
        t,
        "TEST_VERSION = '1'\n",
        "releng_config(\n    packages=['test'],\n    lint_max_version=True,\n)\n",
      );
      await t.fails([]);
    },
  ),
  lintCase(
    'max-version-option-valid-build',
    'test_prj_configs_lint_max_version.py::test_prjconfig_lint_max_version_global_valid',
    async (t) => {
      project(t, "TEST_VERSION = '1'\n", "packages = ['test']\nlint_max_version = '1.2.3'\n");
      await t.ok([]);
    },
  ),
  // noqa: a statement or expression starting on a line whose comment says noqa is skipped
  lintCase('noqa', `${LINT} (noqa comments)`, async (t) => {
    project(
      t,
      [
        "TEST_VERSION = '1'",
        "TEST_VERSIONN = '1'  # noqa",
        "TEST_VERSIONNN = '1'  # NOQA is not it",
        'TEST_CMAKE_NOINSTALL = True  # noqa: RT107',
        'TEST_MESON_NOINSTALL = (',
        '    True)  # noqa (the statement starts on the line above)',
        '',
      ].join('\n'),
    );
    await lint(t, ['RT100 package/test/test.rt:3:0', 'RT109 package/test/test.rt:5:0']);
  }),
  lintCase('rt100-names', `${LINT} RT100`, async (t) => {
    project(
      t,
      [
        "TEST_VERSION = '1'",
        "OTHER_VERSION = '2'", // another package's prefix
        'helper_list = []', // neither a suffix nor an option inside
        "TEST_SITEX = 'x'", // contains an option
        'for TEST_LOOP_ENV in []: pass', // a loop variable is stored too
        'print(TEST_VERSION)', // reads are not checked
        '',
      ].join('\n'),
    );
    await lint(t, [
      'RT100 package/test/test.rt:2:0',
      'RT100 package/test/test.rt:4:0',
      'RT100 package/test/test.rt:5:4',
    ]);
  }),
  lintCase('rt101-licenses', `${LINT} RT101`, async (t) => {
    project(
      t,
      [
        "TEST_VERSION = '1'",
        "TEST_LICENSE = ['MIT', 'GPL-2.0-or-later WITH Classpath-exception-2.0', 'LicenseRef-Mine']",
        '',
      ].join('\n'),
    );
    await lint(t, []);
    t.write(
      'package/test/test.rt',
      "TEST_VERSION = '1'\nif True:\n    TEST_LICENSE = ['MIT', 'LicenseRef-Mine2']\n",
    );
    await lint(t, ['RT101 package/test/test.rt:3:4']);
  }),
  lintCase('rt102-file-vcs', `${LINT} RT102`, async (t) => {
    project(t, "TEST_VERSION = '1'\nTEST_SITE = 'file:///tmp/x.tgz'\nTEST_VCS_TYPE = 'file'\n");
    await lint(t, []);
    t.write(
      'package/test/test.rt',
      "TEST_VCS_TYPE = 'url'\nTEST_VERSION = '1'\nTEST_SITE = 'file:///tmp/x.tgz'\n",
    );
    await lint(t, ['RT102 package/test/test.rt:1:0']);
  }),
  lintCase('rt103-once', `${LINT} RT103`, async (t) => {
    t.write('releng-tool.rt', "packages = ['test']\n");
    t.write('package/dep/dep.rt', "DEP_VERSION = '1'\n");
    t.write(
      'package/test/test.rt',
      "TEST_VERSION = '1'\nTEST_DEPENDENCIES = ['dep']\nTEST_DEPENDENCIES = ['dep']\n",
    );
    await lint(t, ['RT103 package/test/test.rt:2:0']);
  }),
  lintCase('rt104-install-type', `${LINT} RT104`, async (t) => {
    project(t, "TEST_VERSION = '1'\nTEST_HOST_PROVIDES = ['tool']\nTEST_INSTALL_TYPE = 'host'\n");
    await lint(t, []);
    t.write(
      'package/test/test.rt',
      "TEST_VERSION = '1'\nTEST_INSTALL_TYPE = 'staging'\nTEST_HOST_PROVIDES = ['tool']\n",
    );
    await lint(t, ['RT104 package/test/test.rt:3:0']);
  }),
  lintCase('rt105-116-typed', `${LINT} RT105-RT116`, async (t) => {
    project(
      t,
      [
        "TEST_VERSION = '1'",
        "TEST_TYPE = 'cmake'",
        "TEST_CMAKE_BUILD_TYPE = 'Release'",
        'TEST_MAKE_NOINSTALL = True',
        'TEST_MESON_NOINSTALL = TEST_SCONS_NOINSTALL = True',
        '',
      ].join('\n'),
    );
    await lint(t, [
      'RT108 package/test/test.rt:4:0',
      'RT109 package/test/test.rt:5:0',
      'RT111 package/test/test.rt:5:0',
    ]);
  }),
  lintCase('rt113-git-site', `${LINT} RT113`, async (t) => {
    project(t, "TEST_VERSION = '1'\nTEST_SITE = 'https://example.com/x.git'\nTEST_GIT_DEPTH = 1\n");
    await lint(t, []);
    t.write(
      'package/test/test.rt',
      "TEST_VERSION = '1'\nTEST_SITE = 'https://example.com/x.tgz'\nTEST_GIT_DEPTH = 1\n",
    );
    await lint(t, ['RT113 package/test/test.rt:3:0']);
  }),
  lintCase('rt114-devmode', `${LINT} RT114`, async (t) => {
    project(
      t,
      "TEST_VERSION = '1'\nTEST_DEVMODE_REVISION = 'main'\nTEST_DEVMODE_IGNORE_CACHE = True\n",
    );
    await lint(t, []);
  }),
  lintCase('rt200-without-releng-config', `${LINT} RT200`, async (t) => {
    project(t, "TEST_VERSION = '1'\n", "packages = ['test']\nsysroot_prefix = '/usr'\n");
    await lint(t, []);
  }),
  lintCase('rt200-rt300-project', `${LINT} RT200 RT300`, async (t) => {
    project(
      t,
      "TEST_VERSION = '1'\nreleng_register_path(ROOT_DIR)\n",
      "releng_config(packages=['test'])\nsysroot_prefix = '/opt'\nmy_own = 1\nreleng_register_path(ROOT_DIR)\n",
    );
    await lint(t, [
      'RT200 releng-tool.rt:2:0',
      'RT300 releng-tool.rt:4:0',
      'RT300 package/test/test.rt:2:0',
    ]);
  }),
];
