/**
 * A zip reader: the central directory (zip64 included, data prepended to the
 * archive tolerated) lists the entries; each one's data is read at its local
 * header, inflated with node:zlib (stored and deflate; other methods and
 * encrypted entries are refused with a clear error) and checked against its
 * CRC-32 and size before it is written through SafeTree.
 *
 * Unix modes (files, directories, symlinks) come from the external attributes
 * of entries made on Unix; other entries are 0644 files or 0755 directories.
 * Times: the extended-timestamp field (UTC) when present, else the DOS time
 * (local time, 2 s resolution), as unzip does. Backslashes in names are path
 * separators (as unzip treats archives made on Windows).
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import type { SafeTree } from './tree.ts';

/** Entries up to this size are inflated in one call; larger ones are streamed. */
const IN_MEMORY = 16 << 20;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

interface CdEntry {
  rawName: Buffer;
  name: string;
  madeBy: number;
  flags: number;
  method: number;
  dosTime: number;
  dosDate: number;
  crc: number;
  csize: number;
  usize: number;
  externalAttr: number;
  localOffset: number;
  mtime: number | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(raw: Buffer, flags: number): string {
  if (flags & 0x800) return raw.toString('utf8');
  try {
    return utf8.decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

function dosToUnix(date: number, time: number): number {
  const d = new Date(
    ((date >> 9) & 0x7f) + 1980,
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    (time >> 11) & 0x1f,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
  return Math.floor(d.getTime() / 1000);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

export async function extractZip(file: string, tree: SafeTree): Promise<void> {
  const fd = openSync(file, 'r');
  try {
    const entries = readCentralDirectory(fd, tree);
    // The declared sizes refuse a bomb before anything is written; the bytes
    // actually written are counted too, in case the directory lies.
    tree.reserve(entries.list.reduce((sum, e) => sum + e.usize, 0));
    for (const entry of entries.list) {
      tree.entry = entry.name;
      try {
        await extractEntry(file, fd, entries.delta, entry, tree);
      } catch (err) {
        tree.abort();
        throw tree.wrap(err);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function readCentralDirectory(fd: number, tree: SafeTree): { list: CdEntry[]; delta: number } {
  const corrupt = (why: string) => tree.refuse(`not a valid zip archive: ${why}`, undefined);
  const size = fstatSync(fd).size;
  const tailLen = Math.min(size, 0xffff + 22);
  const tail = readAt(fd, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50 && i + 22 + tail.readUInt16LE(i + 20) <= tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end of central directory record (truncated file?)');
  const eocdAbs = size - tailLen + eocd;
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) {
    throw tree.refuse('multi-disk (split) zip archives are not supported', undefined);
  }
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let cdEnd = eocdAbs;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // zip64: the locator sits right before the end record.
    if (eocdAbs < 20) throw corrupt('no zip64 locator');
    const loc = readAt(fd, eocdAbs - 20, 20);
    if (loc.readUInt32LE(0) !== 0x07064b50) throw corrupt('no zip64 locator');
    // The zip64 end record normally sits right before the locator; else where it says.
    let z64Abs = eocdAbs - 20 - 56;
    let z64 = z64Abs >= 0 ? readAt(fd, z64Abs, 56) : Buffer.alloc(0);
    if (z64.length < 56 || z64.readUInt32LE(0) !== 0x06064b50) {
      z64Abs = Number(loc.readBigUInt64LE(8));
      z64 = readAt(fd, z64Abs, 56);
    }
    if (z64.length < 56 || z64.readUInt32LE(0) !== 0x06064b50) throw corrupt('bad zip64 record');
    count = Number(z64.readBigUInt64LE(32));
    cdSize = Number(z64.readBigUInt64LE(40));
    cdOffset = Number(z64.readBigUInt64LE(48));
    cdEnd = z64Abs;
  }
  // Bytes prepended to the archive (self-extracting stubs) shift every offset.
  const delta = cdEnd - cdSize - cdOffset;
  if (delta < 0 || cdSize > size)
    throw corrupt('central directory out of bounds (truncated file?)');
  const cd = readAt(fd, cdOffset + delta, cdSize);
  if (cd.length !== cdSize) throw corrupt('central directory truncated');

  const list: CdEntry[] = [];
  let pos = 0;
  for (let n = 0; n < count; n++) {
    if (pos + 46 > cd.length || cd.readUInt32LE(pos) !== 0x02014b50) {
      throw corrupt(`bad central directory entry ${n + 1} of ${count}`);
    }
    const nameLen = cd.readUInt16LE(pos + 28);
    const extraLen = cd.readUInt16LE(pos + 30);
    const commentLen = cd.readUInt16LE(pos + 32);
    if (pos + 46 + nameLen + extraLen + commentLen > cd.length) {
      throw corrupt(`central directory entry ${n + 1} overruns the directory`);
    }
    const rawName = Buffer.from(cd.subarray(pos + 46, pos + 46 + nameLen));
    const flags = cd.readUInt16LE(pos + 8);
    const entry: CdEntry = {
      rawName,
      name: decodeName(rawName, flags),
      madeBy: cd.readUInt16LE(pos + 4),
      flags,
      method: cd.readUInt16LE(pos + 10),
      dosTime: cd.readUInt16LE(pos + 12),
      dosDate: cd.readUInt16LE(pos + 14),
      crc: cd.readUInt32LE(pos + 16),
      csize: cd.readUInt32LE(pos + 20),
      usize: cd.readUInt32LE(pos + 24),
      externalAttr: cd.readUInt32LE(pos + 38),
      localOffset: cd.readUInt32LE(pos + 42),
      mtime: undefined,
    };
    readExtra(cd.subarray(pos + 46 + nameLen, pos + 46 + nameLen + extraLen), entry);
    list.push(entry);
    pos += 46 + nameLen + extraLen + commentLen;
  }
  return { list, delta };
}

function readExtra(extra: Buffer, entry: CdEntry): void {
  let pos = 0;
  while (pos + 4 <= extra.length) {
    const id = extra.readUInt16LE(pos);
    const len = extra.readUInt16LE(pos + 2);
    const data = extra.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    if (data.length < len) break;
    if (id === 0x0001) {
      // zip64: only the fields whose 32-bit value is saturated, in this order.
      let p = 0;
      const next = () => {
        const v = p + 8 <= data.length ? Number(data.readBigUInt64LE(p)) : undefined;
        p += 8;
        return v;
      };
      if (entry.usize === 0xffffffff) entry.usize = next() ?? entry.usize;
      if (entry.csize === 0xffffffff) entry.csize = next() ?? entry.csize;
      if (entry.localOffset === 0xffffffff) entry.localOffset = next() ?? entry.localOffset;
    } else if (id === 0x5455 && len >= 5 && data[0]! & 1) {
      entry.mtime = data.readInt32LE(1);
    } else if (id === 0x7075 && len >= 5 && data[0] === 1) {
      // Info-ZIP Unicode path: valid when it matches the name it stands for.
      if (data.readUInt32LE(1) === crc32(entry.rawName)) {
        entry.name = data.subarray(5).toString('utf8');
      }
    }
  }
}

async function extractEntry(
  file: string,
  fd: number,
  delta: number,
  e: CdEntry,
  tree: SafeTree,
): Promise<void> {
  const name = e.name.replaceAll('\\', '/');
  const host = e.madeBy >> 8;
  // Unix (3) and macOS (19) store st_mode in the high 16 bits.
  const unixMode = host === 3 || host === 19 ? e.externalAttr >>> 16 : 0;
  const fmt = unixMode & S_IFMT;
  let kind: 'file' | 'dir' | 'symlink';
  if (fmt === S_IFLNK) kind = 'symlink';
  else if (fmt === S_IFDIR || name.endsWith('/') || (!unixMode && e.externalAttr & 0x10)) {
    kind = 'dir';
  } else if (fmt === 0 || fmt === S_IFREG) kind = 'file';
  else {
    throw tree.refuse(
      `special file (mode 0${fmt.toString(8)}: device node, FIFO or socket), refused`,
    );
  }
  const mode = unixMode ? unixMode & 0o7777 : kind === 'dir' ? 0o755 : 0o644;
  const mtime = e.mtime ?? dosToUnix(e.dosDate, e.dosTime);

  const rel = tree.resolve(name);
  if (rel === undefined) {
    tree.stats.skipped++;
    return;
  }
  if (kind === 'dir') {
    tree.dir(rel, mode, mtime);
    return;
  }
  if (rel === '') throw tree.refuse('a file entry names the destination itself, refused');
  if (e.flags & 1) throw tree.refuse('encrypted zip entries are not supported');
  if (e.method !== 0 && e.method !== 8) {
    throw tree.refuse(
      `compression method ${e.method} is not supported (only stored and deflate); extract it with override_extract_tools`,
    );
  }

  // The local header: its name and extra lengths may differ from the central directory's.
  const local = readAt(fd, e.localOffset + delta, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) {
    throw tree.refuse('corrupt archive: bad local header (truncated file?)');
  }
  const start = e.localOffset + delta + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);

  if (kind === 'symlink') {
    const target = inflate(readData(fd, start, e, tree), e, tree).toString('utf8');
    tree.symlink(rel, target, mtime);
    return;
  }
  tree.openFile(rel, mode, mtime);
  if (e.csize <= IN_MEMORY && e.usize <= IN_MEMORY) {
    const data = inflate(readData(fd, start, e, tree), e, tree);
    tree.write(data, 0, data.length);
  } else {
    await streamEntry(file, start, e, tree);
  }
  tree.closeFile();
}

function readData(fd: number, start: number, e: CdEntry, tree: SafeTree): Buffer {
  const data = readAt(fd, start, e.csize);
  if (data.length !== e.csize) throw tree.refuse('unexpected end of archive (truncated file?)');
  return data;
}

function inflate(data: Buffer, e: CdEntry, tree: SafeTree): Buffer {
  let out: Buffer;
  if (e.method === 0) out = data;
  else {
    try {
      out = inflateRawSync(data, { maxOutputLength: Math.max(e.usize, 1) });
    } catch (err) {
      throw tree.refuse(`corrupt data: ${(err as Error).message}`);
    }
  }
  check(out.length, crc32(out), e, tree);
  return out;
}

function check(size: number, crc: number, e: CdEntry, tree: SafeTree): void {
  if (size !== e.usize) {
    throw tree.refuse(`corrupt data: ${size} bytes where the directory says ${e.usize}`);
  }
  if (crc !== e.crc) throw tree.refuse('corrupt data: CRC-32 mismatch');
}

async function streamEntry(file: string, start: number, e: CdEntry, tree: SafeTree): Promise<void> {
  if (e.csize === 0) {
    check(0, 0, e, tree);
    return;
  }
  const input = createReadStream(file, {
    start,
    end: start + e.csize - 1,
    highWaterMark: 1 << 20,
  });
  const source = e.method === 8 ? input.pipe(createInflateRaw({ chunkSize: 256 << 10 })) : input;
  input.on('error', (err) => source.destroy(err));
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > e.usize) break;
      crc = crc32(chunk, crc);
      tree.write(chunk, 0, chunk.length);
    }
  } catch (err) {
    throw tree.refuse(`corrupt data: ${(err as Error).message}`);
  } finally {
    input.destroy();
  }
  check(size, crc, e, tree);
}
