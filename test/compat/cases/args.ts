// Argument handling: releng-tool's tests/unit-tests/test_engine_run_args.py and
// test_mainline_args.py check parsed options; here each option and action is
// given on the command line of a probe project and its effect is checked.
import { cpus } from 'node:os';
import { assert, type Case, type Ctx } from '../lib.ts';
import { probe, stagesRan, writeProbe } from '../probe.ts';

const ALL = ['bootstrap', 'configure', 'build', 'install', 'post'];

/** A probe project, built once fully when `built`. */
async function probeProject(t: Ctx, built = false): Promise<void> {
  writeProbe(t);
  if (built) {
    await t.ok();
    t.remove('stages.log');
  }
}

const MODES = new Set(['--development', '-D', '--local-sources', '-L']);

const truthy = (v: unknown): boolean => v === true || v === 'True' || v === '1' || v === 'true';

function stageCase(
  action: string,
  built: boolean,
  expected: string[],
  from: string,
  extra?: (t: Ctx) => void,
): Case {
  return {
    name: `args/action-${action}${built ? '-after-build' : ''}`,
    from: `test_engine_run_args.py::${from}`,
    async run(t) {
      await probeProject(t, built);
      await t.ok([action]);
      assert.deepEqual(stagesRan(t), expected);
      extra?.(t);
    },
  };
}

/** An option that takes a value: without one, the command line is refused. */
function missingValue(option: string, from: string): Case {
  return {
    name: `args/missing-value${option}`,
    from: `test_mainline_args.py::${from}`,
    async run(t) {
      await probeProject(t);
      await t.fails([option]);
      assert.deepEqual(stagesRan(t), []);
    },
  };
}

/** An option whose value lands in a script variable. */
function dirOption(option: string, variable: string, from: string): Case {
  return {
    name: `args/option${option}`,
    from,
    async run(t) {
      await probeProject(t);
      const dir = t.path('elsewhere', variable.toLowerCase());
      await t.ok([option, dir]);
      assert.equal(probe(t).gbl[variable], dir);
      assert.equal(probe(t).env[variable], dir);
    },
  };
}

function flagVar(option: string, variable: string, from: string, value?: string): Case {
  return {
    name: `args/option${option}${value ? `-${value}` : ''}`,
    from,
    async run(t) {
      await probeProject(t);
      await t.ok(value ? [option, value] : [option]);
      // -D and -L configure a mode that later runs use
      if (MODES.has(option)) await t.ok();
      const got = probe(t).gbl[variable];
      if (value) assert.equal(got, value);
      else assert.ok(truthy(got), `${variable} is ${JSON.stringify(got)} with ${option}`);
    },
  };
}

export const argsCases: Case[] = [
  stageCase('fetch', false, [], 'test_engine_run_args_action_global_fetch', (t) =>
    t.assertMissing('output/target'),
  ),
  stageCase('extract', false, [], 'test_engine_run_args_action_global_extract'),
  stageCase('patch', false, [], 'test_engine_run_args_action_global_patch'),
  stageCase('fetch-full', false, [], 'test_engine_run_args_action_global_fetch_full'),
  stageCase('punch', true, ALL, 'test_engine_run_args_action_global_punch'),
  stageCase(
    'test-configure',
    false,
    ['bootstrap', 'configure'],
    'test_engine_run_args_action_pkg_configure',
  ),
  stageCase(
    'test-build',
    false,
    ['bootstrap', 'configure', 'build'],
    'test_engine_run_args_action_pkg_build',
  ),
  stageCase('test-install', false, ALL, 'test_engine_run_args_action_pkg_install'),
  stageCase('test-build', true, [], 'test_engine_run_args_action_pkg_build'),
  stageCase(
    'test-rebuild',
    true,
    ['build', 'install', 'post'],
    'test_engine_run_args_action_pkg_rebuild',
  ),
  stageCase('test-rebuild-only', true, ['build'], 'test_engine_run_args_action_pkg_rebuild_only'),
  stageCase('test-reconfigure', true, ALL, 'test_engine_run_args_action_pkg_reconfigure'),
  stageCase(
    'test-reconfigure-only',
    true,
    ['bootstrap', 'configure'],
    'test_engine_run_args_action_pkg_reconfigure_only',
  ),
  stageCase(
    'test-reinstall',
    true,
    ['install', 'post'],
    'test_engine_run_args_action_pkg_reinstall',
  ),
  stageCase('test-patch', false, [], 'test_engine_run_args_action_pkg_patch'),
  stageCase('test-extract', false, [], 'test_engine_run_args_action_pkg_extract'),
  stageCase('test-fetch', false, [], 'test_engine_run_args_action_pkg_fetch'),
  stageCase('test-fetch-full', false, [], 'test_engine_run_args_action_pkg_fetch_full'),
  stageCase('test-license', false, [], 'test_engine_run_args_action_pkg_license'),
  stageCase('test-fresh', true, [], 'test_engine_run_args_action_pkg_fresh'),
  stageCase('test', true, [], 'test_engine_run_args_action_target_default'),
  {
    name: 'args/action-clean',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_clean',
    async run(t) {
      await probeProject(t, true);
      await t.ok(['clean']);
      for (const d of ['build', 'target', 'staging', 'host']) t.assertMissing('output', d);
      await t.ok();
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  {
    name: 'args/action-distclean',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_distclean',
    async run(t) {
      await probeProject(t, true);
      t.write('dl/marker', 'x');
      t.write('cache/marker', 'x');
      await t.ok(['distclean']);
      t.assertMissing('output');
      t.assertMissing('dl');
      t.assertMissing('cache');
      t.assertExists('package/test/test.rt');
    },
  },
  {
    name: 'args/action-mrproper',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_mrproper',
    async run(t) {
      await probeProject(t, true);
      t.write('dl/marker', 'x');
      await t.ok(['mrproper']);
      t.assertMissing('output');
      t.assertExists('dl/marker');
    },
  },
  {
    name: 'args/action-test-clean',
    from: 'test_engine_run_args.py::test_engine_run_args_action_pkg_clean',
    async run(t) {
      await probeProject(t, true);
      await t.ok(['test-clean']);
      assert.deepEqual(stagesRan(t), []);
      await t.ok();
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  {
    name: 'args/action-test-distclean',
    from: 'test_engine_run_args.py::test_engine_run_args_action_pkg_distclean',
    async run(t) {
      await probeProject(t, true);
      await t.ok(['test-distclean']);
      assert.deepEqual(stagesRan(t), []);
      await t.ok();
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  {
    name: 'args/action-licenses',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_licenses',
    async run(t) {
      await probeProject(t);
      await t.ok(['licenses']);
      t.assertExists('output/licenses');
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    name: 'args/action-sbom',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_sbom',
    async run(t) {
      await probeProject(t);
      await t.ok(['sbom']);
      t.assertExists('output/sbom.txt');
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    name: 'args/action-printpkgs',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_printpkgs',
    async run(t) {
      await probeProject(t);
      const r = await t.ok(['printpkgs']);
      assert.match(r.stdout, /^test \(1\.0\)$/m);
      t.assertMissing('output/build');
    },
  },
  {
    name: 'args/action-printvars',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_printvars',
    async run(t) {
      await probeProject(t);
      await t.ok(['printvars']);
      t.assertMissing('output/build');
    },
  },
  {
    name: 'args/action-test-printvars',
    from: 'test_engine_run_args.py::test_engine_run_args_action_pkg_printvars',
    async run(t) {
      await probeProject(t);
      const r = await t.ok(['test-printvars']);
      for (const v of [
        'TEST_SITE',
        'TEST_VERSION',
        'TEST_NEEDS',
        'TEST_TYPE',
        'TEST_INSTALL_TYPE',
      ]) {
        assert.match(r.stdout, new RegExp(`^${v}\\b`, 'm'), `${v} not printed`);
      }
    },
  },
  {
    name: 'args/action-lint',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_lint',
    async run(t) {
      await probeProject(t);
      await t.ok(['lint']);
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    name: 'args/action-test-lint',
    from: 'test_engine_run_args.py::test_engine_run_args_action_pkg_lint',
    async run(t) {
      await probeProject(t);
      await t.ok(['test-lint']);
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    name: 'args/action-state',
    from: 'test_engine_run_args.py::test_engine_run_args_action_global_state',
    async run(t) {
      await probeProject(t);
      await t.ok(['state']);
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    name: 'args/action-test-exec',
    from: 'test_engine_run_args.py::test_engine_run_args_action_pkg_exec',
    async run(t) {
      await probeProject(t, true);
      await t.ok(['test-exec', 'touch exec-ran']);
      assert.ok(t.exists(String(probe(t).gbl.PKG_BUILD_DIR).slice(t.dir.length + 1), 'exec-ran'));
    },
  },
  {
    name: 'args/action-package-path',
    from: 'test_engine_run_args.py::test_engine_run_args_action_target_prefixed',
    async run(t) {
      await probeProject(t);
      await t.ok(['package/test']);
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  dirOption(
    '--cache-dir',
    'CACHE_DIR',
    'test_engine_run_args.py::test_engine_run_args_cache_dir, test_mainline_args.py::test_mainline_args_cache_dir_valid',
  ),
  dirOption(
    '--dl-dir',
    'DL_DIR',
    'test_engine_run_args.py::test_engine_run_args_dl_dir, test_mainline_args.py::test_mainline_args_dl_dir_valid',
  ),
  dirOption(
    '--images-dir',
    'IMAGES_DIR',
    'test_engine_run_args.py::test_engine_run_args_images_dir, test_mainline_args.py::test_mainline_args_images_dir_valid',
  ),
  dirOption(
    '--out-dir',
    'OUTPUT_DIR',
    'test_engine_run_args.py::test_engine_run_args_out_dir, test_engine_run_args_output_dir, test_mainline_args.py::test_mainline_args_out_dir_valid',
  ),
  {
    name: 'args/option--assets-dir',
    from: 'test_engine_run_args.py::test_engine_run_args_assets_dir, test_mainline_args.py::test_mainline_args_assets_dir_valid',
    async run(t) {
      await probeProject(t);
      const dir = t.path('assets');
      await t.ok(['--assets-dir', dir]);
      assert.equal(probe(t).gbl.CACHE_DIR, `${dir}/cache`);
      assert.equal(probe(t).gbl.DL_DIR, `${dir}/dl`);
    },
  },
  {
    name: 'args/option--config',
    from: 'test_engine_run_args.py::test_engine_run_args_config_file',
    async run(t) {
      await probeProject(t);
      t.write('custom.rt', t.read('releng-tool.rt'));
      t.remove('releng-tool.rt');
      await t.ok(['--config', t.path('custom.rt')]);
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  {
    name: 'args/option--config-missing-file',
    from: 'test_mainline_args.py::test_mainline_args_config_valid',
    async run(t) {
      await probeProject(t);
      await t.fails(['--config', t.path('no-such.rt')]);
    },
  },
  flagVar(
    '--debug',
    'RELENG_DEBUG',
    'test_engine_run_args.py::test_engine_run_args_debug, test_mainline_args.py::test_mainline_args_debug_basic',
  ),
  flagVar(
    '--debug-extended',
    'RELENG_DEBUG',
    'test_mainline_args.py::test_mainline_args_debug_extended',
  ),
  flagVar(
    '--development',
    'RELENG_DEVMODE',
    'test_engine_run_args.py::test_engine_run_args_mode_devmode',
  ),
  flagVar(
    '--development',
    'RELENG_DEVMODE',
    'test_mainline_args.py::test_mainline_args_devmode_custom',
    'custom',
  ),
  flagVar('-D', 'RELENG_DEVMODE', 'test_mainline_args.py::test_mainline_args_devmode_flag'),
  flagVar('--force', 'RELENG_FORCE', 'test_engine_run_args.py::test_engine_run_args_mode_force'),
  flagVar('-F', 'RELENG_FORCE', 'test_mainline_args.py::test_mainline_args_force'),
  flagVar(
    '--release',
    'RELENG_RELEASE',
    'test_engine_run_args.py::test_engine_run_args_release, test_mainline_args.py::test_mainline_args_release',
  ),
  flagVar('--verbose', 'RELENG_VERBOSE', 'test_engine_run_args.py::test_engine_run_args_verbose'),
  flagVar('-V', 'RELENG_VERBOSE', 'test_mainline_args.py::test_mainline_args_verbose'),
  flagVar(
    '--local-sources',
    'RELENG_LOCALSRCS',
    'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_default',
  ),
  {
    name: 'args/defaults-flags-false',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_options_modes',
    async run(t) {
      await probeProject(t);
      await t.ok();
      const g = probe(t).gbl;
      for (const v of [
        'RELENG_DEBUG',
        'RELENG_DEVMODE',
        'RELENG_FORCE',
        'RELENG_LOCALSRCS',
        'RELENG_VERBOSE',
        'RELENG_RELEASE',
      ]) {
        assert.ok(v in g, `${v} is not a global`);
        assert.ok(!truthy(g[v]), `${v} is ${JSON.stringify(g[v])} by default`);
      }
    },
  },
  {
    name: 'args/defaults-flags-env-unset',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_options_modes',
    async run(t) {
      await probeProject(t);
      await t.ok();
      const env = probe(t).env;
      for (const v of [
        'RELENG_DEBUG',
        'RELENG_DEVMODE',
        'RELENG_FORCE',
        'RELENG_LOCALSRCS',
        'RELENG_VERBOSE',
      ]) {
        assert.ok(!(v in env), `${v} is exported as ${JSON.stringify(env[v])} with the mode off`);
      }
    },
  },
  {
    name: 'args/defaults-jobs',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_options_jobs',
    async run(t) {
      await probeProject(t);
      await t.ok();
      assert.equal(Number(probe(t).gbl.NJOBS), cpus().length);
      assert.equal(Number(probe(t).gbl.NJOBSCONF), 0);
    },
  },
  ...[
    ['42', 42, 42],
    ['4', 4, 4],
    ['0', cpus().length, 0],
    ['-50', 1, -50],
  ].map(
    ([given, jobs, conf]): Case => ({
      name: `args/jobs-${given}`,
      from: 'test_mainline_args.py::test_mainline_args_jobs_valid_*',
      async run(t) {
        await probeProject(t);
        await t.ok(['--jobs', String(given)]);
        assert.equal(Number(probe(t).gbl.NJOBS), jobs);
        assert.equal(Number(probe(t).env.NJOBS), jobs);
        if (Number(conf) >= 0) assert.equal(Number(probe(t).gbl.NJOBSCONF), conf);
      },
    }),
  ),
  {
    name: 'args/jobs-invalid-type',
    from: 'test_mainline_args.py::test_mainline_args_jobs_invalid_type',
    async run(t) {
      await probeProject(t);
      await t.fails(['--jobs', 'some-value']);
    },
  },
  ...(
    [
      ['--assets-dir', 'assets_dir'],
      ['--cache-dir', 'cache_dir'],
      ['--config', 'config'],
      ['--dl-dir', 'dl_dir'],
      ['--images-dir', 'images_dir'],
      ['--jobs', 'jobs'],
      ['--out-dir', 'out_dir'],
      ['--profile', 'profile'],
      ['--quirk', 'quirk'],
      ['--root-dir', 'root_dir'],
      ['--sbom-format', 'sbom_format'],
      ['--success-exit-code', 'success_exit_code'],
    ] as const
  ).map(([o, f]) => missingValue(o, `test_mainline_args_${f}_missing`)),
  {
    name: 'args/injected-variable',
    from: 'test_mainline_args.py::test_mainline_args_injected_args',
    async run(t) {
      await probeProject(t);
      await t.ok(['MY_CUSTOM_ARG=123']);
      assert.equal(probe(t).env.MY_CUSTOM_ARG, '123');
    },
  },
  {
    name: 'args/forwarded-args',
    from: 'test_mainline_args.py::test_mainline_args_fwd',
    async run(t) {
      await probeProject(t);
      await t.ok(['--', '--custom-argument']);
      assert.ok(probe(t).args.includes('--custom-argument'), JSON.stringify(probe(t).args));
    },
  },
  {
    name: 'args/help',
    from: 'test_mainline_args.py::test_mainline_args_help_default',
    async run(t) {
      const r = await t.ok(['--help']);
      for (const o of ['--root-dir', '--jobs', '--out-dir', '--development', '--local-sources']) {
        assert.ok(r.output.includes(o), `--help does not mention ${o}`);
      }
    },
  },
  {
    name: 'args/help-quirks',
    from: 'test_mainline_args.py::test_mainline_args_help_quirks',
    async run(t) {
      const r = await t.ok(['--help-quirks']);
      assert.match(r.output, /quirks/);
    },
  },
  ...['--nocolorout', '--quiet', '--only-mirror', '--api'].map(
    (o): Case => ({
      name: `args/option${o}`,
      from: `test_mainline_args.py::test_mainline_args_${o === '--api' ? 'api_mode_enabled' : o.slice(2).replace('-', '_')}`,
      async run(t) {
        await probeProject(t);
        await t.ok([o]);
        assert.deepEqual(stagesRan(t), ALL);
      },
    }),
  ),
  {
    name: 'args/profile-single',
    from: 'test_mainline_args.py::test_mainline_args_profile_set_single',
    async run(t) {
      await probeProject(t);
      await t.ok(['--profile', 'my-custom-profile']);
      assert.match(String(probe(t).gbl.RELENG_PROFILES), /my-custom-profile/);
    },
  },
  {
    name: 'args/profile-multiple',
    from: 'test_mainline_args.py::test_mainline_args_profile_set_multiple',
    async run(t) {
      await probeProject(t);
      await t.ok(['--profile', 'my-custom-profile1', '-P', 'my-custom-profile2']);
      const p = String(probe(t).gbl.RELENG_PROFILES);
      assert.match(p, /my-custom-profile1/);
      assert.match(p, /my-custom-profile2/);
    },
  },
  {
    name: 'args/quirk-set',
    from: 'test_mainline_args.py::test_mainline_args_quirk_set',
    async run(t) {
      await probeProject(t);
      await t.ok(['--quirk', 'releng.ignore_failed_extensions']);
    },
  },
  {
    name: 'args/unknown-option',
    from: 'test_mainline_args.py::test_mainline_args_relaxed_args_not_set',
    async run(t) {
      await probeProject(t);
      await t.fails(['--argument-that-does-not-exist'], 1);
      assert.deepEqual(stagesRan(t), []);
    },
  },
  {
    name: 'args/relaxed-args',
    from: 'test_mainline_args.py::test_mainline_args_relaxed_args_set_arg',
    async run(t) {
      await probeProject(t);
      await t.ok(['--argument-that-does-not-exist', '--relaxed-args']);
    },
  },
  {
    name: 'args/relaxed-args-env',
    from: 'test_mainline_args.py::test_mainline_args_relaxed_args_set_env',
    async run(t) {
      await probeProject(t);
      await t.ok(['--argument-that-does-not-exist'], { env: { RELENG_IGNORE_UNKNOWN_ARGS: '1' } });
    },
  },
  {
    name: 'args/relaxed-args-werror',
    from: 'test_mainline_args.py::test_mainline_args_relaxed_args_set_ignored',
    async run(t) {
      await probeProject(t);
      await t.fails(['--argument-that-does-not-exist', '--relaxed-args', '--werror'], 1);
    },
  },
  {
    name: 'args/sbom-format-invalid',
    from: 'test_mainline_args.py::test_mainline_args_sbom_format_invalid',
    async run(t) {
      await probeProject(t);
      await t.fails(['--sbom-format', 'some-invalid-format']);
    },
  },
  {
    name: 'args/sbom-format-html-json',
    from: 'test_engine_run_args.py::test_engine_run_args_sbom_format',
    async run(t) {
      await probeProject(t);
      await t.ok(['--sbom-format', 'html,json']);
      t.assertExists('output/sbom.html');
      t.assertExists('output/sbom.json');
    },
  },
  {
    name: 'args/success-exit-code-set',
    from: 'test_mainline_args.py::test_mainline_args_success_exit_code_set',
    async run(t) {
      await probeProject(t);
      await t.fails(['--success-exit-code', '42'], 42);
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  {
    name: 'args/success-exit-code-original-error',
    from: 'test_mainline_args.py::test_mainline_args_success_exit_code_original_error',
    async run(t) {
      await probeProject(t);
      t.write('package/test/test-build.rt', 'raise SystemExit(1)\n');
      await t.fails(['--success-exit-code', '2'], 1);
    },
  },
  ...['some-value', '-1'].map(
    (v): Case => ({
      name: `args/success-exit-code-invalid${v}`,
      from: 'test_mainline_args.py::test_mainline_args_success_exit_code_invalid_*',
      async run(t) {
        await probeProject(t);
        await t.fails(['--success-exit-code', v]);
        assert.deepEqual(stagesRan(t), []);
      },
    }),
  ),
  {
    name: 'args/root-dir-relative',
    from: 'test_mainline_args.py::test_mainline_args_root_dir_valid',
    async run(t) {
      await probeProject(t);
      await t.ok(['--root-dir', '.'], {});
      assert.deepEqual(stagesRan(t), ALL);
    },
  },
  {
    name: 'args/local-sources-package-paths',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_per_package',
    async run(t) {
      writeProbe(t, {
        site: 'https://releng.invalid/test-1.0.tar.gz',
        pkg: 'TEST_INTERNAL = True',
      });
      t.write('srcs/test/README', 'x');
      await t.ok(['--local-sources', `test@${t.path('srcs', 'test')}`]);
      await t.ok();
      assert.equal(probe(t).gbl.PKG_BUILD_DIR, t.path('srcs', 'test'));
    },
  },
  {
    name: 'args/local-sources-package-colon',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_per_package',
    async run(t) {
      writeProbe(t, {
        site: 'https://releng.invalid/test-1.0.tar.gz',
        pkg: 'TEST_INTERNAL = True',
      });
      t.write('srcs/test/README', 'x');
      await t.ok(['--local-sources', `test:${t.path('srcs', 'test')}`]);
      await t.ok();
      assert.equal(probe(t).gbl.PKG_BUILD_DIR, t.path('srcs', 'test'));
    },
  },
];
