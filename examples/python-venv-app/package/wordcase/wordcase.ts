import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { definePackage } from 'releng';
import { buildWheel, venvPython } from '../../lib/venv.ts';

/**
 * A pure-Python library from local sources, built into a wheel and staged in
 * `$STAGING_DIR/wheels`: the local "index" the application's venv installs
 * its dependencies from (PyPI is never contacted).
 */
export default definePackage({
  version: '0.3.0',
  site: 'local',
  license: 'MIT',
  installType: 'staging',
  async build(ctx) {
    await buildWheel(ctx, venvPython(ctx), join(ctx.buildDir, 'dist'));
  },
  async install(ctx) {
    const wheels = (await readdir(join(ctx.buildDir, 'dist'))).filter((f) => f.endsWith('.whl'));
    if (wheels.length === 0) throw new Error(`no wheel in ${join(ctx.buildDir, 'dist')}`);
    for (const root of ctx.installDirs) {
      const dir = join(root, 'wheels');
      await mkdir(dir, { recursive: true });
      for (const wheel of wheels) {
        await ctx.exec('install', ['-m', '0644', join('dist', wheel), join(dir, wheel)]);
      }
    }
  },
});
