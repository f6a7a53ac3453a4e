import { readdir, readFile } from 'node:fs/promises';
import { join, normalize, resolve } from 'node:path';
import type { PackageModel, ProjectModel, StageRunContext } from '../project/model.ts';
import { asRelengError, RelengError } from '../util/errors.ts';
import { execCapture } from '../util/exec.ts';
import { run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/** Build backend module per PYTHON_SETUP_TYPE, for the availability check. */
const SETUP_TYPE_BACKENDS: Record<string, string> = {
  setuptools: 'setuptools',
  distutils: 'setuptools',
  flit: 'flit_core',
  hatch: 'hatchling',
  poetry: 'poetry.core',
  pdm: 'pdm.backend',
};

function interpreter(pkg: PackageModel): string {
  return (pkg.options.pythonInterpreter as string | undefined) ?? 'python3';
}

/** The backend module the sources ask for (pyproject.toml build-backend), or setuptools. */
/** A project folder with setup.cfg but neither setup.py nor pyproject.toml. */
async function setupCfgOnly(dir: string): Promise<boolean> {
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  return names.has('setup.cfg') && !names.has('setup.py') && !names.has('pyproject.toml');
}

async function backendModule(pkg: PackageModel, dir: string): Promise<string> {
  const setupType = pkg.options.pythonSetupType as string | undefined;
  if (setupType && setupType !== 'pep517') {
    const mod = SETUP_TYPE_BACKENDS[setupType];
    if (!mod) {
      throw new RelengError(`unknown python setup type "${setupType}" for package "${pkg.name}"`, {
        pkg: pkg.name,
        file: pkg.definitionFile,
        hint: `use one of ${[...Object.keys(SETUP_TYPE_BACKENDS), 'pep517'].join(', ')}`,
      });
    }
    return mod;
  }
  try {
    const text = await readFile(join(dir, 'pyproject.toml'), 'utf8');
    const m = text.match(/^\s*build-backend\s*=\s*["']([^"']+)["']/m);
    if (m) return m[1]!.split(':')[0]!;
  } catch {
    // no pyproject.toml: a setup.py project
  }
  return 'setuptools';
}

async function hasModule(ctx: StageRunContext, python: string, mod: string): Promise<boolean> {
  try {
    await execCapture(python, ['-c', `import ${mod}`], {
      cwd: ctx.buildDir,
      env: ctx.env,
      onOutput: () => {},
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs a wheel with the `installer` library into DESTDIR-style root +
 * prefix, without byte-compiling (reproducible, and the target compiles its
 * own). The layout: `posix` — the standard posix_prefix one
 * (lib/pythonX.Y/site-packages, whatever the build machine's default scheme
 * is; Debian's adds /local); `releng-tool` — releng-tool's fixed scheme
 * (`<prefix>/lib/python`, `include/python`, `bin`); `native` or a sysconfig
 * scheme name — that scheme of the interpreter; a JSON object — those paths
 * (releng-tool's PYTHON_INSTALLER_SCHEME). Console scripts get `interpreter`
 * in their `#!` (empty: this interpreter's own path) and launchers of
 * `kind` (empty: the installer's pick for this machine, `posix` off
 * Windows; the `win-*` kinds write `.exe` launchers the installer library
 * must ship, which Debian's python3-installer does not).
 */
const INSTALL_WHEEL = `
import json, os, sys, sysconfig
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile
from installer.utils import get_launcher_kind
wheel, root, prefix, mode, interpreter, kind = sys.argv[1:7]
keys = ('purelib', 'platlib', 'headers', 'scripts', 'data')
base = os.path.join('/', prefix.strip('/'))
if mode == 'releng-tool':
    lib = os.path.join(base, 'lib', 'python')
    scheme = {'purelib': lib, 'platlib': lib, 'headers': os.path.join(base, 'include', 'python'),
              'scripts': os.path.join(base, 'bin'), 'data': base}
elif mode.startswith('{'):
    given = json.loads(mode)
    given.setdefault('headers', given.get('include', os.path.join(base, 'undefined')))
    scheme = {k: os.path.join('/', str(given.get(k, os.path.join(base, 'undefined'))).lstrip('/')) for k in keys}
else:
    if mode == 'posix':
        v = {'base': prefix, 'platbase': prefix, 'installed_base': prefix, 'installed_platbase': prefix}
        paths = sysconfig.get_paths('posix_prefix', vars=v)
    elif mode == 'native':
        paths = sysconfig.get_paths()
    else:
        paths = sysconfig.get_paths(mode)
    scheme = {'purelib': paths['purelib'], 'platlib': paths['platlib'], 'headers': paths['include'],
              'scripts': paths['scripts'], 'data': paths['data']}
dest = SchemeDictionaryDestination(scheme, interpreter=interpreter or sys.executable,
                                   script_kind=kind or get_launcher_kind(), destdir=root)
with WheelFile.open(wheel) as source:
    install(source, dest, {'INSTALLER': b'releng'})
`;

/** A releng-tool package option kept as-is for this type (PYTHON_INSTALLER_SCHEME and co). */
function relengToolOption(pkg: PackageModel, name: string): unknown {
  return (pkg.options.relengTool as Record<string, unknown> | undefined)?.[name];
}

/** A string option's value, or undefined when it is not set (releng-tool treats '' as not set). */
function stringOption(pkg: PackageModel, name: string): string | undefined {
  const value = relengToolOption(pkg, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Where the install step looks for the built wheel: as releng-tool,
 * PYTHON_DIST_PATH (a string or path-like; relative to the package's build
 * folder, the install step's working folder) or `dist` there, the folder the
 * build front-ends write to by default. releng-tool never passes the path to
 * the build: a build writing elsewhere is pointed there by its own options
 * (e.g. `PYTHON_BUILD_OPTS = {'--outdir': 'dist2'}`).
 */
function distDir(pkg: PackageModel, stage: StageRunContext): string {
  return resolve(stage.buildDir, stringOption(pkg, 'PYTHON_DIST_PATH') ?? 'dist');
}

/**
 * The interpreter written into installed scripts' `#!` ('' = the installing
 * interpreter's own path). releng-tool projects as releng-tool: a host package
 * gets the interpreter that runs the install (its scripts run on this
 * machine), any other PYTHON_INSTALLER_INTERPRETER or `/usr/bin/python` (the
 * target's, not this machine's); native projects the installing interpreter.
 */
function installerInterpreter(pkg: PackageModel, project: ProjectModel): string {
  if (project.format !== 'releng-tool' || pkg.installType === 'host') return '';
  return stringOption(pkg, 'PYTHON_INSTALLER_INTERPRETER') ?? '/usr/bin/python';
}

/**
 * The install layout: releng-tool projects use releng-tool's scheme unless
 * PYTHON_INSTALLER_SCHEME names another; native projects the posix_prefix one.
 */
function installScheme(pkg: PackageModel, project: ProjectModel): string {
  const given = (pkg.options.relengTool as Record<string, unknown> | undefined)
    ?.PYTHON_INSTALLER_SCHEME;
  if (typeof given === 'string' && given !== '') return given;
  if (given && typeof given === 'object') {
    for (const [key, value] of Object.entries(given as Record<string, unknown>)) {
      // as releng-tool: each path is relative to the sysroot; one that climbs
      // out of it would install outside the output folder
      const rel = normalize(`./${String(value).replace(/^\/+/, '')}`);
      if (rel === '..' || rel.startsWith('../')) {
        throw new RelengError(
          `python installation scheme defines a path traversal: ${pkg.name} (${key}: ${String(value)})`,
          {
            pkg: pkg.name,
            file: pkg.definitionFile,
            hint: 'give PYTHON_INSTALLER_SCHEME paths inside the sysroot (no leading "..")',
          },
        );
      }
    }
    return JSON.stringify(given);
  }
  return project.format === 'releng-tool' ? 'releng-tool' : 'posix';
}

/**
 * Runs a front-end or installer command, failing as releng-tool words it
 * (`failed to install python project: <name>`) rather than with the
 * command line, which for the installer is a whole script; the tool's own
 * error stays in the log lines the failure shows.
 */
async function step(
  pkg: PackageModel,
  stage: 'build' | 'install',
  hint: string,
  command: () => Promise<void>,
): Promise<void> {
  try {
    await command();
  } catch (err) {
    const e = asRelengError(err);
    throw new RelengError(`failed to ${stage} python project: ${pkg.name}`, {
      ...e.details,
      pkg: pkg.name,
      stage,
      file: pkg.definitionFile,
      hint,
    });
  }
}

/** What to look at when the installer library fails with a launcher `kind`. */
function installerHint(kind: string): string {
  const hint = "the installer library's error is in the log's last lines";
  return kind.startsWith('win-')
    ? `${hint}; the ${kind} launcher kind needs an installer library that ships Windows launchers (Debian's python3-installer has none)`
    : hint;
}

/**
 * Python: a PEP 517 wheel built without network or build isolation (the
 * backend must be installed for the chosen interpreter), then installed into
 * each sysroot under the prefix.
 */
export const pythonType: PackageSteps = {
  async build({ pkg, stage }) {
    const python = interpreter(pkg);
    const backend = await backendModule(pkg, stage.buildDir);
    if (!(await hasModule(stage, python, backend))) {
      throw new RelengError(
        `python package "${pkg.name}" needs the build backend "${backend}", which ${python} cannot import`,
        {
          pkg: pkg.name,
          stage: 'build',
          file: pkg.definitionFile,
          hint: `install it for ${python} (Debian: python3-${backend.split('.')[0]!.replace('_core', '')} or similar), or set pythonInterpreter`,
        },
      );
    }
    const s = stageSettings(pkg, 'build');
    // where releng-tool's front-ends write by default (`dist` in the build
    // folder); the package's own build options come after and may move it
    const dist = join(stage.buildDir, 'dist');
    const env = { ...stageEnv(pkg, s), PIP_NO_INDEX: '1', PYTHONDONTWRITEBYTECODE: '1' };
    if (backend === 'setuptools' && (await setupCfgOnly(stage.buildDir))) {
      // as releng-tool: a setuptools project with only setup.cfg is built by
      // calling setuptools.setup() itself (`build` wants setup.py or pyproject.toml)
      await run(
        stage,
        python,
        [
          '-c',
          'import setuptools; setuptools.setup()',
          '--no-user-cfg',
          'bdist_wheel',
          '--dist-dir',
          dist,
          ...s.opts,
        ],
        { env },
      );
    } else if (await hasModule(stage, python, 'build')) {
      await run(
        stage,
        python,
        [
          '-m',
          'build',
          '--wheel',
          '--no-isolation',
          '--skip-dependency-check',
          '--outdir',
          dist,
          ...s.opts,
        ],
        { env },
      );
    } else {
      await run(
        stage,
        python,
        [
          '-m',
          'pip',
          'wheel',
          '--no-deps',
          '--no-build-isolation',
          '--no-index',
          '-w',
          dist,
          ...s.opts,
          '.',
        ],
        { env },
      );
    }
  },
  async install({ pkg, stage, project }) {
    if (pkg.options.noInstall) return;
    const python = interpreter(pkg);
    const dist = distDir(pkg, stage);
    const wheels = (await readdir(dist).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.whl'))
      .map((f) => join(dist, f));
    if (wheels.length === 0) {
      throw new RelengError(`failed to find generated wheel package: ${pkg.name} (in ${dist})`, {
        pkg: pkg.name,
        stage: 'install',
        file: pkg.definitionFile,
        hint: `build the wheel into ${dist}, or point ${pkg.key}_PYTHON_DIST_PATH at the folder the build writes it to`,
      });
    }
    const s = stageSettings(pkg, 'install');
    const env = { ...stageEnv(pkg, s), PIP_NO_INDEX: '1' };
    const useInstaller = await hasModule(stage, python, 'installer');
    const scriptInterpreter = installerInterpreter(pkg, project);
    const launcherKind = stringOption(pkg, 'PYTHON_INSTALLER_LAUNCHER_KIND') ?? '';
    if (
      !useInstaller &&
      (launcherKind !== '' || relengToolOption(pkg, 'PYTHON_INSTALLER_INTERPRETER'))
    ) {
      // pip cannot be told either; releng-tool needs the installer library anyway
      throw new RelengError(
        `python package "${pkg.name}" sets the installer's script interpreter or launcher kind, but ${python} cannot import the installer module`,
        {
          pkg: pkg.name,
          stage: 'install',
          file: pkg.definitionFile,
          hint: `install it for ${python} (Debian: python3-installer)`,
        },
      );
    }
    for (const root of stage.installDirs) {
      for (const wheel of wheels) {
        if (useInstaller) {
          const args = [
            '-c',
            INSTALL_WHEEL,
            wheel,
            root,
            stage.prefix,
            installScheme(pkg, project),
            scriptInterpreter,
            launcherKind,
            ...s.opts,
          ];
          await step(pkg, 'install', installerHint(launcherKind), () =>
            run(stage, python, args, { env }),
          );
        } else {
          await run(
            stage,
            python,
            [
              '-m',
              'pip',
              'install',
              '--no-deps',
              '--no-index',
              '--root',
              root,
              '--prefix',
              stage.prefix,
              ...s.opts,
              wheel,
            ],
            { env },
          );
        }
      }
    }
  },
};
