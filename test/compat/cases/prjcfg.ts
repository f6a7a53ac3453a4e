// releng-tool's project-option tests (tests/unit-tests/test_prj_configs_*.py),
// re-expressed as CLI runs. Each releng-tool test sets one project option
// either inside a `releng_config(...)` call ("cfgcall") or as a global of
// releng-tool.rt ("global") and checks the parsed value; here each value is
// checked through what a user sees: a refused run naming the option for a
// bad value, and for a good one what a stage script is given, the files
// written, the build type a tool gets, or the console.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';
import { probe, stagesRan, writeProbe } from '../probe.ts';

type Form = 'cfgcall' | 'global';
const FORMS: Form[] = ['cfgcall', 'global'];

/**
 * Writes the probe project with project options (`key`, Python source of the
 * value) given either in a `releng_config(...)` call or as globals; `prelude`
 * is Python placed before them (imports, functions).
 */
function project(
  t: Ctx,
  form: Form,
  options: Array<[string, string]>,
  more: { prelude?: string; pkg?: string; packages?: string[]; site?: string } = {},
): void {
  writeProbe(t, { pkg: more.pkg, site: more.site });
  const packages = `[${(more.packages ?? ['test']).map((p) => `'${p}'`).join(', ')}]`;
  const prelude = more.prelude ? `${more.prelude}\n` : '';
  if (form === 'cfgcall') {
    const args = options.map(([k, v]) => `    ${k}=${v},\n`).join('');
    t.write('releng-tool.rt', `${prelude}releng_config(\n    packages=${packages},\n${args})\n`);
  } else {
    const lines = options.map(([k, v]) => `${k} = ${v}\n`).join('');
    t.write('releng-tool.rt', `${prelude}packages = ${packages}\n${lines}`);
  }
}

/** A bad value for an option: the run fails, names the option and runs no stage. */
function invalid(key: string, value: string, from: string, label = 'invalid'): Case[] {
  return FORMS.map((form) => ({
    name: `prjcfg/${key.replace(/_/g, '-')}-${form}-${label}`,
    from: `test_prj_configs_${from}.py::test_prjconfig_${from}_${form}_${label.replace(/-/g, '_')}`,
    async run(t) {
      project(t, form, [[key, value]]);
      const r = await t.fails();
      assert.ok(r.output.includes(key), `the error names ${key}:\n${r.output}`);
      assert.deepEqual(stagesRan(t), []);
    },
  }));
}

/** A good value for an option, in both forms, checked by `check` after `act`. */
function valid(
  key: string,
  value: string,
  from: string,
  label: string,
  check: (t: Ctx, form: Form) => Promise<void>,
  more: { prelude?: string; pkg?: string; site?: string; needs?: string[] } = {},
): Case[] {
  return FORMS.map((form) => ({
    name: `prjcfg/${key.replace(/_/g, '-')}-${form}-${label}`,
    from: `test_prj_configs_${from}.py::test_prjconfig_${from}_${form}_${label.replace(/-/g, '_')}`,
    needs: more.needs,
    async run(t) {
      project(t, form, [[key, value]], more);
      await check(t, form);
    },
  }));
}

const truthy = (v: unknown): boolean => v === true || v === 'True' || v === '1' || v === 'true';

/** The package is internal when its scripts see PKG_INTERNAL set. */
function internal(t: Ctx): boolean {
  const d = probe(t);
  return truthy(d.gbl.PKG_INTERNAL) || truthy(d.env.PKG_INTERNAL);
}

/** A stage script of the probe's package that dumps its whole environment to env.json. */
const ENV_DUMP = `import json, os
with open(os.path.join(os.environ['ROOT_DIR'], 'env.json'), 'w') as f:
    json.dump(dict(os.environ), f)
`;

/** Runs a command for a fixture (tar, python3), failing the case if it fails. */
function sh(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: 'pipe' });
}

/** Writes a .tar.gz holding `test-1.0/data.txt` (with `text`) to `rel` under the project. */
function tarball(t: Ctx, rel: string, text: string): void {
  t.remove('srv-src');
  t.write('srv-src/test-1.0/data.txt', text);
  mkdirSync(dirname(t.path(rel)), { recursive: true });
  sh('tar', ['-czf', t.path(rel), '-C', t.path('srv-src'), 'test-1.0'], t.dir);
  t.remove('srv-src');
}

/** A file's digest, to tell whether the cached archive was replaced. */
const md5 = (t: Ctx, rel: string): string =>
  createHash('md5')
    .update(readFileSync(t.path(rel)))
    .digest('hex');

/** The one cached archive of package test under dl/. */
function cached(t: Ctx): string {
  const files = t.find('dl', '');
  const archives = files.filter((f) => /test-1\.0[^/]*$/.test(f));
  assert.equal(archives.length, 1, `one cached archive of test in dl/: ${files.join(', ')}`);
  return archives[0]!;
}

/** A minimal CMake project that needs no compiler. */
const CMAKE_LISTS =
  'cmake_minimum_required(VERSION 3.10)\nproject(probe NONE)\ninstall(FILES CMakeLists.txt DESTINATION share/probe)\n';
/** A minimal Meson project that needs no compiler. */
const MESON_BUILD = "project('probe')\n";

function cacheValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^${key}:[A-Z]+=(.*)$`, 'm').exec(text);
  return m?.[1];
}

// --- cache_ext -----------------------------------------------------------

const CACHE_EXT_FN = `def my_translator(site):
    if 'static.example.org' in site:
        return 'tgz'
    return None
`;

const cacheExtCases: Case[] = [
  ...invalid('cache_ext', '1', 'cache_ext'),
  ...FORMS.map(
    (form): Case => ({
      name: `prjcfg/cache-ext-${form}-valid`,
      from: `test_prj_configs_cache_ext.py::test_prjconfig_cache_ext_${form}_valid`,
      async run(t) {
        // a site whose name has no extension: only cache_ext can say it is a tarball
        project(t, form, [['cache_ext', 'my_translator']], {
          prelude: CACHE_EXT_FN,
          site: `file://${t.path('srv', 'static.example.org', 'archive')}`,
        });
        t.remove('package/test/local');
        tarball(t, 'srv/static.example.org/archive', 'from the archive\n');
        await t.ok();
        assert.ok(cached(t).endsWith('.tgz'), `cached as .tgz: ${cached(t)}`);
        assert.deepEqual(stagesRan(t).includes('build'), true);
        const built = t.find('output/build', 'data.txt');
        assert.equal(built.length, 1, 'the archive was extracted');
      },
    }),
  ),
];

// --- releng_config(...) and globals --------------------------------------

const CFGIGNORE_MSG = 'ignored since this project uses `releng_config`';

const cfgcallCases: Case[] = [
  {
    name: 'prjcfg/cfgcall-accept-option',
    from: 'test_prj_configs_cfgcall.py::test_prjconfig_cfgcall_accept_option',
    async run(t) {
      project(t, 'cfgcall', [['default_internal', 'True']]);
      const r = await t.ok();
      assert.ok(!r.output.includes(CFGIGNORE_MSG), r.output);
      assert.ok(internal(t), 'default_internal=True makes the package internal');
    },
  },
  {
    name: 'prjcfg/cfgcall-global-ignored-packages',
    from: 'test_prj_configs_cfgcall.py::test_prjconfig_cfgcall_global_ignored_packages',
    async run(t) {
      project(t, 'cfgcall', [['default_internal', 'True']]);
      // a package list outside the call names a package that does not exist
      t.write('releng-tool.rt', `${t.read('releng-tool.rt')}\npackages = ['not-this']\n`);
      const r = await t.ok();
      assert.ok(r.output.includes(CFGIGNORE_MSG), r.output);
      assert.ok(r.output.includes('packages'), r.output);
      assert.ok(stagesRan(t).includes('build'), 'the package of releng_config(...) is built');
      assert.ok(internal(t));
    },
  },
  ...(
    [
      ['check1', 'False', 'True', false],
      ['check2', 'True', 'False', true],
    ] as const
  ).map(
    ([label, inCall, outside, expected]): Case => ({
      name: `prjcfg/cfgcall-global-ignored-option-${label}`,
      from: `test_prj_configs_cfgcall.py::test_prjconfig_cfgcall_global_ignored_option_${label}`,
      async run(t) {
        project(t, 'cfgcall', [['default_internal', inCall]]);
        t.write('releng-tool.rt', `${t.read('releng-tool.rt')}\ndefault_internal = ${outside}\n`);
        const r = await t.ok();
        assert.ok(r.output.includes(CFGIGNORE_MSG), r.output);
        assert.ok(r.output.includes('default_internal'), r.output);
        assert.equal(internal(t), expected);
      },
    }),
  ),
  {
    name: 'prjcfg/cfgcall-invalid-argument',
    from: 'test_prj_configs_cfgcall.py::test_prjconfig_cfgcall_invalid_argument',
    async run(t) {
      project(t, 'cfgcall', [['some_uknown_argument', "'value'"]]);
      const r = await t.fails();
      assert.ok(r.output.includes('some_uknown_argument'), r.output);
      assert.deepEqual(stagesRan(t), []);
    },
  },
];

// --- default build types -------------------------------------------------

function cmakeProject(t: Ctx): void {
  t.write(
    'package/test/test.rt',
    "TEST_VERSION = '1.0'\nTEST_SITE = 'local'\nTEST_TYPE = 'cmake'\n",
  );
  for (const s of ['bootstrap', 'patch', 'configure', 'build', 'install', 'post']) {
    t.remove(`package/test/test-${s}.rt`);
  }
  t.write('package/test/local/CMakeLists.txt', CMAKE_LISTS);
}

function mesonProject(t: Ctx): void {
  t.write(
    'package/test/test.rt',
    "TEST_VERSION = '1.0'\nTEST_SITE = 'local'\nTEST_TYPE = 'meson'\n",
  );
  for (const s of ['bootstrap', 'patch', 'configure', 'build', 'install', 'post']) {
    t.remove(`package/test/test-${s}.rt`);
  }
  t.write('package/test/local/meson.build', MESON_BUILD);
}

const buildTypeCases: Case[] = [
  ...invalid('default_cmake_build_type', '1', 'default_cmake_build_type'),
  ...valid(
    'default_cmake_build_type',
    "'MyBuildType'",
    'default_cmake_build_type',
    'valid',
    async (t) => {
      cmakeProject(t);
      await t.ok();
      const caches = t.find('output/build', 'CMakeCache.txt');
      assert.equal(caches.length, 1, 'cmake configured the package once');
      assert.equal(cacheValue(t.read(caches[0]!), 'CMAKE_BUILD_TYPE'), 'MyBuildType');
    },
    { needs: ['cmake', 'make'] },
  ),
  ...invalid('default_meson_build_type', '1', 'default_meson_build_type'),
  // Meson refuses an unknown build type, so a real one stands for 'MyBuildType'.
  ...valid(
    'default_meson_build_type',
    "'minsize'",
    'default_meson_build_type',
    'valid',
    async (t) => {
      mesonProject(t);
      await t.ok();
      const intro = t.find('output/build', 'intro-buildoptions.json');
      assert.equal(intro.length, 1, 'meson configured the package once');
      const opts = JSON.parse(t.read(intro[0]!)) as Array<{ name: string; value: unknown }>;
      assert.equal(opts.find((o) => o.name === 'buildtype')?.value, 'minsize');
    },
    { needs: ['meson', 'ninja'] },
  ),
  ...invalid('default_xmake_build_type', '1', 'default_xmake_build_type'),
  // xmake is not installed: what is visible is that the value is accepted.
  ...valid(
    'default_xmake_build_type',
    "'MyBuildType'",
    'default_xmake_build_type',
    'valid',
    async (t) => {
      await t.ok();
      assert.ok(stagesRan(t).includes('build'));
    },
  ),
];

// --- default_devmode_ignore_cache ----------------------------------------

/** In development mode, whether a second fetch re-downloads the changed archive. */
function ignoreCache(form: Form, value: 'True' | 'False'): Case {
  return {
    name: `prjcfg/default-devmode-ignore-cache-${form}-valid-${value.toLowerCase()}`,
    from: `test_prj_configs_default_dev_ignore_cache.py::test_prjconfig_default_internal_${form}_valid_${value.toLowerCase()}`,
    async run(t) {
      project(t, form, [['default_devmode_ignore_cache', value]], {
        site: `file://${t.path('srv', 'test-1.0.tar.gz')}`,
      });
      t.remove('package/test/local');
      tarball(t, 'srv/test-1.0.tar.gz', 'first\n');
      // -D turns development mode on; the run after it fetches in that mode
      await t.ok(['-D']);
      await t.ok();
      const file = cached(t);
      const before = md5(t, file);
      tarball(t, 'srv/test-1.0.tar.gz', 'second, a changed archive\n');
      const after = md5(t, 'srv/test-1.0.tar.gz');
      await t.ok(['test-fetch']);
      assert.equal(md5(t, file), value === 'True' ? after : before);
    },
  };
}

/**
 * The package option DEVMODE_IGNORE_CACHE (and the project default it falls
 * back to): in development mode a fetch with it on downloads again, so a
 * changed archive replaces the cached one.
 */
function pkgIgnoreCache(
  name: string,
  options: Array<[string, string]>,
  pkg: string,
  refetched: boolean,
): Case {
  return {
    name: `prjcfg/pkg-devmode-ignore-cache-${name}`,
    from: `test_pkg_configs_devmode.py::test_pkgconfig_devmode_ignore_cache_${name.replace(/-/g, '_')}`,
    async run(t) {
      project(t, 'global', options, { pkg, site: `file://${t.path('srv', 'test-1.0.tar.gz')}` });
      t.remove('package/test/local');
      tarball(t, 'srv/test-1.0.tar.gz', 'first\n');
      await t.ok(['-D']);
      await t.ok();
      const file = cached(t);
      const before = md5(t, file);
      tarball(t, 'srv/test-1.0.tar.gz', 'second, a changed archive\n');
      const after = md5(t, 'srv/test-1.0.tar.gz');
      await t.ok(['test-fetch']);
      assert.equal(md5(t, file), refetched ? after : before);
    },
  };
}

const devIgnoreCacheCases: Case[] = [
  ...invalid('default_devmode_ignore_cache', '1', 'default_dev_ignore_cache'),
  ...FORMS.flatMap((form) => [ignoreCache(form, 'False'), ignoreCache(form, 'True')]),
  pkgIgnoreCache('disabled', [], 'TEST_DEVMODE_IGNORE_CACHE = False', false),
  pkgIgnoreCache('enabled', [], 'TEST_DEVMODE_IGNORE_CACHE = True', true),
  pkgIgnoreCache('default-on', [['default_devmode_ignore_cache', 'True']], '', true),
  pkgIgnoreCache('default-off', [['default_devmode_ignore_cache', 'False']], '', false),
  pkgIgnoreCache('missing', [], '', false),
];

// --- default_internal ----------------------------------------------------

const internalCases: Case[] = [
  ...invalid('default_internal', '1', 'default_internal'),
  ...(['False', 'True'] as const).flatMap((value) =>
    valid(
      'default_internal',
      value,
      'default_internal',
      `valid-${value.toLowerCase()}`,
      async (t) => {
        await t.ok();
        assert.equal(internal(t), value === 'True');
      },
    ),
  ),
];

// --- environment ---------------------------------------------------------

const environmentCases: Case[] = [
  ...invalid('environment', '1', 'environment'),
  ...valid(
    'environment',
    "{'MY_ENV_1': 'First example', 'MY_ENV_2': 'Another example'}",
    'environment',
    'valid',
    async (t) => {
      t.write('package/test/test-build.rt', ENV_DUMP);
      await t.ok();
      const env = JSON.parse(t.read('env.json')) as Record<string, string>;
      assert.equal(env.MY_ENV_1, 'First example');
      assert.equal(env.MY_ENV_2, 'Another example');
    },
  ),
];

// --- external_packages ---------------------------------------------------

const externalCases: Case[] = [
  ...invalid('external_packages', '1', 'external_packages'),
  ...FORMS.map(
    (form): Case => ({
      name: `prjcfg/external-packages-${form}-valid`,
      from: `test_prj_configs_external_packages.py::test_prjconfig_external_packages_${form}_valid`,
      async run(t) {
        project(t, form, [['external_packages', "['path1', 'path2']"]], {
          packages: ['test', 'ext1', 'ext2'],
        });
        for (const [dir, pkg] of [
          ['path1', 'ext1'],
          ['path2', 'ext2'],
        ] as const) {
          t.write(`${dir}/${pkg}/${pkg}.rt`, `${pkg.toUpperCase()}_VERSION = '1.0'\n`);
          t.write(
            `${dir}/${pkg}/${pkg}-build.rt`,
            `import os\nopen(os.path.join(os.environ['ROOT_DIR'], 'built-${pkg}'), 'w').close()\n`,
          );
        }
        await t.ok();
        t.assertExists('built-ext1');
        t.assertExists('built-ext2');
      },
    }),
  ),
];

// --- extra_licenses / extra_license_exceptions ---------------------------

/** `lint` flags an unknown license (or exception) until the project declares it. */
function extraLicense(
  key: 'extra_licenses' | 'extra_license_exceptions',
  form: Form,
  id: string,
): Case {
  const from = key === 'extra_licenses' ? 'extra_licenses' : 'extra_license_exceptions';
  const license = key === 'extra_licenses' ? id : `GPL-2.0-or-later WITH ${id}`;
  return {
    name: `prjcfg/${key.replace(/_/g, '-')}-${form}-valid`,
    from: `test_prj_configs_${from}.py::test_prjconfig_${from}_${form}_valid`,
    async run(t) {
      const pkg = `TEST_LICENSE = ['${license}']\nTEST_LICENSE_FILES = ['README']\n`;
      project(t, form, [], { pkg });
      const unknown = await t.fails(['lint']);
      assert.ok(unknown.output.includes(id), `lint names ${id}:\n${unknown.output}`);
      project(t, form, [[key, `{'${id}': 'Its Name'}`]], { pkg });
      const known = await t.ok(['lint']);
      assert.ok(!known.output.includes(id), `lint accepts ${id}:\n${known.output}`);
    },
  };
}

const extraLicenseCases: Case[] = [
  ...invalid('extra_license_exceptions', '1', 'extra_license_exceptions'),
  ...FORMS.map((f) => extraLicense('extra_license_exceptions', f, 'My-Exception-ID')),
  ...invalid('extra_licenses', '1', 'extra_licenses'),
  ...FORMS.map((f) => extraLicense('extra_licenses', f, 'My-License-ID')),
];

// --- license_header ------------------------------------------------------

const licenseHeaderCases: Case[] = [
  ...invalid('license_header', '1', 'license_header'),
  ...valid(
    'license_header',
    "'This is a header.'",
    'license_header',
    'valid',
    async (t) => {
      await t.ok(['licenses']);
      const doc = t.read('output/licenses/licenses');
      assert.equal(doc.split('\n')[0], 'This is a header.');
    },
    { pkg: "TEST_LICENSE = 'MIT'\nTEST_LICENSE_FILES = ['README']\n" },
  ),
];

// --- lint_max_version ----------------------------------------------------

const lintMaxCases: Case[] = [
  ...invalid('lint_max_version', 'True', 'lint_max_version', 'invalid-type'),
  ...invalid('lint_max_version', "'1.2a'", 'lint_max_version', 'invalid-value'),
  // No lint rule of either tool is newer than 1.2.3's cut-off to be seen:
  // what is visible is that the version is accepted, for a run and a lint.
  ...valid('lint_max_version', "'1.2.3'", 'lint_max_version', 'valid', async (t) => {
    await t.ok();
    await t.ok(['lint']);
  }),
];

// --- override_extract_tools ----------------------------------------------

const UNZIP = `import os, sys, zipfile
archive, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive) as z:
    z.extractall(dest)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'custom-unzip-used'), 'w') as f:
    f.write(archive)
`;

const overrideExtractCases: Case[] = [
  ...invalid('override_extract_tools', '1', 'override_extract_tools'),
  ...FORMS.map(
    (form): Case => ({
      name: `prjcfg/override-extract-tools-${form}-valid`,
      from: `test_prj_configs_override_extract_tools.py::test_prjconfig_override_extract_tools_${form}_valid`,
      async run(t) {
        const tool = t.path('tools', 'my-custom-unzip.py');
        project(t, form, [['override_extract_tools', `{'zip': 'python3 ${tool} {file} {dir}'}`]], {
          site: `file://${t.path('srv', 'test-1.0.zip')}`,
        });
        t.remove('package/test/local');
        t.write('tools/my-custom-unzip.py', UNZIP);
        t.write('srv-src/test-1.0/data.txt', 'zipped\n');
        sh(
          'python3',
          [
            '-c',
            "import shutil, sys; shutil.make_archive(sys.argv[1], 'zip', sys.argv[2])",
            t.path('srv', 'test-1.0'),
            t.path('srv-src'),
          ],
          t.dir,
        );
        t.remove('srv-src');
        await t.ok();
        t.assertExists('tools/custom-unzip-used');
        assert.equal(t.find('output/build', 'data.txt').length, 1, 'the custom tool extracted it');
      },
    }),
  ),
];

// --- prerequisites -------------------------------------------------------

const prerequisitesCases: Case[] = [
  ...invalid('prerequisites', '1', 'prerequisites'),
  ...(
    [
      ['valid-list', "['bin1', 'bin2', 'bin3']", ['bin1', 'bin2', 'bin3']],
      ['valid-str', "'myapp'", ['myapp']],
    ] as const
  ).flatMap(([label, value, tools]) =>
    valid('prerequisites', value, 'prerequisites', label, async (t) => {
      // none of these tools exist: the run stops before any stage, naming each
      const r = await t.fails();
      for (const tool of tools) assert.ok(r.output.includes(tool), `names ${tool}:\n${r.output}`);
      assert.deepEqual(stagesRan(t), []);
    }),
  ),
];

// --- quirks --------------------------------------------------------------

const quirksCases: Case[] = [
  ...invalid('quirks', '1', 'quirks'),
  ...(
    [
      [
        'valid-list',
        "['releng.quirk1', 'releng.quirk2', 'releng.quirk4']",
        ['releng.quirk1', 'releng.quirk2', 'releng.quirk4'],
      ],
      ['valid-str', "'releng.quirk3'", ['releng.quirk3']],
    ] as const
  ).flatMap(([label, value, quirks]) =>
    valid('quirks', value, 'quirks', label, async (t) => {
      // the applied quirks are listed in verbose output
      const r = await t.ok(['--verbose']);
      for (const q of quirks) assert.ok(r.output.includes(q), `lists ${q}:\n${r.output}`);
      assert.ok(stagesRan(t).includes('build'));
    }),
  ),
];

// --- revisions -----------------------------------------------------------

const REVIGNORE_MSG = 'ignoring project-defined revision';

/** The probe package without a version, with the given extra definition lines. */
function versionless(t: Ctx, lines: string): void {
  t.write('package/test/test.rt', `TEST_SITE = 'local'\n${lines}`);
}

function revisionCase(
  label: string,
  revisions: string,
  pkg: string,
  expected: string,
  warns: boolean,
  devmode?: string[],
): Case {
  return {
    name: `prjcfg/revisions-check-${label}`,
    from: `test_prj_configs_revisions.py::test_prjconfig_revisions_check_${label.replace(/-/g, '_')}`,
    async run(t) {
      project(t, 'global', [['revisions', revisions]]);
      versionless(t, pkg);
      const outputs: string[] = [];
      if (devmode) outputs.push((await t.ok(devmode)).output);
      outputs.push((await t.ok()).output);
      const output = outputs.join('\n');
      assert.equal(output.includes(REVIGNORE_MSG), warns, output);
      const d = probe(t);
      assert.equal(d.env.TEST_REVISION ?? d.gbl.TEST_REVISION, expected);
    },
  };
}

const revisionsCases: Case[] = [
  revisionCase(
    'devmode-na',
    "{'test': '76.3'}",
    "TEST_REVISION = {'example': 'main'}\n",
    '76.3',
    false,
  ),
  revisionCase(
    'devmode-rev1',
    "{'test': '1.4'}",
    "TEST_REVISION = {'example': '21.34'}\n",
    '21.34',
    false,
    ['-D', 'example'],
  ),
  revisionCase('devmode-rev2', "{'test': '5.4'}", "TEST_DEVMODE_REVISION = '2.3'\n", '2.3', false, [
    '-D',
  ]),
  revisionCase(
    'ignored-revision-asterisk',
    "{'test': '1.4'}",
    "TEST_REVISION = {'*': '21.134'}\n",
    '21.134',
    true,
  ),
  revisionCase(
    'ignored-revision-single',
    "{'test': '2.3.4'}",
    "TEST_REVISION = '8.9'\n",
    '8.9',
    true,
  ),
  revisionCase('ignored-version', "{'test': '2.3.4'}", "TEST_VERSION = '5.6.7'\n", '5.6.7', true),
  revisionCase('set', "{'test': '1.2.3.4.5'}", '', '1.2.3.4.5', false),
  ...invalid('revisions', "{'test': True}", 'revisions'),
  ...FORMS.map(
    (form): Case => ({
      name: `prjcfg/revisions-${form}-valid`,
      from: `test_prj_configs_revisions.py::test_prjconfig_revisions_${form}_valid`,
      async run(t) {
        project(t, form, [['revisions', "{'test': '1.2.3'}"]]);
        versionless(t, '');
        await t.ok();
        const d = probe(t);
        assert.equal(d.env.TEST_REVISION ?? d.gbl.TEST_REVISION, '1.2.3');
      },
    }),
  ),
];

// --- sbom_format ---------------------------------------------------------

const sbomCases: Case[] = [
  ...invalid('sbom_format', '1', 'sbom_format', 'invalid-type'),
  ...invalid('sbom_format', "'unknown'", 'sbom_format', 'invalid-value'),
  ...(
    [
      ['valid-list', "['csv', 'json', 'rdf-spdx']", ['sbom-spdx.xml', 'sbom.csv', 'sbom.json']],
      ['valid-str', "'xml'", ['sbom.xml']],
    ] as const
  ).flatMap(([label, value, files]) =>
    valid('sbom_format', value, 'sbom_format', label, async (t) => {
      await t.ok();
      const written = t.ls('output').filter((f) => f.startsWith('sbom'));
      assert.deepEqual(written, [...files]);
    }),
  ),
];

// --- sysroot_prefix ------------------------------------------------------

const sysrootCases: Case[] = [
  ...invalid('sysroot_prefix', '1', 'sysroot_prefix'),
  ...(
    [
      ['valid-path', "Path('myprefix')"],
      ['valid-str', "'/myprefix'"],
    ] as const
  ).flatMap(([label, value]) =>
    FORMS.map(
      (form): Case => ({
        name: `prjcfg/sysroot-prefix-${form}-${label}`,
        from: `test_prj_configs_sysroot_prefix.py::test_prjconfig_sysroot_prefix_${form}_${label.replace('-', '_')}`,
        async run(t) {
          // inside releng_config(...) Path needs no import (as in releng-tool's
          // test); the global form imports it
          const prelude =
            form === 'global' && label === 'valid-path' ? 'from pathlib import Path' : undefined;
          project(t, form, [['sysroot_prefix', value]], { prelude });
          await t.ok();
          assert.equal(probe(t).gbl.PREFIX, '/myprefix');
          assert.equal(probe(t).gbl.PREFIXED_TARGET_DIR, t.path('output', 'target', 'myprefix'));
        },
      }),
    ),
  ),
];

/** The first half (run by compat-prjcfg.test.ts). */
export const prjcfgCases: Case[] = [
  ...cacheExtCases,
  ...cfgcallCases,
  ...buildTypeCases,
  ...devIgnoreCacheCases,
  ...internalCases,
  ...environmentCases,
  ...externalCases,
];

/** The second half (run by compat-prjcfg-more.test.ts, so each file stays short). */
export const prjcfgMoreCases: Case[] = [
  ...extraLicenseCases,
  ...licenseHeaderCases,
  ...lintMaxCases,
  ...overrideExtractCases,
  ...prerequisitesCases,
  ...quirksCases,
  ...revisionsCases,
  ...sbomCases,
  ...sysrootCases,
];
