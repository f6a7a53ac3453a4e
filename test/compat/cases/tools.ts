// releng-tool's tool tests (tests/tool-tests) for make, cmake, meson and
// scons packages, re-expressed as CLI runs: options appended to the fixture's
// definitions as releng-tool's tests append them, then which files the build
// left in the root and in each sysroot.
import { assert, type Case, type Ctx } from '../lib.ts';

/** Appends `<PKG>_<KEY> = <python literal>` to a package's definition. */
function defconfig(t: Ctx, key: string, value: string, pkg = 'test'): void {
  const file = `package/${pkg}/${pkg}.rt`;
  const name = `${pkg.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${key}`;
  t.write(file, `${t.exists(file) ? t.read(file) : ''}\n${name} = ${value}\n`);
}

type Area = 'root' | 'host' | 'staging' | 'target';
const at = (area: Area, file: string) => (area === 'root' ? file : `output/${area}/${file}`);

function makeCase(
  name: string,
  options: Array<[string, string]>,
  present: Array<[Area, string]>,
  absent: Array<[Area, string]>,
): Case {
  return {
    name: `tool-make/${name}`,
    template: 'make',
    needs: ['make'],
    from: `test_tool_make.py::test_tool_make_${name.replace(/-/g, '_')}`,
    async run(t) {
      for (const [k, v] of options) defconfig(t, k, v);
      await t.ok();
      for (const [area, f] of present) t.assertExists(at(area, f));
      for (const [area, f] of absent) t.assertMissing(at(area, f));
    },
  };
}

const B: [Area, string] = ['root', 'test-make-build'];
const C: [Area, string] = ['root', 'test-make-configure'];
const CC: [Area, string] = ['root', 'test-custom-configure'];
const inst = (area: Area): [Area, string] => [area, 'test-make-install'];
const CONF: [string, string] = ['CONF_OPTS', "['configure']"];

/** An executable's place in a sysroot (releng-tool's default prefix /usr). */
const exe = (area: Area, name: string) => `output/${area}/usr/bin/${name}`;

function sysrootCase(
  tool: 'cmake-config' | 'cmake-module' | 'meson' | 'scons',
  name: string,
  installType: string | undefined,
  extra: Array<[string, string]>,
  expect: Partial<Record<Area, boolean>>,
): Case {
  const withLib = tool !== 'scons';
  const file = tool === 'scons' ? 'main' : 'testapp';
  const needs = tool.startsWith('cmake')
    ? ['cmake', 'make', 'cc']
    : tool === 'meson'
      ? ['meson', 'ninja', 'cc']
      : ['scons', 'cc'];
  return {
    name: `tool-${tool}/${name}`,
    template: tool,
    needs,
    from: `test_tool_${tool.replace('-', '_')}.py::test_tool_${tool.replace('-', '_')}_${name.replace(/-/g, '_')}`,
    async run(t) {
      if (installType) {
        defconfig(t, 'INSTALL_TYPE', `'${installType}'`);
        if (withLib) defconfig(t, 'INSTALL_TYPE', `'${installType}'`, 'lib');
      }
      for (const [k, v] of extra) defconfig(t, k, v);
      await t.ok();
      for (const [area, wanted] of Object.entries(expect) as Array<[Area, boolean]>) {
        assert.equal(
          t.exists(exe(area, file)),
          wanted,
          `${exe(area, file)} ${wanted ? 'missing' : 'should not exist'}`,
        );
      }
    },
  };
}

const SYSROOT_VARIANTS = (
  tool: 'cmake-config' | 'cmake-module' | 'meson' | 'scons',
  noinstall: string,
): Case[] => [
  sysrootCase(tool, 'default', undefined, [], { staging: false, target: true }),
  sysrootCase(tool, 'host', 'host', [], { host: true }),
  sysrootCase(tool, tool.startsWith('cmake') ? 'staging-only' : 'staging', 'staging', [], {
    staging: true,
    target: false,
  }),
  sysrootCase(tool, 'staging-and-target', 'staging_and_target', [], {
    staging: true,
    target: true,
  }),
  ...(noinstall
    ? [sysrootCase(tool, 'noinstall', undefined, [[noinstall, 'True']], { target: false })]
    : []),
];

export const toolCases: Case[] = [
  makeCase('configure', [CONF], [B, C, inst('target')], [inst('host'), CC, inst('staging')]),
  makeCase(
    'custom-configure',
    [['MAKE_CONFIGURE', "'./configure.sh'"]],
    [CC, B, inst('target')],
    [inst('host'), C, inst('staging')],
  ),
  makeCase('default', [], [B, inst('target')], [inst('host'), C, inst('staging')]),
  makeCase(
    'host-configure',
    [CONF, ['INSTALL_TYPE', "'host'"]],
    [inst('host'), B, C],
    [inst('staging'), inst('target')],
  ),
  makeCase(
    'host-default',
    [['INSTALL_TYPE', "'host'"]],
    [inst('host'), B],
    [C, inst('staging'), inst('target')],
  ),
  makeCase(
    'staging-configure',
    [CONF, ['INSTALL_TYPE', "'staging'"]],
    [B, C, inst('staging')],
    [inst('host'), inst('target')],
  ),
  makeCase(
    'staging-default',
    [['INSTALL_TYPE', "'staging'"]],
    [B, inst('staging')],
    [inst('host'), C, inst('target')],
  ),
  makeCase(
    'staging-and-target-configure',
    [CONF, ['INSTALL_TYPE', "'staging_and_target'"]],
    [B, C, inst('staging'), inst('target')],
    [inst('host')],
  ),
  makeCase(
    'staging-and-target-default',
    [['INSTALL_TYPE', "'staging_and_target'"]],
    [B, inst('staging'), inst('target')],
    [['host', 'test-make-build'], inst('host'), C],
  ),
  makeCase(
    'noinstall-configure',
    [CONF, ['MAKE_NOINSTALL', 'True']],
    [B, C],
    [inst('host'), inst('staging'), inst('target')],
  ),
  makeCase(
    'noinstall-default',
    [['MAKE_NOINSTALL', 'True']],
    [B],
    [inst('host'), C, inst('staging'), inst('target')],
  ),
  ...SYSROOT_VARIANTS('cmake-config', 'CMAKE_NOINSTALL'),
  sysrootCase(
    'cmake-config',
    'toolchain',
    undefined,
    [['CONF_DEFS', "{'CMAKE_TOOLCHAIN_FILE': '$ROOT_DIR/toolchain.cmake'}"]],
    {},
  ),
  ...SYSROOT_VARIANTS('cmake-module', 'CMAKE_NOINSTALL'),
  sysrootCase(
    'cmake-module',
    'toolchain',
    undefined,
    [['CONF_DEFS', "{'CMAKE_TOOLCHAIN_FILE': '$ROOT_DIR/toolchain.cmake'}"]],
    {},
  ),
  ...SYSROOT_VARIANTS('meson', 'MESON_NOINSTALL'),
  ...SYSROOT_VARIANTS('scons', 'SCONS_NOINSTALL'),
];
