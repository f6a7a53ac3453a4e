import { assignArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * Plain make: optional ./configure, `make -jN`, then `make install` with
 * `PREFIX=<prefix>` as a make variable and `DESTDIR=<sysroot>` in the
 * environment, once per destination sysroot (as releng-tool does).
 */
export const makeType: PackageSteps = {
  async configure({ pkg, stage }) {
    if (!pkg.options.makeConfigure) return;
    const s = stageSettings(pkg, 'configure');
    await run(
      stage,
      './configure',
      [`--prefix=${stage.prefix}`, ...s.opts, ...assignArgs(s.defs)],
      {
        env: stageEnv(pkg, s),
      },
    );
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    await run(
      stage,
      'make',
      [`-j${stage.jobs}`, `PREFIX=${stage.prefix}`, ...s.opts, ...assignArgs(s.defs)],
      {
        env: stageEnv(pkg, s),
      },
    );
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(stage, 'make', ['install', `PREFIX=${stage.prefix}`, ...s.opts, ...assignArgs(s.defs)], {
        env: { ...stageEnv(pkg, s), DESTDIR: root },
      }),
    );
  },
};
