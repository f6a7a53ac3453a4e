// releng-tool's engine package-type tests (tests/unit-tests/test_engine_pkg_*.py),
// re-expressed as CLI runs. releng-tool's tests mock the host tool; here the
// tool is a recording stand-in named by RELENG_<TOOL> (the override releng-tool
// documents for host tools), so a case sees which commands a package type ran
// and with which arguments, and a missing tool is a path that does not exist.
import { chmodSync } from 'node:fs';
import { assert, type Case, type Ctx } from '../lib.ts';

/** One command a stand-in tool was run with. */
export interface ToolCall {
  tool: string;
  args: string[];
  cwd: string;
  destdir: string | null;
  xmakeConfigdir: string | null;
  /** Text of the file given after `-C` (cmake's initial cache), if any. */
  cache: string | null;
}

const LOG = 'tool-calls.jsonl';

/**
 * Writes an executable stand-in for `tool` that appends its arguments to
 * tool-calls.jsonl in the project and succeeds; returns its path.
 */
export function fakeTool(t: Ctx, tool: string): string {
  const rel = `fake-tools/${tool}`;
  t.write(
    rel,
    `#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
cache = None
if '-C' in args and args.index('-C') + 1 < len(args):
    try:
        with open(args[args.index('-C') + 1]) as f:
            cache = f.read()
    except OSError:
        cache = None
with open(${JSON.stringify(t.path(LOG))}, 'a') as f:
    f.write(json.dumps({'tool': ${JSON.stringify(tool)}, 'args': args, 'cwd': os.getcwd(),
        'destdir': os.environ.get('DESTDIR'), 'xmakeConfigdir': os.environ.get('XMAKE_CONFIGDIR'),
        'cache': cache}) + '\\n')
`,
  );
  chmodSync(t.path(rel), 0o755);
  return t.path(rel);
}

/** The commands the stand-in tools ran (version probes left out). */
export function toolCalls(t: Ctx, tool?: string): ToolCall[] {
  if (!t.exists(LOG)) return [];
  return t
    .read(LOG)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ToolCall)
    .filter((c) => !(c.args.length === 1 && c.args[0] === '--version'))
    .filter((c) => tool === undefined || c.tool === tool);
}

/** The RELENG_<TOOL> variable releng-tool reads for a host tool. */
const overrideKey = (tool: string) => `RELENG_${tool.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;

/** Environment pointing each tool at a stand-in. */
function fakeEnv(t: Ctx, tools: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const tool of tools) env[overrideKey(tool)] = fakeTool(t, tool);
  return env;
}

/** Environment pointing a tool at a path that does not exist. */
function missingEnv(t: Ctx, tool: string): Record<string, string> {
  return { [overrideKey(tool)]: t.path('no-such-tools', tool) };
}

/** Appends lines to the `minimal` fixture's package definition. */
function minimalPkg(t: Ctx, lines: string): void {
  const f = 'package/minimal/minimal.rt';
  t.write(f, `${t.read(f)}\n${lines}\n`);
}

/** Appends lines to the `minimal` fixture's project definition. */
function minimalPrj(t: Ctx, lines: string): void {
  t.write('releng-tool.rt', `${t.read('releng-tool.rt')}\n${lines}\n`);
}

/** Gives the `minimal` package local sources with an executable script. */
function localScript(t: Ctx, name: string): void {
  minimalPkg(t, "MINIMAL_SITE = 'local'");
  const rel = `package/minimal/local/${name}`;
  t.write(
    rel,
    `#!/bin/sh\necho "$0 $*" >> "${t.path('configure-calls.log')}"\nif [ -n "$RELENG_TEST_FAIL" ]; then exit 1; fi\n`,
  );
  chmodSync(t.path(rel), 0o755);
}

const configureCalls = (t: Ctx): string[] =>
  t.exists('configure-calls.log') ? t.read('configure-calls.log').split('\n').filter(Boolean) : [];

const has = (c: ToolCall, ...words: string[]) => words.every((w) => c.args.includes(w));

const CONFIGURE = ['minimal-configure'];

/** `--destdir <dir>` given once, with a folder (not an option) after it. */
function assertDestdirArg(c: ToolCall): void {
  assert.equal(c.args.filter((a) => a === '--destdir').length, 1, `args: ${c.args.join(' ')}`);
  const dir = c.args[c.args.indexOf('--destdir') + 1];
  assert.ok(dir && !dir.startsWith('-'), `no folder after --destdir: ${c.args.join(' ')}`);
}

const AUTOTOOLS: Case[] = [
  {
    name: 'eng/autotools-autoreconf-invoke',
    template: 'minimal',
    from: 'test_engine_pkg_autotools.py::test_engine_pkg_autotools_autoreconf_invoke',
    async run(t) {
      localScript(t, 'configure');
      minimalPkg(t, "MINIMAL_TYPE = 'autotools'\nMINIMAL_AUTOTOOLS_AUTORECONF = True");
      await t.ok(CONFIGURE, { env: fakeEnv(t, ['autoreconf', 'make']) });
      assert.equal(toolCalls(t, 'autoreconf').length, 1, 'autoreconf not run once');
      assert.equal(configureCalls(t).length, 1, './configure not run once');
    },
  },
  {
    name: 'eng/autotools-autoreconf-missing',
    template: 'minimal',
    from: 'test_engine_pkg_autotools.py::test_engine_pkg_autotools_autoreconf_missing',
    async run(t) {
      localScript(t, 'configure');
      minimalPkg(t, "MINIMAL_TYPE = 'autotools'\nMINIMAL_AUTOTOOLS_AUTORECONF = True");
      await t.fails(CONFIGURE, undefined, {
        env: { ...fakeEnv(t, ['make']), ...missingEnv(t, 'autoreconf') },
      });
      assert.deepEqual(configureCalls(t), [], './configure ran without autoreconf');
    },
  },
  {
    name: 'eng/autotools-default',
    template: 'minimal',
    from: 'test_engine_pkg_autotools.py::test_engine_pkg_autotools_default',
    async run(t) {
      localScript(t, 'configure');
      minimalPkg(t, "MINIMAL_TYPE = 'autotools'");
      await t.ok([], { env: fakeEnv(t, ['autoreconf', 'make']) });
      assert.equal(toolCalls(t, 'autoreconf').length, 0, 'autoreconf ran without AUTORECONF');
      const cfg = configureCalls(t);
      assert.equal(cfg.length, 1, './configure not run once');
      assert.match(cfg[0]!, /configure/);
      const make = toolCalls(t, 'make');
      assert.equal(make.length, 2, `make calls: ${JSON.stringify(make)}`);
      assert.ok(!has(make[0]!, 'install'), 'build ran make install');
      assert.ok(has(make[1]!, 'install'), 'install did not run make install');
    },
  },
];

/** cmake's initial-cache line releng-tool writes for a build type. */
const cacheLine = (type: string) =>
  `set(CMAKE_BUILD_TYPE "${type}" CACHE INTERNAL "releng-tool generated")`;

function cmakeConfigure(t: Ctx): ToolCall {
  const calls = toolCalls(t, 'cmake');
  assert.equal(calls.length, 1, `cmake calls: ${JSON.stringify(calls)}`);
  const c = calls[0]!;
  assert.ok(c.args.includes('-C'), `no -C cache in: ${c.args.join(' ')}`);
  assert.ok(c.cache !== null, 'the -C cache file is not a readable file');
  return c;
}

const CMAKE: Case[] = [
  ...[
    {
      name: 'build-type-cfg',
      prj: "default_cmake_build_type = 'CustomType'",
      pkg: '',
      type: 'CustomType',
    },
    {
      name: 'build-type-default',
      prj: '',
      pkg: "MINIMAL_CMAKE_BUILD_TYPE = 'Debug'",
      type: 'Debug',
    },
  ].map(
    ({ name, prj, pkg, type }): Case => ({
      name: `eng/cmake-${name}`,
      template: 'minimal',
      from: `test_engine_pkg_cmake.py::test_engine_pkg_cmake_${name.replace(/-/g, '_')}`,
      async run(t) {
        if (prj) minimalPrj(t, prj);
        minimalPkg(t, `MINIMAL_TYPE = 'cmake'\n${pkg}`);
        await t.ok(CONFIGURE, { env: fakeEnv(t, ['cmake']) });
        const c = cmakeConfigure(t);
        assert.ok(c.cache!.split('\n').includes(cacheLine(type)), `cache:\n${c.cache}`);
      },
    }),
  ),
  ...[
    { n: 1, pkg: "MINIMAL_CONF_DEFS = {'CMAKE_BUILD_TYPE': 'BuildTypeOverride'}" },
    { n: 2, pkg: "MINIMAL_CONF_OPTS = ['-DCMAKE_BUILD_TYPE=BuildTypeOverride']" },
  ].map(
    ({ n, pkg }): Case => ({
      name: `eng/cmake-cfg-bt-override${n}`,
      template: 'minimal',
      from: `test_engine_pkg_cmake.py::test_engine_pkg_cmake_cfg_bt_override${n}`,
      async run(t) {
        minimalPkg(t, `MINIMAL_TYPE = 'cmake'\n${pkg}`);
        await t.ok(CONFIGURE, { env: fakeEnv(t, ['cmake']) });
        const c = cmakeConfigure(t);
        assert.ok(c.args.includes('-DCMAKE_BUILD_TYPE=BuildTypeOverride'), c.args.join(' '));
        assert.ok(!c.cache!.includes('CMAKE_BUILD_TYPE'), `cache:\n${c.cache}`);
      },
    }),
  ),
  {
    name: 'eng/cmake-default',
    template: 'minimal',
    from: 'test_engine_pkg_cmake.py::test_engine_pkg_cmake_default',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'cmake'");
      await t.ok([], { env: fakeEnv(t, ['cmake']) });
      const calls = toolCalls(t, 'cmake');
      assert.equal(calls.length, 3, `cmake calls: ${JSON.stringify(calls)}`);
      const [cfg, build, install] = calls as [ToolCall, ToolCall, ToolCall];
      assert.ok(cfg.cache?.split('\n').includes(cacheLine('RelWithDebInfo')), `${cfg.cache}`);
      // configure is pointed at the package's build folder
      const buildDir = t.path('output', 'build', 'minimal-v1.0');
      assert.ok(cfg.args.includes(buildDir), `${buildDir} not in: ${cfg.args.join(' ')}`);
      assert.ok(build.args.includes('--build'), build.args.join(' '));
      const i = install.args.indexOf('--target');
      assert.ok(i >= 0 && install.args[i + 1] === 'install', install.args.join(' '));
    },
  },
  {
    name: 'eng/cmake-missing',
    template: 'minimal',
    from: 'test_engine_pkg_cmake.py::test_engine_pkg_cmake_missing',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'cmake'");
      await t.fails([], undefined, { env: missingEnv(t, 'cmake') });
      t.assertMissing('output/build/minimal-v1.0/.releng_tool-stage-configure');
    },
  },
  {
    name: 'eng/cmake-no-install',
    template: 'minimal',
    from: 'test_engine_pkg_cmake.py::test_engine_pkg_cmake_no_install',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'cmake'\nMINIMAL_CMAKE_NOINSTALL = True");
      await t.ok([], { env: fakeEnv(t, ['cmake']) });
      const calls = toolCalls(t, 'cmake');
      assert.equal(calls.length, 2, `cmake calls: ${JSON.stringify(calls)}`);
      assert.ok(!calls[0]!.args.includes('--build'), 'first call is not the configure');
      assert.ok(calls[1]!.args.includes('--build'), 'second call is not the build');
      assert.ok(!calls[1]!.args.includes('install'), 'installed with CMAKE_NOINSTALL');
    },
  },
];

const MAKE: Case[] = [
  {
    name: 'eng/make-config-command',
    template: 'minimal',
    from: 'test_engine_pkg_make.py::test_engine_pkg_make_config_command',
    async run(t) {
      localScript(t, 'configure2');
      minimalPkg(t, "MINIMAL_MAKE_CONFIGURE = './configure2'\nMINIMAL_TYPE = 'make'");
      await t.ok(CONFIGURE, { env: fakeEnv(t, ['make']) });
      const cfg = configureCalls(t);
      assert.equal(cfg.length, 1, './configure2 not run once');
      assert.match(cfg[0]!, /configure2/);
      assert.deepEqual(toolCalls(t, 'make'), [], 'make ran in the configure stage');
    },
  },
  ...[
    {
      name: 'config-defs',
      pkg: "MINIMAL_CONF_DEFS = {'OPTION': 'VALUE'}",
      from: 'test_engine_pkg_make.py::test_engine_pkg_make_config_defs, ::test_engine_pkg_make_config_env',
    },
    {
      name: 'config-opts',
      pkg: "MINIMAL_CONF_OPTS = {'OPTION': 'VALUE'}",
      from: 'test_engine_pkg_make.py::test_engine_pkg_make_config_opts',
    },
  ].map(
    ({ name, pkg, from }): Case => ({
      name: `eng/make-${name}`,
      template: 'minimal',
      from,
      async run(t) {
        minimalPkg(t, `MINIMAL_TYPE = 'make'\n${pkg}`);
        await t.ok(CONFIGURE, { env: fakeEnv(t, ['make']) });
        assert.equal(toolCalls(t, 'make').length, 1, 'make not run once in the configure stage');
      },
    }),
  ),
  {
    name: 'eng/make-default',
    template: 'minimal',
    from: 'test_engine_pkg_make.py::test_engine_pkg_make_default',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'make'");
      await t.ok([], { env: fakeEnv(t, ['make']) });
      const calls = toolCalls(t, 'make');
      assert.equal(calls.length, 2, `make calls: ${JSON.stringify(calls)}`);
      assert.ok(!has(calls[0]!, 'install'), 'build ran make install');
      assert.ok(has(calls[1]!, 'install'), 'install did not run make install');
    },
  },
  {
    name: 'eng/make-missing',
    template: 'minimal',
    from: 'test_engine_pkg_make.py::test_engine_pkg_make_missing',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'make'");
      await t.fails([], undefined, { env: missingEnv(t, 'make') });
      t.assertMissing('output/build/minimal-v1.0/.releng_tool-stage-build');
    },
  },
  {
    name: 'eng/make-no-install',
    template: 'minimal',
    from: 'test_engine_pkg_make.py::test_engine_pkg_make_no_install',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'make'\nMINIMAL_MAKE_NOINSTALL = True");
      await t.ok([], { env: fakeEnv(t, ['make']) });
      const calls = toolCalls(t, 'make');
      assert.equal(calls.length, 1, `make calls: ${JSON.stringify(calls)}`);
      assert.ok(!has(calls[0]!, 'install'), 'installed with MAKE_NOINSTALL');
    },
  },
];

const MESON: Case[] = [
  ...[
    { name: 'build-type-cfg', prj: "default_meson_build_type = 'minsize'", pkg: '' },
    { name: 'build-type-default', prj: '', pkg: "MINIMAL_MESON_BUILD_TYPE = 'minsize'" },
  ].map(
    ({ name, prj, pkg }): Case => ({
      name: `eng/meson-${name}`,
      template: 'minimal',
      from: `test_engine_pkg_meson.py::test_engine_pkg_meson_${name.replace(/-/g, '_')}`,
      async run(t) {
        if (prj) minimalPrj(t, prj);
        minimalPkg(t, `MINIMAL_TYPE = 'meson'\n${pkg}`);
        await t.ok(CONFIGURE, { env: fakeEnv(t, ['meson']) });
        const calls = toolCalls(t, 'meson');
        assert.equal(calls.length, 1, `meson calls: ${JSON.stringify(calls)}`);
        assert.ok(has(calls[0]!, '--buildtype', 'minsize'), calls[0]!.args.join(' '));
      },
    }),
  ),
  {
    name: 'eng/meson-default',
    template: 'minimal',
    from: 'test_engine_pkg_meson.py::test_engine_pkg_meson_default',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'meson'");
      await t.ok([], { env: fakeEnv(t, ['meson']) });
      const calls = toolCalls(t, 'meson');
      assert.equal(calls.length, 3, `meson calls: ${JSON.stringify(calls)}`);
      const [cfg, build, install] = calls as [ToolCall, ToolCall, ToolCall];
      assert.ok(has(cfg, 'setup'), cfg.args.join(' '));
      assert.ok(has(build, 'compile'), build.args.join(' '));
      assert.ok(has(install, 'install', '--no-rebuild'), install.args.join(' '));
      assertDestdirArg(install);
      assert.ok(install.destdir !== null, 'DESTDIR not set for the install');
    },
  },
  {
    name: 'eng/meson-install-staging-and-target',
    template: 'minimal',
    from: 'test_engine_pkg_meson.py::test_engine_pkg_meson_install_staging_and_target',
    async run(t) {
      minimalPkg(t, "MINIMAL_INSTALL_TYPE = 'staging_and_target'\nMINIMAL_TYPE = 'meson'");
      await t.ok([], { env: fakeEnv(t, ['meson']) });
      const calls = toolCalls(t, 'meson');
      assert.equal(calls.length, 4, `meson calls: ${JSON.stringify(calls)}`);
      for (const install of calls.slice(2)) {
        assert.ok(has(install, 'install'), install.args.join(' '));
        assertDestdirArg(install);
        assert.ok(install.destdir !== null, 'DESTDIR not set for the install');
      }
    },
  },
  {
    name: 'eng/meson-missing',
    template: 'minimal',
    from: 'test_engine_pkg_meson.py::test_engine_pkg_meson_missing',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'meson'");
      await t.fails([], undefined, { env: missingEnv(t, 'meson') });
      t.assertMissing('output/build/minimal-v1.0/.releng_tool-stage-configure');
    },
  },
  {
    name: 'eng/meson-no-install',
    template: 'minimal',
    from: 'test_engine_pkg_meson.py::test_engine_pkg_meson_no_install',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'meson'\nMINIMAL_MESON_NOINSTALL = True");
      await t.ok([], { env: fakeEnv(t, ['meson']) });
      const calls = toolCalls(t, 'meson');
      assert.equal(calls.length, 2, `meson calls: ${JSON.stringify(calls)}`);
      assert.ok(has(calls[0]!, 'setup') && has(calls[1]!, 'compile'), JSON.stringify(calls));
    },
  },
];

const SCONS: Case[] = [
  ...[
    {
      name: 'config-defs',
      pkg: "MINIMAL_CONF_DEFS = {'OPTION': 'VALUE'}",
      from: 'test_engine_pkg_scons.py::test_engine_pkg_scons_config_defs, ::test_engine_pkg_scons_config_env',
    },
    {
      name: 'config-opts',
      pkg: "MINIMAL_CONF_OPTS = {'OPTION': 'VALUE'}",
      from: 'test_engine_pkg_scons.py::test_engine_pkg_scons_config_opts',
    },
  ].map(
    ({ name, pkg, from }): Case => ({
      name: `eng/scons-${name}`,
      template: 'minimal',
      from,
      async run(t) {
        minimalPkg(t, `MINIMAL_TYPE = 'scons'\n${pkg}`);
        await t.ok(CONFIGURE, { env: fakeEnv(t, ['scons']) });
        assert.equal(toolCalls(t, 'scons').length, 1, 'scons not run once in the configure stage');
      },
    }),
  ),
  {
    name: 'eng/scons-default',
    template: 'minimal',
    from: 'test_engine_pkg_scons.py::test_engine_pkg_scons_default',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'scons'");
      await t.ok([], { env: fakeEnv(t, ['scons']) });
      const calls = toolCalls(t, 'scons');
      assert.equal(calls.length, 2, `scons calls: ${JSON.stringify(calls)}`);
      assert.ok(!has(calls[0]!, 'install'), 'build ran scons install');
      assert.ok(has(calls[1]!, 'install'), 'install did not run scons install');
    },
  },
  {
    name: 'eng/scons-missing',
    template: 'minimal',
    from: 'test_engine_pkg_scons.py::test_engine_pkg_scons_missing',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'scons'");
      await t.fails([], undefined, { env: missingEnv(t, 'scons') });
      t.assertMissing('output/build/minimal-v1.0/.releng_tool-stage-build');
    },
  },
  {
    name: 'eng/scons-no-install',
    template: 'minimal',
    from: 'test_engine_pkg_scons.py::test_engine_pkg_scons_no_install',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'scons'\nMINIMAL_SCONS_NOINSTALL = True");
      await t.ok([], { env: fakeEnv(t, ['scons']) });
      const calls = toolCalls(t, 'scons');
      assert.equal(calls.length, 1, `scons calls: ${JSON.stringify(calls)}`);
      assert.ok(!has(calls[0]!, 'install'), 'installed with SCONS_NOINSTALL');
    },
  },
];

const WAF: Case[] = [
  {
    name: 'eng/waf-default',
    template: 'minimal',
    from: 'test_engine_pkg_waf.py::test_engine_pkg_waf_default',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'waf'");
      await t.ok([], { env: fakeEnv(t, ['waf']) });
      const calls = toolCalls(t, 'waf');
      assert.equal(calls.length, 3, `waf calls: ${JSON.stringify(calls)}`);
      const [cfg, build, install] = calls as [ToolCall, ToolCall, ToolCall];
      assert.ok(has(cfg, 'configure'), cfg.args.join(' '));
      assert.ok(
        cfg.args.some((a) => a.startsWith('--out=')),
        `no --out= in: ${cfg.args.join(' ')}`,
      );
      assert.ok(has(build, 'build'), build.args.join(' '));
      assert.ok(has(install, 'install'), install.args.join(' '));
      assertDestdirArg(install);
      assert.ok(install.destdir !== null, 'DESTDIR not set for the install');
    },
  },
  {
    name: 'eng/waf-install-staging-and-target',
    template: 'minimal',
    from: 'test_engine_pkg_waf.py::test_engine_pkg_waf_install_staging_and_target',
    async run(t) {
      minimalPkg(t, "MINIMAL_INSTALL_TYPE = 'staging_and_target'\nMINIMAL_TYPE = 'waf'");
      await t.ok([], { env: fakeEnv(t, ['waf']) });
      const calls = toolCalls(t, 'waf');
      assert.equal(calls.length, 4, `waf calls: ${JSON.stringify(calls)}`);
      for (const install of calls.slice(2)) {
        assert.ok(has(install, 'install'), install.args.join(' '));
        assertDestdirArg(install);
        assert.ok(install.destdir !== null, 'DESTDIR not set for the install');
      }
    },
  },
  {
    name: 'eng/waf-missing',
    template: 'minimal',
    from: 'test_engine_pkg_waf.py::test_engine_pkg_waf_missing',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'waf'");
      await t.fails([], undefined, { env: missingEnv(t, 'waf') });
      t.assertMissing('output/build/minimal-v1.0/.releng_tool-stage-configure');
    },
  },
  {
    name: 'eng/waf-no-install',
    template: 'minimal',
    from: 'test_engine_pkg_waf.py::test_engine_pkg_waf_no_install',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'waf'\nMINIMAL_WAF_NOINSTALL = True");
      await t.ok([], { env: fakeEnv(t, ['waf']) });
      const calls = toolCalls(t, 'waf');
      assert.equal(calls.length, 2, `waf calls: ${JSON.stringify(calls)}`);
      assert.ok(has(calls[0]!, 'configure') && has(calls[1]!, 'build'), JSON.stringify(calls));
    },
  },
];

/** xmake's stage commands (config, build, install), without helper runs such as `xmake lua`. */
const xmakeCalls = (t: Ctx) =>
  toolCalls(t, 'xmake').filter((c) => ['config', 'build', 'install'].includes(c.args[0] ?? ''));

const XMAKE: Case[] = [
  ...[
    {
      name: 'build-type-cfg',
      prj: "default_xmake_build_type = 'CustomType'",
      pkg: '',
      mode: '--mode=CustomType',
    },
    { name: 'build-type-default', prj: '', pkg: '', mode: null },
    {
      name: 'build-type-set',
      prj: '',
      pkg: "MINIMAL_XMAKE_BUILD_TYPE = 'debug'",
      mode: '--mode=debug',
    },
  ].map(
    ({ name, prj, pkg, mode }): Case => ({
      name: `eng/xmake-${name}`,
      template: 'minimal',
      from: `test_engine_pkg_xmake.py::test_engine_pkg_xmake_${name.replace(/-/g, '_')}`,
      async run(t) {
        if (prj) minimalPrj(t, prj);
        minimalPkg(t, `MINIMAL_TYPE = 'xmake'\n${pkg}`);
        await t.ok(CONFIGURE, { env: fakeEnv(t, ['xmake']) });
        const calls = xmakeCalls(t);
        assert.equal(calls.length, 1, `xmake calls: ${JSON.stringify(calls)}`);
        const args = calls[0]!.args;
        if (mode)
          assert.ok(
            args.some((a) => a.startsWith(mode)),
            `no ${mode} in: ${args.join(' ')}`,
          );
        else assert.ok(!args.some((a) => a.startsWith('--mode')), `a --mode in: ${args.join(' ')}`);
      },
    }),
  ),
  {
    name: 'eng/xmake-default',
    template: 'minimal',
    from: 'test_engine_pkg_xmake.py::test_engine_pkg_xmake_default',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'xmake'");
      await t.ok([], { env: fakeEnv(t, ['xmake']) });
      const calls = xmakeCalls(t);
      assert.equal(calls.length, 3, `xmake calls: ${JSON.stringify(calls)}`);
      const [cfg, build, install] = calls as [ToolCall, ToolCall, ToolCall];
      assert.ok(has(cfg, 'config'), cfg.args.join(' '));
      assert.equal(cfg.args.filter((a) => a === '-o').length, 1, cfg.args.join(' '));
      const out = cfg.args[cfg.args.indexOf('-o') + 1];
      assert.ok(out && !out.startsWith('-'), `no folder after -o: ${cfg.args.join(' ')}`);
      assert.ok(has(build, 'build'), build.args.join(' '));
      assert.ok(has(install, 'install'), install.args.join(' '));
      assert.ok(
        install.args.some((a) => a.startsWith('--installdir=')),
        `no --installdir= in: ${install.args.join(' ')}`,
      );
      for (const c of calls)
        assert.ok(c.xmakeConfigdir !== null, `no XMAKE_CONFIGDIR for ${c.args[0]}`);
    },
  },
  {
    name: 'eng/xmake-missing',
    template: 'minimal',
    from: 'test_engine_pkg_xmake.py::test_engine_pkg_xmake_missing',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'xmake'");
      await t.fails([], undefined, { env: missingEnv(t, 'xmake') });
      t.assertMissing('output/build/minimal-v1.0/.releng_tool-stage-configure');
    },
  },
  {
    name: 'eng/xmake-no-install',
    template: 'minimal',
    from: 'test_engine_pkg_xmake.py::test_engine_pkg_xmake_no_install',
    async run(t) {
      minimalPkg(t, "MINIMAL_TYPE = 'xmake'\nMINIMAL_XMAKE_NOINSTALL = True");
      await t.ok([], { env: fakeEnv(t, ['xmake']) });
      const calls = xmakeCalls(t);
      assert.equal(calls.length, 2, `xmake calls: ${JSON.stringify(calls)}`);
      assert.ok(has(calls[0]!, 'config') && has(calls[1]!, 'build'), JSON.stringify(calls));
    },
  },
];

/** The package-type cases (autotools, cmake, make, meson, scons, waf, xmake). */
export const engCases: Case[] = [
  ...AUTOTOOLS,
  ...CMAKE,
  ...MAKE,
  ...MESON,
  ...SCONS,
  ...WAF,
  ...XMAKE,
];
