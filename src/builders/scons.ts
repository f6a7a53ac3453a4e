import { assignArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/** SCons: `scons -jN`, then `scons install` with PREFIX and DESTDIR as build variables per sysroot. */
export const sconsType: PackageSteps = {
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    await run(
      stage,
      'scons',
      [`-j${stage.jobs}`, `PREFIX=${stage.prefix}`, ...s.opts, ...assignArgs(s.defs)],
      {
        env: stageEnv(pkg, s),
      },
    );
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(
        stage,
        'scons',
        ['install', `PREFIX=${stage.prefix}`, `DESTDIR=${root}`, ...s.opts, ...assignArgs(s.defs)],
        { env: { ...stageEnv(pkg, s), DESTDIR: root } },
      ),
    );
  },
};
