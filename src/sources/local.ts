import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import type { SiteOperations } from './types.ts';

/** Sources kept beside the definition, in `package/<pkg>/local/`. */
export const localSite: SiteOperations = {
  async fetch(ctx) {
    const dir = join(ctx.pkg.defDir, 'local');
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new RelengError(
        `package "${ctx.pkg.name}" has site "local" but ${dir} is not a directory`,
        {
          pkg: ctx.pkg.name,
          file: ctx.pkg.definitionFile,
          hint: `put the sources in ${dir}`,
        },
      );
    }
  },
  async extract(ctx) {
    await cp(join(ctx.pkg.defDir, 'local'), ctx.paths.buildBaseDir, {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
    });
  },
};
