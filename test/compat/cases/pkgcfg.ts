// releng-tool's package-definition option tests (test_pkg_configs*.py),
// re-expressed as CLI runs: each test loads one of releng-tool's sample
// definitions (assets/configs/<name>) as package `test`; a bad value must
// stop the run before any stage with an error naming the package and the
// option, and a good value is checked where a user sees it (what a stage
// script is given, the folder it runs in, the order packages build in).
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';
import { probe, stagesRan, writeProbe } from '../probe.ts';
import { pathWithout } from './prjcfg-cli.ts';

const CONFIGS = join(HERE, 'assets', 'configs');

/** `file.py::a_{x,y}` → `file.py::a_x, file.py::a_y` (the form coverage.ts reads). */
export function braces(from: string): string {
  const m = /\{([^{}]*)\}/.exec(from);
  if (!m) return from;
  return m[1]!
    .split(',')
    .map((alt) => braces(from.slice(0, m.index) + alt + from.slice(m.index + m[0].length)))
    .join(', ');
}

/** releng-tool's sample definition `cfg`, plus `extra` lines. */
function config(cfg: string, extra = ''): string {
  return `${readFileSync(join(CONFIGS, cfg), 'utf8')}\n${extra}\n`;
}

/** The probe project (package `test`, a build script recording what it was given) defined by `cfg`. */
export function useConfig(
  t: Ctx,
  cfg: string,
  options: { extra?: string; project?: string } = {},
): void {
  t.remove('output');
  t.remove('stages.log');
  t.remove('probe');
  writeProbe(t, { stages: ['build'], project: options.project });
  t.write('package/test/test.rt', config(cfg, options.extra));
}

/**
 * Each of `cfgs` ([sample, option names the error must show]) must fail
 * to load: a non-zero exit, an error naming package `test` and the option,
 * and no stage run.
 */
function invalid(name: string, from: string, cfgs: Array<[string, string[]]>): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      for (const [cfg, keys] of cfgs) {
        useConfig(t, cfg);
        const r = await t.fails([]);
        assert.match(r.output, /\btest\b/, `${cfg}: the error names the package`);
        for (const key of keys)
          assert.ok(r.output.includes(key), `${cfg}: the error names ${key}:\n${r.output}`);
        assert.deepEqual(stagesRan(t), [], `${cfg}: no stage runs`);
      }
    },
  };
}

/** The build stage's environment (and globals) for definition `cfg`, run with `args` after `setup` runs (e.g. `-D mode`). */
async function built(
  t: Ctx,
  cfg: string,
  options: { extra?: string; project?: string; setup?: string[]; args?: string[] } = {},
) {
  useConfig(t, cfg, options);
  if (options.setup) await t.ok(options.setup);
  await t.ok(options.args ?? []);
  return probe(t, 'build');
}

/** Each of `cfgs` ([sample, expected build-stage variables, absent variables]) loads and builds. */
export function valid(
  name: string,
  from: string,
  cfgs: Array<{
    cfg: string;
    extra?: string;
    project?: string;
    setup?: string[];
    args?: string[];
    env?: Record<string, string>;
    unset?: string[];
  }>,
): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      for (const c of cfgs) {
        const p = await built(t, c.cfg, c);
        for (const [k, v] of Object.entries(c.env ?? {})) {
          assert.equal(p.env[k], v, `${c.cfg}: ${k}`);
        }
        for (const k of c.unset ?? []) assert.ok(!(k in p.env), `${c.cfg}: ${k} should not be set`);
      }
    },
  };
}

const T = 'test_pkg_configs.py::test_pkgconfig_';
const STAGEOPTS = 'test_pkg_configs_stageopts.py::test_pkgconfig_';

/** The stage-option samples: conf/build/install × defs/env/opts, and ENV. */
const STAGE_INVALID: Case[] = [];
for (const stage of ['build', 'conf', 'install']) {
  for (const part of ['defs', 'env']) {
    const key = `TEST_${stage.toUpperCase()}_${part.toUpperCase()}`;
    STAGE_INVALID.push(
      invalid(
        `${stage}-${part}-invalid`,
        `${STAGEOPTS}${stage}_${part}_invalid`,
        ['base-type', 'key-type', 'strs', 'value-type'].map((v) => [
          `${stage}-${part}-invalid-${v}`,
          [key],
        ]),
      ),
    );
  }
  STAGE_INVALID.push(
    invalid(
      `${stage}-opts-invalid`,
      `${STAGEOPTS}${stage}_opts_invalid`,
      ['base-type', 'key-type', 'value-type'].map((v) => [
        `${stage}-opts-invalid-${v}`,
        [`TEST_${stage.toUpperCase()}_OPTS`],
      ]),
    ),
  );
}
STAGE_INVALID.push(
  invalid(
    'env-invalid',
    `${STAGEOPTS}env_invalid`,
    ['base-type', 'key-type', 'strs', 'value-type'].map((v) => [`env-invalid-${v}`, ['TEST_ENV']]),
  ),
);

const VCS_NOSITE = ['brz', 'cvs', 'git', 'hg', 'lore', 'perforce', 'rsync', 'scp', 'svn', 'url'];
const VCS_NOREV = ['brz', 'cvs', 'git', 'hg', 'svn'];

const ncpu = cpus().length;

export const pkgcfgCases: Case[] = [
  // --- test_pkg_configs.py: bad values
  invalid('deps-invalid', `${T}deps_invalid`, [
    ['deps-invalid-type', ['TEST_DEPENDENCIES']],
    ['deps-invalid-value', ['TEST_DEPENDENCIES']],
  ]),
  invalid('fetch-opts-invalid', `${T}fetch_opts_invalid`, [
    ['fetch-opts-invalid-base-type', ['TEST_FETCH_OPTS']],
    ['fetch-opts-invalid-key-type', ['TEST_FETCH_OPTS']],
    ['fetch-opts-invalid-value-type', ['TEST_FETCH_OPTS']],
  ]),
  invalid('fixed-jobs-invalid', `${T}fixed_jobs_invalid`, [
    ['fixed-jobs-invalid-type', ['TEST_FIXED_JOBS']],
    ['fixed-jobs-invalid-value', ['TEST_FIXED_JOBS']],
  ]),
  invalid('install-type-invalid', `${T}install_type_invalid`, [
    ['install-type-invalid-type', ['TEST_INSTALL_TYPE']],
    ['install-type-invalid-value', ['TEST_INSTALL_TYPE']],
  ]),
  invalid('is-internal-invalid', `${T}is_internal_invalid`, [
    ['internal-flag-invalid', ['TEST_INTERNAL']],
    ['external-flag-invalid', ['TEST_EXTERNAL']],
    ['internal-external-flag-conflict1', ['TEST_EXTERNAL', 'TEST_INTERNAL']],
    ['internal-external-flag-conflict2', ['TEST_EXTERNAL', 'TEST_INTERNAL']],
  ]),
  invalid('license-invalid', `${T}license_invalid`, [
    ['license-invalid-type', ['TEST_LICENSE']],
    ['license-invalid-value', ['TEST_LICENSE']],
  ]),
  invalid('license-files-invalid', `${T}license_files_invalid`, [
    ['license-files-invalid-type', ['TEST_LICENSE_FILES']],
    ['license-files-invalid-value', ['TEST_LICENSE_FILES']],
  ]),
  invalid('max-jobs-invalid', `${T}max_jobs_invalid`, [
    ['max-jobs-invalid-type', ['TEST_MAX_JOBS']],
  ]),
  invalid('network-isolation-invalid', `${T}network_isolation_invalid`, [
    ['network-isolation-invalid', ['TEST_NETWORK_ISOLATION']],
  ]),
  invalid('no-extraction-invalid', `${T}no_extraction_invalid`, [
    ['no-extraction-invalid', ['TEST_NO_EXTRACTION']],
  ]),
  invalid('revision-invalid', `${T}revision_invalid`, [
    ['revision-invalid-type', ['TEST_REVISION']],
  ]),
  invalid('strip-count-invalid', `${T}strip_count_invalid`, [
    ['strip-count-invalid-type', ['TEST_STRIP_COUNT']],
    ['strip-count-invalid-value', ['TEST_STRIP_COUNT']],
  ]),
  // --- test_pkg_configs.py: good values a stage sees
  valid('is-internal', `${T}is_internal_{disabled,enabled,missing_default}`, [
    { cfg: 'internal-flag-disabled', unset: ['PKG_INTERNAL'] },
    { cfg: 'external-flag-disabled', env: { PKG_INTERNAL: '1' } },
    { cfg: 'internal-external-flag-disabled', unset: ['PKG_INTERNAL'] },
    { cfg: 'internal-flag-enabled', env: { PKG_INTERNAL: '1' } },
    { cfg: 'external-flag-enabled', unset: ['PKG_INTERNAL'] },
    { cfg: 'internal-external-flag-enabled', env: { PKG_INTERNAL: '1' } },
    { cfg: 'missing', unset: ['PKG_INTERNAL'] },
  ]),
  valid('is-internal-implicit', `${T}is_internal_missing_implicit_internal`, [
    { cfg: 'missing', project: 'default_internal = True', env: { PKG_INTERNAL: '1' } },
  ]),
  valid('fixed-jobs', `${T}fixed_jobs_{missing,valid}`, [
    { cfg: 'fixed-jobs-valid', env: { NJOBS: '24', NJOBSCONF: '24' } },
    { cfg: 'missing', env: { NJOBS: String(ncpu) } },
  ]),
  valid('max-jobs', `${T}max_jobs_{missing,valid}`, [
    { cfg: 'max-jobs-valid-positive', env: { NJOBS: String(Math.min(24, ncpu)) } },
    { cfg: 'max-jobs-valid-negative', env: { NJOBS: String(Math.max(1, ncpu - 1)) } },
  ]),
  valid('revision', `${T}revision_valid_{explicit,implicit}`, [
    { cfg: 'revision-valid-explicit', env: { PKG_REVISION: 'myrevision', PKG_VERSION: 'dummy' } },
    {
      cfg: 'revision-valid-implicit',
      env: { PKG_REVISION: 'myversion', PKG_VERSION: 'myversion' },
    },
  ]),

  // --- test_pkg_configs_stageopts.py: bad values
  ...STAGE_INVALID,

  // --- test_pkg_configs_vcs_type.py
  invalid(
    'vcs-type-invalid-nosite',
    'test_pkg_configs_vcs_type.py::test_pkgconfig_vcs_type_invalid_{brz,cvs,git,hg,lore,perforce,rsync,scp,svn,url}',
    VCS_NOSITE.map((v) => [`vcs-type-invalid-${v}-nosite`, ['TEST_SITE']]),
  ),
  invalid(
    'vcs-type-missing-revision',
    'test_pkg_configs_vcs_type.py::test_pkgconfig_vcs_type_missing_revision_{brz,cvs,git,hg,svn}',
    VCS_NOREV.map((v) => [`vcs-type-invalid-${v}-norevision`, ['TEST_VERSION', 'TEST_REVISION']]),
  ),
  invalid(
    'vcs-type-invalid',
    'test_pkg_configs_vcs_type.py::test_pkgconfig_vcs_type_invalid_{type,value}',
    [
      ['vcs-type-invalid-type', ['TEST_VCS_TYPE']],
      ['vcs-type-invalid-value', ['TEST_VCS_TYPE']],
    ],
  ),

  // --- test_pkg_configs_type.py
  invalid('type-invalid', 'test_pkg_configs_type.py::test_pkgconfig_type_invalid_{type,value}', [
    ['pkg-type-invalid-type', ['TEST_TYPE']],
    ['pkg-type-invalid-value', ['TEST_TYPE']],
  ]),

  // --- test_pkg_configs_site.py
  invalid('site-invalid', 'test_pkg_configs_site.py::test_pkgconfig_site_invalid', [
    ['site-invalid-type', ['TEST_SITE']],
  ]),
  valid('site', 'test_pkg_configs_site.py::test_pkgconfig_site_*', [
    // an explicit `none` site type keeps the site without fetching it
    { cfg: 'missing', env: { PKG_SITE: '' } },
    {
      cfg: 'site-valid-simple',
      extra: "TEST_VCS_TYPE = 'none'",
      env: { PKG_SITE: 'https://example.com/file.tgz' },
    },
    {
      cfg: 'site-valid-lazy-posix-file',
      extra: "TEST_VCS_TYPE = 'none'",
      env: { PKG_SITE: 'file:///opt/some/file' },
    },
    {
      cfg: 'site-valid-devmode',
      extra: "TEST_VCS_TYPE = 'none'",
      env: { PKG_SITE: 'https://example.org/file.tgz' },
    },
    {
      cfg: 'site-valid-devmode',
      extra: "TEST_VCS_TYPE = 'none'",
      setup: ['-D', 'build-a'],
      env: { PKG_SITE: 'git@git.example.org:my-group/my-prj.git' },
    },
    {
      cfg: 'site-valid-devmode',
      extra: "TEST_VCS_TYPE = 'none'",
      setup: ['-D', 'build-c'],
      env: { PKG_SITE: 'https://example.org/file.tgz' },
    },
  ]),

  // --- test_pkg_configs_needs.py (and the deprecated DEPENDENCIES)
  invalid('needs-invalid', 'test_pkg_configs_needs.py::test_pkgconfig_needs_invalid', [
    ['needs-invalid-type', ['TEST_NEEDS']],
    ['needs-invalid-value', ['TEST_NEEDS']],
  ]),

  // --- test_pkg_configs_prefix.py, _patch_subdir.py, _build_subdir.py
  invalid(
    'prefix-invalid',
    'test_pkg_configs_prefix.py::test_pkgconfig_prefix_{invalid,traversal}',
    [
      ['prefix-invalid-type', ['TEST_PREFIX']],
      ['prefix-traversal', ['TEST_PREFIX']],
    ],
  ),
  invalid(
    'patch-subdir-invalid',
    'test_pkg_configs_patch_subdir.py::test_pkgconfig_patch_subdir_{invalid,traversal}',
    [
      ['patch-subdir-invalid-type', ['TEST_PATCH_SUBDIR']],
      ['patch-subdir-traversal', ['TEST_PATCH_SUBDIR']],
    ],
  ),
  invalid(
    'build-subdir-invalid',
    'test_pkg_configs_build_subdir.py::test_pkgconfig_build_subdir_{invalid,traversal}',
    [
      ['build-subdir-invalid-type', ['TEST_BUILD_SUBDIR']],
      ['build-subdir-traversal', ['TEST_BUILD_SUBDIR']],
    ],
  ),

  // --- flags of their own test files
  invalid(
    'autotools-autoreconf-invalid',
    'test_pkg_configs_autotools.py::test_pkgconfig_autotools_autoreconf_invalid',
    [['autotools-autoreconf-invalid', ['TEST_AUTOTOOLS_AUTORECONF']]],
  ),
  invalid(
    'host-provides-invalid',
    'test_pkg_configs_host_provides.py::test_pkgconfig_host_provides_invalid',
    [
      ['host-provides-invalid-type', ['TEST_HOST_PROVIDES']],
      ['host-provides-invalid-value', ['TEST_HOST_PROVIDES']],
    ],
  ),
  invalid(
    'preextract-invalid',
    'test_pkg_configs_preextract.py::test_pkgconfig_preextract_invalid',
    [['preextract-invalid', ['TEST_PREEXTRACT']]],
  ),
  invalid('devmode-invalid', 'test_pkg_configs_devmode.py::test_pkgconfig_devmode_*_invalid', [
    ['devmode-ignore-cache-invalid', ['TEST_DEVMODE_IGNORE_CACHE']],
    ['devmode-revision-invalid-type', ['TEST_DEVMODE_REVISION']],
    ['devmode-skip-ic-invalid', ['TEST_DEVMODE_SKIP_INTEGRITY_CHECK']],
  ]),
  invalid(
    'remote-invalid',
    'test_pkg_configs_remote.py::test_pkgconfig_remote_{config,scripts}_invalid',
    [
      ['remote-config-invalid', ['TEST_REMOTE_CONFIG']],
      ['remote-scripts-invalid', ['TEST_REMOTE_SCRIPTS']],
    ],
  ),
  invalid('python-invalid', 'test_pkg_configs_python*.py::test_pkgconfig_python_*_invalid*', [
    ['python-interpreter-invalid-type', ['TEST_PYTHON_INTERPRETER']],
    ['python-setup-type-invalid-type', ['TEST_PYTHON_SETUP_TYPE']],
    ['python-setup-type-invalid-value', ['TEST_PYTHON_SETUP_TYPE']],
    ['python-dist-path-invalid-type', ['TEST_PYTHON_DIST_PATH']],
    ['python-installer-interpreter-invalid-type', ['TEST_PYTHON_INSTALLER_INTERPRETER']],
    ['python-installer-launcher-kind-invalid-type', ['TEST_PYTHON_INSTALLER_LAUNCHER_KIND']],
    ['python-installer-scheme-invalid-type', ['TEST_PYTHON_INSTALLER_SCHEME']],
  ]),

  // --- test_pkg_configs_devmode.py: the revision a development mode picks
  valid('devmode-revision', 'test_pkg_configs_devmode.py::test_pkgconfig_devmode_revision_*', [
    { cfg: 'missing', unset: ['PKG_DEVMODE'] },
    {
      cfg: 'devmode-revision-valid',
      env: { PKG_REVISION: 'dummy', PKG_VERSION: 'dummy' },
      unset: ['PKG_DEVMODE'],
    },
    {
      cfg: 'devmode-revision-valid',
      setup: ['-D', 'custom2'],
      env: {
        PKG_REVISION: 'my-devmode-revision2',
        PKG_VERSION: 'my-devmode-revision2',
        PKG_DEVMODE: '1',
      },
    },
    {
      cfg: 'devmode-revision-valid-deprecated',
      setup: ['-D'],
      env: {
        PKG_REVISION: 'my-devmode-revision',
        PKG_VERSION: 'my-devmode-revision',
        PKG_DEVMODE: '1',
      },
    },
    {
      cfg: 'devmode-revision-valid-fallback-asterisk-raw',
      setup: ['-D', 'another-mode'],
      env: { PKG_REVISION: 'my-fallback-asterisk-raw', PKG_VERSION: 'dummy' },
      unset: ['PKG_DEVMODE'],
    },
    {
      cfg: 'devmode-revision-valid-fallback-asterisk-var',
      setup: ['-D', 'some-mode'],
      env: { PKG_REVISION: 'my-fallback-asterisk-variable', PKG_VERSION: 'dummy' },
      unset: ['PKG_DEVMODE'],
    },
    {
      cfg: 'devmode-revision-valid-fallback-version',
      setup: ['-D', 'custom4'],
      env: { PKG_REVISION: 'dummy', PKG_VERSION: 'dummy' },
      unset: ['PKG_DEVMODE'],
    },
  ]),

  // --- test_pkg_configs_override.py
  valid('override', 'test_pkg_configs_override.py::test_pkgconfig_override_*', [
    { cfg: 'override-check', env: { PKG_REVISION: 'no-override' } },
    {
      cfg: 'override-check',
      args: ['TEST_REVISION=overridden'],
      env: { PKG_REVISION: 'overridden' },
    },
  ]),

  // --- test_pkg_configs_expand.py
  valid('expand', 'test_pkg_configs_expand.py::test_pkgconfig_expand_check0{1,2}', [
    {
      cfg: 'expand',
      extra: "TEST_VCS_TYPE = 'none'",
      env: { PKG_VERSION: 'version', PKG_REVISION: 'revision', PKG_SITE: 'site-revision' },
    },
    {
      cfg: 'expand',
      extra: "TEST_VCS_TYPE = 'none'",
      setup: ['-D', 'version-lts'],
      env: {
        PKG_VERSION: 'version-lts',
        PKG_REVISION: 'version-lts',
        PKG_SITE: 'site-version-lts-archive',
      },
    },
  ]),
];

/** Packages `deps` (each recording its build in stages.log) for package `test` to need. */
function writeDeps(t: Ctx, deps: string[]): void {
  t.write('releng-tool.rt', "packages = ['test']\n");
  for (const d of deps) {
    t.write(`package/${d}/${d}.rt`, `${d.toUpperCase()}_VERSION = '1.0'\n`);
    t.write(
      `package/${d}/${d}-build.rt`,
      `import os\nwith open(os.path.join(os.environ['ROOT_DIR'], 'stages.log'), 'a') as f:\n    f.write('${d}\\n')\n`,
    );
  }
}

function needs(name: string, from: string, cfgs: Array<[string, string[]]>): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      for (const [cfg, deps] of cfgs) {
        useConfig(t, cfg);
        writeDeps(t, deps);
        await t.ok([]);
        const ran = stagesRan(t);
        // every needed package builds, and before the package needing it
        assert.deepEqual([...ran].sort(), [...deps, 'build'].sort(), `${cfg}: packages built`);
        assert.equal(ran.at(-1), 'build', `${cfg}: test builds last (${ran.join(', ')})`);
      }
    },
  };
}

function cyclic(name: string, packages: string[]): Case {
  return {
    name: `pkgcfg/cyclic-${name}`,
    template: 'cyclic',
    from: `test_pkg_configs_cyclic.py::test_pkgconfig_cyclic_${name}`,
    async run(t) {
      t.write('releng-tool.rt', `packages = ${JSON.stringify(packages)}\n`);
      const r = await t.fails([]);
      assert.match(r.output, /cycl/i, 'the error says the dependencies are cyclic');
      assert.match(r.output, /test-[abcd]/, 'the error names a package of the cycle');
      t.assertMissing('output/build');
    },
  };
}

pkgcfgCases.push(
  needs('needs', 'test_pkg_configs_needs.py::test_pkgconfig_needs_{missing,valid}', [
    ['missing', []],
    ['needs-valid-empty', []],
    ['needs-valid-multiple', ['dep1', 'dep2', 'dep3']],
    ['needs-valid-single', ['dep']],
  ]),
  needs(
    'deps-deprecated',
    'test_pkg_configs.py::test_pkgconfig_deps_{missing,valid}, test_pkg_configs_needs.py::test_pkgconfig_deps_*_deprecated',
    [
      ['deps-valid-empty', []],
      ['deps-valid-multiple', ['dep1', 'dep2', 'dep3']],
      ['deps-valid-single', ['dep']],
    ],
  ),
  invalid(
    'deps-invalid-deprecated',
    'test_pkg_configs_needs.py::test_pkgconfig_deps_invalid_deprecated',
    [
      ['deps-invalid-type', ['TEST_DEPENDENCIES']],
      ['deps-invalid-value', ['TEST_DEPENDENCIES']],
    ],
  ),
  cyclic('explicit_loading', ['test-a', 'test-b', 'test-c']),
  cyclic('implicit_loading', ['test-b']),
  cyclic('self', ['test-d']),
  {
    name: 'pkgcfg/build-subdir',
    from: braces(
      'test_pkg_configs_build_subdir.py::test_pkgconfig_build_subdir_{missing,valid_path,valid_str}',
    ),
    async run(t) {
      for (const cfg of ['missing', 'build-subdir-valid-path', 'build-subdir-valid-str']) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'" });
        t.write('package/test/local/subdir/README', 'sub-folder\n');
        await t.ok([]);
        // the stage runs in the sub-folder of the package's sources
        const dir = probe(t).env.PKG_BUILD_DIR ?? '';
        assert.equal(dir.endsWith('/subdir'), cfg !== 'missing', `${cfg}: PKG_BUILD_DIR ${dir}`);
      }
    },
  },
  valid(
    'prefix',
    'test_pkg_configs_prefix.py::test_pkgconfig_prefix_{missing,valid_path,valid_str}',
    [
      { cfg: 'missing', env: { PREFIX: '/usr' } },
      { cfg: 'prefix-valid-path', env: { PREFIX: 'myprefix' } },
      { cfg: 'prefix-valid-str', env: { PREFIX: 'myprefix' } },
    ],
  ),
);

/**
 * Valid samples (values a stage cannot show: tool options of other package
 * types, flags acted on elsewhere) must load and build: releng must not
 * refuse what releng-tool accepts.
 */
function accepted(name: string, cfgs: string[]): Case {
  return {
    name: `pkgcfg/accepted-${name}`,
    from: `the valid samples (${name}) of the test_pkg_configs tests`,
    async run(t) {
      for (const cfg of cfgs) {
        useConfig(t, cfg);
        const r = await t.run([]);
        assert.equal(r.code, 0, `${cfg} is accepted:\n${r.output}`);
        assert.deepEqual(stagesRan(t), ['build'], `${cfg}: the build stage runs`);
      }
    },
  };
}

pkgcfgCases.push(
  accepted('stage-options', [
    'build-defs-append',
    'build-defs-valid',
    'build-env-append',
    'build-env-valid',
    'build-opts-append',
    'build-opts-valid-dict',
    'build-opts-valid-mixed',
    'build-opts-valid-path',
    'build-opts-valid-paths',
    'build-opts-valid-str',
    'build-opts-valid-strs',
    'conf-defs-append',
    'conf-defs-valid',
    'conf-env-append',
    'conf-env-valid',
    'conf-opts-append',
    'conf-opts-valid-dict',
    'conf-opts-valid-mixed',
    'conf-opts-valid-path',
    'conf-opts-valid-paths',
    'conf-opts-valid-str',
    'conf-opts-valid-strs',
    'env-append',
    'env-mixed-valid',
    'env-valid',
    'install-defs-append',
    'install-defs-valid',
    'install-env-append',
    'install-env-valid',
    'install-opts-append',
    'install-opts-valid-dict',
    'install-opts-valid-mixed',
    'install-opts-valid-path',
    'install-opts-valid-paths',
    'install-opts-valid-str',
    'install-opts-valid-strs',
  ]),
  accepted('options', [
    'autotools-autoreconf-disabled',
    'autotools-autoreconf-enabled',
    'devmode-ignore-cache-disabled',
    'devmode-ignore-cache-enabled',
    'devmode-skip-ic-disabled',
    'devmode-skip-ic-enabled',
    'fetch-opts-valid-dict',
    'fetch-opts-valid-str',
    'fetch-opts-valid-strs',
    'host-provides-ignored',
    'host-provides-valid-empty-list',
    'host-provides-valid-empty-single',
    'host-provides-valid-multiple',
    'host-provides-valid-single',
    'install-type-valid-host',
    'install-type-valid-images',
    'install-type-valid-staging',
    'install-type-valid-staging-target',
    'install-type-valid-target',
    'license-valid-empty',
    'license-valid-multiple-conjunctive',
    'license-valid-multiple-disjunctive',
    'license-valid-multiple-mixed1',
    'license-valid-multiple-mixed2',
    'license-valid-single',
    'network-isolation-disabled',
    'no-extraction-disabled',
    'no-extraction-enabled',
    'patch-subdir-valid-path',
    'patch-subdir-valid-str',
    'preextract-disabled',
    'preextract-enabled',
    'python-dist-path-valid-path',
    'python-dist-path-valid-str',
    'python-installer-interpreter-valid',
    'python-installer-launcher-kind-valid-posix',
    'python-installer-launcher-kind-valid-win-amd64',
    'python-installer-launcher-kind-valid-win-arm',
    'python-installer-launcher-kind-valid-win-arm64',
    'python-installer-launcher-kind-valid-win-ia32',
    'python-installer-scheme-valid-custom',
    'python-installer-scheme-valid-native',
    'python-installer-scheme-valid-stock',
    'python-interpreter-valid-path',
    'python-interpreter-valid-str',
    'python-setup-type-valid-distutils',
    'python-setup-type-valid-flit',
    'python-setup-type-valid-hatchling',
    'python-setup-type-valid-pdm',
    'python-setup-type-valid-pep517',
    'python-setup-type-valid-poetry',
    'python-setup-type-valid-setuptools',
    'remote-config-disabled',
    'remote-config-enabled',
    'remote-scripts-disabled',
    'remote-scripts-enabled',
    'strip-count-valid-nonzero',
    'strip-count-valid-zero',
  ]),
  accepted('license-files', [
    'license-files-valid-empty',
    'license-files-valid-multiple',
    'license-files-valid-single',
  ]),
);

const FAKE_TOOLS = ['brz', 'bzr', 'cvs', 'git', 'hg', 'lore', 'p4', 'rsync', 'scp', 'svn'];

/**
 * Stand-ins for the VCS tools, first on PATH: each records its name and
 * arguments in tools.log, answers `--version`, and fails anything else, so
 * a fetch shows which tool its site type runs (and with what).
 */
export function writeFakeTools(t: Ctx, tools = FAKE_TOOLS): Record<string, string> {
  for (const tool of tools) {
    t.write(
      `fakebin/${tool}`,
      `#!/bin/sh\necho "${tool} $*" >> '${t.path('tools.log')}'\n[ "$1" = --version ] && echo "${tool} 1.0" && exit 0\nexit 3\n`,
    );
    chmodSync(t.path('fakebin', tool), 0o755);
  }
  return { PATH: `${t.path('fakebin')}:${process.env.PATH ?? '/usr/bin:/bin'}` };
}

/** The tools a run called, and their argument lines. */
export function toolCalls(t: Ctx): string[] {
  return t.exists('tools.log') ? t.read('tools.log').split('\n').filter(Boolean) : [];
}

/** `fetch` of each sample runs only `tool` (undefined: no VCS tool; the fetch succeeds only for `none`). */
function vcsFetch(
  name: string,
  from: string,
  cfgs: Array<[string, string | undefined, string[]?]>,
): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      const env = writeFakeTools(t);
      for (const [cfg, tool, setup] of cfgs) {
        useConfig(t, cfg);
        t.remove('tools.log');
        t.remove('dl');
        t.remove('cache');
        if (setup) await t.ok(setup);
        const r = await t.run(['fetch'], { env });
        const used = [...new Set(toolCalls(t).map((l) => l.split(' ')[0]))];
        assert.deepEqual(used, tool ? [tool] : [], `${cfg}: VCS tools run:\n${r.output}`);
        if (cfg.includes('none') || cfg === 'missing')
          assert.equal(r.code, 0, `${cfg}: nothing to fetch`);
        else assert.notEqual(r.code, 0, `${cfg}: the stand-in fails the fetch`);
      }
    },
  };
}

/**
 * The VCS type of samples whose site names nothing a tool could fetch
 * (`dummy` with an explicit VCS_TYPE, `<type>+example`), seen through the
 * host-tool check both tools make before fetching: with the type's tool
 * hidden from PATH, the fetch stops naming it as the missing tool before
 * any VCS tool runs; with stand-ins for every VCS tool, the fetch fails
 * and runs no VCS tool but that one. What the fetch then does with such a
 * site differs on purpose: releng-tool runs the tool on it where it can
 * (`svn checkout -r dummy dummy …`, `scp -o 'BatchMode yes' dummy …`) or
 * refuses it after its `cvs --version` check, while releng refuses a CVS
 * site without a module, an svn revision that is none and an scp site
 * without a host before running anything.
 */
function vcsToolNeeded(name: string, from: string, cfgs: string[], tool: string): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      const env = writeFakeTools(t);
      // every stand-in but the type's tool, then the PATH without it
      const others = FAKE_TOOLS.filter((x) => x !== tool);
      const hiddenBin = t.path('fakebin-without');
      mkdirSync(hiddenBin, { recursive: true });
      for (const x of others) {
        t.write(`fakebin-without/${x}`, t.read('fakebin', x));
        chmodSync(join(hiddenBin, x), 0o755);
      }
      const hidden = { PATH: `${hiddenBin}:${pathWithout(t, [tool])}` };
      const named = new RegExp(`(^|[\\s"'\`])${tool}($|[\\s"'\`])`, 'm');
      for (const cfg of cfgs) {
        useConfig(t, cfg);
        t.remove('tools.log');
        t.remove('dl');
        t.remove('cache');
        const r = await t.run(['fetch'], { env });
        const used = [...new Set(toolCalls(t).map((l) => l.split(' ')[0]))];
        assert.ok(
          used.every((u) => u === tool),
          `${cfg}: only ${tool} may run, ran ${used.join(', ')}:\n${r.output}`,
        );
        assert.notEqual(r.code, 0, `${cfg}: the site names nothing to fetch`);
        t.remove('tools.log');
        const missing = await t.run(['fetch'], { env: hidden });
        assert.notEqual(missing.code, 0, `${cfg}: fetched without ${tool}`);
        assert.match(missing.output, named, `${cfg}: names ${tool} as missing`);
        assert.deepEqual(toolCalls(t), [], `${cfg}: no VCS tool runs without ${tool}`);
      }
    },
  };
}

const V = 'test_pkg_configs_vcs_type.py::test_pkgconfig_vcs_type_';

pkgcfgCases.push(
  vcsFetch('vcs-type-git', `${V}valid_git_{explicit,implicit}`, [
    ['vcs-type-valid-git-explicit', 'git'],
    ['vcs-type-valid-git-implicit1', 'git'],
    ['vcs-type-valid-git-implicit2', 'git'],
  ]),
  vcsFetch('vcs-type-hg', `${V}valid_hg_{explicit,implicit}, ${V}devmode_override`, [
    ['vcs-type-valid-hg-explicit', 'hg'],
    ['vcs-type-valid-hg-implicit', 'hg'],
    ['vcs-type-devmode-override', 'git'],
    ['vcs-type-devmode-override', 'hg', ['-D', 'override']],
  ]),
  vcsFetch('vcs-type-brz', `${V}valid_brz_{explicit,implicit}`, [
    ['vcs-type-valid-brz-explicit', 'brz'],
    ['vcs-type-valid-brz-implicit', 'brz'],
  ]),
  vcsFetch('vcs-type-rsync', `${V}valid_rsync_{explicit,implicit}`, [
    ['vcs-type-valid-rsync-explicit', 'rsync'],
    ['vcs-type-valid-rsync-implicit', 'rsync'],
  ]),
  vcsFetch('vcs-type-cvs-pserver', `${V}valid_cvs_implicit`, [
    ['vcs-type-valid-cvs-implicit2', 'cvs'],
    ['vcs-type-valid-cvs-implicit3', 'cvs'],
    ['vcs-type-valid-cvs-implicit4', 'cvs'],
    ['vcs-type-valid-cvs-implicit5', 'cvs'],
    ['vcs-type-valid-cvs-implicit6', 'cvs'],
  ]),
  vcsToolNeeded(
    'vcs-type-cvs',
    `${V}valid_cvs_explicit`,
    ['vcs-type-valid-cvs-explicit', 'vcs-type-valid-cvs-implicit'],
    'cvs',
  ),
  vcsToolNeeded(
    'vcs-type-svn',
    `${V}valid_svn_{explicit,implicit}`,
    ['vcs-type-valid-svn-explicit', 'vcs-type-valid-svn-implicit'],
    'svn',
  ),
  vcsToolNeeded(
    'vcs-type-scp',
    `${V}valid_scp_{explicit,implicit}`,
    ['vcs-type-valid-scp-explicit', 'vcs-type-valid-scp-implicit'],
    'scp',
  ),
  vcsFetch('vcs-type-lore', `${V}valid_lore_{explicit,implicit}`, [
    ['vcs-type-valid-lore-explicit', 'lore'],
    ['vcs-type-valid-lore-implicit', 'lore'],
    ['vcs-type-valid-lore-implicit2', 'lore'],
  ]),
  // releng-tool fetches perforce depots with git-p4
  vcsFetch('vcs-type-perforce', `${V}valid_perforce_{explicit,implicit}`, [
    ['vcs-type-valid-perforce-explicit', 'git'],
    ['vcs-type-valid-perforce-implicit', 'git'],
    ['vcs-type-valid-perforce-implicit2', 'git'],
  ]),
  vcsFetch(
    'vcs-type-no-tool',
    `${V}valid_{file_deprecated,file_explicit,file_implicit,url_explicit,url_implicit,none_explicit,none_implicit}, ${V}missing_site`,
    [
      ['vcs-type-valid-file-deprecated-url', undefined],
      ['vcs-type-valid-file-explicit', undefined],
      ['vcs-type-valid-file-implicit', undefined],
      ['vcs-type-valid-url-explicit', undefined],
      ['vcs-type-valid-url-implicit', undefined],
      ['vcs-type-valid-none-explicit', undefined],
      ['vcs-type-valid-none-implicit', undefined],
      ['missing', undefined],
    ],
  ),
  {
    name: 'pkgcfg/vcs-type-local',
    from: braces(`${V}valid_local_{explicit,implicit}`),
    async run(t) {
      for (const cfg of ['vcs-type-valid-local-explicit', 'vcs-type-valid-local-implicit']) {
        useConfig(t, cfg);
        t.remove('package/test/local');
        // the sources are the package's local/ folder: without it the run fails, with it the package builds there
        const r = await t.fails([]);
        assert.match(r.output, /local/, `${cfg}: the error names the local folder`);
        t.write('package/test/local/README', 'local sources\n');
        await t.ok([]);
        assert.deepEqual(stagesRan(t), ['build'], `${cfg}: builds`);
      }
    },
  },
);

/**
 * test_pkg_site.py: the site a stage sees once its type prefix is taken
 * off (`git+x` → `x`; a `.git`, `file://`, `lore://` or CVSROOT site is
 * kept whole). The package is internal and built from local sources (`-L`),
 * so nothing is fetched; the site type itself is what the fetch cases show.
 */
function siteSeen(name: string, sites: Array<[string, string]>): Case {
  return {
    name: `pkgcfg/pkg-site-${name}`,
    from: `test_pkg_site.py::test_pkg_site_vcs_type_${name}`,
    async run(t) {
      mkdirSync(join(t.dir, '..', 'test'), { recursive: true });
      // releng-tool checks its site type's tool exists (brz, lore are not installed here)
      const env = writeFakeTools(t);
      for (const [site, seen] of sites) {
        useConfig(t, 'missing', {
          extra: `TEST_SITE = ${JSON.stringify(site)}\nTEST_VERSION = '1.0'\nTEST_INTERNAL = True`,
        });
        await t.ok(['-L'], { env });
        await t.ok([], { env });
        assert.equal(probe(t).env.PKG_SITE, seen, `${site}: PKG_SITE`);
      }
    },
  };
}

const CVSROOT = 'cvs.example.org:/usr/local/cvsroot mymodule';

pkgcfgCases.push(
  siteSeen('brz', [['brz+example-brz-site', 'example-brz-site']]),
  siteSeen('cvs', [
    ['cvs+example-cvs-site', 'example-cvs-site'],
    [
      ':pserver:anonymous@cvs.example.com:/var/lib/cvsroot mymodule',
      ':pserver:anonymous@cvs.example.com:/var/lib/cvsroot mymodule',
    ],
    [`:ext:cvs@${CVSROOT}`, `:ext:cvs@${CVSROOT}`],
    [`:extssh:cvs@${CVSROOT}`, `:extssh:cvs@${CVSROOT}`],
    [`:gserver:cvs@${CVSROOT}`, `:gserver:cvs@${CVSROOT}`],
    [`:kserver:cvs@${CVSROOT}`, `:kserver:cvs@${CVSROOT}`],
  ]),
  siteSeen('file', [
    ['file://example', 'file://example'],
    ['file+example-file-site', 'example-file-site'],
  ]),
  siteSeen('git', [
    ['git+example-git-site', 'example-git-site'],
    ['example-git-site.git', 'example-git-site.git'],
  ]),
  siteSeen('hg', [['hg+example-hg-site', 'example-hg-site']]),
  siteSeen('local', [['local', 'local']]),
  siteSeen('lore', [
    ['lore+example-lore-site', 'example-lore-site'],
    ['lore://example-lore-site', 'lore://example-lore-site'],
  ]),
  siteSeen('perforce', [
    ['perforce+example-p4-site', 'example-p4-site'],
    ['p4+example-p4-site', 'example-p4-site'],
  ]),
  siteSeen('rsync', [['rsync+example-rsync-site', 'example-rsync-site']]),
  siteSeen('scp', [['scp+example-scp-site', 'example-scp-site']]),
  siteSeen('svn', [['svn+example-svn-site', 'example-svn-site']]),
  siteSeen('url', [['example.com', 'example.com']]),
);

/**
 * An autotools package (local sources, no autoreconf) whose `configure`
 * and Makefile record each call (tool, arguments, make's goals and
 * command-line variables, chosen environment variables) in calls.jsonl, so
 * a case sees what each stage's CONF_/BUILD_/INSTALL_ DEFS, ENV and OPTS gave.
 */
function writeRecorder(t: Ctx): void {
  const local = 'package/test/local';
  t.write(
    `${local}/record.py`,
    `import json, os, sys
keys = ['key1', 'key2', 'key3', 'shared', 'build', 'configure', 'install']
args = sys.argv[2:]
cut = args.index('--') if '--' in args else len(args)
entry = {'tool': sys.argv[1], 'args': args[:cut], 'vars': args[cut + 1:],
         'env': {k: os.environ[k] for k in keys if k in os.environ}}
with open(os.path.join(os.environ['ROOT_DIR'], 'calls.jsonl'), 'a') as f:
    f.write(json.dumps(entry) + '\\n')
`,
  );
  t.write(
    `${local}/configure`,
    '#!/bin/sh\nexec python3 "$(dirname "$0")/record.py" configure "$@"\n',
  );
  chmodSync(t.path(local, 'configure'), 0o755);
  // one record per make call: only the first goal's recipe writes it
  t.write(
    `${local}/Makefile`,
    'all:\n\t@python3 record.py make -- $(MAKEOVERRIDES)\n%:\n\t@if [ "$@" = "$(firstword $(MAKECMDGOALS))" ]; then python3 record.py make $(MAKECMDGOALS) -- $(MAKEOVERRIDES); fi\n',
  );
}

interface Call {
  tool: string;
  args: string[];
  vars: string[];
  env: Record<string, string>;
}

/** The recorded calls: configure, the build's make, the install's make. */
function stageCalls(t: Ctx): { configure: Call; build: Call; install: Call } {
  const calls = t
    .read('calls.jsonl')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);
  assert.equal(calls.length, 3, `configure, make, make install: ${JSON.stringify(calls)}`);
  return { configure: calls[0]!, build: calls[1]!, install: calls[2]! };
}

/** Whether `list` holds `part` in a row. */
function holds(list: string[], part: string[]): boolean {
  return list.some((_, i) => part.every((p, j) => list[i + j] === p));
}

type StageName = 'configure' | 'build' | 'install';

/** A stage's arguments: configure's, or make's goals and variables. */
const argsOf = (c: Call): string[] => [...c.args, ...c.vars];

function stageOpts(
  name: string,
  from: string,
  cfgs: Array<{
    cfg: string;
    stage: StageName;
    args?: string[];
    defs?: string[];
    env?: Partial<Record<StageName, Record<string, string>>>;
  }>,
): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      for (const c of cfgs) {
        useConfig(t, c.cfg, { extra: "TEST_SITE = 'local'\nTEST_TYPE = 'autotools'" });
        writeRecorder(t);
        t.remove('calls.jsonl');
        await t.ok([]);
        const calls = stageCalls(t);
        for (const stage of ['configure', 'build', 'install'] as const) {
          const mine = stage === c.stage;
          const got = argsOf(calls[stage]);
          if (c.args) {
            assert.equal(
              holds(got, c.args),
              mine,
              `${c.cfg}: ${stage} given ${c.args.join(' ')}: ${got.join(' ')}`,
            );
          }
          for (const d of c.defs ?? []) {
            assert.equal(got.includes(d), mine, `${c.cfg}: ${stage} given ${d}: ${got.join(' ')}`);
          }
          // a None value leaves the entry out
          assert.ok(!got.some((a) => a.startsWith('key2')), `${c.cfg}: ${stage} given no key2`);
        }
        for (const [stage, env] of Object.entries(c.env ?? {})) {
          assert.deepEqual(calls[stage as StageName].env, env, `${c.cfg}: ${stage} environment`);
        }
      }
    },
  };
}

const S = STAGEOPTS;
const OPT_SAMPLES: Array<[string, string[]]> = [
  ['valid-dict', ['key1', 'val1', 'key3', 'val3']],
  ['valid-mixed', ['option1', 'option2']],
  ['valid-path', ['option']],
  ['valid-paths', ['option1', 'option2', 'option3']],
  ['valid-str', ['option']],
  ['valid-strs', ['option1', 'option2', 'option3']],
  ['append', ['some-key', 'appended']],
];

/** The stage-option cases (run with pkgcfg2's group: they build an autotools package each). */
export const pkgcfgStageCases: Case[] = [
  ...(['conf', 'build', 'install'] as const).flatMap((st) => {
    const stage: StageName = st === 'conf' ? 'configure' : st;
    return [
      stageOpts(`${st}-defs`, `${S}${st}_defs_{valid,append,missing}`, [
        { cfg: `${st}-defs-valid`, stage, defs: ['key1=val1', 'key3=val3'] },
        { cfg: `${st}-defs-append`, stage, defs: ['some-key=appended'] },
      ]),
      stageOpts(
        `${st}-opts`,
        `${S}${st}_opts_{valid,append,missing}`,
        OPT_SAMPLES.map(([v, args]) => ({ cfg: `${st}-opts-${v}`, stage, args })),
      ),
    ];
  }),
  stageOpts('env-shared', `${S}env_shared`, [
    {
      cfg: 'env-mixed-valid',
      stage: 'configure',
      env: {
        configure: { shared: 'shared', configure: 'configure' },
        build: { shared: 'shared', build: 'build' },
        install: { shared: 'shared', install: 'install' },
      },
    },
  ]),
];
