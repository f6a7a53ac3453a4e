// releng-tool's tests of the Python installer options (PYTHON_DIST_PATH,
// PYTHON_INSTALLER_INTERPRETER, PYTHON_INSTALLER_LAUNCHER_KIND): releng-tool's
// unit tests only read the loaded values back, so each value is checked here
// by what a real build and install of the python-pep517 fixture does with it —
// where the wheel is looked for, what `#!` the installed console script gets,
// which launcher is written. Run with Debian's python3 first on PATH (it has
// the build front-ends and the installer library; see python.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';

const PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;
const CONFIGS = join(HERE, 'assets', 'configs');

/** The installer library's launcher file for each `win-*` kind's console scripts. */
const LAUNCHERS: Record<string, string> = {
  'win-ia32': 't32.exe',
  'win-amd64': 't64.exe',
  'win-arm': 't_arm.exe',
  'win-arm64': 't64-arm.exe',
};
/** Its launchers for GUI scripts (written too, so a copy of the library is complete). */
const GUI_LAUNCHERS = ['w32.exe', 'w64.exe', 'w_arm.exe', 'w64-arm.exe'];

/**
 * Gives the fixture a console script (`hello`, calling hello_module's
 * hello_world), so an install writes one, and adds releng-tool's sample
 * definition `cfg` (none: `missing`) and `extra` lines to the package.
 */
function prepare(t: Ctx, cfg: string | undefined, extra: string[] = []): void {
  t.write(
    'package/test/local/setup.cfg',
    `${t.read('package/test/local/setup.cfg')}\n[options.entry_points]\nconsole_scripts =\n    hello = hello_module:hello_world\n`,
  );
  setDefinition(t, cfg, extra);
}

const baseDefinition = new WeakMap<Ctx, string>();
/** Rewrites the package definition: the fixture's own, `cfg`'s lines, `extra`. */
function setDefinition(t: Ctx, cfg: string | undefined, extra: string[] = []): void {
  let base = baseDefinition.get(t);
  if (base === undefined) {
    base = t.read('package/test/test.rt');
    baseDefinition.set(t, base);
  }
  const sample = cfg ? readFileSync(join(CONFIGS, cfg), 'utf8') : '';
  t.write('package/test/test.rt', `${base}\n${sample}\n${extra.join('\n')}\n`);
}

/** The files an install put in the target's bin folder. */
function targetBin(t: Ctx): string[] {
  return t.ls('output', 'target', 'usr', 'bin');
}

/** The module of the fixture landed in the target sysroot (releng-tool's scheme). */
function assertInstalled(t: Ctx, what: string): void {
  assert.ok(
    t.exists('output', 'target', 'usr', 'lib', 'python', 'hello_module', '__init__.py'),
    `${what}: hello_module is installed in output/target/usr/lib/python`,
  );
}

/** A full run from a clean output folder (stage flags of an earlier run would skip the build). */
async function fresh(t: Ctx, env: Record<string, string> = {}) {
  t.remove('output');
  return t.run([], { env: { PATH, ...env } });
}

// The build writes its wheel where its front-end writes by default (`dist`
// in the build folder) unless the package's build options move it; the
// install looks only in PYTHON_DIST_PATH, or `dist`.
const OUTDIR_DIST2 = "TEST_BUILD_OPTS = {'--outdir': 'dist2'}";

const distPathCases: Case[] = [
  {
    name: 'pyopts/python-dist-path-missing',
    template: 'python-pep517',
    needs: ['python3'],
    from: 'test_pkg_configs_python_dist_path.py::test_pkgconfig_python_dist_path_missing',
    async run(t) {
      // a wheel built elsewhere is not looked for without PYTHON_DIST_PATH
      prepare(t, 'missing', [OUTDIR_DIST2]);
      const moved = await fresh(t);
      assert.notEqual(moved.code, 0, `a wheel in dist2 is not found:\n${moved.output}`);
      assert.match(moved.output, /failed to find generated wheel package: test/);
      setDefinition(t, 'missing');
      const r = await fresh(t);
      assert.equal(r.code, 0, `the wheel in dist is installed:\n${r.output}`);
      assertInstalled(t, 'missing');
    },
  },
  ...(['valid-str', 'valid-path'] as const).map(
    (v): Case => ({
      name: `pyopts/python-dist-path-${v}`,
      template: 'python-pep517',
      needs: ['python3'],
      from: `test_pkg_configs_python_dist_path.py::test_pkgconfig_python_dist_path_${v.replace('-', '_')}`,
      async run(t) {
        const cfg = `python-dist-path-${v}`;
        // the path is where the install looks, not where the build writes
        prepare(t, cfg);
        const unmoved = await fresh(t);
        assert.notEqual(
          unmoved.code,
          0,
          `${cfg}: a wheel left in dist is not found:\n${unmoved.output}`,
        );
        assert.match(unmoved.output, /failed to find generated wheel package: test/);
        assert.ok(
          !t.exists('output', 'target', 'usr', 'lib', 'python'),
          `${cfg}: nothing installed`,
        );
        // relative to the build folder: the build writes there when told to
        setDefinition(t, cfg, [OUTDIR_DIST2]);
        const r = await fresh(t);
        assert.equal(r.code, 0, `${cfg}: the wheel in dist2 is installed:\n${r.output}`);
        assertInstalled(t, cfg);
      },
    }),
  ),
];

/** The first line of the installed console script `hello`. */
function shebang(t: Ctx, sysroot = 'target'): string {
  return t.read('output', sysroot, 'usr', 'bin', 'hello').split('\n')[0]!;
}

const interpreterCases: Case[] = [
  {
    name: 'pyopts/python-installer-interpreter-missing',
    template: 'python-pep517',
    needs: ['python3'],
    from: 'test_pkg_configs_python_installer_interpreter.py::test_pkgconfig_python_installer_interpreter_missing',
    async run(t) {
      // a target package's scripts name the target's interpreter, not the build machine's
      prepare(t, 'missing');
      const r = await fresh(t);
      assert.equal(r.code, 0, r.output);
      assertInstalled(t, 'missing');
      assert.equal(shebang(t), '#!/usr/bin/python');
    },
  },
  {
    name: 'pyopts/python-installer-interpreter-valid',
    template: 'python-pep517',
    needs: ['python3'],
    from: 'test_pkg_configs_python_installer_interpreter.py::test_pkgconfig_python_installer_interpreter_valid',
    async run(t) {
      prepare(t, 'python-installer-interpreter-valid');
      const r = await fresh(t);
      assert.equal(r.code, 0, r.output);
      assertInstalled(t, 'python-installer-interpreter-valid');
      assert.equal(shebang(t), '#!custom/path');
      // a host package's scripts run on this machine: they keep the
      // installing interpreter, whatever the option says
      setDefinition(t, 'python-installer-interpreter-valid', ["TEST_INSTALL_TYPE = 'host'"]);
      const host = await fresh(t);
      assert.equal(host.code, 0, host.output);
      const line = shebang(t, 'host');
      assert.match(line, /^#!\/\S*python/, `host script names a python: ${line}`);
      assert.notEqual(line, '#!custom/path');
      execFileSync(line.slice(2), ['-c', 'pass']);
    },
  },
];

/**
 * A copy of the installer library this machine's python3 imports, with
 * stand-in launcher files (Debian's python3-installer ships none; a
 * launcher is a prebuilt Windows program the library copies in front of
 * the script). Put first on PYTHONPATH, it makes the `win-*` kinds testable
 * here, and each launcher recognisable by its content.
 */
function installerWithLaunchers(t: Ctx): string {
  const lib = execFileSync(
    'python3',
    ['-c', 'import installer, os; print(os.path.dirname(installer.__file__))'],
    { env: { PATH } },
  )
    .toString()
    .trim();
  const dir = t.path('..', 'pylib');
  cpSync(lib, join(dir, 'installer'), {
    recursive: true,
    filter: (src) => !src.includes('__pycache__'),
  });
  for (const name of [...Object.values(LAUNCHERS), ...GUI_LAUNCHERS])
    t.write(join('..', 'pylib', 'installer', '_scripts', name), `stand-in launcher ${name}\n`);
  return dir;
}

/** The implementation's PYTHONPATH (releng-tool's source folder) with `dir` after it. */
function withPythonPath(t: Ctx, dir: string): Record<string, string> {
  return { PYTHONPATH: [t.impl.env.PYTHONPATH, dir].filter((p) => p).join(':') };
}

function launcherKindCase(kind: string | undefined): Case {
  const variant = kind ?? 'missing';
  const cfg = kind ? `python-installer-launcher-kind-valid-${kind}` : 'missing';
  return {
    name: `pyopts/python-installer-launcher-kind-${variant}`,
    template: 'python-pep517',
    needs: ['python3'],
    from: `test_pkg_configs_python_installer_launcher_kind.py::test_pkgconfig_python_installer_launcher_kind_${kind ? `valid_${kind.replace('-', '_')}` : 'missing'}`,
    async run(t) {
      prepare(t, cfg);
      const launcher = kind ? LAUNCHERS[kind] : undefined;
      if (!launcher) {
        // posix (the default off Windows): a plain script with a #! line
        const r = await fresh(t);
        assert.equal(r.code, 0, r.output);
        assertInstalled(t, cfg);
        assert.deepEqual(targetBin(t), ['hello'], `${cfg}: a posix script`);
        assert.equal(shebang(t), '#!/usr/bin/python');
        return;
      }
      // with the stock library: the launcher is written if the library has
      // it, and the install fails naming it if not (Debian's)
      const stock = await fresh(t);
      if (stock.code === 0) {
        assert.deepEqual(targetBin(t), ['hello.exe'], `${cfg}: a Windows launcher`);
      } else {
        assert.ok(stock.output.includes(launcher), `${cfg}: names ${launcher}:\n${stock.output}`);
        assert.match(stock.output, /failed to install python project: test/);
      }
      // with launchers: `hello.exe` is that kind's launcher, then the #! line,
      // then the script as a zip archive's __main__.py
      const r = await fresh(t, withPythonPath(t, installerWithLaunchers(t)));
      assert.equal(r.code, 0, r.output);
      assertInstalled(t, cfg);
      assert.deepEqual(targetBin(t), ['hello.exe'], `${cfg}: a launcher, no posix script`);
      const exe = readFileSync(t.path('output', 'target', 'usr', 'bin', 'hello.exe'));
      const head = `stand-in launcher ${launcher}\n#!/usr/bin/python\n`;
      assert.equal(exe.subarray(0, head.length).toString(), head, `${cfg}: ${launcher}, then #!`);
      assert.equal(exe.subarray(head.length, head.length + 4).toString('latin1'), 'PK\x03\x04');
      assert.ok(exe.includes('__main__.py'), `${cfg}: the archive holds __main__.py`);
    },
  };
}

const launcherKindCases: Case[] = [
  undefined,
  'posix',
  'win-amd64',
  'win-arm64',
  'win-arm',
  'win-ia32',
].map(launcherKindCase);

export const pyoptsCases: Case[] = [...distPathCases, ...interpreterCases, ...launcherKindCases];
