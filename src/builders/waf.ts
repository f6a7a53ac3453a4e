import { join } from 'node:path';
import {
  assignArgs,
  buildSysroots,
  installPerSysroot,
  run,
  stageEnv,
  stageSettings,
} from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * Waf, run as releng-tool runs it: `waf configure --bindir=bin --libdir=lib
 * --out=<output folder> --prefix=<prefix>` (INCLUDES and LIBPATH naming the
 * sysroots), `waf build [--jobs N]`, then `waf install --destdir <sysroot>`
 * (DESTDIR too) per destination sysroot. The `waf` command is the project's
 * own script when RELENG_WAF or override_tools names it.
 */
export const wafType: PackageSteps = {
  async configure({ pkg, stage }) {
    const s = stageSettings(pkg, 'configure');
    const prefixed = buildSysroots(pkg, stage);
    const defs = {
      '--bindir': 'bin',
      '--libdir': 'lib',
      '--out': stage.buildOutputDir,
      '--prefix': stage.prefix,
      ...s.defs,
    };
    await run(stage, 'waf', ['configure', ...assignArgs(defs), ...s.opts], {
      env: {
        INCLUDES: prefixed.map((p) => join(p, 'include')).join(':'),
        LIBPATH: prefixed.map((p) => join(p, 'lib')).join(':'),
        ...stageEnv(pkg, s),
      },
    });
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    const jobs = stage.jobs > 1 ? ['--jobs', String(stage.jobs)] : [];
    await run(stage, 'waf', ['build', ...assignArgs(s.defs), ...s.opts, ...jobs], {
      env: stageEnv(pkg, s),
    });
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(stage, 'waf', ['install', ...assignArgs(s.defs), ...s.opts, '--destdir', root], {
        env: { ...stageEnv(pkg, s), DESTDIR: root },
      }),
    );
  },
};
