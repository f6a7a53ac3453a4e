import { statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import type { SiteContext, SiteOperations } from './types.ts';

const isDir = (dir: string): boolean => {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The folder a `local` site's sources are in: `package/<pkg>/local`, or, in a
 * releng-tool project without one, as releng-tool: `<pkg>` beside the project
 * root (`<root>/../<pkg>`). Neither is an error naming both.
 */
export function localSourcesDir(ctx: Pick<SiteContext, 'pkg' | 'project'>): string {
  const dir = join(ctx.pkg.defDir, 'local');
  if (isDir(dir)) return dir;
  const beside =
    ctx.project.format === 'releng-tool'
      ? join(dirname(ctx.project.root), ctx.pkg.name)
      : undefined;
  if (beside !== undefined && isDir(beside)) return beside;
  throw new RelengError(
    `package "${ctx.pkg.name}" has site "local" but ${dir}${beside ? ` (or ${beside})` : ''} is not a directory`,
    {
      pkg: ctx.pkg.name,
      file: ctx.pkg.definitionFile,
      hint: `put the sources in ${dir}${beside ? `, or in ${beside} beside the project` : ''}`,
    },
  );
}

/** Sources kept beside the definition, in `package/<pkg>/local/` (see localSourcesDir). */
export const localSite: SiteOperations = {
  async fetch(ctx) {
    localSourcesDir(ctx);
  },
  async extract(ctx) {
    await cp(localSourcesDir(ctx), ctx.paths.buildBaseDir, {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
    });
  },
};
