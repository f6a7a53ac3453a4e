/**
 * .rpm (v4) writer: lead, signature header (sizes, header SHA256), main
 * header and a cpio (newc) payload compressed with gzip, xz or zstd.
 * File digests are SHA256; the payload digest covers the compressed payload.
 */
import { createHash, type Hash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Dependency } from '../description.ts';
import { OutputError } from '../errors.ts';
import { type FileEntry, rpmOwns } from '../fileset.ts';
import { assemble } from '../lib/assemble.ts';
import { compressToFile } from '../lib/compress.ts';
import { type ChunkReader, contentReader } from '../lib/content.ts';
import {
  changeVersion,
  effectiveChangelog,
  type PackageMeta,
  type Packager,
  type ScriptName,
  type WriteOptions,
} from '../types.ts';

// Tag value types.
const INT16 = 3;
const INT32 = 4;
const INT64 = 5;
const STRING = 6;
const BIN = 7;
const STRING_ARRAY = 8;
const I18NSTRING = 9;

// Dependency sense flags (rpmds.h).
const LESS = 1 << 1;
const GREATER = 1 << 2;
const EQUAL = 1 << 3;
const POSTTRANS = 1 << 5;
const PRETRANS = 1 << 7;
const INTERP = 1 << 8;
const SCRIPT_PRE = 1 << 9;
const SCRIPT_POST = 1 << 10;
const SCRIPT_PREUN = 1 << 11;
const SCRIPT_POSTUN = 1 << 12;
const FIND_REQUIRES = 1 << 14;
const FIND_PROVIDES = 1 << 15;
const RPMLIB = 1 << 24;

// File flags (rpmfiles.h).
const F_CONFIG = 1 << 0;
const F_DOC = 1 << 1;
const F_MISSINGOK = 1 << 3;
const F_NOREPLACE = 1 << 4;
const F_GHOST = 1 << 6;

const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);

/** One raw header entry. */
export interface HeaderEntry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

/** Collects header tags and serialises them as an rpm header blob with an immutable region. */
export class HeaderBuilder {
  private readonly entries = new Map<number, HeaderEntry>();

  private put(tag: number, type: number, count: number, data: Buffer): this {
    if (count > 0) this.entries.set(tag, { tag, type, count, data });
    return this;
  }
  string(tag: number, s: string | undefined): this {
    if (s === undefined) return this;
    return this.put(tag, STRING, 1, Buffer.from(`${s}\0`));
  }
  i18n(tag: number, s: string): this {
    return this.put(tag, I18NSTRING, 1, Buffer.from(`${s}\0`));
  }
  strings(tag: number, list: readonly string[]): this {
    return this.put(
      tag,
      STRING_ARRAY,
      list.length,
      Buffer.from(list.map((s) => `${s}\0`).join('')),
    );
  }
  int32(tag: number, list: readonly number[]): this {
    const b = Buffer.alloc(list.length * 4);
    list.forEach((n, i) => {
      b.writeUInt32BE(n >>> 0, i * 4);
    });
    return this.put(tag, INT32, list.length, b);
  }
  int16(tag: number, list: readonly number[]): this {
    const b = Buffer.alloc(list.length * 2);
    list.forEach((n, i) => {
      b.writeUInt16BE(n & 0xffff, i * 2);
    });
    return this.put(tag, INT16, list.length, b);
  }
  int64(tag: number, list: readonly number[]): this {
    const b = Buffer.alloc(list.length * 8);
    list.forEach((n, i) => {
      b.writeBigUInt64BE(BigInt(n), i * 8);
    });
    return this.put(tag, INT64, list.length, b);
  }
  bin(tag: number, data: Buffer): this {
    return this.put(tag, BIN, data.length, data);
  }

  /** The header blob (magic, index, data) with `regionTag` (62 signature, 63 main) as its region. */
  build(regionTag: number): Buffer {
    return serializeHeader(regionTag, [...this.entries.values()]);
  }
}

/**
 * Serialises a header with an immutable region (`regionTag` 62 signature,
 * 63 main): magic, index sorted by tag, data with integers aligned, region
 * trailer. Also used to rewrite signature headers (src/repository/rpmsign.ts).
 */
export function serializeHeader(regionTag: number, entries: readonly HeaderEntry[]): Buffer {
  const sorted = entries.filter((e) => e.tag !== regionTag).sort((a, b) => a.tag - b.tag);
  const il = sorted.length + 1;
  const data: Buffer[] = [];
  const index: Buffer[] = [];
  let off = 0;
  for (const e of sorted) {
    const align = e.type === INT16 ? 2 : e.type === INT32 ? 4 : e.type === INT64 ? 8 : 1;
    const pad = (align - (off % align)) % align;
    if (pad) {
      data.push(Buffer.alloc(pad));
      off += pad;
    }
    const ie = Buffer.alloc(16);
    ie.writeUInt32BE(e.tag, 0);
    ie.writeUInt32BE(e.type, 4);
    ie.writeInt32BE(off, 8);
    ie.writeUInt32BE(e.count, 12);
    index.push(ie);
    data.push(e.data);
    off += e.data.length;
  }
  const trailer = Buffer.alloc(16);
  trailer.writeUInt32BE(regionTag, 0);
  trailer.writeUInt32BE(BIN, 4);
  trailer.writeInt32BE(-il * 16, 8);
  trailer.writeUInt32BE(16, 12);
  const region = Buffer.alloc(16);
  region.writeUInt32BE(regionTag, 0);
  region.writeUInt32BE(BIN, 4);
  region.writeInt32BE(off, 8);
  region.writeUInt32BE(16, 12);
  const dl = off + 16;
  const counts = Buffer.alloc(8);
  counts.writeUInt32BE(il, 0);
  counts.writeUInt32BE(dl, 4);
  return Buffer.concat([HEADER_MAGIC, counts, region, ...index, ...data, trailer]);
}

/** The 96-byte lead. */
export function lead(name: string): Buffer {
  const b = Buffer.alloc(96);
  b.writeUInt32BE(0xedabeedb, 0);
  b[4] = 3;
  b[5] = 0;
  b.writeUInt16BE(0, 6); // binary package
  b.writeUInt16BE(1, 8); // archnum (ignored by rpm >= 4)
  b.write(name.slice(0, 65), 10, 'utf8');
  b.writeUInt16BE(1, 76); // osnum: Linux
  b.writeUInt16BE(5, 78); // signature type: header-style
  return b;
}

const CPIO_TRAILER = 'TRAILER!!!';

function cpioHeader(
  name: string,
  ino: number,
  mode: number,
  mtime: number,
  size: number,
  nlink: number,
): Buffer {
  const nameBuf = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, 0, 0, nameBuf.length, 0];
  const head = `070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`;
  const total = 110 + nameBuf.length;
  const pad = (4 - (total % 4)) % 4;
  return Buffer.concat([Buffer.from(head, 'ascii'), nameBuf, Buffer.alloc(pad)]);
}

function typeBits(e: FileEntry): number {
  return e.type === 'dir' ? 0o040000 : e.type === 'symlink' ? 0o120000 : 0o100000;
}

/** Streams the cpio payload of `files` (ghosts excluded); `onData` sees each file's bytes. */
export async function* cpioStream(
  files: readonly FileEntry[],
  read: ChunkReader,
  onData: (e: FileEntry, chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  let ino = 0;
  for (const e of files) {
    ino++;
    if (e.type === 'ghost') continue;
    const body = e.type === 'symlink' ? Buffer.from(e.target ?? '') : undefined;
    const len = e.type === 'file' ? e.size : (body?.length ?? 0);
    pending.push(
      cpioHeader(`.${e.path}`, ino, typeBits(e) | e.mode, e.mtime, len, e.type === 'dir' ? 2 : 1),
    );
    size += 128;
    if (body) pending.push(body);
    if (e.type === 'file') {
      for await (const chunk of read(e)) {
        onData(e, chunk);
        pending.push(chunk);
        size += chunk.length;
        if (size >= 1 << 20) {
          yield Buffer.concat(pending);
          pending = [];
          size = 0;
        }
      }
    }
    const pad = (4 - (len % 4)) % 4;
    if (pad) pending.push(Buffer.alloc(pad));
    if (size >= 1 << 20) {
      yield Buffer.concat(pending);
      pending = [];
      size = 0;
    }
  }
  pending.push(cpioHeader(CPIO_TRAILER, 0, 0, 0, 0, 1));
  yield Buffer.concat(pending);
}

/** Full rpm EVR: `[epoch:]version-release`. */
function evr(meta: PackageMeta): string {
  return `${meta.epoch !== undefined ? `${meta.epoch}:` : ''}${meta.version}-${meta.release}`;
}

const OP_FLAGS: Record<string, number> = {
  '<<': LESS,
  '<=': LESS | EQUAL,
  '=': EQUAL,
  '>=': GREATER | EQUAL,
  '>>': GREATER,
};
const OP_RPM: Record<string, string> = { '<<': '<', '<=': '<=', '=': '=', '>=': '>=', '>>': '>' };

interface Dep {
  name: string;
  flags: number;
  version: string;
}

/** One rpm dependency; alternatives become a rich (boolean) dependency. */
export function rpmDependency(d: Dependency, extraFlags = 0): Dep {
  if (d.alternatives.length === 1) {
    const a = d.alternatives[0]!;
    return {
      name: a.name,
      flags: (a.op ? OP_FLAGS[a.op]! : 0) | extraFlags,
      version: a.version ?? '',
    };
  }
  const parts = d.alternatives.map((a) =>
    a.op ? `${a.name} ${OP_RPM[a.op]} ${a.version}` : a.name,
  );
  return { name: `(${parts.join(' or ')})`, flags: extraFlags, version: '' };
}

/** A generated dependency: `name`, or `name = version` (`debuginfo(build-id) = ...`). */
function generatedDep(text: string, flags: number): Dep {
  const m = /^(\S+) = (\S+)$/.exec(text);
  return m
    ? { name: m[1]!, flags: flags | EQUAL, version: m[2]! }
    : { name: text, flags, version: '' };
}

function addDeps(h: HeaderBuilder, tags: [number, number, number], deps: readonly Dep[]): void {
  if (deps.length === 0) return;
  h.strings(
    tags[0],
    deps.map((d) => d.name),
  );
  h.int32(
    tags[1],
    deps.map((d) => d.flags),
  );
  h.strings(
    tags[2],
    deps.map((d) => d.version),
  );
}

const SCRIPT_TAGS: Array<[ScriptName, number, number, number]> = [
  ['preInstall', 1023, 1085, SCRIPT_PRE],
  ['postInstall', 1024, 1086, SCRIPT_POST],
  ['preRemove', 1025, 1087, SCRIPT_PREUN],
  ['postRemove', 1026, 1088, SCRIPT_POSTUN],
  ['preTransaction', 1151, 1153, PRETRANS],
  ['postTransaction', 1152, 1154, POSTTRANS],
];

/** rpm's `%__docdir_path`: regular files below these are `%doc` without being marked. */
const DOC_DIRS =
  /^\/usr\/(share\/(doc|man|info|gtk-doc\/html|gnome\/help)|doc|man|info|X11R6\/man)\//;

/** Whether rpmbuild would mark this file as documentation on its own. */
export function isDocPath(f: FileEntry): boolean {
  return f.type === 'file' && DOC_DIRS.test(f.path);
}

/** Debian sections mapped to the classic RPM groups (rpm's GROUPS file). */
const SECTION_GROUPS: Record<string, string> = {
  admin: 'Applications/System',
  database: 'Applications/Databases',
  debug: 'Development/Debuggers',
  devel: 'Development/Tools',
  doc: 'Documentation',
  editors: 'Applications/Editors',
  games: 'Amusements/Games',
  graphics: 'Applications/Multimedia',
  interpreters: 'Development/Languages',
  kernel: 'System Environment/Kernel',
  libdevel: 'Development/Libraries',
  libs: 'System Environment/Libraries',
  mail: 'Applications/Internet',
  net: 'Applications/Internet',
  python: 'Development/Languages',
  perl: 'Development/Languages',
  shells: 'System Environment/Shells',
  sound: 'Applications/Multimedia',
  text: 'Applications/Text',
  utils: 'Applications/System',
  video: 'Applications/Multimedia',
  web: 'Applications/Internet',
  x11: 'User Interface/X',
};

/** The RPM Group for a Debian section (`rpm.group` overrides it). */
export function rpmGroup(section: string): string {
  return SECTION_GROUPS[section.replace(/^.*\//, '')] ?? 'Applications/System';
}

function interpreter(script: string): string[] {
  const first = script.split('\n', 1)[0]!;
  return first.startsWith('#!') ? first.slice(2).trim().split(/\s+/) : ['/bin/sh'];
}

/** The main header for `files` (the owned entries, sorted) with the payload facts. */
export function mainHeader(
  meta: PackageMeta,
  files: readonly FileEntry[],
  digests: ReadonlyMap<FileEntry, string>,
  payload: { digest: string; rawDigest: string },
  buildTime: number,
): Buffer {
  const h = new HeaderBuilder();
  h.strings(100, ['C']);
  h.string(1000, meta.name).string(1001, meta.version).string(1002, meta.release);
  if (meta.epoch !== undefined) h.int32(1003, [meta.epoch]);
  h.i18n(1004, meta.summary).i18n(1005, meta.description);
  h.int32(1006, [buildTime]).string(1007, meta.rpm.buildHost ?? 'localhost');
  const total = files.reduce(
    (s, f) => s + (f.type === 'file' || f.type === 'symlink' ? f.size : 0),
    0,
  );
  if (total < 2 ** 32) h.int32(1009, [total]);
  else h.int64(5009, [total]);
  h.string(1011, meta.vendor).string(1014, meta.license ?? 'Unknown');
  h.string(1015, meta.rpm.packager ?? meta.maintainer);
  // rpmlint reads a missing Group and rpmbuild's "Unspecified" alike as no-group-tag.
  h.i18n(1016, meta.rpm.group ?? rpmGroup(meta.section));
  h.string(1020, meta.homepage).string(1021, 'linux').string(1022, meta.arch.rpm);

  // Scripts and their interpreters.
  const requires: Dep[] = [];
  for (const [slot, tag, progTag, sense] of SCRIPT_TAGS) {
    const text = meta.scripts[slot];
    if (text === undefined) continue;
    const prog = interpreter(text);
    h.string(tag, text);
    if (prog.length === 1) h.string(progTag, prog[0]!);
    else h.strings(progTag, prog);
    requires.push({ name: prog[0]!, flags: INTERP | sense, version: '' });
  }

  // Files.
  if (files.length > 0) {
    const dirs: string[] = [];
    const dirIndex = new Map<string, number>();
    const dirIndexes: number[] = [];
    for (const f of files) {
      const d = `${path.posix.dirname(f.path).replace(/\/$/, '')}/`;
      let i = dirIndex.get(d);
      if (i === undefined) {
        i = dirs.length;
        dirs.push(d);
        dirIndex.set(d, i);
      }
      dirIndexes.push(i);
    }
    h.int32(
      1028,
      files.map((f) => (f.type === 'dir' ? 0 : f.size)),
    );
    h.int16(
      1030,
      files.map((f) => typeBits(f) | f.mode),
    );
    h.int16(
      1033,
      files.map(() => 0),
    );
    h.int32(
      1034,
      files.map((f) => f.mtime),
    );
    h.strings(
      1035,
      files.map((f) => digests.get(f) ?? ''),
    );
    h.strings(
      1036,
      files.map((f) => (f.type === 'symlink' ? (f.target ?? '') : '')),
    );
    const autoConfig = meta.rpm.autoConfig !== false;
    h.int32(
      1037,
      files.map(
        (f) =>
          (f.config ? F_CONFIG : 0) |
          (f.noreplace ? F_NOREPLACE : 0) |
          (autoConfig && !f.config && f.type === 'file' && f.path.startsWith('/etc/')
            ? F_CONFIG | F_NOREPLACE
            : 0) |
          (f.missingok ? F_MISSINGOK : 0) |
          (f.doc || isDocPath(f) ? F_DOC : 0) |
          (f.type === 'ghost' ? F_GHOST : 0),
      ),
    );
    h.strings(
      1039,
      files.map((f) => f.owner),
    );
    h.strings(
      1040,
      files.map((f) => f.group),
    );
    h.int32(
      1045,
      files.map(() => 0xffffffff),
    );
    h.int32(
      1095,
      files.map(() => 1),
    );
    h.int32(
      1096,
      files.map((_, i) => i + 1),
    );
    h.strings(
      1097,
      files.map(() => ''),
    );
    h.int32(1116, dirIndexes);
    h.strings(
      1117,
      files.map((f) => path.posix.basename(f.path)),
    );
    h.strings(1118, dirs);
    h.int32(5011, [8]);
  }
  h.string(1044, `${meta.name}-${meta.version}-${meta.release}.src.rpm`);

  // Dependencies.
  const rich = Object.values(meta.relations).some((l) => l.some((d) => d.alternatives.length > 1));
  const rpmlib = (feature: string, version: string): Dep => ({
    name: `rpmlib(${feature})`,
    flags: RPMLIB | LESS | EQUAL,
    version,
  });
  requires.push(
    ...meta.relations.preDepends.map((d) => rpmDependency(d, SCRIPT_PRE)),
    ...meta.relations.depends.map((d) => rpmDependency(d)),
    rpmlib('CompressedFileNames', '3.0.4-1'),
    rpmlib('FileDigests', '4.6.0-1'),
    rpmlib('PayloadFilesHavePrefix', '4.0-1'),
  );
  if (meta.compression === 'xz') requires.push(rpmlib('PayloadIsXz', '5.2-1'));
  if (meta.compression === 'zstd') requires.push(rpmlib('PayloadIsZstd', '5.4.18-1'));
  if (rich) requires.push(rpmlib('RichDependencies', '4.12.0-1'));
  // Generated from the files, flagged as rpmbuild flags what its generators find.
  requires.push(...meta.autoRequires.map((r) => generatedDep(r, FIND_REQUIRES)));
  const provides: Dep[] = [
    ...meta.relations.provides.map((d) => rpmDependency(d)),
    ...meta.autoProvides.map((p) => generatedDep(p, FIND_PROVIDES)),
    { name: meta.name, flags: EQUAL, version: evr(meta) },
  ];
  addDeps(h, [1047, 1112, 1113], provides);
  addDeps(h, [1049, 1048, 1050], requires);
  addDeps(
    h,
    [1054, 1053, 1055],
    [...meta.relations.conflicts, ...meta.relations.breaks].map((d) => rpmDependency(d)),
  );
  addDeps(
    h,
    [1090, 1114, 1115],
    meta.relations.replaces.map((d) => rpmDependency(d)),
  );
  addDeps(
    h,
    [5046, 5048, 5047],
    meta.relations.recommends.map((d) => rpmDependency(d)),
  );
  addDeps(
    h,
    [5049, 5051, 5050],
    meta.relations.suggests.map((d) => rpmDependency(d)),
  );

  // Changelog (newest first); a generated entry when the description has none.
  const changelog = effectiveChangelog(meta, buildTime);
  h.int32(
    1080,
    changelog.map((c) => c.time),
  );
  h.strings(
    1081,
    changelog.map((c) => `${c.author} - ${changeVersion(meta, c.version).replace(/^\d+:/, '')}`),
  );
  h.strings(
    1082,
    changelog.map((c) => c.changes.map((l) => `- ${l}`).join('\n')),
  );

  h.string(1124, 'cpio');
  h.string(1125, meta.compression === 'gzip' ? 'gzip' : meta.compression === 'xz' ? 'xz' : 'zstd');
  h.string(1126, String(meta.compressionLevel));
  h.string(5062, 'utf-8');
  h.strings(5092, [payload.digest]);
  h.int32(5093, [8]);
  h.strings(5097, [payload.rawDigest]);
  return h.build(63);
}

/** The signature header: sizes and the SHA256 of the main header. */
export function signatureHeader(
  header: Buffer,
  payloadSize: number,
  rawPayloadSize: number,
): Buffer {
  const s = new HeaderBuilder();
  s.string(273, createHash('sha256').update(header).digest('hex'));
  const total = header.length + payloadSize;
  if (total < 2 ** 32) s.int32(1000, [total]);
  else s.int64(270, [total]);
  if (rawPayloadSize < 2 ** 32) s.int32(1007, [rawPayloadSize]);
  else s.int64(271, [rawPayloadSize]);
  const blob = s.build(62);
  const pad = (8 - (blob.length % 8)) % 8;
  return Buffer.concat([blob, Buffer.alloc(pad)]);
}

export const rpmPackager: Packager = {
  format: 'rpm',
  defaultCompression: 'xz',
  compressions: ['gzip', 'xz', 'zstd'],
  extension: () => '.rpm',
  fileName: (meta) => `${meta.name}-${meta.version}-${meta.release}.${meta.arch.rpm}.rpm`,

  async write(
    input: readonly FileEntry[],
    meta: PackageMeta,
    destFile: string,
    opts: WriteOptions,
  ): Promise<void> {
    const files = input.filter(rpmOwns);
    for (const f of files) {
      if (f.type === 'file' && f.size >= 2 ** 32 - 1) {
        throw new OutputError(
          meta.label,
          f.origin,
          `'${f.path}' is 4 GiB or larger, which cpio payloads cannot hold`,
        );
      }
    }
    const hashes = new Map<FileEntry, Hash>();
    const payloadTmp = `${destFile}.payload.tmp`;
    try {
      const payload = await compressToFile(
        cpioStream(
          files,
          contentReader(
            meta.label,
            files.filter((f) => f.type === 'file'),
          ),
          (e, chunk) => {
            let h = hashes.get(e);
            if (!h) {
              h = createHash('sha256');
              hashes.set(e, h);
            }
            h.update(chunk);
          },
        ),
        meta.compression,
        meta.compressionLevel,
        payloadTmp,
        { raw: ['sha256'], compressed: ['sha256'] },
      );
      const digests = new Map<FileEntry, string>();
      for (const f of files) {
        if (f.type === 'file')
          digests.set(f, (hashes.get(f) ?? createHash('sha256')).digest('hex'));
      }
      const header = mainHeader(
        meta,
        files,
        digests,
        { digest: payload.digests[0]!, rawDigest: payload.rawDigests[0]! },
        opts.sourceDateEpoch,
      );
      const sig = signatureHeader(header, payload.size, payload.rawSize);
      await assemble(destFile, [
        lead(`${meta.name}-${meta.version}-${meta.release}`),
        sig,
        header,
        { file: payloadTmp },
      ]);
    } finally {
      await rm(payloadTmp, { force: true });
    }
  },
};
