/**
 * Archive types: from a file name (releng-tool's EXTENSION / cache file
 * suffix), from an explicit type string, and from the first bytes of a file.
 */

/** The archive types extractArchive handles (canonical spellings). */
export type ArchiveType =
  | 'tar'
  | 'tar.gz'
  | 'tar.bz2'
  | 'tar.xz'
  | 'tar.lzma'
  | 'tar.zst'
  | 'tar.lz'
  | 'tar.Z'
  | 'zip';

/** File-name suffixes (lower case, longest first) and the type each names. */
const SUFFIXES: ReadonlyArray<readonly [string, ArchiveType]> = [
  ['.tar.zstd', 'tar.zst'],
  ['.tar.lzma', 'tar.lzma'],
  ['.tar.bz2', 'tar.bz2'],
  ['.tar.zst', 'tar.zst'],
  ['.tar.gz', 'tar.gz'],
  ['.tar.bz', 'tar.bz2'],
  ['.tar.xz', 'tar.xz'],
  ['.tar.lz', 'tar.lz'],
  ['.tar.z', 'tar.Z'],
  ['.tbz2', 'tar.bz2'],
  ['.tzst', 'tar.zst'],
  ['.tar', 'tar'],
  ['.tgz', 'tar.gz'],
  ['.taz', 'tar.gz'],
  ['.tbz', 'tar.bz2'],
  ['.tb2', 'tar.bz2'],
  ['.txz', 'tar.xz'],
  ['.tlz', 'tar.lzma'],
  ['.zip', 'zip'],
];

/** Archive type of a file name, or undefined when it is not an archive we know. */
export function archiveType(fileName: string): ArchiveType | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).toLowerCase();
  for (const [suffix, type] of SUFFIXES) {
    if (base.length > suffix.length && base.endsWith(suffix)) return type;
  }
  return undefined;
}

/**
 * An explicit type (EXTRACT_TYPE, EXTENSION or the `type` option): a canonical
 * name or any suffix spelling, with or without the leading dot (`tgz`,
 * `.tar.gz`, `TBZ2`, `tar.zstd`, ...).
 */
export function normalizeType(type: string): ArchiveType | undefined {
  const t = type.trim().replace(/^\.+/, '');
  if (t === '') return undefined;
  return archiveType(`x.${t}`);
}

/** The compression layer of a tar type (undefined for plain tar and zip). */
export type Compression = 'gzip' | 'bzip2' | 'xz' | 'lzma' | 'zstd' | 'lzip' | 'compress';

export function compressionOf(type: ArchiveType): Compression | undefined {
  switch (type) {
    case 'tar.gz':
      return 'gzip';
    case 'tar.bz2':
      return 'bzip2';
    case 'tar.xz':
      return 'xz';
    case 'tar.lzma':
      return 'lzma';
    case 'tar.zst':
      return 'zstd';
    case 'tar.lz':
      return 'lzip';
    case 'tar.Z':
      return 'compress';
    default:
      return undefined;
  }
}

/**
 * What the first bytes of a file say it is: a compressed stream (assumed to
 * hold a tar, as GNU tar assumes), a zip, a plain tar (ustar magic), or
 * undefined when nothing is recognised (old v7 tars have no magic; lzma has
 * none worth trusting).
 */
export function sniffType(head: Buffer): ArchiveType | undefined {
  const at = (offset: number, bytes: readonly number[]) =>
    head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
  if (at(0, [0x1f, 0x8b])) return 'tar.gz';
  if (at(0, [0x1f, 0x9d])) return 'tar.Z';
  if (at(0, [0x42, 0x5a, 0x68])) return 'tar.bz2'; // BZh
  if (at(0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'tar.xz';
  if (at(0, [0x28, 0xb5, 0x2f, 0xfd])) return 'tar.zst';
  if (at(0, [0x4c, 0x5a, 0x49, 0x50])) return 'tar.lz'; // LZIP
  if (at(0, [0x50, 0x4b, 0x03, 0x04]) || at(0, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (at(257, [0x75, 0x73, 0x74, 0x61, 0x72])) return 'tar'; // ustar
  return undefined;
}
