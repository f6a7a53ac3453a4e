import { assignArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * Plain make. Configure, as releng-tool: with `makeConfigure: true`,
 * `./configure --prefix=<prefix>`; with a command string (releng-tool's
 * MAKE_CONFIGURE), that command with the configure defs and opts; with only
 * configure defs/opts/env, `make <defs> <opts>` (the project's own configure
 * target); else the configure hook. Then `make -jN`, then `make install`
 * with `PREFIX=<prefix>` as a make variable and `DESTDIR=<sysroot>` in the
 * environment, once per destination sysroot (as releng-tool does).
 */
export const makeType: PackageSteps = {
  async configure({ pkg, stage, runHook }) {
    const s = stageSettings(pkg, 'configure');
    const configure = pkg.options.makeConfigure as string | boolean | undefined;
    const args = [...assignArgs(s.defs), ...s.opts];
    if (configure === true) {
      await run(
        stage,
        './configure',
        [`--prefix=${stage.prefix}`, ...s.opts, ...assignArgs(s.defs)],
        {
          env: stageEnv(pkg, s),
        },
      );
    } else if (typeof configure === 'string' && configure !== '') {
      await run(stage, configure, args, { env: stageEnv(pkg, s) });
    } else if (args.length > 0 || Object.keys(s.env).length > 0) {
      await run(stage, 'make', args, { env: stageEnv(pkg, s) });
    } else {
      await runHook();
    }
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
