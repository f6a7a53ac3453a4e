/**
 * Reading a .deb in-process: the `ar` container (deb(5)), the control member
 * (control.tar, .gz, .xz or .zst) and its `./control` file, plus the file's
 * SHA-256 and SHA-512. The data member is checked for presence and a known
 * compression, never unpacked.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { RelengError } from '../../util/errors.ts';
import type { FileStamp } from '../index-store.ts';
import { stampOf } from '../index-store.ts';
import { type BinaryControl, checkBinaryControl, parseControl } from './control.ts';
import { type XzPrefix, xzPrefixReader } from './xz.ts';

const AR_MAGIC = '!<arch>\n';
/** Control files larger than this are refused (dpkg-deb's own limit is far lower in practice). */
const MAX_CONTROL_TAR = 64 << 20;

interface ArMember {
  name: string;
  offset: number;
  size: number;
}

/** What {@link readDeb} found. */
export interface DebInfo {
  control: BinaryControl;
  size: number;
  sha256: string;
  /** Only when asked for ({@link ReadDebOptions.sha512}). */
  sha512?: string;
  stamp: FileStamp;
}

/** Options of {@link readDeb}. */
export interface ReadDebOptions {
  /** Also compute SHA-512 (default false: Packages carries SHA-256, as Debian's archive does). */
  sha512?: boolean;
}

function invalid(label: string, why: string): RelengError {
  return new RelengError(`${label}: not a valid .deb: ${why}`, {
    hint: 'check it with `dpkg-deb --info FILE`',
  });
}

/** Parses the ar member headers from the start of a file (needs only the headers' bytes). */
function arMembers(head: Buffer, fileSize: number, label: string): ArMember[] {
  if (head.length < 8 || head.toString('latin1', 0, 8) !== AR_MAGIC)
    throw invalid(label, 'not an ar archive');
  const members: ArMember[] = [];
  let pos = 8;
  while (pos + 60 <= fileSize && pos + 60 <= head.length && members.length < 16) {
    const h = head.toString('latin1', pos, pos + 60);
    if (h.slice(58, 60) !== '`\n') throw invalid(label, `corrupt ar member header at ${pos}`);
    const name = h.slice(0, 16).trimEnd().replace(/\/$/, '');
    const sizeText = h.slice(48, 58).trim();
    if (!/^\d+$/.test(sizeText)) throw invalid(label, `corrupt ar member size at ${pos}`);
    const size = Number(sizeText);
    const offset = pos + 60;
    if (offset + size > fileSize) throw invalid(label, `member ${name} is truncated`);
    members.push({ name, offset, size });
    pos = offset + size + (size % 2);
    if (name.startsWith('data.tar')) break;
  }
  return members;
}

/** Bytes of the decompressed control.tar from the start: at least `n` of them, or all. */
type Prefix = XzPrefix;

/**
 * Finds `./control` in a tar archive, asking for only as much of it as the
 * entries up to and including `./control` take (control comes early, before
 * md5sums, which can be large; an .xz member is decoded only that far).
 */
function tarControl(read: Prefix, label: string): string {
  let { data: tar, complete } = read(512);
  const ensure = (n: number): boolean => {
    if (tar.length < n && !complete) ({ data: tar, complete } = read(n));
    return tar.length >= n;
  };
  let pos = 0;
  let longName: string | undefined;
  while (ensure(pos + 512)) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const rawName = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '');
    const sizeField = header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim();
    const size = sizeField === '' ? 0 : Number.parseInt(sizeField, 8);
    if (!Number.isFinite(size) || size < 0) throw invalid(label, 'corrupt control.tar');
    const type = String.fromCharCode(header[156]!);
    const dataStart = pos + 512;
    pos = dataStart + Math.ceil(size / 512) * 512;
    const name = longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const wanted =
      type === 'L' ||
      type === 'x' ||
      ((type === '0' || type === '\0') && (name === './control' || name === 'control'));
    if (!wanted) {
      longName = undefined;
      continue;
    }
    if (size > MAX_CONTROL_TAR || !ensure(dataStart + size))
      throw invalid(label, 'control.tar is truncated');
    const data = tar.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    return data.toString('utf8');
  }
  throw invalid(label, 'control.tar has no ./control file');
}

/** The decompressed control.tar, read as a prefix (xz) or whole (the others). */
function controlReader(name: string, data: Buffer, label: string): Prefix {
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw invalid(label, `${name} cannot be decompressed (${(err as Error).message})`);
    }
  };
  if (name === 'control.tar.xz') {
    const read = xzPrefixReader(data, MAX_CONTROL_TAR);
    return (n) => guard(() => read(n));
  }
  let whole: Buffer | undefined;
  return () => {
    whole ??= guard(() => decompressControl(name, data, label));
    return { data: whole, complete: true };
  };
}

function decompressControl(name: string, data: Buffer, label: string): Buffer {
  if (name === 'control.tar') return data;
  if (name === 'control.tar.gz') return gunzipSync(data, { maxOutputLength: MAX_CONTROL_TAR });
  if (name === 'control.tar.zst')
    return zstdDecompressSync(data, { maxOutputLength: MAX_CONTROL_TAR });
  throw invalid(label, `unknown control member '${name}'`);
}

const DATA_MEMBERS = new Set([
  'data.tar',
  'data.tar.gz',
  'data.tar.xz',
  'data.tar.zst',
  'data.tar.bz2',
  'data.tar.lzma',
]);

/** Parses a whole .deb held in memory; returns its control data. */
export function parseDeb(buf: Buffer, label: string): BinaryControl {
  const members = arMembers(buf, buf.length, label);
  return controlFromMembers(members, (m) => buf.subarray(m.offset, m.offset + m.size), label);
}

function controlFromMembers(
  members: ArMember[],
  read: (m: ArMember) => Buffer,
  label: string,
): BinaryControl {
  const [binary, ...rest] = members;
  if (binary?.name !== 'debian-binary') throw invalid(label, 'no debian-binary member');
  const version = read(binary).toString('latin1');
  if (!/^2\.\d+\n/.test(version)) throw invalid(label, `unsupported format '${version.trim()}'`);
  const others = rest.filter((m) => !m.name.startsWith('_'));
  const control = others[0];
  const data = others[1];
  if (!control?.name.startsWith('control.tar'))
    throw invalid(label, 'the second member is not control.tar');
  if (!data || !DATA_MEMBERS.has(data.name))
    throw invalid(label, 'no data.tar member after control.tar');
  if (control.size > MAX_CONTROL_TAR) throw invalid(label, 'control.tar is too large');
  if (!/^control\.tar(\.gz|\.xz|\.zst)?$/.test(control.name))
    throw invalid(label, `unknown control member '${control.name}'`);
  const text = tarControl(controlReader(control.name, read(control), label), label);
  return checkBinaryControl(parseControl(text, label), label);
}

let scratch = Buffer.allocUnsafe(1 << 20);

/** Files up to this size are read whole; larger ones are streamed for their digests. */
const WHOLE_READ = 8 << 20;

/**
 * Reads a .deb file: validates it, parses its control data and computes its
 * digests. The file is read once.
 */
export async function readDeb(
  file: string,
  label = file,
  opts: ReadDebOptions = {},
): Promise<DebInfo> {
  // Small files (the common case) are read with blocking calls: a few
  // microseconds each, far less than four trips through the thread pool.
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RelengError(
      `${label}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (err as Error).message})`}`,
    );
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
    if (!st.isFile()) throw new RelengError(`${label}: not a regular file`);
    if (st.size <= WHOLE_READ) {
      // One scratch buffer for every file: no fresh pages to fault in per package.
      // Safe: nothing below awaits before the bytes are used up.
      if (scratch.length < st.size)
        scratch = Buffer.allocUnsafe(Math.max(st.size, scratch.length * 2));
      const buf = scratch.subarray(0, st.size);
      let got = 0;
      while (got < st.size) {
        const n = readSync(fd, buf, got, st.size - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got !== st.size) throw new RelengError(`${label}: changed while being read`);
      const control = parseDeb(buf, label);
      return {
        control,
        size: buf.length,
        sha256: createHash('sha256').update(buf).digest('hex'),
        sha512: opts.sha512 ? createHash('sha512').update(buf).digest('hex') : undefined,
        stamp: stampOf(st),
      };
    }
  } finally {
    closeSync(fd);
  }
  return readLargeDeb(file, label, opts);
}

async function readLargeDeb(file: string, label: string, opts: ReadDebOptions): Promise<DebInfo> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    // Large file: headers and the control member by position, digests by streaming.
    const members = arMembers(await readHeaders(handle, st.size), st.size, label);
    const chunks = new Map<ArMember, Buffer>();
    for (const m of members.slice(0, 3)) {
      if (m.name.startsWith('data.tar')) continue;
      const b = Buffer.alloc(m.size);
      await handle.read(b, 0, m.size, m.offset);
      chunks.set(m, b);
    }
    const control = controlFromMembers(members, (m) => chunks.get(m) ?? Buffer.alloc(0), label);
    const h256 = createHash('sha256');
    const h512 = opts.sha512 ? createHash('sha512') : undefined;
    const buf = Buffer.alloc(1 << 20);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h256.update(buf.subarray(0, bytesRead));
      h512?.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    if (size !== st.size) throw new RelengError(`${label}: changed while being read`);
    return {
      control,
      size,
      sha256: h256.digest('hex'),
      sha512: h512?.digest('hex'),
      stamp: stampOf(st),
    };
  } finally {
    await handle.close();
  }
}

/** Reads enough of the file that every ar header up to data.tar is in the buffer. */
async function readHeaders(
  handle: Awaited<ReturnType<typeof open>>,
  size: number,
): Promise<Buffer> {
  // The bytes from the start of the file to the data.tar header, following member sizes.
  const magic = Buffer.alloc(8);
  await handle.read(magic, 0, 8, 0);
  const parts: Buffer[] = [magic];
  let pos = 8;
  for (let i = 0; i < 16 && pos + 60 <= size; i++) {
    const h = Buffer.alloc(60);
    await handle.read(h, 0, 60, pos);
    parts.push(h);
    const name = h.toString('latin1', 0, 16).trimEnd();
    const memberSize = Number(h.toString('latin1', 48, 58).trim());
    if (!Number.isFinite(memberSize)) break;
    if (name.startsWith('data.tar')) break;
    const body = Buffer.alloc(Math.min(memberSize + (memberSize % 2), size - pos - 60));
    await handle.read(body, 0, body.length, pos + 60);
    parts.push(body);
    pos += 60 + memberSize + (memberSize % 2);
  }
  return Buffer.concat(parts);
}

/** Size and digests of a file (streamed). */
export async function digestFile(
  file: string,
): Promise<{ size: number; sha256: string; sha512: string }> {
  const st = await stat(file);
  const handle = await open(file, 'r');
  try {
    const h256 = createHash('sha256');
    const h512 = createHash('sha512');
    const buf = Buffer.alloc(Math.min(1 << 20, Math.max(1, st.size)));
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h256.update(buf.subarray(0, bytesRead));
      h512.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: h256.digest('hex'), sha512: h512.digest('hex') };
  } finally {
    await handle.close();
  }
}
