// A few remaining releng-tool engine and argument tests (test_engine_script_env.py,
// test_engine_run_args.py, test_engine_run_environ_config.py, test_mainline_args.py)
// whose parsed values reach what a stage script is given.
import { assert, type Case } from '../lib.ts';
import { probe, writeProbe } from '../probe.ts';

export const moreCases: Case[] = [
  {
    name: 'more/script-env-jobs',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_jobs, ::test_engine_scriptenv_env_jobsconf, test_engine_run_args.py::test_engine_run_args_jobs',
    async run(t) {
      writeProbe(t);
      await t.ok(['-j', '3']);
      const p = probe(t);
      assert.equal(p.gbl.NJOBS, 3);
      assert.equal(p.types.NJOBS, 'int');
      assert.equal(p.gbl.NJOBSCONF, 3);
    },
  },
  {
    name: 'more/script-env-prefix',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_prefix',
    async run(t) {
      writeProbe(t, { project: "sysroot_prefix = '/example-prefix'" });
      await t.ok();
      assert.equal(probe(t).gbl.PREFIX, '/example-prefix');
      assert.equal(probe(t).env.PREFIX, '/example-prefix');
    },
  },
  {
    name: 'more/script-env-root-and-version',
    from: 'test_engine_script_env.py::test_engine_scriptenv_env_root_dir, ::test_engine_scriptenv_env_releng_version',
    async run(t) {
      writeProbe(t);
      const shown = (await t.ok(['--version'])).output;
      await t.ok();
      const p = probe(t);
      assert.equal(p.gbl.ROOT_DIR, t.dir);
      assert.match(String(p.gbl.RELENG_VERSION), /^\d+\.\d+/);
      // the version scripts see is the one --version prints
      assert.ok(
        shown.includes(String(p.gbl.RELENG_VERSION)),
        `${p.gbl.RELENG_VERSION} in ${shown}`,
      );
    },
  },
  {
    name: 'more/out-dir-over-output-dir',
    from: 'test_engine_run_args.py::test_engine_run_args_output_directory_priority',
    async run(t) {
      writeProbe(t);
      const a = t.path('out-a');
      const b = t.path('out-b');
      await t.ok(['--out-dir', a, '--output-dir', b]);
      assert.equal(probe(t).gbl.OUTPUT_DIR, a);
      t.assertMissing('out-b');
    },
  },
  {
    name: 'more/container-no-images-flag',
    from: 'test_engine_run_environ_config.py::test_engine_run_environ_cfg_out_container_images_flag_ignore',
    async run(t) {
      writeProbe(t);
      const container = t.path('container');
      const images = t.path('my-images');
      await t.ok([], {
        env: {
          RELENG_GLOBAL_OUTPUT_CONTAINER_DIR: container,
          RELENG_GLOBAL_OUTPUT_CONTAINER_NO_IMAGES: '1',
          RELENG_IMAGES_DIR: images,
        },
      });
      const p = probe(t);
      assert.equal(p.gbl.IMAGES_DIR, images);
      assert.ok(String(p.gbl.OUTPUT_DIR).startsWith(`${container}/`), String(p.gbl.OUTPUT_DIR));
    },
  },
  {
    name: 'more/logging-defaults',
    from: 'test_engine_run_defaults.py::test_engine_run_defaults_options_logging',
    async run(t) {
      writeProbe(t);
      await t.ok();
      const p = probe(t);
      assert.ok(!p.gbl.RELENG_DEBUG, 'debug off');
      assert.ok(!p.gbl.RELENG_VERBOSE, 'verbose off');
      assert.ok(!('RELENG_DEBUG' in p.env) && !('RELENG_VERBOSE' in p.env), 'not exported');
    },
  },
  {
    name: 'more/werror',
    from: 'test_mainline_args.py::test_mainline_args_werror',
    async run(t) {
      // an extension-less stage script is a deprecation warning (run as root,
      // releng-tool also warns about that, which --werror fails on first)
      writeProbe(t, { stages: [] });
      t.write('package/test/test-build', "print('built')\n");
      await t.ok();
      t.remove('output');
      await t.fails(['--werror']);
    },
  },
  {
    name: 'more/api-mode-default',
    from: 'test_mainline_args.py::test_mainline_args_api_mode_default',
    async run(t) {
      writeProbe(t);
      const plain = await t.ok();
      assert.doesNotMatch(plain.stdout, /"releng-tool":/, 'no API document without --api');
      const api = await t.ok(['--api']);
      assert.match(api.stdout, /"releng-tool":/, 'the API document with --api');
    },
  },
  {
    name: 'more/nocolorout',
    from: 'test_engine_run_args.py::test_engine_run_args_nocolorout',
    async run(t) {
      writeProbe(t);
      const r = await t.ok(['--nocolorout']);
      assert.doesNotMatch(r.output, /\x1b\[/, 'no colour codes');
    },
  },
  {
    name: 'more/license-header',
    template: 'licenses',
    from: 'test_licenses.py::test_licenses_header_injection',
    async run(t) {
      t.write(
        'releng-tool.rt',
        `${t.read('releng-tool.rt')}\nlicense_header = 'verify-header-add'\n`,
      );
      await t.ok(['licenses']);
      const text = t.read('output', 'licenses', 'licenses').trim();
      assert.ok(text.startsWith('verify-header-add'), text.slice(0, 80));
    },
  },
  {
    name: 'more/sbom-format-json',
    from: 'test_mainline_args.py::test_mainline_args_sbom_format_valid',
    async run(t) {
      writeProbe(t);
      await t.ok(['--sbom-format', 'json']);
      t.assertExists('output', 'sbom.json');
      t.assertMissing('output', 'sbom.txt');
    },
  },
  {
    name: 'more/quirks-listed',
    from: 'test_engine_run_args.py::test_engine_run_args_quirks',
    async run(t) {
      writeProbe(t);
      const r = await t.ok(['--quirk', 'example.quirk1', '--quirk', 'example.quirk2', '--debug']);
      assert.match(r.output, /example\.quirk1/);
      assert.match(r.output, /example\.quirk2/);
    },
  },
];
