import { join } from 'node:path';
import {
  assignArgs,
  buildSysroots,
  installPerSysroot,
  run,
  stageEnv,
  stageSettings,
} from './common.ts';
import type { BuilderContext, PackageSteps } from './types.ts';

/**
 * xmake's own configuration and global folders inside the package's build
 * folders (never the user's ~/.xmake), and XMAKE_ROOT so it runs as root in
 * containers, as releng-tool sets them.
 */
function xmakeEnv({ stage }: BuilderContext): Record<string, string> {
  return {
    XMAKE_CONFIGDIR: stage.buildOutputDir,
    // next to the output folder (`<build>/releng-output`), in the package's build folder
    XMAKE_GLOBALDIR: join(stage.buildOutputDir, '..', '.releng-tool-xmake-global'),
    XMAKE_ROOT: 'y',
  };
}

/**
 * xmake, run as releng-tool runs it: `xmake config -o <output folder>
 * --includedirs=… --linkdirs=… [--mode=<build type>]`, `xmake build
 * [--jobs=N]`, then `xmake install --installdir=<sysroot><prefix>` per
 * destination sysroot. The build type is XMAKE_BUILD_TYPE, else the
 * project's default_xmake_build_type, else xmake's own default (no --mode).
 * (releng-tool's pre-build of dependency folders through `xmake lua` is not
 * done.)
 */
export const xmakeType: PackageSteps = {
  async configure(ctx) {
    const { pkg, stage, project } = ctx;
    const s = stageSettings(pkg, 'configure');
    const prefixed = buildSysroots(pkg, stage);
    const mode =
      (pkg.options.xmakeBuildType as string | undefined) ??
      (project.options.defaultXmakeBuildType as string | undefined);
    const defs: Record<string, string | null> = {
      '--includedirs': prefixed.map((p) => join(p, 'include')).join(':'),
      '--linkdirs': prefixed.map((p) => join(p, 'lib')).join(':'),
      ...(mode ? { '--mode': mode } : {}),
      ...s.defs,
    };
    await run(
      stage,
      'xmake',
      ['config', '-o', stage.buildOutputDir, ...assignArgs(defs), ...s.opts],
      {
        env: { ...xmakeEnv(ctx), ...stageEnv(pkg, s) },
      },
    );
  },
  async build(ctx) {
    const { pkg, stage } = ctx;
    const s = stageSettings(pkg, 'build');
    const jobs = stage.jobs > 1 ? [`--jobs=${stage.jobs}`] : [];
    await run(stage, 'xmake', ['build', ...assignArgs(s.defs), ...s.opts, ...jobs], {
      env: { ...xmakeEnv(ctx), ...stageEnv(pkg, s) },
    });
  },
  async install(ctx) {
    const { pkg, stage } = ctx;
    await installPerSysroot(pkg, stage, (root, s) =>
      run(
        stage,
        'xmake',
        ['install', ...assignArgs(s.defs), ...s.opts, `--installdir=${join(root, stage.prefix)}`],
        { env: { ...xmakeEnv(ctx), ...stageEnv(pkg, s) } },
      ),
    );
  },
};
