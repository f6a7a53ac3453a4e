// More of releng-tool's engine tests (SBOM files, job shares, environment
// configuration, forced revisions, profiles, stage working folders, patch
// scripts), re-expressed as CLI runs.
import { cpus } from 'node:os';
import { assert, type Case, type Ctx } from '../lib.ts';
import { probe, writeProbe } from '../probe.ts';

const SBOM_FILES = [
  'sbom-cyclonedx.json',
  'sbom-cyclonedx.xml',
  'sbom-spdx.json',
  'sbom-spdx.xml',
  'sbom.csv',
  'sbom.html',
  'sbom.json',
  'sbom.txt',
  'sbom.xml',
];

function sbomCase(template: string, expected: string[]): Case {
  return {
    name: `sbom/${template.replace('sbom-', '')}`,
    template,
    from: `test_engine_run_sbom.py::test_engine_run_${template.replace(/-/g, '_')}`,
    async run(t) {
      await t.ok();
      for (const f of SBOM_FILES) {
        assert.equal(t.exists('output', f), expected.includes(f), `output/${f}`);
      }
      if (template === 'sbom-all') {
        const generated = JSON.parse(t.read('output/generated-sbom.json')) as string[];
        assert.equal(generated.length, expected.length);
      }
    },
  };
}

function jobsCase(jobs: number | undefined, pkg: string, expected: number): Case {
  return {
    name: `jobs/${jobs ?? 'default'}-${pkg}`,
    template: 'max-jobs',
    // the jobs a package's configure and build stages are given (releng-tool's
    // stage tests check the build/configure call; here each stage records it)
    from: 'test_pkg_jobs.py::test_pkg_jobs_env_*, test_pkg_jobs_stage_build_*, test_pkg_jobs_stage_configure_*',
    async run(t) {
      t.write(
        `package/${pkg}/${pkg}-configure.rt`,
        `import json\nimport os\nwith open(TARGET_DIR / '${pkg}-configure-env.json', 'w') as f:\n    json.dump({'NJOBS': os.environ['NJOBS'], 'NJOBSCONF': os.environ['NJOBSCONF']}, f)\n`,
      );
      await t.ok(jobs === undefined ? [] : ['--jobs', String(jobs)]);
      for (const stage of ['invoke', 'configure']) {
        const env = JSON.parse(t.read('output/target', `${pkg}-${stage}-env.json`));
        if (jobs === undefined) {
          assert.equal(env.NJOBSCONF, '0', `${stage} NJOBSCONF`);
          assert.equal(env.NJOBS, String(cpus().length), `${stage} NJOBS`);
        } else {
          assert.equal(env.NJOBS, String(expected), `${stage} NJOBS`);
          assert.equal(env.NJOBSCONF, String(expected), `${stage} NJOBSCONF`);
        }
      }
    },
  };
}

function envDir(variable: string, global: string, extra?: (t: Ctx, dir: string) => void): Case {
  return {
    name: `environ/${variable.toLowerCase().replace(/_/g, '-')}`,
    from: `test_engine_run_environ_config.py::test_engine_run_environ_cfg_${variable.replace('RELENG_', '').replace('OUTPUT_', 'OUT_').toLowerCase()}`,
    async run(t) {
      writeProbe(t);
      const dir = t.path('elsewhere');
      await t.ok([], { env: { [variable]: dir } });
      if (extra) extra(t, dir);
      else assert.equal(probe(t).gbl[global], dir);
    },
  };
}

function forceRev(
  name: string,
  options: { devmode?: boolean; env?: string; inject?: string; release?: boolean },
  expected: string,
): Case {
  return {
    name: `forcever/${name}`,
    template: 'minimal',
    from: `test_engine_run_environ_pkg_forcever.py::test_engine_run_environ_pkg_force_version_${name.replace(/-/g, '_')}`,
    async run(t) {
      t.write(
        'package/minimal/minimal.rt',
        `${t.read('package/minimal/minimal.rt')}\nMINIMAL_DEVMODE_REVISION = '4.5.6'\nMINIMAL_REVISION = '1.2.3'\n`,
      );
      t.write(
        'package/minimal/minimal-build.rt',
        "import os\nwith open(os.path.join(os.environ['ROOT_DIR'], 'rev.txt'), 'w') as f:\n    f.write(os.environ.get('MINIMAL_REVISION', '<unset>'))\n",
      );
      if (options.devmode) await t.ok(['-D']);
      const args = [
        ...(options.inject ? [`MINIMAL_FORCE_REVISION=${options.inject}`] : []),
        ...(options.release ? ['--release'] : []),
      ];
      await t.ok(args, { env: options.env ? { MINIMAL_FORCE_REVISION: options.env } : {} });
      assert.equal(t.read('rev.txt'), expected);
    },
  };
}

export const engine2Cases: Case[] = [
  sbomCase('sbom-all', SBOM_FILES),
  sbomCase('sbom-csv', ['sbom.csv']),
  sbomCase('sbom-default', ['sbom.txt']),
  sbomCase('sbom-html', ['sbom.html']),
  sbomCase('sbom-json', ['sbom.json']),
  sbomCase('sbom-json-cyclonedx', ['sbom-cyclonedx.json']),
  sbomCase('sbom-json-spdx', ['sbom-spdx.json']),
  sbomCase('sbom-mixed', ['sbom.html', 'sbom.json']),
  sbomCase('sbom-rdf-spdx', ['sbom-spdx.xml']),
  sbomCase('sbom-text', ['sbom.txt']),
  sbomCase('sbom-xml', ['sbom.xml']),
  sbomCase('sbom-xml-cyclonedx', ['sbom-cyclonedx.xml']),
  jobsCase(undefined, 'test-3', 0),
  jobsCase(10, 'test-1', 5),
  jobsCase(10, 'test-2', 8),
  jobsCase(10, 'test-3', 10),
  jobsCase(4, 'test-1', 4),
  jobsCase(4, 'test-2', 2),
  jobsCase(4, 'test-3', 4),
  jobsCase(2, 'test-1', 2),
  jobsCase(2, 'test-2', 1),
  envDir('RELENG_ASSETS_DIR', 'CACHE_DIR', (t, dir) => {
    assert.equal(probe(t).gbl.CACHE_DIR, `${dir}/cache`);
    assert.equal(probe(t).gbl.DL_DIR, `${dir}/dl`);
  }),
  envDir('RELENG_CACHE_DIR', 'CACHE_DIR'),
  envDir('RELENG_DL_DIR', 'DL_DIR'),
  envDir('RELENG_IMAGES_DIR', 'IMAGES_DIR'),
  envDir('RELENG_OUTPUT_DIR', 'OUTPUT_DIR'),
  {
    name: 'environ/global-output-container',
    from: 'test_engine_run_environ_config.py::test_engine_run_environ_cfg_out_container_dir',
    async run(t) {
      writeProbe(t);
      const dir = t.path('container');
      await t.ok([], { env: { RELENG_GLOBAL_OUTPUT_CONTAINER_DIR: dir } });
      assert.equal(probe(t).gbl.OUTPUT_DIR, `${dir}/prj`);
      assert.equal(probe(t).gbl.IMAGES_DIR, `${dir}/prj/images`);
    },
  },
  {
    name: 'environ/global-output-container-no-images',
    from: 'test_engine_run_environ_config.py::test_engine_run_environ_cfg_out_container_images_flag_default',
    async run(t) {
      writeProbe(t);
      const dir = t.path('container');
      await t.ok([], {
        env: {
          RELENG_GLOBAL_OUTPUT_CONTAINER_DIR: dir,
          RELENG_GLOBAL_OUTPUT_CONTAINER_NO_IMAGES: '1',
        },
      });
      assert.equal(probe(t).gbl.OUTPUT_DIR, `${dir}/prj`);
      assert.equal(probe(t).gbl.IMAGES_DIR, t.path('output', 'images'));
    },
  },
  ...[
    ['42', 42, 42],
    ['-1', Math.max(1, cpus().length - 1), -1],
    ['invalid', cpus().length, 0],
  ].map(
    ([level, jobs, conf]): Case => ({
      name: `environ/parallel-level-${level}`,
      from: 'test_engine_run_environ_config.py::test_engine_run_environ_cfg_parallel_level_*',
      async run(t) {
        writeProbe(t);
        await t.ok([], { env: { RELENG_PARALLEL_LEVEL: String(level) } });
        assert.equal(Number(probe(t).gbl.NJOBS), jobs);
        assert.equal(Number(probe(t).gbl.NJOBSCONF), conf);
      },
    }),
  ),
  forceRev('sanity-check-devrev', { devmode: true }, '4.5.6'),
  forceRev('sanity-check-stdrev', {}, '1.2.3'),
  forceRev('override-devrev-env', { devmode: true, env: '6.7.5' }, '6.7.5'),
  forceRev('override-stdrev-env', { env: '6.7.3' }, '6.7.3'),
  forceRev('override-devrev-inject', { devmode: true, inject: '7.8.9' }, '7.8.9'),
  forceRev('override-stdrev-inject', { inject: '7.8.9' }, '7.8.9'),
  forceRev('release-no-override', { env: '2.3.6', release: true }, '1.2.3'),
  {
    name: 'profiles/default',
    template: 'profile-capture',
    from: 'test_engine_run_profiles.py::test_engine_run_profiles_default',
    async run(t) {
      await t.ok();
      const data = JSON.parse(t.read('output/capture.json'));
      assert.equal(data['has-local'], true);
      assert.equal(Boolean(data.local?.length), false);
      assert.equal(data['has-env'], false);
    },
  },
  {
    name: 'profiles/multiple',
    template: 'profile-capture',
    from: 'test_engine_run_profiles.py::test_engine_run_profiles_multiple',
    async run(t) {
      await t.ok(['--profile', 'one', '--profile', 'two', '-P', 'three']);
      const data = JSON.parse(t.read('output/capture.json'));
      assert.deepEqual(data.local, ['one', 'two', 'three']);
      assert.equal(data.env, 'one;two;three');
    },
  },
  {
    name: 'profiles/single',
    template: 'profile-capture',
    from: 'test_engine_run_profiles.py::test_engine_run_profiles_single',
    async run(t) {
      await t.ok(['--profile', 'example']);
      const data = JSON.parse(t.read('output/capture.json'));
      assert.deepEqual(data.local, ['example']);
      assert.equal(data.env, 'example');
    },
  },
  {
    name: 'workdir/default',
    template: 'stage-workdir',
    from: 'test_engine_run_stage_workdir.py::test_engine_run_stage_workdir_default',
    async run(t) {
      await t.ok();
      for (const s of ['bootstrap', 'configure', 'build', 'install', 'patch', 'post']) {
        t.assertExists('output/target', `verified-${s}`);
      }
    },
  },
  {
    name: 'workdir/patch',
    template: 'stage-workdir-patch',
    from: 'test_engine_run_stage_workdir.py::test_engine_run_stage_workdir_patch',
    async run(t) {
      await t.ok();
      t.assertExists('output/target/verified-patch');
    },
  },
  {
    name: 'patching/script-invalid',
    template: 'patch-script-invalid',
    from: 'test_engine_run_patching.py::test_engine_run_patching_script_invalid',
    async run(t) {
      await t.fails();
    },
  },
  {
    name: 'patching/script-valid',
    template: 'patch-script-valid',
    from: 'test_engine_run_patching.py::test_engine_run_patching_script_valid',
    async run(t) {
      await t.ok();
      t.assertExists('output/target/invoked-patch');
    },
  },
];
