import { assignArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * SCons. Configure, as releng-tool: with configure defs/opts/env, `scons -Q
 * <defs> <opts>` (the project's own configure handling); else the configure
 * hook. Then `scons -jN`, then `scons install` with PREFIX and DESTDIR as
 * build variables per sysroot.
 */
export const sconsType: PackageSteps = {
  async configure({ pkg, stage, runHook }) {
    const s = stageSettings(pkg, 'configure');
    if (
      Object.keys(s.defs).length === 0 &&
      s.opts.length === 0 &&
      Object.keys(s.env).length === 0
    ) {
      await runHook();
      return;
    }
    await run(stage, 'scons', [...assignArgs(s.defs), '-Q', ...s.opts], { env: stageEnv(pkg, s) });
  },
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
