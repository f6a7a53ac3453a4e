/** tar, tar.gz, tar.xz and tar.zst archives of a file set, with normalised owners and times. */
import type { Compression, OutputFormat } from '../description.ts';
import type { FileEntry } from '../fileset.ts';
import { compressToFile } from '../lib/compress.ts';
import { contentReader } from '../lib/content.ts';
import { type TarItem, tarItems, tarStream } from '../lib/tar.ts';
import type { PackageMeta, Packager, WriteOptions } from '../types.ts';

/** Archive base name: `name-version[-arch]` (arch omitted for `all`). */
export function archiveBase(meta: PackageMeta): string {
  const arch = meta.arch.deb === 'all' ? '' : `-${meta.arch.deb}`;
  return `${meta.name}-${meta.version}${arch}`;
}

/** Tar members for an archive: the prefix directory (if any) then every entry under it. */
export function archiveItems(files: readonly FileEntry[], meta: PackageMeta, t: number): TarItem[] {
  const items: TarItem[] = [];
  const prefix = meta.prefix;
  if (prefix) {
    const parts = prefix.replace(/\/$/, '').split('/');
    for (let i = 1; i <= parts.length; i++) {
      items.push({
        name: `${parts.slice(0, i).join('/')}/`,
        type: 'dir',
        mode: 0o755,
        uid: 0,
        gid: 0,
        uname: 'root',
        gname: 'root',
        mtime: t,
        size: 0,
      });
    }
  }
  return [...items, ...tarItems(files, prefix)];
}

function tarPackager(format: OutputFormat, compression: Compression, ext: string): Packager {
  return {
    format,
    defaultCompression: compression,
    compressions: [compression],
    extension: () => ext,
    fileName: (meta) => `${archiveBase(meta)}${ext}`,
    async write(
      files: readonly FileEntry[],
      meta: PackageMeta,
      destFile: string,
      opts: WriteOptions,
    ): Promise<void> {
      const list = files.filter((f) => f.type !== 'ghost');
      await compressToFile(
        tarStream(archiveItems(list, meta, opts.sourceDateEpoch), contentReader(meta.label, list)),
        compression,
        meta.compressionLevel,
        destFile,
      );
    },
  };
}

export const tarPackagerPlain = tarPackager('tar', 'none', '.tar');
export const tarGzPackager = tarPackager('tar.gz', 'gzip', '.tar.gz');
export const tarXzPackager = tarPackager('tar.xz', 'xz', '.tar.xz');
export const tarZstPackager = tarPackager('tar.zst', 'zstd', '.tar.zst');
