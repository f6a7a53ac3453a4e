/**
 * The directory target (the seed's RELEASE_DIR): the release folder copied
 * to `<path>/<version>/`. A file already there with the same bytes is left
 * alone; one with other bytes stops the upload (a published file is never
 * replaced). Every file is checked against SHA256SUMS after the copy.
 */
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RelengError } from '../../util/errors.ts';
import { pathExists, tmpSibling } from '../../util/fs.ts';
import { sha256File } from '../dist/checksums.ts';
import { releaseFiles, type UploadTarget } from './types.ts';

export const directoryTarget: UploadTarget = {
  async upload(ctx, config) {
    const base = (config.path as string | undefined) ?? ctx.env.RELEASE_DIR;
    if (!base)
      throw new RelengError('the directory upload has no path', {
        hint: 'set path in the uploads entry, or RELEASE_DIR in the environment',
      });
    const dest = join(resolve(ctx.root, base), ctx.version);
    await mkdir(dest, { recursive: true });
    const uploaded: string[] = [];
    const unchanged: string[] = [];
    for (const name of releaseFiles(ctx.dist)) {
      const src = join(ctx.dist.dir, name);
      const target = join(dest, name);
      if (await pathExists(target)) {
        if ((await sha256File(target)) === (await sha256File(src))) {
          unchanged.push(name);
          continue;
        }
        throw new RelengError(`${target} exists with other content`, {
          hint: 'a published file is never replaced: release a new version instead',
        });
      }
      const tmp = tmpSibling(target);
      await copyFile(src, tmp);
      await rename(tmp, target);
      uploaded.push(name);
    }
    for (const f of ctx.dist.files) {
      if ((await sha256File(join(dest, f.name))) !== f.sha256)
        throw new RelengError(`${join(dest, f.name)} does not match SHA256SUMS after the upload`);
    }
    ctx.log(`directory ${dest}: ${uploaded.length} uploaded, ${unchanged.length} already there`);
    return { target: `directory ${dest}`, uploaded, unchanged };
  },
};
