// releng-tool's engine and pipeline unit tests (tests/unit-tests: host paths,
// external packages, file flags, script environments, restage flags,
// extraction, hash checks, licenses, SPDX, SBOM exclusion, support helpers),
// re-expressed as CLI runs: what a stage script or definition sees, the exit
// code, console messages and the files left in output/.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assert, type Case, type Ctx, HERE, TEMPLATES } from '../lib.ts';

const ASSETS = join(HERE, 'assets');
const SAMPLES = join(ASSETS, 'sample-files');

/** Writes a package `test` (no sources) whose build stage runs `script`. */
function buildScriptProject(t: Ctx, script: string, project = ''): void {
  t.write('releng-tool.rt', `packages = ['test']\n${project}\n`);
  t.write('package/test/test.rt', "TEST_VERSION = '1.0'\n");
  t.write('package/test/test-build.rt', script);
}

const readJson = (t: Ctx, ...parts: string[]) => JSON.parse(t.read(...parts));

// ---------------------------------------------------------------- host paths

const BIN_PATHS: Case[] = [
  {
    name: 'eng/bin-paths-default-prefix',
    template: 'hosts-check',
    from: 'test_engine_run_bin_paths.py::test_engine_run_bin_paths_{host_output_default_prefix,host_output_root,project_root}',
    async run(t) {
      binPathsScript(t, [
        'releng-tool-test-script-bin',
        'releng-tool-test-script-host',
        'releng-tool-test-script-root',
      ]);
      await t.ok();
      const got = readJson(t, 'output', 'bin-paths.json');
      assert.deepEqual(got.vars, {
        'releng-tool-test-script-bin': 'releng-tool-test-script-bin',
        'releng-tool-test-script-host': 'releng-tool-test-script-host',
        'releng-tool-test-script-root': 'releng-tool-test-script-root',
      });
      // host tools a project builds are found before the build machine's
      for (const d of [t.path('output/host/usr/bin'), t.path('output/host')]) {
        assert.ok(got.path.includes(d), `${d} not on PATH: ${got.path.join(':')}`);
      }
    },
  },
  {
    name: 'eng/bin-paths-custom-prefix',
    template: 'hosts-check-prefix',
    from: 'test_engine_run_bin_paths.py::test_engine_run_bin_paths_host_output_custom_prefix',
    async run(t) {
      binPathsScript(t, ['releng-tool-test-script-custom']);
      await t.ok();
      const got = readJson(t, 'output', 'bin-paths.json');
      assert.deepEqual(got.vars, {
        'releng-tool-test-script-custom': 'releng-tool-test-script-custom',
      });
      const d = t.path('output/host/custom-prefix/bin');
      assert.ok(got.path.includes(d), `${d} not on PATH: ${got.path.join(':')}`);
    },
  },
];

/**
 * A build script that looks each named script up on the Python path (as the
 * releng-tool test does), runs it and records its `var`, with PATH.
 */
function binPathsScript(t: Ctx, names: string[]): void {
  t.write(
    'package/test/test-build.rt',
    `import json, os, runpy, sys
found = {}
for name in ${JSON.stringify(names)}:
    for p in sys.path:
        script = os.path.join(str(p), name)
        if os.path.exists(script):
            found[name] = runpy.run_path(script).get('var')
            break
with open(os.path.join(OUTPUT_DIR, 'bin-paths.json'), 'w') as f:
    json.dump({'vars': found, 'path': os.environ['PATH'].split(os.pathsep)}, f)
`,
  );
}

// ------------------------------------------------------- external packages

const EXTERNAL: Case[] = [
  {
    name: 'eng/external-pkg',
    template: 'extern-pkg-base',
    from: 'test_engine_run_external_pkg.py::test_engine_run_external_pkg',
    async run(t) {
      const base = dirname(t.dir);
      cpSync(join(TEMPLATES, 'extern-pkg-need1'), join(base, 'need1'), { recursive: true });
      cpSync(join(TEMPLATES, 'extern-pkg-need2'), join(base, 'need2'), { recursive: true });
      await t.ok([], {
        env: {
          RELENG_TOOL_TEST_NEED1: join(base, 'need1'),
          RELENG_TOOL_TEST_NEED2: join(base, 'need2'),
        },
      });
      t.assertExists('output/target/invoked-bootstrap-need1');
      t.assertExists('output/target/invoked-bootstrap-need2');
    },
  },
];

// -------------------------------------------------------------- file flags

/** A build script recording RELENG_DEVMODE as the script sees it. */
const DEVMODE_SCRIPT = `import json, os
with open(os.path.join(OUTPUT_DIR, 'devmode.json'), 'w') as f:
    json.dump(bool(RELENG_DEVMODE), f)
`;

const FILE_FLAGS: Case[] = [
  {
    name: 'eng/file-flag-devmode',
    template: 'minimal',
    from: 'test_engine_run_file_flags.py::test_engine_run_file_flag_devmode',
    async run(t) {
      // -D alone configures the root for development mode: a file flag in
      // the project's root
      await t.ok(['-D']);
      t.assertExists('.releng-flag-devmode');
    },
  },
  {
    name: 'eng/file-flag-devmode-remembered',
    template: 'minimal',
    from: 'test_file_flags.py::test_ff_create, ::test_ff_read_existence',
    async run(t) {
      t.write('package/minimal/minimal-build.rt', DEVMODE_SCRIPT);
      await t.ok(['-D']);
      // later runs without -D are in that mode
      await t.ok();
      assert.equal(readJson(t, 'output', 'devmode.json'), true);
    },
  },
  {
    name: 'eng/file-flag-devmode-existing',
    template: 'minimal',
    from: 'test_file_flags.py::test_ff_read_existence (a flag releng-tool left)',
    async run(t) {
      t.write('package/minimal/minimal-build.rt', DEVMODE_SCRIPT);
      t.write('.releng-flag-devmode', '{\n    "mode": true\n}');
      await t.ok();
      assert.equal(readJson(t, 'output', 'devmode.json'), true);
    },
  },
  {
    name: 'eng/file-flag-devmode-unset',
    template: 'minimal',
    from: 'test_file_flags.py::test_ff_forced (unsetting a flag releng-tool left)',
    async run(t) {
      t.write('package/minimal/minimal-build.rt', DEVMODE_SCRIPT);
      t.write('.releng-flag-devmode', '{\n    "mode": true\n}');
      await t.ok(['-D', 'unset']);
      await t.ok();
      assert.equal(readJson(t, 'output', 'devmode.json'), false);
    },
  },
  {
    name: 'eng/file-flag-absent',
    template: 'minimal',
    from: 'test_file_flags.py::test_ff_read_not_exists',
    async run(t) {
      t.write('package/minimal/minimal-build.rt', DEVMODE_SCRIPT);
      await t.ok();
      t.assertMissing('.releng-flag-devmode');
      assert.equal(readJson(t, 'output', 'devmode.json'), false);
    },
  },
];

// ------------------------------------------------------ script environment

const SCRIPT_ENV: Case[] = [
  {
    name: 'eng/script-env-include',
    template: 'scripts-env',
    from: 'test_script_env.py::test_script_env',
    async run(t) {
      await t.ok();
      const pkgDir = t.path('package', 'test');
      const start = readJson(t, 'output/target/pkg-start.json');
      const nested = readJson(t, 'output/target/nested.json');
      const end = readJson(t, 'output/target/pkg-end.json');
      for (const [data, script, dir] of [
        [start, join(pkgDir, 'test-build.rt'), pkgDir],
        [nested, join(pkgDir, 'nested', 'test-build-nested.rt'), join(pkgDir, 'nested')],
        [end, join(pkgDir, 'test-build.rt'), pkgDir],
      ]) {
        assert.equal(data.RELENG_SCRIPT, script);
        assert.equal(data.RELENG_SCRIPT_DIR, dir);
      }
    },
  },
];

/** Flags a stage script's environment has (env-capture) for each restage action. */
const RESTAGE: Array<[string, string[], string[]]> = [
  ['rebuild', ['RELENG_REBUILD', 'RELENG_REINSTALL'], ['RELENG_RECONFIGURE']],
  ['rebuild-only', ['RELENG_REBUILD'], ['RELENG_RECONFIGURE', 'RELENG_REINSTALL']],
  ['reconfigure', ['RELENG_REBUILD', 'RELENG_RECONFIGURE', 'RELENG_REINSTALL'], []],
  ['reconfigure-only', ['RELENG_RECONFIGURE'], ['RELENG_REBUILD', 'RELENG_REINSTALL']],
  ['reinstall', ['RELENG_REINSTALL'], ['RELENG_REBUILD', 'RELENG_RECONFIGURE']],
];

const RESTAGE_CASES: Case[] = RESTAGE.map(
  ([action, present, absent]): Case => ({
    name: `eng/restage-${action}`,
    template: 'env-capture',
    from: `test_pkg_pipeline_pkg_restage_flags.py::test_pkg_pipeline_pkg_restage_${action.replace('-', '_')}`,
    async run(t) {
      await t.ok([`test-${action}`]);
      const env = readJson(t, 'output/target/invoke-env.json');
      for (const k of present) assert.ok(k in env, `missing ${k}`);
      for (const k of absent) assert.ok(!(k in env), `detected ${k}`);
    },
  }),
);

/**
 * The project definition records, each time it is loaded, the run-mode
 * globals it sees (releng-tool sets them before loading definitions).
 */
const FLAG_NAMES = [
  'RELENG_CLEAN',
  'RELENG_DISTCLEAN',
  'RELENG_MRPROPER',
  'RELENG_EXEC',
  'RELENG_FORCE',
  'RELENG_REBUILD',
  'RELENG_RECONFIGURE',
  'RELENG_REINSTALL',
  'RELENG_TARGET_PKG',
  'RELENG_PROFILES',
  'RELENG_DEVMODE',
  'RELENG_RELEASE',
  'RELENG_HOST_OS_LINUX',
  'RELENG_HOST_OS_MACOS',
  'RELENG_HOST_OS_WINDOWS',
];

function flagsProject(t: Ctx): void {
  t.write(
    'releng-tool.rt',
    `import json, os
packages = ['minimal']
_g = globals()
with open(os.path.join(ROOT_DIR, 'flags.jsonl'), 'a') as _f:
    _f.write(json.dumps({_k: (_g[_k] if isinstance(_g[_k], (bool, int, type(None))) else (list(_g[_k]) if isinstance(_g[_k], (list, tuple)) else str(_g[_k]))) for _k in ${JSON.stringify(FLAG_NAMES)} if _k in _g}) + '\\n')
`,
  );
}

/** The flags the project definition saw on its last load. */
function lastFlags(t: Ctx): Record<string, unknown> {
  const lines = t.read('flags.jsonl').split('\n').filter(Boolean);
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** Expected truthiness of the clean flags per action. */
const CLEAN_ACTIONS: Array<[string, boolean, boolean, boolean]> = [
  // action, RELENG_CLEAN, RELENG_DISTCLEAN, RELENG_MRPROPER
  ['clean', true, false, false],
  ['distclean', true, true, true],
  ['mrproper', true, false, true],
  ['minimal-clean', true, false, false],
  ['minimal-distclean', true, true, true],
  ['minimal-fresh', true, false, false],
];

const SCRIPT_ENV_FLAGS: Case[] = [
  {
    name: 'eng/scriptenv-defaults',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_{clean,debug,devmode,distclean,exec,force,localsrcs,mrproper,profiles,rebuild,reconfigure,reinstall,release,target_pkg,verbose} (defaults)',
    async run(t) {
      flagsProject(t);
      await t.ok();
      const f = lastFlags(t);
      for (const k of FLAG_NAMES.filter((n) => !n.startsWith('RELENG_HOST_OS'))) {
        assert.ok(k in f, `${k} is not a global`);
        const v = f[k];
        // falsy as Python sees it (an empty profile list included)
        assert.ok(
          !v || (Array.isArray(v) && v.length === 0),
          `${k} is ${JSON.stringify(v)} by default`,
        );
      }
      assert.equal(f.RELENG_TARGET_PKG, null);
    },
  },
  ...CLEAN_ACTIONS.map(
    ([action, clean, distclean, mrproper]): Case => ({
      name: `eng/scriptenv-clean-flags-${action}`,
      template: 'minimal',
      from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_{clean,distclean,mrproper}',
      async run(t) {
        flagsProject(t);
        await t.ok();
        await t.ok([action]);
        const f = lastFlags(t);
        assert.equal(Boolean(f.RELENG_CLEAN), clean, `RELENG_CLEAN for ${action}`);
        assert.equal(Boolean(f.RELENG_DISTCLEAN), distclean, `RELENG_DISTCLEAN for ${action}`);
        assert.equal(Boolean(f.RELENG_MRPROPER), mrproper, `RELENG_MRPROPER for ${action}`);
      },
    }),
  ),
  ...(
    [
      // action, REBUILD, RECONFIGURE, REINSTALL
      ['minimal-reconfigure', true, true, true],
      ['minimal-reconfigure-only', false, true, false],
      ['minimal-rebuild', true, false, true],
      ['minimal-rebuild-only', true, false, false],
      ['minimal-reinstall', false, false, true],
    ] as Array<[string, boolean, boolean, boolean]>
  ).map(
    ([action, rebuild, reconfigure, reinstall]): Case => ({
      name: `eng/scriptenv-restage-${action.replace('minimal-', '')}`,
      template: 'minimal',
      from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_{rebuild,reconfigure,reinstall}',
      async run(t) {
        flagsProject(t);
        await t.ok([action]);
        const f = lastFlags(t);
        assert.equal(Boolean(f.RELENG_REBUILD), rebuild, 'RELENG_REBUILD');
        assert.equal(Boolean(f.RELENG_RECONFIGURE), reconfigure, 'RELENG_RECONFIGURE');
        assert.equal(Boolean(f.RELENG_REINSTALL), reinstall, 'RELENG_REINSTALL');
        assert.equal(f.RELENG_TARGET_PKG, 'minimal');
      },
    }),
  ),
  {
    name: 'eng/scriptenv-exec',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_exec',
    async run(t) {
      flagsProject(t);
      await t.ok(['minimal-exec', 'true']);
      assert.equal(Boolean(lastFlags(t).RELENG_EXEC), true);
    },
  },
  {
    name: 'eng/scriptenv-force-punch',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_force',
    async run(t) {
      flagsProject(t);
      await t.ok(['punch']);
      assert.equal(Boolean(lastFlags(t).RELENG_FORCE), true, 'RELENG_FORCE with punch');
      await t.ok(['--force']);
      assert.equal(Boolean(lastFlags(t).RELENG_FORCE), true, 'RELENG_FORCE with --force');
    },
  },
  {
    name: 'eng/scriptenv-devmode-custom',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_devmode',
    async run(t) {
      flagsProject(t);
      await t.ok(['-D', 'custom']);
      await t.ok();
      assert.equal(lastFlags(t).RELENG_DEVMODE, 'custom');
    },
  },
  {
    name: 'eng/scriptenv-profiles',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_profiles',
    async run(t) {
      flagsProject(t);
      await t.ok(['--profile', 'example']);
      assert.deepEqual(lastFlags(t).RELENG_PROFILES, ['example']);
      await t.ok(['-P', 'one', '-P', 'two', '-P', 'three']);
      assert.deepEqual(lastFlags(t).RELENG_PROFILES, ['one', 'two', 'three']);
    },
  },
  {
    name: 'eng/scriptenv-host-os',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_releng_host_os',
    async run(t) {
      flagsProject(t);
      await t.ok();
      const f = lastFlags(t);
      assert.equal(f.RELENG_HOST_OS_LINUX, process.platform === 'linux');
      assert.equal(f.RELENG_HOST_OS_MACOS, process.platform === 'darwin');
      assert.equal(f.RELENG_HOST_OS_WINDOWS, process.platform === 'win32');
    },
  },
  {
    name: 'eng/scriptenv-helpers',
    template: 'minimal',
    from: 'test_engine_script_env.py::test_engine_scriptenv_verify_utility_methods',
    async run(t) {
      t.write(
        'package/minimal/minimal-build.rt',
        `import json, os
_names = ${JSON.stringify(HELPERS)}
with open(os.path.join(OUTPUT_DIR, 'helpers.json'), 'w') as f:
    json.dump([n for n in _names if not callable(globals().get(n))], f)
`,
      );
      await t.ok();
      assert.deepEqual(readJson(t, 'output', 'helpers.json'), [], 'helpers missing in a script');
    },
  },
];

/** The helpers releng-tool's package exports to scripts (releng_tool/__init__.py). */
const HELPERS = [
  'releng_join',
  'releng_path',
  'releng_include',
  'releng_require_version',
  'releng_define',
  'releng_env',
  'releng_execute',
  'releng_execute_rv',
  'releng_cat',
  'releng_copy',
  'releng_copy_into',
  'releng_exists',
  'releng_ls',
  'releng_mkdir',
  'releng_move',
  'releng_move_into',
  'releng_register_env_path',
  'releng_register_path',
  'releng_register_python_path',
  'releng_remove',
  'releng_step',
  'releng_symlink',
  'releng_tmpdir',
  'releng_touch',
  'releng_wd',
  'debug',
  'err',
  'hint',
  'releng_is_api_mode',
  'releng_is_debug_mode',
  'releng_is_verbose_mode',
  'log',
  'note',
  'success',
  'verbose',
];

// -------------------------------------------------------------- extraction

const EXTRACTION: Case[] = [
  {
    name: 'eng/preextract',
    template: 'pre-extract',
    from: 'test_preextract.py::test_preextract',
    async run(t) {
      await t.ok();
      t.assertMissing('output/build/test-pkg/metadata');
    },
  },
  ...(['disabled', 'enabled'] as const).map(
    (mode): Case => ({
      name: `eng/extraction-${mode}`,
      template: `extraction-${mode}`,
      from: `test_extraction.py::test_extraction_${mode}`,
      async run(t) {
        await t.ok();
        assert.equal(t.exists('output/build/test-pkg/metadata'), mode === 'enabled');
      },
    }),
  ),
];

/** Files and folders (folders end in `/`) under a package's build folder, without the tool's own state files. */
function extracted(t: Ctx, rel: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const name of t.ls(rel, sub)) {
      if (sub === '' && name.startsWith('.releng')) continue;
      const p = sub ? `${sub}/${name}` : name;
      if (statSync(t.path(rel, p)).isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/** A package `arc` fetching one of the sample archives through file://, with its hash file. */
function archiveProject(t: Ctx, file: string, extra = ''): void {
  const ext = file.replace(/^sample-files\./, '');
  t.write('releng-tool.rt', "packages = ['arc']\n");
  t.write(
    'package/arc/arc.rt',
    `ARC_VERSION = '1.0'\nARC_SITE = 'file://${join(SAMPLES, file)}'\n${extra}\n`,
  );
  const hash = readFileSync(join(SAMPLES, `${file}.hash`), 'utf8');
  t.write('package/arc/arc.hash', hash.replace(file, `arc-1.0.${ext}`));
}

const ARCHIVES: Case[] = [
  ...(
    [
      [
        'tar-default',
        'sample-files.tar',
        0,
        ['container/', 'container/tar-file-container.txt', 'tar-file-root'],
      ],
      ['tar-strip', 'sample-files.tgz', 1, ['tgz-file-container.txt']],
      [
        'zip-default',
        'sample-files.zip',
        0,
        ['container/', 'container/zip-file-container.txt', 'zip-file-root'],
      ],
      ['zip-strip', 'sample-files.zip', 1, ['zip-file-container.txt']],
    ] as Array<[string, string, number, string[]]>
  ).map(
    ([name, file, strip, want]): Case => ({
      name: `eng/extract-archive-${name}`,
      from: `test_extract_archive.py::test_extract_archive_${name.replace('-', '_')}`,
      async run(t) {
        archiveProject(t, file, `ARC_STRIP_COUNT = ${strip}`);
        await t.ok();
        assert.deepEqual(extracted(t, 'output/build/arc-1.0'), [...want].sort());
      },
    }),
  ),
  {
    name: 'eng/extract-archive-override-valid',
    from: 'test_extract_archive.py::test_extract_archive_override_valid',
    async run(t) {
      const cmd = join(ASSETS, 'test-invoke.py');
      t.write('srv/mock.dat', 'mock data\n');
      t.write(
        'releng-tool.rt',
        `packages = ['arc']\noverride_extract_tools = {'dat': 'python3 ${cmd} {file} {dir}'}\n`,
      );
      t.write(
        'package/arc/arc.rt',
        `ARC_VERSION = '1.0'\nARC_SITE = 'file://${t.path('srv/mock.dat')}'\n`,
      );
      const sum = spawnSync('sha1sum', [t.path('srv/mock.dat')], { encoding: 'utf8' }).stdout.split(
        ' ',
      )[0];
      t.write('package/arc/arc.hash', `sha1 ${sum} arc-1.0.dat\n`);
      await t.ok();
      const found = t.find('output/build', 'invoke-results.json');
      assert.equal(found.length, 1, `invoke-results.json: ${found.join(', ')}`);
      const data = readJson(t, found[0]!);
      assert.equal(data.args.length, 3, JSON.stringify(data.args));
      assert.equal(data.args[0], cmd);
      assert.match(data.args[1], /arc-1\.0\.dat$/, 'the command is not given the cache file');
      assert.equal(data.args[2], data.cwd, 'the command is not given its extraction folder');
    },
  },
  {
    name: 'eng/extract-archive-override-invalid',
    from: 'test_extract_archive.py::test_extract_archive_override_invalid',
    async run(t) {
      t.write('srv/mock.dat', 'mock data\n');
      t.write(
        'releng-tool.rt',
        `packages = ['arc']\noverride_extract_tools = {'dat': '${t.path('missing-cmd')}'}\n`,
      );
      t.write(
        'package/arc/arc.rt',
        `ARC_VERSION = '1.0'\nARC_SITE = 'file://${t.path('srv/mock.dat')}'\n`,
      );
      const sum = spawnSync('sha1sum', [t.path('srv/mock.dat')], { encoding: 'utf8' }).stdout.split(
        ' ',
      )[0];
      t.write('package/arc/arc.hash', `sha1 ${sum} arc-1.0.dat\n`);
      await t.fails();
    },
  },
];

// -------------------------------------------------------------- hash check

const TGZ_SHA1 = '22c9ce51c97e4baec7fd3835180496f3b2e86632';

/** `minimal` fetching the sample .tgz through file:// (no version), with a hash file. */
function hashProject(t: Ctx, hashLine: string, extra = ''): void {
  cpSync(join(SAMPLES, 'sample-files.tgz'), t.path('srv-test.tgz'));
  t.write(
    'package/minimal/minimal.rt',
    `MINIMAL_SITE = 'file://${t.path('srv-test.tgz')}'\n${extra}\n`,
  );
  t.write('package/minimal/minimal.hash', `${hashLine}\n`);
}

const HASH: Case[] = [
  {
    name: 'eng/hash-check-valid',
    template: 'minimal',
    from: 'test_engine_hash_check.py::test_engine_hash_check_valid',
    async run(t) {
      hashProject(t, `sha1 ${TGZ_SHA1} minimal.tgz`);
      await t.ok();
    },
  },
  {
    name: 'eng/hash-check-fail-bad-hash',
    template: 'minimal',
    from: 'test_engine_hash_check.py::test_engine_hash_check_fail_bad_hash',
    async run(t) {
      hashProject(t, 'sha1 bad-hash minimal.tgz');
      await t.fails();
    },
  },
  {
    name: 'eng/hash-check-fail-missing',
    template: 'minimal',
    from: 'test_engine_hash_check.py::test_engine_hash_check_fail_missing',
    async run(t) {
      hashProject(t, `sha1 ${TGZ_SHA1} unknown.tgz`);
      await t.fails();
    },
  },
  {
    name: 'eng/hash-check-sic-not-devmode-pkg',
    template: 'minimal',
    from: 'test_engine_hash_check.py::test_engine_hash_check_sic_not_devmode_pkg',
    async run(t) {
      hashProject(t, 'sha1 bad-hash minimal.tgz', 'MINIMAL_DEVMODE_SKIP_INTEGRITY_CHECK = True');
      await t.ok(['-D']);
      await t.fails();
    },
  },
  {
    name: 'eng/hash-check-sic-not-in-devmode',
    template: 'minimal',
    from: 'test_engine_hash_check.py::test_engine_hash_check_sic_not_in_devmode',
    async run(t) {
      hashProject(t, 'sha1 bad-hash minimal.tgz', 'MINIMAL_DEVMODE_SKIP_INTEGRITY_CHECK = True');
      await t.fails();
    },
  },
  {
    name: 'eng/hash-check-sic-valid',
    template: 'minimal',
    from: 'test_engine_hash_check.py::test_engine_hash_check_sic_valid',
    async run(t) {
      hashProject(
        t,
        'sha1 bad-hash minimal-dummy.tgz',
        "MINIMAL_DEVMODE_REVISION = 'dummy'\nMINIMAL_DEVMODE_SKIP_INTEGRITY_CHECK = True",
      );
      await t.ok(['-D']);
      await t.ok();
    },
  },
];

// ---------------------------------------------------------------- licenses

const LICENSES: Case[] = [
  {
    name: 'eng/licenses-header',
    template: 'licenses',
    from: 'test_licenses.py::test_licenses_generated, ::test_licenses_header_injection',
    async run(t) {
      t.write(
        'releng-tool.rt',
        `${t.read('releng-tool.rt')}\nlicense_header = 'verify-header-add'\n`,
      );
      await t.ok(['licenses']);
      const doc = t.read('output/licenses/licenses').trim();
      assert.ok(
        doc.startsWith('verify-header-add'),
        `licenses document begins:\n${doc.slice(0, 200)}`,
      );
    },
  },
  {
    name: 'eng/licenses-multiple',
    template: 'licenses',
    from: 'test_licenses.py::test_licenses_multiple',
    async run(t) {
      await t.ok(['licenses']);
      assert.deepEqual(t.ls('output/licenses/test-a-1.0'), ['COPYING.bsd', 'COPYING.mit']);
      assert.deepEqual(t.ls('output/licenses/test-c-2.0'), ['LICENSE']);
      assert.deepEqual(
        t.ls('output/licenses').filter((n) => n.startsWith('test-b')),
        [],
        'test-b has no license files',
      );
    },
  },
  {
    name: 'eng/licenses-none',
    template: 'licenses',
    from: 'test_licenses.py::test_licenses_none',
    async run(t) {
      t.write('releng-tool.rt', "packages = ['test-b']\n");
      await t.ok(['licenses']);
      assert.deepEqual(
        t.ls('output/licenses').filter((n) => n !== 'licenses'),
        [],
        'license files for a package without license information',
      );
    },
  },
  {
    name: 'eng/licenses-version',
    template: 'licenses',
    from: 'test_licenses.py::test_licenses_version',
    async run(t) {
      t.write('releng-tool.rt', "packages = ['test-c', 'test-d']\n");
      await t.ok(['licenses']);
      const doc = t.read('output/licenses/licenses');
      // a package's version, or its revision when it has none, names its section
      assert.match(doc, /^test-c[- ]2\.0\b/m, doc);
      assert.match(doc, /^test-d[- ]3\.0\b/m, doc);
    },
  },
];

// -------------------------------------------------------------- SPDX, SBOM

type Spdx = string | { op: 'AND' | 'OR'; parts: Spdx[] };

/** Parses an SPDX license expression (AND binds tighter than OR; WITH stays in its id). */
export function parseSpdx(text: string): Spdx {
  const tokens = text.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').split(/\s+/).filter(Boolean);
  let i = 0;
  const flat = (op: 'AND' | 'OR', parts: Spdx[]): Spdx =>
    parts.length === 1
      ? parts[0]!
      : { op, parts: parts.flatMap((p) => (typeof p !== 'string' && p.op === op ? p.parts : [p])) };
  const atom = (): Spdx => {
    if (tokens[i] === '(') {
      i++;
      const e = or();
      assert.equal(tokens[i++], ')', `unbalanced: ${text}`);
      return e;
    }
    let id = tokens[i++]!;
    if (tokens[i] === 'WITH') {
      id += ` WITH ${tokens[i + 1]}`;
      i += 2;
    }
    return id;
  };
  const and = (): Spdx => {
    const parts = [atom()];
    while (tokens[i] === 'AND') {
      i++;
      parts.push(atom());
    }
    return flat('AND', parts);
  };
  const or = (): Spdx => {
    const parts = [and()];
    while (tokens[i] === 'OR') {
      i++;
      parts.push(and());
    }
    return flat('OR', parts);
  };
  const e = or();
  assert.equal(i, tokens.length, `trailing tokens in: ${text}`);
  return e;
}

/** The lint run's output with a license value appended to a package definition. */
async function lintLicense(t: Ctx, value: string | null, template = 'minimal'): Promise<string> {
  if (value !== null) {
    const f = `package/${template}/${template}.rt`;
    const key = template.toUpperCase().replace(/-/g, '_');
    t.write(f, `${t.read(f)}\n${key}_INTERNAL=True\n${key}_LICENSE=${JSON.stringify(value)}\n`);
  }
  const r = await t.run(['lint']);
  return r.output;
}

const WARN_FORMAT = 'unexpected spdx license format detected';
const WARN_UNKNOWN = 'unknown spdx license detected';
const WARN_UNKNOWN_EXC = 'unknown spdx license exception detected';

const SPDX_WARNINGS: Array<[string, string | null, string, string[], string[]]> = [
  // name, license, template, expected messages, messages that must not appear
  ['broken-value01', 'MIT AND', 'minimal', [WARN_FORMAT], []],
  ['broken-value02', 'BSD AND OR MIT', 'minimal', [WARN_FORMAT], []],
  [
    'deprecated-exception',
    'LGPL-2.0-only WITH Nokia-Qt-exception-1.1',
    'minimal',
    ['deprecated spdx license exception detected'],
    [],
  ],
  ['deprecated-license', 'LGPL-3.0', 'minimal', ['deprecated spdx license detected'], []],
  ['exception-check', null, 'spdx-extras', [WARN_UNKNOWN, WARN_UNKNOWN_EXC], []],
  ['extra-license', 'PERMIT_LICENSE', 'spdx-extras', [], [WARN_UNKNOWN]],
  ['extra-exception', 'MIT WITH PERMIT_EXCEPTION', 'spdx-extras', [], [WARN_UNKNOWN]],
  ['unknown-exception', 'BSD WITH DUMMY', 'minimal', [WARN_UNKNOWN_EXC], []],
  ['unknown-license', 'DUMMY', 'minimal', [WARN_UNKNOWN], []],
  ['valid-common', 'BSD-2-Clause', 'minimal', [], ['MINIMAL_LICENSE']],
  ['valid-custom-ascii', 'LicenseRef-MyCompanyLicense', 'minimal', [], ['MINIMAL_LICENSE']],
  ['valid-custom-unicode', 'LicenseRef-Prüfen', 'minimal', [], ['MINIMAL_LICENSE']],
];

const SPDX_FROM: Record<string, string> = {
  'broken-value01': 'broken_spdx_license_value01',
  'broken-value02': 'broken_spdx_license_value02',
  'deprecated-exception': 'deprecated_spdx_exception',
  'deprecated-license': 'deprecated_spdx_license',
  'exception-check': 'exception_check',
  'extra-license': 'exception_license_exception_extra',
  'extra-exception': 'exception_license_extra',
  'unknown-exception': 'unknown_spdx_exception',
  'unknown-license': 'unknown_spdx_license',
  'valid-common': 'valid_spdx_license_common',
  'valid-custom-ascii': 'valid_spdx_license_custom_ascii',
  'valid-custom-unicode': 'valid_spdx_license_custom_unicode',
};

const SPDX: Case[] = [
  {
    name: 'eng/spdx-license-expects',
    template: 'spdx-expects',
    from: 'test_spdx_license_expects.py::test_spdx_license_expects',
    async run(t) {
      await t.ok(['sbom', '--sbom-format', 'json-spdx']);
      const data = readJson(t, 'output', 'sbom-spdx.json');
      assert.ok(data.packages.length > 0, 'no packages in the SBOM');
      for (const pkg of data.packages as Array<{ name: string; licenseDeclared: string }>) {
        assert.ok(['test-a', 'test-b'].includes(pkg.name), `unknown package ${pkg.name}`);
        assert.deepEqual(
          parseSpdx(pkg.licenseDeclared),
          {
            op: 'OR',
            parts: [
              'Apache-2.0',
              'GPL-2.0-or-later',
              'BSD-2-Clause',
              { op: 'AND', parts: ['MPL-2.0', 'snprintf'] },
            ],
          },
          `${pkg.name}: ${pkg.licenseDeclared}`,
        );
      }
    },
  },
  {
    name: 'eng/sbom-exclude',
    template: 'sbom-exclude',
    from: 'test_sbom_exclude.py::test_sbom_exclude',
    async run(t) {
      await t.ok(['sbom', '--sbom-format', 'json-spdx']);
      const data = readJson(t, 'output', 'sbom-spdx.json');
      const names = (data.packages as Array<{ name: string }>).map((p) => p.name);
      assert.ok(!names.includes('test-a'), 'test-a (EXCLUDE_SBOM) is in the SBOM');
      for (const n of names) assert.equal(n, 'test-b', `unknown package ${n}`);
    },
  },
  ...SPDX_WARNINGS.map(
    ([name, value, template, want, unwanted]): Case => ({
      name: `eng/spdx-warn-${name}`,
      template,
      from: `test_spdx_license_warnings.py::test_spdx_licenses_${SPDX_FROM[name]}`,
      async run(t) {
        const out = await lintLicense(t, value, template);
        for (const w of want) assert.ok(out.includes(w), `no "${w}" in:\n${out}`);
        for (const w of unwanted) assert.ok(!out.includes(w), `"${w}" in:\n${out}`);
      },
    }),
  ),
  ...(
    [
      ['(INVALID', true],
      ['INVALID)', true],
      ['MIT OR', true],
      ['OR MIT', true],
      ['MIT WITH', true],
      ['MIT AND (LGPL-2.1-or-later OR BSD-3-Clause)', false],
      ['LGPL-2.1-only OR BSD-3-Clause AND MIT', false],
      ['GPL-2.0-or-later WITH Bison-exception-2.2', false],
      ['((MIT) AND (BSD-3-Clause))', false],
    ] as Array<[string, boolean]>
  ).map(
    ([value, broken], i): Case => ({
      name: `eng/spdx-parse-${broken ? 'invalid' : 'valid'}-${i + 1}`,
      template: 'minimal',
      from: `test_spdx_license_parse.py::test_spdx_license_parse_${broken ? 'invalid' : 'example, ::test_spdx_license_parse_conjunctive'} (through lint)`,
      async run(t) {
        const out = await lintLicense(t, value);
        // a broken expression is reported (as a format error or an unknown id)
        assert.equal(out.includes('MINIMAL_LICENSE'), broken, `${value}:\n${out}`);
      },
    }),
  ),
  ...(
    [
      ['MyCustomLicense', true],
      ['LicenseRef-', true],
      ['LicenseRef-My Custom License', true],
      ['LicenseRef-MyCustomLicense', false],
    ] as Array<[string, boolean]>
  ).map(
    ([value, unknown], i): Case => ({
      name: `eng/spdx-id-${i + 1}`,
      template: 'minimal',
      from: 'test_spdx_license_id.py::test_spdx_license_ids (through lint)',
      async run(t) {
        const out = await lintLicense(t, value);
        assert.equal(out.includes('MINIMAL_LICENSE'), unknown, `${value}:\n${out}`);
      },
    }),
  ),
];

// ---------------------------------------------------------- support helpers

/** A build script's outcome of calls to releng_require_version, recorded to output/. */
function requireScript(calls: string[]): string {
  return `import json, os
_r = [${calls.join(', ')}]
with open(os.path.join(OUTPUT_DIR, 'require.json'), 'w') as f:
    json.dump(_r, f)
`;
}

const SUPPORT: Case[] = [
  {
    name: 'eng/require-version-passes',
    from: 'test_support.py::test_support_require_version_{current,older_case01}',
    async run(t) {
      buildScriptProject(
        t,
        requireScript([
          'releng_require_version(minver=RELENG_VERSION)',
          "releng_require_version('0.0')",
          "releng_require_version(maxver='999999', critical=False)",
        ]),
      );
      await t.ok();
      assert.deepEqual(readJson(t, 'output', 'require.json'), [true, true, true]);
    },
  },
  {
    name: 'eng/require-version-fails-noncritical',
    from: 'test_support.py::test_support_require_version_future_case01, ::test_support_require_version_max_older_case01',
    async run(t) {
      buildScriptProject(
        t,
        requireScript([
          "releng_require_version('999999', critical=False)",
          "releng_require_version(maxver='0.0', critical=False)",
        ]),
      );
      await t.ok();
      assert.deepEqual(readJson(t, 'output', 'require.json'), [false, false]);
    },
  },
  {
    name: 'eng/require-version-future-critical',
    from: 'test_support.py::test_support_require_version_future_critical',
    async run(t) {
      buildScriptProject(
        t,
        "releng_require_version('999999')\nreleng_touch(OUTPUT_DIR / 'after')\n",
      );
      await t.fails();
      t.assertMissing('output/after');
    },
  },
  {
    name: 'eng/require-version-in-project',
    from: 'test_support.py::test_support_require_version_future_critical (project definition)',
    async run(t) {
      buildScriptProject(t, '', "releng_require_version('999999')");
      await t.fails();
    },
  },
  {
    name: 'eng/require-version-invalid',
    from: 'test_support.py::test_support_require_version_invalid_value',
    async run(t) {
      buildScriptProject(
        t,
        "releng_require_version('some-odd-value')\nreleng_touch(OUTPUT_DIR / 'after')\n",
      );
      await t.fails();
      t.assertMissing('output/after');
    },
  },
];

/** A build script that includes a copy of releng-tool's include assets. */
function includeProject(t: Ctx, body: string): void {
  cpSync(join(ASSETS, 'includes'), t.path('includes'), { recursive: true });
  buildScriptProject(t, body);
}

const INCLUDE: Case[] = [
  {
    name: 'eng/include-default',
    from: 'test_support_include.py::test_support_include_default',
    async run(t) {
      includeProject(
        t,
        `import json
releng_include(ROOT_DIR / 'includes' / 'sample-include.rt')
with open(OUTPUT_DIR / 'include.json', 'w') as f:
    json.dump('SAMPLE_INCLUDE' in globals(), f)
`,
      );
      await t.ok();
      assert.equal(readJson(t, 'output', 'include.json'), false, 'an include leaked its globals');
    },
  },
  {
    name: 'eng/include-sourced',
    from: 'test_support_include.py::test_support_include_sourced',
    async run(t) {
      includeProject(
        t,
        `import json
releng_include(ROOT_DIR / 'includes' / 'sample-include.rt', source=True)
with open(OUTPUT_DIR / 'include.json', 'w') as f:
    json.dump(SAMPLE_INCLUDE, f)
`,
      );
      await t.ok();
      assert.equal(readJson(t, 'output', 'include.json'), 123);
    },
  },
  {
    name: 'eng/include-expanded',
    from: 'test_support_include.py::test_support_include_expanded',
    async run(t) {
      includeProject(
        t,
        `import os
os.environ['MYFILE'] = 'sample-include'
releng_include(str(ROOT_DIR / 'includes') + '/\${MYFILE}.rt', source=True)
releng_touch(OUTPUT_DIR / ('included-%d' % SAMPLE_INCLUDE))
`,
      );
      await t.ok();
      t.assertExists('output/included-123');
    },
  },
  {
    name: 'eng/include-fail',
    from: 'test_support_include.py::test_support_include_fail',
    async run(t) {
      includeProject(
        t,
        "releng_include(ROOT_DIR / 'includes' / 'fail-include.rt')\nreleng_touch(OUTPUT_DIR / 'after')\n",
      );
      // the include's SystemExit ends the including script: nothing after
      // the include runs (and, as in releng-tool, the whole run ends with the
      // exit's code; diffs/script-sys-exit-* check that)
      await t.run([]);
      t.assertMissing('output/after');
    },
  },
];

/** The pipeline cases. */
export const engPipelineCases: Case[] = [
  ...BIN_PATHS,
  ...EXTERNAL,
  ...FILE_FLAGS,
  ...SCRIPT_ENV,
  ...RESTAGE_CASES,
  ...SCRIPT_ENV_FLAGS,
  ...EXTRACTION,
  ...ARCHIVES,
  ...HASH,
  ...LICENSES,
  ...SPDX,
  ...SUPPORT,
  ...INCLUDE,
];
