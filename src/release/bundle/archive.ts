/**
 * Release bundles as tar.gz, tar.bz2 or zip, through the writers releng's
 * outputs already use (src/outputs: the ustar writer, the fixed-block gzip,
 * the zip writer): sorted members, root-owned, every time SOURCE_DATE_EPOCH,
 * so the same inputs give the same bytes. bzip2 (no timestamp in its
 * stream) is the system `bzip2`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type FileEntry, fileEntry } from '../../outputs/fileset.ts';
import { archiveItems } from '../../outputs/formats/tar.ts';
import { zipPackager } from '../../outputs/formats/zip.ts';
import { compressToFile } from '../../outputs/lib/compress.ts';
import { contentReader } from '../../outputs/lib/content.ts';
import { tarStream } from '../../outputs/lib/tar.ts';
import type { PackageMeta } from '../../outputs/types.ts';
import { RelengError } from '../../util/errors.ts';

/** Archive formats a bundle can be written as. */
export const ARCHIVE_FORMATS = ['tar.gz', 'tar.bz2', 'zip'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

/** One member: a file from disk or inline bytes, under the bundle's top folder. */
export interface BundleMember {
  /** Path inside the top folder, `/`-separated, no leading slash. */
  name: string;
  source?: string;
  content?: Buffer;
  /** Permission bits (default 0644). */
  mode?: number;
}

/** File-set entries (with their parent folders) for the members, sorted by path. */
async function entries(members: readonly BundleMember[], mtime: number): Promise<FileEntry[]> {
  const base = { mtime, origin: 'bundle' };
  const out = new Map<string, FileEntry>();
  for (const m of members) {
    if (m.name.split('/').some((p) => p === '' || p === '.' || p === '..'))
      throw new RelengError(`bundle member name "${m.name}" is not a clean relative path`);
    const parts = m.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!out.has(dir))
        out.set(dir, fileEntry({ ...base, path: dir, type: 'dir', size: 0, mode: 0o755 }));
    }
    const size = m.content ? m.content.length : (await stat(m.source as string)).size;
    out.set(
      `/${m.name}`,
      fileEntry({
        ...base,
        path: `/${m.name}`,
        type: 'file',
        source: m.source,
        content: m.content,
        size,
        mode: m.mode ?? 0o644,
      }),
    );
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Writes `dest` with the members under `top/`. */
export async function writeBundleArchive(
  dest: string,
  format: ArchiveFormat,
  top: string,
  members: readonly BundleMember[],
  sourceDateEpoch: number,
): Promise<void> {
  const files = await entries(members, sourceDateEpoch);
  // The writers read only these fields of the package description.
  const meta = {
    label: `bundle ${top}`,
    prefix: `${top}/`,
    compression: 'gzip',
    compressionLevel: 9,
  } as PackageMeta;
  if (format === 'zip') {
    await zipPackager.write(files, meta, dest, { sourceDateEpoch });
    return;
  }
  const tar = tarStream(
    archiveItems(files, meta, sourceDateEpoch),
    contentReader(meta.label, files),
  );
  if (format === 'tar.gz') {
    await compressToFile(tar, 'gzip', 9, dest);
    return;
  }
  const child = spawn('bzip2', ['-9', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new RelengError(
          e.code === 'ENOENT'
            ? 'tar.bz2 bundles need bzip2 (apt-get install bzip2)'
            : `bzip2: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new RelengError(`bzip2 exited with ${code}`)),
    );
  });
  await Promise.all([
    pipeline(Readable.from(tar), child.stdin),
    pipeline(child.stdout, createWriteStream(dest)),
    exited,
  ]);
}
