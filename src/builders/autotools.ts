import { assignArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * GNU build system, run as releng-tool runs it: (autoreconf) →
 * `./configure --prefix=P --exec-prefix=P <defs> <opts>` → `make <defs> <opts>
 * [--jobs N]` → `make DESTDIR=<sysroot> install <defs> <opts>`, where install
 * options, when given, replace the `install` target.
 */
export const autotoolsType: PackageSteps = {
  async configure({ pkg, stage, project }) {
    const s = stageSettings(pkg, 'configure');
    const env = stageEnv(pkg, s);
    if (pkg.options.autotoolsAutoreconf) {
      // releng-tool runs `autoreconf --verbose`; native projects also install
      // missing auxiliary files (-fi), so a fresh checkout configures
      const args = project.format === 'releng-tool' ? ['--verbose'] : ['-fi'];
      await run(stage, 'autoreconf', args, { env });
    }
    // CONF_DEFS may replace either prefix definition, in place (a dict update)
    const defs = { '--prefix': stage.prefix, '--exec-prefix': stage.prefix, ...s.defs };
    await run(stage, './configure', [...assignArgs(defs), ...s.opts], { env });
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    const jobs = stage.jobs > 1 ? ['--jobs', String(stage.jobs)] : [];
    await run(stage, 'make', [...assignArgs(s.defs), ...s.opts, ...jobs], {
      env: stageEnv(pkg, s),
    });
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(
        stage,
        'make',
        [
          `DESTDIR=${root}`,
          // install options name their own targets (install-strip, …)
          ...(s.opts.length > 0 ? [] : ['install']),
          ...assignArgs(s.defs),
          ...s.opts,
        ],
        { env: stageEnv(pkg, s) },
      ),
    );
  },
};
