// releng-tool's Python tool tests for the front-end setup types and host
// tools (tests/tool-tests/test_tool_python_{poetry,hatchling,
// host,native,misc}.py). releng-tool runs `python -m poetry|pdm|hatch build`
// for these setup types: Debian 12 packages poetry (python3-poetry), not
// hatch, so the hatchling cases need a `hatch` command. The pdm fixtures are
// left out: Debian 12's pdm 2.2.1 looks for the build backend only in the
// project's own environment (a new .venv or __pypackages__), even with
// --no-isolation, and so downloads pdm-pep517/pdm-backend from PyPI.
// Run with Debian's python3 first on PATH, as cases/python.ts does.
import { existsSync } from 'node:fs';
import { assert, type Case, type Ctx } from '../lib.ts';
import { pyCase } from './python.ts';

type Area = 'host' | 'staging' | 'target';
const VARIANTS: Array<[string, string | undefined, Area[]]> = [
  ['default', undefined, ['target']],
  ['host', 'host', ['host']],
  ['staging', 'staging', ['staging']],
  ['staging-and-target', 'staging_and_target', ['staging', 'target']],
];
const PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;

/** The eight install-type × scheme cases of one front-end fixture, renamed into pyext/. */
function frontEndCases(tpl: string, needs: string[]): Case[] {
  return VARIANTS.flatMap(([variant, type, areas]) =>
    [false, true].map((native) => {
      const c = pyCase(tpl, variant, type, areas, native);
      return {
        ...c,
        name: `pyext/python-${tpl}/${variant}-scheme-${native ? 'native' : 'default'}`,
        needs: [...(c.needs ?? []), ...needs],
      };
    }),
  );
}

/** Appends lines to a package's definition (releng-tool's defconfig_add). */
function defAdd(t: Ctx, pkg: string, lines: string[]): void {
  const rel = `package/${pkg}/${pkg}.rt`;
  t.write(rel, `${t.read(rel)}\n${lines.join('\n')}\n`);
}

// test_tool_python_host.py: two host packages (test2 needs test), each
// installing a console script; test2's bootstrap and post scripts and the
// project's post-build script run those scripts and import both modules,
// so a run that exits 0 proves the host tools are on PATH and PYTHONPATH.
const HOST_PREFIXES: Array<[string, string | undefined, string | undefined]> = [
  ['custom-prefix', '/my-custom/prefix', '/my-custom/prefix'],
  ['default-prefix', undefined, undefined],
  ['empty-prefix', '', ''],
  ['mixed-prefix', '/custom-prefix', '/some-other-prefix'],
];
const hostCases: Case[] = HOST_PREFIXES.map(([name, p1, p2]) => ({
  name: `pyext/python-host/${name}`,
  template: 'python-host',
  needs: ['python3'],
  from: `test_tool_python_host.py::test_tool_python_host_${name.replace('-', '_')}`,
  async run(t: Ctx) {
    if (p1 !== undefined) defAdd(t, 'test', [`TEST_PREFIX = '${p1}'`]);
    if (p2 !== undefined) defAdd(t, 'test2', [`TEST2_PREFIX = '${p2}'`]);
    const r = await t.ok([], { env: { PATH } });
    // the post-build script's imports print these (hello_world, hello_world2)
    assert.match(r.output, /hello world\n/);
    assert.match(r.output, /hello world2/);
  },
}));

const miscCases: Case[] = [
  {
    name: 'pyext/python-native/interpreter',
    template: 'python-native',
    needs: ['python3'],
    from: 'test_tool_python_native.py::test_tool_python_native_interpreter',
    async run(t: Ctx) {
      defAdd(t, 'test', ["TEST_PYTHON_INTERPRETER = '/usr/bin/python3'"]);
      await t.ok([], { env: { PATH } });
      t.assertExists('output/target/usr/lib/python/hello_module/__init__.py');
    },
  },
  {
    name: 'pyext/python-misc/scheme-traversal',
    template: 'python-native',
    needs: ['python3'],
    from: 'test_tool_python_misc.py::test_tool_python_misc_scheme_traversal',
    async run(t: Ctx) {
      defAdd(t, 'test', [
        'TEST_PYTHON_INSTALLER_SCHEME = {',
        "    'data': '',",
        "    'include': 'include/python',",
        "    'platinclude': 'include/python',",
        "    'platlib': 'lib/python',",
        "    'platstdlib': 'lib/python',",
        "    'purelib': '..',",
        "    'scripts': 'bin',",
        "    'stdlib': 'lib/python',",
        '}',
      ]);
      const r = await t.fails([], undefined, { env: { PATH } });
      assert.match(r.output, /traversal/i);
      assert.match(r.output, /\btest\b/);
      t.assertMissing('output/target/usr/lib/python/hello_module');
    },
  },
];

// test_tool_cargo.py: the fixture has no dependencies, so it builds offline
// (no crates.io). releng-tool's test also appends the install type for a
// `lib` package the vendored fixture does not have (LIB_INSTALL_TYPE in
// test.rt); that line is left out here.
const CARGO_VARIANTS: Array<[string, string[], string[]]> = [
  ['default', [], ['target']],
  ['host', ["TEST_INSTALL_TYPE = 'host'"], ['host']],
  ['noinstall', ['TEST_CARGO_NOINSTALL = True'], []],
  ['staging', ["TEST_INSTALL_TYPE = 'staging'"], ['staging']],
  ['staging-and-target', ["TEST_INSTALL_TYPE = 'staging_and_target'"], ['staging', 'target']],
];
const cargoCases: Case[] = CARGO_VARIANTS.map(([name, lines, areas]) => ({
  name: `pyext/cargo/${name}`,
  template: 'cargo',
  needs: ['cargo'],
  from: `test_tool_cargo.py::test_tool_cargo_${name.replace(/-/g, '_')}`,
  async run(t: Ctx) {
    if (lines.length > 0) defAdd(t, 'test', lines);
    // an empty CARGO_HOME: nothing from the machine's registry cache is used
    await t.ok([], { env: { CARGO_HOME: t.path('..', 'cargo-home'), CARGO_NET_OFFLINE: 'true' } });
    for (const area of ['host', 'staging', 'target']) {
      const bin = t.path('output', area, 'usr', 'bin', 'hello_cargo');
      assert.equal(
        existsSync(bin),
        (areas as string[]).includes(area),
        `output/${area}/usr/bin/hello_cargo`,
      );
    }
  },
}));

export const pyextPythonCases: Case[] = [
  ...cargoCases,
  ...frontEndCases('poetry', ['poetry']),
  ...frontEndCases('hatchling', ['hatch']),
  ...hostCases,
  ...miscCases,
];
