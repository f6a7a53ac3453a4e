import { defineArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/** CMake: configure into the package's output folder, `--build`, then `--install` per sysroot (DESTDIR). */
export const cmakeType: PackageSteps = {
  async configure({ pkg, stage, project }) {
    const s = stageSettings(pkg, 'configure');
    const buildType =
      (pkg.options.cmakeBuildType as string | undefined) ??
      (project.options.defaultCmakeBuildType as string | undefined) ??
      'RelWithDebInfo';
    const staged = `${stage.dirs.staging}${stage.prefix}`;
    const host = `${stage.dirs.host}${stage.prefix}`;
    await run(
      stage,
      'cmake',
      [
        '-S',
        stage.buildDir,
        '-B',
        stage.buildOutputDir,
        `-DCMAKE_BUILD_TYPE=${buildType}`,
        `-DCMAKE_INSTALL_PREFIX=${stage.prefix}`,
        // Find what earlier packages staged (and host tools), not the build machine's copies first.
        `-DCMAKE_PREFIX_PATH=${staged};${host}`,
        '-DCMAKE_INSTALL_LIBDIR=lib',
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
      'cmake',
      ['--build', stage.buildOutputDir, '--parallel', String(stage.jobs), ...s.opts],
      {
        env: stageEnv(pkg, s),
      },
    );
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(stage, 'cmake', ['--install', stage.buildOutputDir, ...s.opts], {
        env: { ...stageEnv(pkg, s), DESTDIR: root },
      }),
    );
  },
};
