// A few remaining releng-tool engine and argument tests (test_engine_script_env.py,
// test_engine_run_args.py, test_engine_run_environ_config.py, test_mainline_args.py)
// whose parsed values reach what a stage script is given.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';
import { probe, writeProbe } from '../probe.ts';

/**
 * Three internal packages: `a` with a `local` site (never local-sourced),
 * `b` and `c` fetched from file:// archives; each build script records its
 * build folder and whether it is in local-sources mode.
 */
function localSourcesProject(t: Ctx): void {
  t.write('releng-tool.rt', "packages = ['a', 'b', 'c']\n");
  for (const p of ['a', 'b', 'c']) {
    const up = p.toUpperCase();
    let site = 'local';
    if (p === 'a') t.write('package/a/local/README', 'a\n');
    else {
      t.write(`archives/${p}-1.0/README`, `${p}\n`);
      const tgz = t.path('archives', `${p}-1.0.tar.gz`);
      spawnSync('tar', ['-czf', tgz, '-C', t.path('archives'), `${p}-1.0`]);
      site = `file://${tgz}`;
    }
    t.write(
      `package/${p}/${p}.rt`,
      `${up}_VERSION = '1.0'\n${up}_SITE = '${site}'\n${up}_INTERNAL = True\n`,
    );
    t.write(
      `package/${p}/${p}-build.rt`,
      `import json, os\nwith open(os.path.join(os.environ['ROOT_DIR'], '${p}.json'), 'w') as f:\n    json.dump({'dir': str(PKG_BUILD_DIR), 'local': bool(globals().get('PKG_LOCALSRCS'))}, f)\n`,
    );
  }
}

function builtFrom(t: Ctx, p: string): { dir: string; local: boolean } {
  return JSON.parse(t.read(`${p}.json`));
}

/** Runs with the local-sources options given (they configure the mode), then builds. */
async function localSourcesRun(t: Ctx, options: string[]): Promise<void> {
  localSourcesProject(t);
  if (options.length > 0) await t.ok(options);
  await t.ok();
}

const fetched = (t: Ctx, p: string): void => {
  const got = builtFrom(t, p);
  assert.equal(got.local, false, `${p} local`);
  assert.ok(got.dir.startsWith(t.path('output')), `${p} built from ${got.dir}`);
};
const from = (t: Ctx, p: string, dir: string): void => {
  assert.deepEqual(builtFrom(t, p), { dir, local: true }, p);
};

/**
 * A lore package and a stand-in `lore` (no lore for Debian 12): it records its
 * arguments and, for `clone SRC DIR …`, copies SRC into DIR with a `.lore`
 * folder of metadata, as a checkout has.
 */
function loreProject(t: Ctx, withTool: boolean): Record<string, string> {
  t.write('upstream/README', 'from lore\n');
  t.write('releng-tool.rt', "packages = ['needy']\n");
  t.write(
    'package/needy/needy.rt',
    `NEEDY_VERSION = '1.0'\nNEEDY_SITE = 'lore+${t.path('upstream')}'\nNEEDY_REVISION = 'main'\n`,
  );
  if (!withTool) return {};
  t.write(
    'bin/lore',
    `#!/bin/sh\necho "$@" >> '${t.path('lore.log')}'\n[ "$1" = --version ] && { echo lore 0.0-standin; exit 0; }\n[ "$1" = clone ] || exit 2\nmkdir -p "$3" && cp -R "$2"/. "$3"/ && mkdir -p "$3/.lore" && echo meta > "$3/.lore/HEAD"\n`,
  );
  chmodSync(t.path('bin/lore'), 0o755);
  return { PATH: `${t.path('bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` };
}

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
  {
    name: 'more/localsrcs-not-configured',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_not_configured',
    async run(t) {
      await localSourcesRun(t, []);
      for (const p of ['b', 'c']) fetched(t, p);
    },
  },
  {
    name: 'more/localsrcs-single-path',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_single_path',
    async run(t) {
      for (const p of ['b', 'c']) t.write(`srcs/${p}/README`, 'x\n');
      await localSourcesRun(t, ['-L', t.path('srcs')]);
      assert.equal(builtFrom(t, 'a').local, false, 'a local site is not local-sourced');
      for (const p of ['b', 'c']) from(t, p, t.path('srcs', p));
    },
  },
  {
    name: 'more/localsrcs-overload-package',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_overload_package',
    async run(t) {
      for (const p of ['b', 'c']) t.write(`srcs/${p}/README`, 'x\n');
      t.write('alt/b/README', 'y\n');
      await localSourcesRun(t, ['-L', t.path('srcs'), '-L', `b@${t.path('alt', 'b')}`]);
      from(t, 'b', t.path('alt', 'b'));
      from(t, 'c', t.path('srcs', 'c'));
    },
  },
  {
    name: 'more/localsrcs-specific-package',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_specific_package',
    async run(t) {
      t.write('alt/b/README', 'y\n');
      await localSourcesRun(t, ['-L', `b:${t.path('alt', 'b')}`]);
      from(t, 'b', t.path('alt', 'b'));
      fetched(t, 'c');
    },
  },
  {
    name: 'more/localsrcs-unset-package',
    from: 'test_engine_run_args.py::test_engine_run_args_mode_localsrcs_unset_package',
    async run(t) {
      // -L without a folder: packages beside the project (its parent folder)
      const parent = dirname(t.dir);
      t.write(join('..', 'c', 'README'), 'z\n');
      await localSourcesRun(t, ['-L', '-L', 'b@']);
      fetched(t, 'b');
      from(t, 'c', join(parent, 'c'));
    },
  },
  {
    name: 'more/lore-fetch',
    from: 'test_prerequisites.py::test_prerequisites_uc_lore_exists',
    async run(t) {
      const env = loreProject(t, true);
      await t.ok(['needy-extract'], { env });
      const log = t.read('lore.log');
      assert.match(log, /^clone \S*upstream \S+ --branch main --direct-file-write/m);
      const build = t.find('output/build', 'README');
      assert.equal(build.length, 1, `extracted: ${build.join(', ')}`);
      assert.equal(
        t.find('output/build', 'HEAD').length,
        0,
        'the .lore folder is not part of the sources',
      );
    },
  },
  {
    name: 'more/lore-missing',
    from: 'test_prerequisites.py::test_prerequisites_uc_lore_missing',
    async run(t) {
      loreProject(t, false);
      const r = await t.fails();
      assert.match(r.output, /lore/);
      t.assertMissing('output', 'build', 'needy-1.0', 'README');
    },
  },
];
