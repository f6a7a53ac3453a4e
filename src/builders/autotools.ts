import { assignArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/** GNU build system: (autoreconf) → ./configure → make → make install DESTDIR=<sysroot>. */
export const autotoolsType: PackageSteps = {
  async configure({ pkg, stage }) {
    const s = stageSettings(pkg, 'configure');
    const env = stageEnv(pkg, s);
    if (pkg.options.autotoolsAutoreconf) await run(stage, 'autoreconf', ['-fi'], { env });
    await run(
      stage,
      './configure',
      [`--prefix=${stage.prefix}`, ...s.opts, ...assignArgs(s.defs)],
      { env },
    );
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    await run(stage, 'make', [`-j${stage.jobs}`, ...s.opts, ...assignArgs(s.defs)], {
      env: stageEnv(pkg, s),
    });
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(stage, 'make', ['install', `DESTDIR=${root}`, ...s.opts, ...assignArgs(s.defs)], {
        env: stageEnv(pkg, s),
      }),
    );
  },
};
