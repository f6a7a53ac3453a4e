// More of releng-tool's package-definition option tests (see pkgcfg.ts):
// package types by the tool a build runs, install types by the sysroot a
// package lands in, fetch options by the arguments the fetch tool gets,
// strip counts and extraction by what the build folder holds.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';
import { probe, stagesRan } from '../probe.ts';
import { braces, pkgcfgStageCases, toolCalls, useConfig, writeFakeTools } from './pkgcfg.ts';

const T = 'test_pkg_configs.py::test_pkgconfig_';

/** Build tools replaced by recording stand-ins in the type cases. */
const BUILD_TOOLS = ['autoreconf', 'cmake', 'make', 'meson', 'ninja', 'scons', 'xmake'];

/**
 * Each sample's package type shows in what its build runs first: the
 * stand-in tool (`configure` for autotools), or the package's own build
 * script for script packages.
 */
function types(name: string, from: string, cfgs: Array<[string, string]>): Case {
  return {
    name: `pkgcfg/${name}`,
    from: braces(from),
    async run(t) {
      const env = writeFakeTools(t, BUILD_TOOLS);
      for (const [cfg, expected] of cfgs) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'\nTEST_VERSION = '1.0'" });
        t.remove('tools.log');
        t.write(
          'package/test/local/configure',
          `#!/bin/sh\necho "configure $*" >> '${t.path('tools.log')}'\nexit 3\n`,
        );
        chmodSync(t.path('package/test/local/configure'), 0o755);
        const r = await t.run([], { env });
        if (expected === 'script') {
          assert.equal(r.code, 0, `${cfg}: a script package builds:\n${r.output}`);
          assert.deepEqual(stagesRan(t), ['build'], `${cfg}: its build script runs`);
          assert.deepEqual(toolCalls(t), [], `${cfg}: no build tool runs`);
        } else {
          const first = toolCalls(t).find((l) => !l.endsWith(' --version'));
          assert.equal(first?.split(' ')[0], expected, `${cfg}: runs ${expected}:\n${r.output}`);
          assert.notEqual(r.code, 0, `${cfg}: the stand-in fails the build`);
          assert.deepEqual(stagesRan(t), [], `${cfg}: the build script is not the build`);
        }
      }
    },
  };
}

/** A make package whose install writes `share/marker` under DESTDIR and PREFIX. */
function writeMakePackage(t: Ctx): void {
  t.write(
    'package/test/local/Makefile',
    'all:\n\t@echo built\ninstall:\n\tmkdir -p $(DESTDIR)$(PREFIX)/share && echo x > $(DESTDIR)$(PREFIX)/share/marker\n',
  );
}

/** Where a run installed the make package's marker (output/<sysroot>/usr/share/marker). */
function installedIn(t: Ctx): string[] {
  return ['host', 'images', 'staging', 'target'].filter((d) =>
    t.exists('output', d, 'usr', 'share', 'marker'),
  );
}

/** A tar of `top/inner/file.txt` (and `top/top.txt`) at archive/src.tar; its file:// site. */
function writeArchive(t: Ctx): string {
  t.write('archive/top/inner/file.txt', 'inner\n');
  t.write('archive/top/top.txt', 'top\n');
  execFileSync('tar', ['-C', t.path('archive'), '-cf', t.path('archive', 'src.tar'), 'top']);
  return `file://${t.path('archive', 'src.tar')}`;
}

/** What the build folder holds (the build stage's PKG_BUILD_DIR), recursively. */
function buildFiles(t: Ctx): string[] {
  const dir = probe(t).env.PKG_BUILD_DIR ?? '';
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.txt') || f.endsWith('.tar'))
    .sort();
}

export const pkgcfg2Cases: Case[] = [
  types('type', 'test_pkg_configs_type.py::test_pkgconfig_type_{missing,valid_script}', [
    ['missing', 'script'],
    ['pkg-type-valid-script', 'script'],
  ]),
  types('type-autotools', 'test_pkg_configs_type.py::test_pkgconfig_type_valid_autotools', [
    ['pkg-type-valid-autotools', 'configure'],
  ]),
  types('type-cmake', 'test_pkg_configs_type.py::test_pkgconfig_type_valid_cmake', [
    ['pkg-type-valid-cmake', 'cmake'],
  ]),
  types('type-make', 'test_pkg_configs_type.py::test_pkgconfig_type_valid_make', [
    ['pkg-type-valid-make', 'make'],
  ]),
  types('type-meson', 'test_pkg_configs_type.py::test_pkgconfig_type_valid_meson', [
    ['pkg-type-valid-meson', 'meson'],
  ]),
  types('type-scons', 'test_pkg_configs_type.py::test_pkgconfig_type_valid_scons', [
    ['pkg-type-valid-scons', 'scons'],
  ]),
  types('type-xmake', 'test_pkg_configs_type.py::test_pkgconfig_type_valid_xmake', [
    ['pkg-type-valid-xmake', 'xmake'],
  ]),
  {
    name: 'pkgcfg/install-type',
    from: braces(`${T}install_type_{missing,valid}`),
    async run(t) {
      const cfgs: Array<[string, string[]]> = [
        ['missing', ['target']],
        ['install-type-valid-host', ['host']],
        ['install-type-valid-images', ['images']],
        ['install-type-valid-staging', ['staging']],
        ['install-type-valid-staging-target', ['staging', 'target']],
        ['install-type-valid-target', ['target']],
      ];
      for (const [cfg, where] of cfgs) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'\nTEST_TYPE = 'make'" });
        writeMakePackage(t);
        await t.ok([]);
        assert.deepEqual(installedIn(t), where, `${cfg}: installed in`);
      }
    },
  },
  {
    name: 'pkgcfg/fetch-opts',
    from: braces(`${T}fetch_opts_{missing,valid}`),
    async run(t) {
      // an rsync site: the options go to rsync, which takes only `-` options
      // (releng-tool refuses the others before running it)
      const env = writeFakeTools(t, ['rsync']);
      const cfgs: Array<[string, string[] | undefined]> = [
        ['missing', []],
        ['fetch-opts-valid-str', ['--my-option']],
        ['fetch-opts-valid-dict', undefined],
        ['fetch-opts-valid-strs', undefined],
      ];
      for (const [cfg, opts] of cfgs) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'rsync+example'" });
        t.remove('tools.log');
        const r = await t.fails(['fetch'], undefined, { env });
        const calls = toolCalls(t).filter((l) => !l.endsWith(' --version'));
        if (opts === undefined) {
          assert.deepEqual(calls, [], `${cfg}: refused before rsync runs:\n${r.output}`);
          assert.match(r.output, /option/, `${cfg}: the error names the option`);
        } else {
          assert.equal(calls.length, 1, `${cfg}: rsync runs once: ${calls.join('; ')}`);
          const args = calls[0]!.split(' ');
          for (const o of opts)
            assert.ok(args.includes(o), `${cfg}: rsync given ${o}: ${calls[0]}`);
          assert.equal(
            args.filter((a) => a.startsWith('--my')).length,
            opts.length,
            `${cfg}: ${calls[0]}`,
          );
        }
      }
    },
  },
  {
    name: 'pkgcfg/strip-count',
    from: braces(`${T}strip_count_{missing,valid}`),
    async run(t) {
      const cfgs: Array<[string, string[]]> = [
        ['missing', ['inner/file.txt', 'top.txt']],
        ['strip-count-valid-zero', ['top/inner/file.txt', 'top/top.txt']],
        ['strip-count-valid-nonzero', ['file.txt']],
      ];
      for (const [cfg, files] of cfgs) {
        const site = writeArchive(t);
        useConfig(t, cfg, { extra: `TEST_SITE = '${site}'\nTEST_VERSION = '1.0'` });
        await t.ok([]);
        assert.deepEqual(buildFiles(t), files, `${cfg}: the build folder holds`);
      }
    },
  },
  {
    name: 'pkgcfg/no-extraction',
    from: braces(`${T}no_extraction_{disabled,enabled,missing}`),
    async run(t) {
      for (const [cfg, extracted] of [
        ['missing', true],
        ['no-extraction-disabled', true],
        ['no-extraction-enabled', false],
      ] as const) {
        const site = writeArchive(t);
        useConfig(t, cfg, { extra: `TEST_SITE = '${site}'\nTEST_VERSION = '1.0'` });
        await t.ok([]);
        assert.equal(buildFiles(t).includes('top.txt'), extracted, `${cfg}: extracted`);
      }
    },
  },
  {
    name: 'pkgcfg/license',
    from: braces(`${T}license_{missing,valid}`),
    async run(t) {
      // a list is a choice (OR), a tuple applies together (AND): the SPDX
      // document's declared license shows which
      const cfgs: Array<[string, string]> = [
        ['missing', 'NOASSERTION'],
        ['license-valid-empty', 'NOASSERTION'],
        ['license-valid-single', 'license'],
        ['license-valid-multiple-conjunctive', 'license1 AND license2 AND license3'],
        ['license-valid-multiple-disjunctive', 'license1 OR license2 OR license3'],
        ['license-valid-multiple-mixed1', 'A OR B OR (C AND D) OR E OR F'],
        ['license-valid-multiple-mixed2', '(A OR B) AND C AND D AND (E OR F)'],
      ];
      for (const [cfg, declared] of cfgs) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'\nTEST_VERSION = '1.0'" });
        await t.ok(['--sbom-format', 'json-spdx']);
        const doc = JSON.parse(t.read('output', 'sbom-spdx.json')) as {
          packages: Array<{ name: string; licenseDeclared: string }>;
        };
        const pkg = doc.packages.find((p) => p.name === 'test');
        assert.equal(pkg?.licenseDeclared, declared, `${cfg}: licenseDeclared`);
      }
    },
  },
  {
    name: 'pkgcfg/patch-subdir',
    template: 'patch-file-patch-subdir',
    from: braces(
      'test_pkg_configs_patch_subdir.py::test_pkgconfig_patch_subdir_{missing,valid_path,valid_str}',
    ),
    async run(t) {
      // the template's patch adds new-file.txt where the package's patches apply
      const patch = t.read('package/test/001-new-file.patch');
      for (const [cfg, where] of [
        ['missing', 'new-file.txt'],
        ['patch-subdir-valid-path', 'patch-subdir/new-file.txt'],
        ['patch-subdir-valid-str', 'patch-subdir/new-file.txt'],
      ] as const) {
        t.write('archive/top/patch-subdir/README', 'sub-folder\n');
        execFileSync('tar', ['-C', t.path('archive'), '-cf', t.path('archive', 'src.tar'), 'top']);
        useConfig(t, cfg, {
          extra: `TEST_SITE = 'file://${t.path('archive', 'src.tar')}'\nTEST_VERSION = '1.0'`,
        });
        t.write('package/test/001-new-file.patch', patch);
        await t.ok([]);
        const dir = probe(t).env.PKG_BUILD_DIR ?? '';
        const found = (readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
          f.endsWith('new-file.txt'),
        );
        assert.deepEqual(found, [where], `${cfg}: the patch applied in`);
      }
    },
  },
  {
    name: 'pkgcfg/file-extension',
    template: 'pkg-extension',
    from: 'test_pkg_file_extension.py::test_pkg_file_extension_*',
    async run(t) {
      // the cache file a url site is downloaded to (PKG_CACHE_FILE), seen from
      // local sources (-L: internal packages, nothing fetched)
      const pkgs = ['default', 'extension', 'extensionless'];
      t.write('releng-tool.rt', `packages = ${JSON.stringify(pkgs)}\n`);
      for (const p of pkgs) {
        t.write(
          `package/${p}/${p}.rt`,
          `${t.read('package', p, `${p}.rt`)}\n${p.toUpperCase()}_INTERNAL = True\n`,
        );
        t.write(
          `package/${p}/${p}-build.rt`,
          "import os\nwith open(os.path.join(os.environ['ROOT_DIR'], PKG_NAME + '.cache'), 'w') as f:\n    f.write(os.environ['PKG_CACHE_FILE'])\n",
        );
        mkdirSync(join(t.dir, '..', p), { recursive: true });
      }
      await t.ok(['-L']);
      await t.ok([]);
      const suffix = (p: string) => extname(t.read(`${p}.cache`));
      assert.equal(suffix('default'), '.default', 'from the site');
      assert.equal(suffix('extension'), '.custom', 'EXTENSION');
      assert.equal(suffix('extensionless'), '', 'an empty EXTENSION');
    },
  },
  {
    name: 'pkgcfg/autotools-autoreconf',
    from: braces(
      'test_pkg_configs_autotools.py::test_pkgconfig_autotools_autoreconf_{disabled,enabled,missing}',
    ),
    async run(t) {
      const env = writeFakeTools(t, ['autoreconf']);
      for (const [cfg, runs] of [
        ['missing', false],
        ['autotools-autoreconf-disabled', false],
        ['autotools-autoreconf-enabled', true],
      ] as const) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'\nTEST_TYPE = 'autotools'" });
        t.remove('tools.log');
        // configure records that it ran and stops the build
        t.write(
          'package/test/local/configure',
          `#!/bin/sh\necho "configure $*" >> '${t.path('tools.log')}'\nexit 3\n`,
        );
        chmodSync(t.path('package/test/local/configure'), 0o755);
        await t.fails([], undefined, { env });
        const ran = toolCalls(t)
          .filter((l) => !l.endsWith(' --version'))
          .map((l) => l.split(' ')[0]);
        // an enabled autoreconf fails first (the stand-in), before configure
        assert.deepEqual(ran, runs ? ['autoreconf'] : ['configure'], `${cfg}: runs`);
      }
    },
  },
  {
    name: 'pkgcfg/license-files',
    from: braces(`${T}license_files_{missing,valid}`),
    async run(t) {
      // none of the sample's files exist: releng-tool names each (a warning), and builds
      for (const [cfg, files] of [
        ['missing', []],
        ['license-files-valid-empty', []],
        ['license-files-valid-single', ['license-file']],
        ['license-files-valid-multiple', ['license-file1', 'license-file2', 'license-file3']],
      ] as const) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'\nTEST_VERSION = '1.0'" });
        const r = await t.ok([]);
        const named = [...r.output.matchAll(/license file missing: \S*\/(license-file\d?)\b/g)].map(
          (m) => m[1],
        );
        assert.deepEqual(named.sort(), [...files], `${cfg}: missing license files named`);
      }
    },
  },
  {
    name: 'pkgcfg/host-provides',
    from: braces(
      'test_pkg_configs_host_provides.py::test_pkgconfig_host_provides_{ignored,missing,valid}',
    ),
    async run(t) {
      // the project needs two host tools that are not installed: a host
      // package providing one takes it off the missing list (only a host package)
      for (const [cfg, missing] of [
        ['missing', ['test-tool', 'tool-a']],
        ['host-provides-ignored', ['test-tool', 'tool-a']],
        ['host-provides-valid-single', ['tool-a']],
        ['host-provides-valid-multiple', ['test-tool']],
        ['host-provides-valid-empty-single', ['test-tool', 'tool-a']],
        ['host-provides-valid-empty-list', ['test-tool', 'tool-a']],
      ] as const) {
        useConfig(t, cfg, { project: "prerequisites = ['test-tool', 'tool-a']" });
        const r = await t.fails([]);
        for (const tool of ['test-tool', 'tool-a']) {
          const named = new RegExp(`(^|[\\s,:])${tool}\\b`, 'm').test(r.output);
          assert.equal(
            named,
            (missing as readonly string[]).includes(tool),
            `${cfg}: ${tool} missing:\n${r.output}`,
          );
        }
        assert.deepEqual(stagesRan(t), [], `${cfg}: nothing builds`);
      }
    },
  },
  {
    name: 'pkgcfg/devmode-skip-ic',
    from: braces('test_pkg_configs_devmode.py::test_pkgconfig_devmode_skip_ic_{disabled,enabled}'),
    async run(t) {
      // a development revision of a hashed archive whose hash is wrong: only
      // a package skipping integrity checks in development mode builds
      for (const [cfg, builds] of [
        ['devmode-skip-ic-disabled', false],
        ['devmode-skip-ic-enabled', true],
      ] as const) {
        const site = writeArchive(t);
        useConfig(t, cfg, {
          extra: `TEST_SITE = '${site}'\nTEST_VERSION = '1.0'\nTEST_DEVMODE_REVISION = 'dummy'`,
        });
        t.write('package/test/test.hash', 'sha1 bad-hash test-dummy.tar\n');
        await t.ok(['-D']);
        const r = await t.run([]);
        assert.equal(r.code === 0, builds, `${cfg}: builds:\n${r.output}`);
        assert.deepEqual(stagesRan(t), builds ? ['build'] : [], `${cfg}: stages`);
      }
    },
  },
  {
    name: 'pkgcfg/python-interpreter',
    from: braces(
      'test_pkg_configs_python.py::test_pkgconfig_python_interpreter_{missing,valid_path,valid_str}',
    ),
    async run(t) {
      // a python package's interpreter is the first thing its build runs
      const env = writeFakeTools(t, ['mypython']);
      for (const [cfg, used] of [
        ['missing', false],
        ['python-interpreter-valid-path', true],
        ['python-interpreter-valid-str', true],
      ] as const) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'\nTEST_TYPE = 'python'" });
        t.remove('tools.log');
        await t.fails([], undefined, { env });
        const calls = toolCalls(t);
        assert.equal(calls.length > 0, used, `${cfg}: mypython runs: ${calls.join('; ')}`);
      }
    },
  },
  {
    name: 'pkgcfg/python-installer-scheme',
    template: 'python-pep517',
    needs: ['python3'],
    from: braces(
      'test_pkg_configs_python_installer_scheme.py::test_pkgconfig_python_installer_scheme_{missing,valid_custom,valid_stock}',
    ),
    async run(t) {
      // where the fixture's module lands in the target sysroot, built with
      // Debian's python3 first on PATH (it has the build front-ends; see python.ts)
      const env = { PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` };
      const definition = t.read('package/test/test.rt');
      const minor = execFileSync('/usr/bin/python3', [
        '-c',
        'import sys; print(sys.version_info[1])',
      ])
        .toString()
        .trim();
      for (const [cfg, where] of [
        ['missing', 'usr/lib/python'],
        ['python-installer-scheme-valid-custom', 'mylib/python'],
        ['python-installer-scheme-valid-stock', `usr/lib/python3.${minor}/site-packages`],
      ] as const) {
        t.remove('output');
        const sample = readFileSync(join(HERE, 'assets', 'configs', cfg), 'utf8');
        t.write('package/test/test.rt', `${definition}\n${sample}\n`);
        await t.ok([], { env });
        t.assertExists('output', 'target', where, 'hello_module', '__init__.py');
      }
    },
  },
  {
    name: 'pkgcfg/remote-config',
    from: braces(
      'test_pkg_configs_remote.py::test_pkgconfig_remote_config_{disabled,enabled,missing}',
    ),
    async run(t) {
      // the sources' .releng-tool sets the job count: read only when enabled
      for (const [cfg, jobs] of [
        ['missing', undefined],
        ['remote-config-disabled', undefined],
        ['remote-config-enabled', '3'],
      ] as const) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'" });
        t.write('package/test/local/.releng-tool', 'TEST_FIXED_JOBS = 3\n');
        await t.ok([]);
        const njobs = probe(t).env.NJOBS;
        if (jobs) assert.equal(njobs, jobs, `${cfg}: NJOBS`);
        else assert.notEqual(njobs, '3', `${cfg}: the sources' job count is not read`);
      }
    },
  },
  {
    name: 'pkgcfg/remote-scripts',
    from: braces(
      'test_pkg_configs_remote.py::test_pkgconfig_remote_scripts_{disabled,enabled,missing}',
    ),
    async run(t) {
      // the sources' build script runs (the package has none of its own) only when enabled
      for (const [cfg, runs] of [
        ['missing', false],
        ['remote-scripts-disabled', false],
        ['remote-scripts-enabled', true],
      ] as const) {
        useConfig(t, cfg, { extra: "TEST_SITE = 'local'" });
        t.remove('package/test/test-build.rt');
        t.remove('remote-build.txt');
        t.write(
          'package/test/local/releng-tool-build.rt',
          "import os\nopen(os.path.join(os.environ['ROOT_DIR'], 'remote-build.txt'), 'w').close()\n",
        );
        await t.ok([]);
        assert.equal(t.exists('remote-build.txt'), runs, `${cfg}: the sources' build script ran`);
      }
    },
  },
  {
    name: 'pkgcfg/preextract',
    from: braces(
      'test_pkg_configs_preextract.py::test_pkgconfig_preextract_{disabled,enabled,missing}',
    ),
    async run(t) {
      // `other`, listed first and needing nothing, builds before `test`: only a
      // pre-extracted `test` has its sources in place by then (one job, so the
      // order is the list's)
      for (const [cfg, early] of [
        ['missing', false],
        ['preextract-disabled', false],
        ['preextract-enabled', true],
      ] as const) {
        const site = writeArchive(t);
        useConfig(t, cfg, { extra: `TEST_SITE = '${site}'\nTEST_VERSION = '1.0'` });
        t.write('releng-tool.rt', "packages = ['other', 'test']\n");
        t.write('package/other/other.rt', "OTHER_VERSION = '1.0'\n");
        t.write(
          'package/other/other-build.rt',
          "import os\nd = os.path.join(os.environ['BUILD_DIR'], 'test-1.0')\nwith open(os.path.join(os.environ['ROOT_DIR'], 'early.txt'), 'w') as f:\n    f.write(str(os.path.exists(os.path.join(d, 'top.txt'))))\n",
        );
        await t.ok(['-j', '1']);
        assert.equal(
          t.read('early.txt'),
          early ? 'True' : 'False',
          `${cfg}: test extracted before other builds`,
        );
      }
    },
  },
  ...pkgcfgStageCases,
];
