// releng-tool's package pipeline tests: local-sources mode, remote configs and
// scripts, package variables, contained environments, development-mode
// package filters, licenses — re-expressed as CLI runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';

/** The folder above the project (releng-tool's `-L` default holds `<pkg>/` there). */
const parent = (t: Ctx): string => dirname(t.dir);

function dummy(container: string, pkg?: string): string {
  const dir = pkg ? join(container, pkg) : container;
  mkdirSync(dir, { recursive: true });
  const uid = `uid-${Math.random().toString(16).slice(2)}`;
  writeFileSync(join(dir, 'metadata'), uid);
  return uid;
}

interface LocalSrcsSetup {
  /** -L arguments, given a helper that makes dummy checkouts; returns [args, expected metadata a, b]. */
  setup(t: Ctx): { args: string[]; a: string; b: string };
  local: [boolean, boolean];
}

function localSrcs(name: string, s: LocalSrcsSetup): Case {
  return {
    name: `localsrcs/${name}`,
    template: 'local-src',
    from: `test_local_srcs.py::test_localsrcs_${name.replace(/-/g, '_')}`,
    async run(t) {
      const { args, a, b } = s.setup(t);
      await t.ok(args);
      await t.ok();
      const meta = (x: string) => t.read('output/target', `metadata-${x}`).trim();
      assert.ok(meta('a').includes(a), `metadata-a: ${meta('a')} (expected ${a})`);
      assert.ok(meta('b').includes(b), `metadata-b: ${meta('b')} (expected ${b})`);
      assert.ok(meta('c').includes('pkg-c-original'));
      const env = (x: string) => JSON.parse(t.read('output/target', `invoke-env-${x}.json`));
      assert.equal('PKG_LOCALSRCS' in env('a'), s.local[0], 'pkg-a PKG_LOCALSRCS');
      assert.equal('PKG_LOCALSRCS' in env('b'), s.local[1], 'pkg-b PKG_LOCALSRCS');
      assert.equal('PKG_LOCALSRCS' in env('c'), false, 'pkg-c PKG_LOCALSRCS');
    },
  };
}

function flagsIn(t: Ctx, present: string[], absent: string[]): void {
  for (const f of present) t.assertExists('output/target', f);
  for (const f of absent) t.assertMissing('output/target', f);
}

export const pipelineCases: Case[] = [
  localSrcs('default', {
    setup: (t) => ({ args: ['-L'], a: dummy(parent(t), 'pkg-a'), b: dummy(parent(t), 'pkg-b') }),
    local: [true, true],
  }),
  {
    name: 'localsrcs/not-configured',
    template: 'local-src',
    from: 'test_local_srcs.py::test_localsrcs_not_configured',
    async run(t) {
      await t.ok();
      for (const x of ['a', 'b', 'c']) {
        assert.ok(t.read('output/target', `metadata-${x}`).includes(`pkg-${x}-original`));
        const env = JSON.parse(t.read('output/target', `invoke-env-${x}.json`));
        assert.equal('PKG_LOCALSRCS' in env, false);
      }
    },
  },
  localSrcs('overload-package', {
    setup: (t) => {
      const da = t.path('..', 'da');
      const db = t.path('..', 'db');
      return { args: ['-L', da, '-L', `pkg-b@${db}`], a: dummy(da, 'pkg-a'), b: dummy(db) };
    },
    local: [true, true],
  }),
  localSrcs('per-package', {
    setup: (t) => {
      const da = t.path('..', 'da');
      const db = t.path('..', 'db');
      return { args: ['-L', `pkg-a@${da}`, '-L', `pkg-b@${db}`], a: dummy(da), b: dummy(db) };
    },
    local: [true, true],
  }),
  localSrcs('single-path', {
    setup: (t) => {
      const d = t.path('..', 'srcs');
      return { args: ['-L', d], a: dummy(d, 'pkg-a'), b: dummy(d, 'pkg-b') };
    },
    local: [true, true],
  }),
  localSrcs('specific-package', {
    setup: (t) => {
      const d = t.path('..', 'srcs');
      return { args: ['-L', `pkg-b@${d}`], a: 'pkg-a-original', b: dummy(d) };
    },
    local: [false, true],
  }),
  localSrcs('unset-package', {
    setup: (t) => ({
      args: ['-L', '-L', 'pkg-b@'],
      a: dummy(parent(t), 'pkg-a'),
      b: 'pkg-b-original',
    }),
    local: [true, false],
  }),
  {
    name: 'remote-cfg/disabled-option',
    template: 'remote-cfg-disabled',
    from: 'test_pkg_pipeline_remote_cfg.py::test_pkg_pipeline_remote_cfg_disabled_option',
    async run(t) {
      await t.run([]);
      flagsIn(t, ['jobs-0'], []);
    },
  },
  {
    name: 'remote-cfg/disabled-quirk',
    template: 'remote-cfg',
    from: 'test_pkg_pipeline_remote_cfg.py::test_pkg_pipeline_remote_cfg_disabled_quirk',
    async run(t) {
      await t.run(['--quirk', 'releng.disable_remote_configs']);
      flagsIn(t, ['jobs-0'], []);
    },
  },
  {
    name: 'remote-cfg/enabled',
    template: 'remote-cfg',
    from: 'test_pkg_pipeline_remote_cfg.py::test_pkg_pipeline_remote_cfg_enabled',
    async run(t) {
      await t.run([]);
      flagsIn(t, ['jobs-1'], []);
    },
  },
  {
    name: 'remote-cfg/override',
    template: 'remote-cfg-override',
    from: 'test_pkg_pipeline_remote_cfg.py::test_pkg_pipeline_remote_cfg_override',
    async run(t) {
      await t.run([]);
      flagsIn(t, ['jobs-2'], []);
    },
  },
  ...(
    [
      [
        'deprecated',
        'remote-scripts-deprecated',
        [],
        ['build-remote', 'configure-remote', 'install-remote'],
        [],
      ],
      [
        'disabled-option',
        'remote-scripts-disabled',
        [],
        [],
        ['build-remote', 'configure-remote', 'install-remote'],
      ],
      [
        'disabled-quirk',
        'remote-scripts',
        ['--quirk', 'releng.disable_remote_scripts'],
        [],
        ['build-remote', 'configure-remote', 'install-remote'],
      ],
      ['enabled', 'remote-scripts', [], ['build-remote', 'configure-remote', 'install-remote'], []],
      [
        'override-all',
        'remote-scripts-override-all',
        [],
        ['build-override', 'configure-override', 'install-override'],
        ['build-remote', 'configure-remote', 'install-remote'],
      ],
      [
        'override-subset',
        'remote-scripts-override-subset',
        [],
        ['build-remote', 'configure-remote', 'install-override'],
        ['install-remote'],
      ],
    ] as const
  ).map(
    ([name, template, args, present, absent]): Case => ({
      name: `remote-scripts/${name}`,
      template,
      from: `test_pkg_pipeline_remote_scripts.py::test_pkg_pipeline_remote_scripts_${name.replace(/-/g, '_')}`,
      async run(t) {
        await t.run([...args]);
        flagsIn(t, [...present], [...absent]);
      },
    }),
  ),
  {
    name: 'remote-scripts/none',
    template: 'remote-scripts-none',
    from: 'test_pkg_pipeline_remote_scripts.py::test_pkg_pipeline_remote_scripts_none',
    async run(t) {
      await t.ok();
    },
  },
  {
    name: 'pipeline/script-vars',
    template: 'script-vars',
    from: 'test_pkg_pipeline_script_vars.py::test_pkg_pipeline_script_vars',
    async run(t) {
      await t.ok(['test']);
      const file = t.find('output/build', 'invoke-vars.json')[0];
      assert.ok(file, 'invoke-vars.json not written to PKG_BUILD_OUTPUT_DIR');
      const data = JSON.parse(t.read(file));
      for (const k of [
        'PKG_BUILD_BASE_DIR',
        'PKG_BUILD_DIR',
        'PKG_BUILD_OUTPUT_DIR',
        'PKG_CACHE_DIR',
        'PKG_CACHE_FILE',
        'PKG_DEFDIR',
        'PKG_DEVMODE',
        'PKG_INTERNAL',
        'PKG_LOCALSRCS',
        'PKG_NAME',
        'PKG_REVISION',
        'PKG_SITE',
        'PKG_VERSION',
      ]) {
        assert.ok(k in data, `${k} is not a global`);
      }
      for (const k of ['PKG_DEVMODE', 'PKG_INTERNAL', 'PKG_LOCALSRCS']) {
        assert.ok(
          !data[k] || data[k] === '<non-serializable>',
          `${k} is ${JSON.stringify(data[k])}`,
        );
      }
    },
  },
  ...(
    [
      [
        'empty',
        (d: Record<string, string>) => {
          assert.equal(d.PKG_SITE, '');
          assert.equal(d.PKG_VERSION, '');
        },
      ],
      [
        'generic',
        (d: Record<string, string>) => {
          for (const k of [
            'PKG_BUILD_BASE_DIR',
            'PKG_BUILD_DIR',
            'PKG_BUILD_OUTPUT_DIR',
            'PKG_CACHE_DIR',
            'PKG_CACHE_FILE',
            'PKG_DEFDIR',
            'PKG_NAME',
            'PKG_REVISION',
            'PKG_SITE',
            'PKG_VERSION',
          ]) {
            assert.ok(k in d, `${k} missing`);
          }
          assert.ok(!('PKG_INTERNAL' in d), 'PKG_INTERNAL exported for an external package');
          assert.equal(d.PKG_BUILD_DIR, d.PKG_BUILD_BASE_DIR);
          assert.equal(d.PKG_NAME, 'test-generic');
          assert.equal(d.PKG_REVISION, 'test-revision');
          assert.equal(d.PKG_SITE, 'mocked-site');
          assert.equal(d.PKG_VERSION, 'test-version');
        },
      ],
      ['internal', (d: Record<string, string>) => assert.ok('PKG_INTERNAL' in d)],
      [
        'subdir',
        (d: Record<string, string>) => {
          assert.notEqual(d.PKG_BUILD_BASE_DIR, d.PKG_BUILD_DIR);
          assert.ok(d.PKG_BUILD_DIR!.startsWith(d.PKG_BUILD_BASE_DIR!));
        },
      ],
    ] as const
  ).map(
    ([name, check]): Case => ({
      name: `pkg-env/${name}`,
      template: 'pkg-env',
      from: `test_pkg_pipeline_pkg_env.py::test_pkg_pipeline_pkgenv_${name}`,
      async run(t) {
        const r = await t.ok();
        const found = t
          .find('output/build', 'invoke-env.json')
          .find((p) => p.split('/')[2]!.startsWith(`test-${name}`));
        assert.ok(found, `no invoke-env.json for test-${name}:\n${r.output.slice(-400)}`);
        check(JSON.parse(t.read(found)));
      },
    }),
  ),
  {
    name: 'pipeline/contained-env',
    template: 'contained-env',
    from: 'test_pkg_pipeline_contained_env.py::test_pkg_pipeline_containedenv',
    async run(t) {
      await t.ok();
      const read = (pkg: string) => {
        const d = t.ls('output/build').find((x) => x.startsWith(pkg));
        assert.ok(d, `no build folder for ${pkg}`);
        return JSON.parse(t.read('output/build', d, 'invoke-env.json')) as Record<string, string>;
      };
      const d1 = read('test1');
      assert.equal(d1.NJOBS, '42');
      assert.equal(d1.NJOBSCONF, '42');
      assert.equal(d1.PREFIX, '/my-custom-prefix');
      for (const area of ['HOST', 'STAGING', 'TARGET']) {
        const root = t.path('output', area.toLowerCase());
        assert.equal(d1[`PREFIXED_${area}_DIR`], `${root}/my-custom-prefix`);
        for (const sub of ['BIN', 'INCLUDE', 'LIB', 'SHARE']) {
          assert.equal(d1[`${area}_${sub}_DIR`], `${root}/my-custom-prefix/${sub.toLowerCase()}`);
        }
      }
      const d2 = read('test2');
      assert.notEqual(d2.NJOBS, '42');
      assert.notEqual(d2.PREFIX, '/my-custom-prefix');
      assert.notEqual(d2.TARGET_LIB_DIR, d1.TARGET_LIB_DIR);
    },
  },
  ...(
    [
      ['sanity-check', false, undefined, ['liba', 'libb', 'libc']],
      ['pkg-enabled-flag', true, 'True', ['liba', 'libb', 'libc']],
      ['pkg-enabled-mode-single', 'example', "'example'", ['liba', 'libb', 'libc']],
      [
        'pkg-enabled-mode-multiple',
        'example',
        "['test', 'example', 'second']",
        ['liba', 'libb', 'libc'],
      ],
      ['pkg-hidden-default', false, 'True', ['liba', 'libc']],
      ['pkg-hidden-mode', 'other-mode', "'example'", ['liba', 'libc']],
    ] as const
  ).map(
    ([name, mode, only, expected]): Case => ({
      name: `devmode-filter/${name}`,
      template: 'devmode-filter',
      from: `test_engine_run_devmode_pkg_filter.py::test_engine_run_devmode_pkgfilter_${name.replace(/-/g, '_')}`,
      async run(t) {
        for (const p of ['liba', 'libb', 'libc']) {
          t.write(
            `package/${p}/${p}-build.rt`,
            `releng_touch(releng_join(OUTPUT_DIR, 'built-${p}'))\n`,
          );
        }
        if (only !== undefined) {
          t.write(
            'package/libb/libb.rt',
            `${t.read('package/libb/libb.rt')}\nLIBB_DEVMODE_REVISION = 'main'\nLIBB_ONLY_DEVMODE = ${only}\n`,
          );
        }
        if (mode === true) await t.ok(['-D']);
        else if (mode) await t.ok(['-D', mode]);
        await t.ok();
        const built = ['liba', 'libb', 'libc'].filter((p) => t.exists('output', `built-${p}`));
        assert.deepEqual(built, [...expected]);
      },
    }),
  ),
  {
    name: 'licenses/generated',
    template: 'licenses',
    from: 'test_engine_run_licenses.py::test_engine_run_licenses',
    async run(t) {
      await t.ok();
      const generated = JSON.parse(t.read('output/generated-licenses.json')) as string[];
      assert.ok(generated.length > 0, 'no license documents listed');
      for (const f of generated) assert.ok(t.exists(f.slice(t.dir.length + 1)), `${f} missing`);
    },
  },
  {
    name: 'prefix/no-prefix-global',
    template: 'no-prefix-global',
    from: 'test_no_prefix.py::test_no_prefix_global',
    async run(t) {
      await t.ok();
    },
  },
  {
    name: 'prefix/no-prefix-pkg',
    template: 'no-prefix-pkg',
    from: 'test_no_prefix.py::test_no_prefix_pkg',
    async run(t) {
      await t.ok();
    },
  },
];
