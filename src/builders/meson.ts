import { join } from 'node:path';
import { defineArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/** Meson + Ninja: setup into the package's output folder, compile, install per sysroot (--destdir). */
export const mesonType: PackageSteps = {
  async configure({ pkg, stage, project }) {
    const s = stageSettings(pkg, 'configure');
    const buildType =
      (pkg.options.mesonBuildType as string | undefined) ??
      (project.options.defaultMesonBuildType as string | undefined) ??
      'debugoptimized';
    const staged = join(stage.dirs.staging, stage.prefix);
    await run(
      stage,
      'meson',
      [
        'setup',
        stage.buildOutputDir,
        stage.buildDir,
        `--prefix=${stage.prefix}`,
        '--libdir=lib',
        `--buildtype=${buildType}`,
        `-Dcmake_prefix_path=${staged}`,
        ...defineArgs(s.defs),
        ...s.opts,
      ],
      { env: stageEnv(pkg, s) },
    );
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    await run(
      stage,
      'meson',
      ['compile', '-C', stage.buildOutputDir, '-j', String(stage.jobs), ...s.opts],
      {
        env: stageEnv(pkg, s),
      },
    );
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(
        stage,
        'meson',
        ['install', '-C', stage.buildOutputDir, '--no-rebuild', '--destdir', root, ...s.opts],
        { env: stageEnv(pkg, s) },
      ),
    );
  },
};
