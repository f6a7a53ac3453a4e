import { join } from 'node:path';
import { definePackage } from 'releng';
import { APP, VENV } from '../../app.ts';
import {
  buildWheel,
  createVenv,
  findPaths,
  pipInstall,
  probePython,
  purgeBytecode,
  relocateVenv,
  venvPython,
} from '../../lib/venv.ts';

/**
 * The application: built into a wheel, then installed with its dependencies
 * into a fresh venv at `$TARGET_DIR/opt/greeter/venv`, from local wheel
 * directories only; byte-code purged; the venv made valid at
 * `/opt/greeter/venv`; the default configuration put in `$TARGET_DIR/etc`.
 */
export default definePackage({
  version: APP.version,
  site: 'local',
  license: 'MIT',
  dependencies: ['wordcase'],
  async build(ctx) {
    await buildWheel(ctx, venvPython(ctx), join(ctx.buildDir, 'dist'));
  },
  async install(ctx) {
    const py = venvPython(ctx);
    // The package's `depends` were computed from the interpreter when the
    // project loaded; refuse to build a venv for another one: VENV_PYTHON
    // given as a KEY=VALUE word (the config never sees those), or an
    // interpreter upgraded since releng cached the loaded project.
    const actual = probePython(py).version;
    if (actual !== ctx.env.VENV_PYTHON_VERSION) {
      throw new Error(
        `${py} is Python ${actual}, but the packaging description was made for Python ${ctx.env.VENV_PYTHON_VERSION}. ` +
          'Set VENV_PYTHON in the process environment, not as a KEY=VALUE word; ' +
          `if the interpreter changed, remove ${ctx.dirs.output}/.releng/project-cache.json`,
      );
    }

    // Built where the target sysroot has it, fixed up for where it will be.
    const built = join(ctx.dirs.target, VENV);
    await createVenv(ctx, py, built);
    await pipInstall(
      ctx,
      py,
      built,
      [join(ctx.dirs.staging, 'wheels'), join(ctx.buildDir, 'dist')],
      [`${APP.name}==${ctx.version}`],
    );
    const purged = await purgeBytecode(built);
    ctx.log(`purged byte-code: ${purged.length ? purged.join(', ') : 'none'}`);
    const rewritten = await relocateVenv(built, VENV);
    ctx.log(`relocated to ${VENV}: ${rewritten.join(', ')}`);

    const leaks = await findPaths(built, [ctx.dirs.root, ctx.dirs.output]);
    if (leaks.length > 0) {
      throw new Error(`the venv still refers to the build tree:\n  ${leaks.join('\n  ')}`);
    }

    await ctx.exec('install', [
      '-D',
      '-m',
      '0644',
      'greeter.toml',
      join(ctx.dirs.target, 'etc', APP.name, `${APP.name}.toml`),
    ]);
  },
});
