import { join } from 'node:path';
import {
  defineArgs,
  installPerSysroot,
  run,
  stageEnv,
  stageSettings,
  buildSysroots as sysroots,
} from './common.ts';
import type { PackageSteps } from './types.ts';

/** The compiler's header and library search paths for those sysroots (CPATH, LIBRARY_PATH). */
function searchEnv(prefixed: string[]): Record<string, string> {
  return {
    CPATH: prefixed.map((p) => join(p, 'include')).join(':'),
    LIBRARY_PATH: prefixed.map((p) => join(p, 'lib')).join(':'),
  };
}

/** Meson + Ninja: setup into the package's output folder, compile, install per sysroot (--destdir). */
export const mesonType: PackageSteps = {
  async configure({ pkg, stage, project }) {
    const s = stageSettings(pkg, 'configure');
    const buildType =
      (pkg.options.mesonBuildType as string | undefined) ??
      (project.options.defaultMesonBuildType as string | undefined) ??
      'debugoptimized';
    const prefixed = sysroots(pkg, stage);
    await run(
      stage,
      'meson',
      [
        'setup',
        stage.buildOutputDir,
        stage.buildDir,
        `--prefix=${stage.prefix}`,
        '--libdir=lib',
        // two arguments, as releng-tool passes them
        '--buildtype',
        buildType,
        `-Dcmake_prefix_path=${prefixed.join(',')}`,
        `-Dpkg_config_path=${prefixed.map((p) => join(p, 'lib', 'pkgconfig')).join(',')}`,
        '-Dwrap_mode=nodownload',
        ...defineArgs(s.defs),
        ...s.opts,
      ],
      { env: { ...searchEnv(prefixed), ...stageEnv(pkg, s) } },
    );
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    await run(
      stage,
      'meson',
      ['compile', '-C', stage.buildOutputDir, '-j', String(stage.jobs), ...s.opts],
      {
        env: { ...searchEnv(sysroots(pkg, stage)), ...stageEnv(pkg, s) },
      },
    );
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(
        stage,
        'meson',
        ['install', '-C', stage.buildOutputDir, '--no-rebuild', '--destdir', root, ...s.opts],
        // DESTDIR too, as releng-tool: install scripts of a project read it
        { env: { ...stageEnv(pkg, s), DESTDIR: root } },
      ),
    );
  },
};
