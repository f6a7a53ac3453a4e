// releng-tool's Python tool tests (tests/tool-tests/test_tool_python_*.py):
// each fixture package built with every install type, with the default
// install scheme (`<sysroot>/usr/lib/python`) and the native one
// (`site-packages`). Run with Debian's python3 first on PATH, which has the
// build front-ends (python3-build, -installer, -wheel, flit), for releng-tool
// and for releng alike.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';

// hatchling and poetry are left out: releng-tool runs the `hatch` and `poetry`
// commands for them, which Debian 12 does not package (pdm neither).
const TEMPLATES = [
  'default',
  'distutils',
  'flit',
  'pep517',
  'setuptools-explicit',
  'setuptools-implicit',
];
type Area = 'host' | 'staging' | 'target';
const VARIANTS: Array<[string, string | undefined, Area[]]> = [
  ['default', undefined, ['target']],
  ['host', 'host', ['host']],
  ['staging', 'staging', ['staging']],
  ['staging-and-target', 'staging_and_target', ['staging', 'target']],
];
const PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;

/** The first site-packages (or Debian dist-packages) folder under `dir`. */
export function sitePackages(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if (e.name === 'site-packages' || e.name === 'dist-packages') return join(dir, e.name);
    const found = sitePackages(join(dir, e.name));
    if (found) return found;
  }
  return undefined;
}

/**
 * The package-option tests whose value a default build of a template uses:
 * the template's PYTHON_SETUP_TYPE (none: the implicit PEP 517 build), the
 * python type itself, and the native installer scheme.
 */
const SETUP_TYPE_TEST: Record<string, string> = {
  default: 'implicit',
  distutils: 'distutils',
  flit: 'flit',
  pep517: 'pep517',
  'setuptools-explicit': 'setuptools',
  poetry: 'poetry',
  hatchling: 'hatchling',
};
function alsoFrom(tpl: string, variant: string, native: boolean): string {
  if (variant !== 'default') return '';
  const also: string[] = [];
  const setup = SETUP_TYPE_TEST[tpl];
  if (setup && !native)
    also.push(`test_pkg_configs_python.py::test_pkgconfig_python_setup_type_valid_${setup}`);
  if (tpl === 'default' && !native)
    also.push(
      'test_pkg_configs_type.py::test_pkgconfig_type_valid_python',
      'test_pkg_configs_python.py::test_pkgconfig_python_setup_type_missing',
    );
  if (tpl === 'default' && native)
    also.push(
      'test_pkg_configs_python_installer_scheme.py::test_pkgconfig_python_installer_scheme_valid_native',
    );
  return also.map((a) => `, ${a}`).join('');
}

/** One Python tool case: the template built with an install type and scheme, the module looked for in each area. */
export function pyCase(
  tpl: string,
  variant: string,
  installType: string | undefined,
  areas: Area[],
  native: boolean,
): Case {
  return {
    name: `tool-python-${tpl}/${variant}-scheme-${native ? 'native' : 'default'}`,
    template: `python-${tpl}`,
    needs: ['python3'],
    from: `test_tool_python_${tpl.replace('-', '_')}.py::test_tool_python_${tpl.replace('-', '_')}_${variant.replace(/-/g, '_')}_scheme_${native ? 'native' : 'default'}${alsoFrom(tpl, variant, native)}`,
    async run(t: Ctx) {
      const lines = [
        ...(installType ? [`TEST_INSTALL_TYPE = '${installType}'`] : []),
        ...(native ? ["TEST_PYTHON_INSTALLER_SCHEME = 'native'"] : []),
      ];
      t.write('package/test/test.rt', `${t.read('package/test/test.rt')}\n${lines.join('\n')}\n`);
      await t.ok([], { env: { PATH } });
      for (const area of ['host', 'staging', 'target'] as Area[]) {
        const wanted = areas.includes(area);
        if (native) {
          const sp = sitePackages(t.path('output', area));
          assert.equal(sp !== undefined, wanted, `site-packages in output/${area}`);
          if (sp)
            assert.ok(existsSync(join(sp, 'hello_module', '__init__.py')), `hello_module in ${sp}`);
        } else {
          const lib = t.path('output', area, 'usr', 'lib', 'python');
          assert.equal(existsSync(lib), wanted, `output/${area}/usr/lib/python`);
          if (wanted)
            assert.ok(
              existsSync(join(lib, 'hello_module', '__init__.py')),
              `hello_module in ${lib}`,
            );
        }
      }
    },
  };
}

export const pythonCases: Case[] = TEMPLATES.flatMap((tpl) =>
  VARIANTS.flatMap(([variant, type, areas]) => [
    pyCase(tpl, variant, type, areas, false),
    pyCase(tpl, variant, type, areas, true),
  ]),
);
