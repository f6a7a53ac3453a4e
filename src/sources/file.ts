/**
 * The file site type (`file://<path>` or `file+<path>`): a file on this
 * machine, copied into `dl/` and then treated exactly like a downloaded one
 * (hash and signature checks, atomic rename, extraction). A relative path is
 * relative to the project root. A directory is copied into the build
 * directory as is at extract time (nothing to cache or verify).
 */
import { cp, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RelengError } from '../util/errors.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import { cacheFilePath, extractCacheFile, fetchToCache, requireSite } from './url.ts';

/** The local path a file site names (absolute). */
export function fileSitePath(ctx: SiteContext): string {
  let path = requireSite(ctx);
  if (path.startsWith('file+')) path = path.slice('file+'.length);
  if (path.startsWith('file://')) {
    path = path.slice('file://'.length);
    if (path.startsWith('localhost/')) path = path.slice('localhost'.length);
    try {
      path = decodeURIComponent(path);
    } catch {
      // not percent-encoded
    }
  }
  return resolve(ctx.project.root, path);
}

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  return info.isDirectory() ? 'dir' : 'file';
}

function missing(ctx: SiteContext, path: string): RelengError {
  return new RelengError(`the site of package "${ctx.pkg.name}" does not exist: ${path}`, {
    pkg: ctx.pkg.name,
    file: ctx.pkg.definitionFile,
    hint: 'a relative file site is relative to the project root',
  });
}

export const fileSite: SiteOperations = {
  async fetch(ctx) {
    const path = fileSitePath(ctx);
    const what = await kind(path);
    const finalPath = await cacheFilePath(ctx, basename(path));
    if (what === undefined) {
      // Already copied: a later run does not need the original.
      if ((await kind(finalPath)) === 'file') return;
      throw missing(ctx, path);
    }
    if (what === 'dir') return;
    await fetchToCache(ctx, finalPath, [{ url: pathToFileURL(path).href }]);
  },
  async extract(ctx) {
    const path = fileSitePath(ctx);
    if ((await kind(path)) === 'dir') {
      await cp(path, ctx.paths.buildBaseDir, {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
      });
      return;
    }
    await extractCacheFile(ctx, await cacheFilePath(ctx, basename(path)));
  },
};
