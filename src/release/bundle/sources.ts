/**
 * The generic offline bundle: the project's sources at the release commit
 * (`git archive`), every fetched source in dl/ and every cache in cache/,
 * and `SOURCES.sha256` listing the hash of each dl/ and cache/ file, so the
 * project rebuilds with no network (`sha256sum -c SOURCES.sha256`, then
 * `releng --dl-dir dl --cache-dir cache`).
 */
import { lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isStaleTemporary } from '../../repository/recovery.ts';
import { walkFilesSync } from '../../util/fs.ts';
import { sha256File } from '../dist/checksums.ts';
import { type ArchiveFormat, type BundleMember, writeBundleArchive } from './archive.ts';
import { exportedSources } from './export.ts';
import type { Bundler } from './types.ts';

/** Regular files under a folder (relative paths, sorted); temporaries of a killed fetch left out. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  walkFilesSync(
    dir,
    '',
    (rel, name) => {
      if (!isStaleTemporary(name) && !/\.(part|tmp)$/.test(name)) out.push(rel);
    },
    () => true,
  );
  return out.sort();
}

export const sourcesBundler: Bundler = {
  async write(ctx, config) {
    const src = await exportedSources(ctx);
    const members: BundleMember[] = [];
    for (const rel of filesUnder(src)) {
      const st = await lstat(join(src, rel));
      if (st.isFile())
        members.push({
          name: `src/${rel}`,
          source: join(src, rel),
          mode: st.mode & 0o111 ? 0o755 : 0o644,
        });
    }
    let sums = '';
    for (const [area, dir] of [
      ['dl', ctx.dl],
      ['cache', ctx.cache],
    ] as const) {
      for (const rel of filesUnder(dir)) {
        const file = join(dir, rel);
        members.push({ name: `${area}/${rel}`, source: file });
        sums += `${await sha256File(file)}  ${area}/${relative(dir, file)}\n`;
      }
    }
    members.push({ name: 'SOURCES.sha256', content: Buffer.from(sums) });
    const top = `${ctx.name}-${ctx.version}-sources`;
    const written: string[] = [];
    for (const format of (config.formats ?? ['tar.gz']) as ArchiveFormat[]) {
      const file = `${top}.${format}`;
      await writeBundleArchive(join(ctx.outDir, file), format, top, members, ctx.sourceDateEpoch);
      ctx.log(`bundle ${file}`);
      written.push(file);
    }
    return written;
  },
};
