// releng-tool's engine tests (tests/unit-tests/test_engine_run_*.py) that run
// a fixture project, re-expressed as CLI runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, HERE } from '../lib.ts';
import { probe, writeProbe } from '../probe.ts';

const flags = (t: import('../lib.ts').Ctx, names: string[], base = 'output/target'): void => {
  for (const n of names) t.assertExists(base, n);
};

const SAMPLE_TAR = join(HERE, 'assets', 'sample-files', 'sample-files.tar');

const STAGES = ['bootstrap', 'configure', 'build', 'install', 'patch', 'post'];

export const engineCases: Case[] = [
  {
    name: 'scripts/include',
    template: 'scripts-include',
    from: 'test_engine_run_scripts.py::test_engine_run_scripts_include',
    async run(t) {
      await t.ok();
      flags(
        t,
        [1, 2, 3, 4, 5].map((i) => `invoked-stage${i}`),
      );
    },
  },
  ...['bootstrap', 'build', 'configure', 'install', 'post'].map(
    (stage): Case => ({
      name: `scripts/invalid-${stage}`,
      template: `scripts-invalid-${stage}`,
      from: `test_engine_run_scripts.py::test_engine_run_scripts_invalid_${stage}`,
      async run(t) {
        await t.fails();
      },
    }),
  ),
  ...['scripts-valid', 'scripts-valid-ext-none', 'scripts-valid-ext-py'].map(
    (tpl): Case => ({
      name: `scripts/${tpl.replace('scripts-', '')}`,
      template: tpl,
      from: 'test_engine_run_scripts.py::test_engine_run_scripts_valid_*',
      async run(t) {
        await t.ok();
        flags(
          t,
          STAGES.map((s) => `invoked-${s}`),
        );
      },
    }),
  ),
  {
    name: 'engine/exit-code',
    template: 'exit',
    from: 'test_engine_run_exit.py::test_engine_run_exit',
    async run(t) {
      await t.fails([], 3);
    },
  },
  {
    name: 'engine/steps',
    template: 'steps',
    from: 'test_engine_run_steps.py::test_engine_run_steps',
    async run(t) {
      await t.ok();
      t.assertExists('output/target/invoked-1');
      t.assertMissing('output/target/invoked-2');
      t.assertExists('output/target/invoked-3');
    },
  },
  {
    name: 'engine/missing-pkg',
    template: 'missing-pkg',
    from: 'test_engine_run_missing_pkg.py::test_engine_run_missing_pkg',
    async run(t) {
      const r = await t.fails();
      assert.match(r.output, /missing/);
    },
  },
  {
    name: 'engine/nopkgdef-default',
    template: 'package-without-pkgdef',
    from: 'test_engine_run_nopkgdef.py::test_engine_run_nopkgdef_default',
    async run(t) {
      await t.ok();
      t.assertExists('output/target/build-triggered');
    },
  },
  {
    name: 'engine/nopkgdef-depend',
    template: 'package-without-pkgdef-deps',
    from: 'test_engine_run_nopkgdef.py::test_engine_run_nopkgdef_depend',
    async run(t) {
      await t.ok();
      t.assertExists('output/target/build-triggered');
    },
  },
  {
    name: 'actions/init-existing-project',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_invalid_init',
    async run(t) {
      await t.fails(['init']);
    },
  },
  {
    name: 'actions/init-empty-folder',
    from: 'test_engine_run_actions.py::test_engine_run_actions_valid_init, test_engine_run_args.py::test_engine_run_args_action_global_init',
    async run(t) {
      t.assertMissing('releng-tool.rt');
      await t.ok(['init']);
      t.assertExists('releng-tool.rt');
    },
  },
  {
    name: 'actions/unknown-action',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_unknown_action',
    async run(t) {
      const r = await t.fails(['unknown-package']);
      assert.match(r.output, /unknown-package/);
    },
  },
  {
    name: 'actions/fetch',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_valid_action_fetch',
    async run(t) {
      await t.ok(['fetch']);
    },
  },
  {
    name: 'actions/state',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_valid_action_state',
    async run(t) {
      const v = await t.ok(['--version']);
      const version = /(\d+\.\d+[\w.]*)/.exec(v.output)?.[1];
      assert.ok(version, `no version in: ${v.output}`);
      const r = await t.ok(['state']);
      assert.ok(r.output.includes(version), `state does not print ${version}:\n${r.output}`);
    },
  },
  {
    name: 'actions/state-modes',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_valid_action_state (the modes)',
    async run(t) {
      const off = await t.ok(['state']);
      assert.match(off.output, /^Root: .*$/m);
      assert.match(off.output, /^Development mode: Disabled$/m);
      assert.match(off.output, /^Local-sources mode: Disabled$/m);
      assert.match(off.output, /^Python 3\.\d+/m);
      await t.ok(['-D', 'test']);
      const on = await t.ok(['state']);
      assert.match(on.output, /^Development mode: Enabled \(test\)$/m);
      assert.match(on.output, /^ \(invoke `releng-tool --development unset` to unconfigure\)$/m);
    },
  },
  {
    name: 'actions/printvars-set',
    template: 'minimal',
    from: 'test_engine_run_args.py::test_engine_run_args_action_pkg_printvars (which are set)',
    async run(t) {
      for (const args of [['printvars'], ['minimal-printvars']]) {
        const out = (await t.ok(args)).stdout.replace(/\x1b\[[0-9;]*m/g, '');
        const lines = out.split('\n').filter((l) => l.startsWith('MINIMAL_'));
        assert.ok(lines.includes('MINIMAL_VERSION (set)'), `${args}: ${out}`);
        assert.ok(lines.includes('MINIMAL_REVISION (set)'), `${args}: ${out}`);
        assert.ok(lines.includes('MINIMAL_SITE'), `${args}: ${out}`);
        assert.ok(lines.includes('MINIMAL_MAKE_CONFIGURE'), `${args}: ${out}`);
        assert.deepEqual(lines, [...lines].sort(), `${args}: sorted`);
        assert.equal(lines.length, 72, `${args}: every option of releng-tool 4.2`);
      }
    },
  },
  {
    name: 'actions/api-documents',
    template: 'minimal',
    from: 'test_api_mode.py::test_api_mode_streams (what each action reports)',
    async run(t) {
      const doc = async (args: string[]) => JSON.parse((await t.ok(['--api', ...args])).stdout);
      const pkgs = await doc(['printpkgs']);
      assert.equal(pkgs.code, 0);
      assert.equal(pkgs.printpkgs.minimal.version, 'v1.0', JSON.stringify(pkgs));
      assert.deepEqual(pkgs.printpkgs.minimal.stages, []);
      const state = await doc(['state']);
      assert.equal(state.state.root, t.dir, JSON.stringify(state));
      assert.equal(state.state.devmode, false);
      assert.equal(state.state.localsrcs, false);
      const vars = await doc(['printvars']);
      assert.deepEqual(vars.printvars.MINIMAL_VERSION, { 'package-name': 'minimal', set: true });
      assert.deepEqual(vars.printvars.MINIMAL_SITE, { 'package-name': 'minimal', set: false });
      const run = await doc([]);
      const { stages, durations } = run.packages.minimal;
      for (const stage of ['configure', 'build', 'install']) {
        assert.ok(stages.includes(stage), `${stage} in ${JSON.stringify(run.packages.minimal)}`);
        assert.equal(typeof durations[stage], 'number');
      }
      // a second run has nothing left to do
      assert.deepEqual((await doc([])).packages.minimal.stages, []);
    },
  },
  {
    name: 'actions/running-as-root',
    template: 'minimal',
    from: 'test_mainline_args.py::test_mainline_args_werror (running as root on a host)',
    async run(t) {
      // the warning is for root outside a container (pid 2 is kthreadd on a host)
      let host = false;
      try {
        host =
          process.getuid?.() === 0 && readFileSync('/proc/2/status', 'utf8').includes('kthreadd');
      } catch {}
      const plain = await t.ok(['printpkgs']);
      assert.equal(
        plain.output.includes('running as root; this may be unsafe'),
        host,
        plain.output,
      );
      const quiet = await t.ok(['printpkgs'], { env: { RELENG_IGNORE_RUNNING_AS_ROOT: '' } });
      assert.ok(!quiet.output.includes('running as root'), quiet.output);
      if (host) await t.fails(['--werror', 'printpkgs']);
      await t.ok(['--werror', 'printpkgs'], { env: { RELENG_IGNORE_RUNNING_AS_ROOT: '1' } });
    },
  },
  {
    name: 'actions/ci-runner-debug',
    from: 'test_util_runner.py::test_utilrunner_cidebugdetect',
    async run(t) {
      // a CI job re-run in debug mode (GitHub's ACTIONS_RUNNER_DEBUG) debugs the run
      writeProbe(t);
      await t.ok([], { env: { ACTIONS_RUNNER_DEBUG: '1' } });
      assert.ok(probe(t).gbl.RELENG_DEBUG, 'debug on in a debug re-run');
      assert.ok(probe(t).gbl.RELENG_VERBOSE, 'and verbose');
      t.remove('output');
      await t.ok([], {
        env: { ACTIONS_RUNNER_DEBUG: '1', RELENG_IGNORE_RUNNER_DEBUG: '1' },
      });
      assert.ok(!probe(t).gbl.RELENG_DEBUG, 'RELENG_IGNORE_RUNNER_DEBUG keeps it off');
      t.remove('output');
      await t.ok();
      assert.ok(!probe(t).gbl.RELENG_DEBUG, 'off outside a debug re-run');
    },
  },
  {
    name: 'actions/mode-flags-stop-the-run',
    template: 'minimal',
    from: 'test_engine_run_file_flags.py::test_engine_run_file_flag_devmode (with an action)',
    async run(t) {
      // configuring a mode ends the run, whatever action is also given
      const set = await t.ok(['-D', 'test', 'minimal']);
      assert.match(set.output, /configured root for development mode \(test\)/);
      t.assertMissing('output/build');
      const local = await t.ok(['-L', t.path('elsewhere'), 'minimal']);
      assert.match(local.output, /configured root for local-sources mode/);
      t.assertMissing('output/build');
      const unset = await t.ok(['-D', 'unset', '-L', 'unset', 'minimal']);
      assert.match(unset.output, /development mode has been unconfigured/);
      assert.match(unset.output, /local-sources mode has been unconfigured/);
      t.assertMissing('output/build');
      await t.ok(['minimal']);
      t.assertExists('output/build');
    },
  },
  {
    name: 'actions/package',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_valid_package',
    async run(t) {
      await t.ok(['minimal']);
    },
  },
  {
    name: 'actions/package-fetch',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_valid_package_subaction',
    async run(t) {
      await t.ok(['minimal-fetch']);
    },
  },
  {
    name: 'defaults/dirs',
    template: 'minimal',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_dirs',
    async run(t) {
      await t.ok();
      t.assertExists('output');
      t.assertExists('output/build');
      t.assertExists('output/target');
    },
  },
  {
    name: 'defaults/noconfig',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_noconfig',
    async run(t) {
      await t.fails();
    },
  },
  {
    name: 'defaults/nopackages',
    template: 'no-packages',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_nopackages',
    async run(t) {
      await t.fails();
    },
  },
  ...['bootstrap', 'configure', 'build', 'install', 'post'].map(
    (stage): Case => ({
      name: `subdir/valid-${stage}`,
      template: `subdir/subdir-valid-${stage}`,
      from: `test_engine_run_subdir.py::test_engine_run_subdir_valid_${stage}`,
      async run(t) {
        t.write(
          'package/test/test.rt',
          `${t.read('package/test/test.rt')}\nTEST_SITE = r"file://${SAMPLE_TAR}"\n`,
        );
        await t.ok();
        t.assertExists('output/target', `invoked-${stage}`);
      },
    }),
  ),
  ...[1, 2, 3].map(
    (i): Case => ({
      name: `deprecated/post-build-${i}`,
      template: `deprecated-post-build-${i}`,
      from: `test_engine_run_deprecated.py::test_engine_run_deprecated_post_build_${i}`,
      async run(t) {
        await t.ok();
        t.assertExists('output/invoked-post');
      },
    }),
  ),
  ...['none', 'py'].map(
    (ext): Case => ({
      name: `deprecated/cfg-ext-${ext}`,
      template: `deprecated-project-cfg-ext-${ext}`,
      from: `test_engine_run_deprecated.py::test_engine_run_deprecated_cfg_ext_${ext}`,
      async run(t) {
        await t.ok();
        t.assertExists('output/invoked-build');
      },
    }),
  ),
  {
    name: 'exec/arg-missing',
    template: 'exec',
    from: 'test_engine_run_exec.py::test_engine_run_exec_arg_missing',
    async run(t) {
      await t.fails(['test-exec']);
    },
  },
  {
    name: 'exec/failed',
    template: 'exec',
    from: 'test_engine_run_exec.py::test_engine_run_exec_failed',
    async run(t) {
      await t.fails(['test-exec', 'python3 fail.py']);
      t.assertExists('output/target/invoked-fail');
    },
  },
  {
    name: 'exec/success-default-arg',
    template: 'exec',
    from: 'test_engine_run_exec.py::test_engine_run_exec_success_default_arg',
    async run(t) {
      await t.ok(['test-exec', 'python3 success.py']);
      t.assertExists('output/target/invoked-success');
    },
  },
  {
    name: 'exec/success-forward-args',
    template: 'exec',
    from: 'test_engine_run_exec.py::test_engine_run_exec_success_forward_args',
    async run(t) {
      await t.ok(['test-exec', '--', 'python3', 'success.py']);
      t.assertExists('output/target/invoked-success');
    },
  },
  {
    name: 'exec/flag-not-set',
    template: 'exec-flag',
    from: 'test_engine_run_exec.py::test_engine_run_exec_flag_not_set',
    async run(t) {
      await t.ok();
      const data = JSON.parse(t.read('output/invoke-vars.json'));
      assert.ok('RELENG_EXEC' in data, 'RELENG_EXEC is not a global');
      assert.equal(Boolean(data.RELENG_EXEC), false);
    },
  },
  {
    name: 'exec/flag-set',
    template: 'exec-flag',
    from: 'test_engine_run_exec.py::test_engine_run_exec_flag_set',
    async run(t) {
      t.write('package/test/local/noop.py', '');
      await t.ok(['test-exec', 'python3 noop.py']);
      const data = JSON.parse(t.read('output/invoke-vars.json'));
      assert.ok('RELENG_EXEC' in data, 'RELENG_EXEC is not a global');
      assert.equal(Boolean(data.RELENG_EXEC), true);
    },
  },
  ...[
    { name: 'default', args: [] as string[], stages: 1 },
    { name: 'punched', args: ['punch'], stages: 3 },
  ].map(
    ({ name, args, stages }): Case => ({
      name: `punch/multipass-${name}`,
      template: 'punch',
      from: `test_engine_run_punch.py::test_engine_run_punch_multipass_${name}`,
      async run(t) {
        for (let i = 0; i < 3; i++) await t.ok(args);
        const state = JSON.parse(t.read('output/state.json'));
        for (const s of ['bootstrap', 'configure', 'build', 'install', 'post']) {
          assert.equal(state[s], stages, `${s} ran ${state[s]} times`);
        }
        assert.equal(state['post-run'], 3);
      },
    }),
  ),
  {
    name: 'config/invalid-settings',
    template: 'invalid-project-settings',
    from: 'test_engine_run_invalid_config.py::test_engine_run_invalid_config_settings',
    async run(t) {
      await t.fails();
    },
  },
  {
    name: 'config/invalid-root',
    template: 'invalid-project-config',
    from: 'test_engine_run_invalid_config.py::test_engine_run_invalid_config_root',
    async run(t) {
      await t.fails();
    },
  },
];
