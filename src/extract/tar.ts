/**
 * A streaming tar reader: ustar, GNU (long names `L`/`K`, base-256 numbers)
 * and pax (`x` per-entry and `g` global headers: path, linkpath, size,
 * mtime). Chunks of the (decompressed) archive are pushed in as they come;
 * each entry is checked and written through SafeTree, file data straight from
 * the chunk to the file descriptor.
 *
 * Entry types: regular files (`0`, NUL, `7` and any unknown type, as POSIX
 * says and GNU tar does), directories (`5`, GNU dumpdir `D`, and v7 regular
 * entries whose name ends in `/`), symlinks (`2`) and hard links (`1`).
 * Refused: character/block devices (`3`/`4`), FIFOs (`6`), GNU sparse files
 * (`S`, pax GNU.sparse.*) and multi-volume continuations (`M`). Skipped: volume
 * labels (`V`) and old GNU long-name records (`N`).
 */
import type { SafeTree } from './tree.ts';

const BLOCK = 512;
/** Largest long-name / pax header accepted (real ones are a few hundred bytes). */
const MAX_META = 1 << 20;

type Sink = 'file' | 'meta' | 'skip';

function cstr(buf: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString('utf8', off, end);
}

/** An octal or base-256 numeric header field; undefined when malformed. */
function numeric(buf: Buffer, off: number, len: number): number | undefined {
  const first = buf[off]!;
  if (first & 0x80) {
    // GNU base-256: big-endian two's complement in the remaining bits.
    let v = BigInt(first & 0x7f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(buf[off + i]!);
    if (first & 0x40) v -= 1n << BigInt(len * 8 - 1); // negative (0xff prefix)
    return Number(v);
  }
  let i = off;
  const end = off + len;
  while (i < end && buf[i] === 0x20) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x37) v = v * 8 + (c - 0x30);
    else if (c === 0x20 || c === 0) break;
    else return undefined;
  }
  return v;
}

/** pax extended header records (`<len> <key>=<value>\n`). */
function parsePax(buf: Buffer): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < buf.length && buf[pos] !== 0) {
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0) return undefined;
    const len = Number(buf.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= sp - pos || pos + len > buf.length) return undefined;
    if (buf[pos + len - 1] !== 0x0a) return undefined;
    const record = buf.toString('utf8', sp + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq < 0) return undefined;
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

export class TarReader {
  private readonly tree: SafeTree;
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Data bytes of the current entry still to come, then padding to the next block. */
  private remaining = 0;
  private padding = 0;
  private sink: Sink = 'skip';
  private metaType = '';
  private metaParts: Buffer[] = [];
  /** Pending GNU long name/link and pax headers for the next entry. */
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Map<string, string> | undefined;
  private readonly globalPax = new Map<string, string>();
  /** Bytes consumed so far (for messages) and the offset of the current header. */
  private offset = 0;
  private headerOffset = 0;
  private headers = 0;
  private ended = false;

  constructor(tree: SafeTree) {
    this.tree = tree;
  }

  /** Feeds the next chunk of the tar stream. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let pos = 0;
    while (pos < n && !this.ended) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - pos);
        if (this.sink === 'file') this.tree.write(chunk, pos, take);
        else if (this.sink === 'meta')
          this.metaParts.push(Buffer.from(chunk.subarray(pos, pos + take)));
        this.remaining -= take;
        pos += take;
        this.offset += take;
        if (this.remaining === 0) this.endData();
      } else if (this.padding > 0) {
        const take = Math.min(this.padding, n - pos);
        this.padding -= take;
        pos += take;
        this.offset += take;
      } else if (this.headerFill === 0 && n - pos >= BLOCK) {
        this.headerOffset = this.offset;
        this.offset += BLOCK;
        this.onHeader(chunk, pos);
        pos += BLOCK;
      } else {
        if (this.headerFill === 0) this.headerOffset = this.offset;
        const take = Math.min(BLOCK - this.headerFill, n - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        this.offset += take;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.onHeader(this.header, 0);
        }
      }
    }
  }

  /** The stream is over: it must have ended cleanly. */
  end(): void {
    if (this.ended) return;
    if (this.remaining > 0 || this.padding > 0 || this.headerFill > 0) {
      throw this.tree.refuse(
        `unexpected end of archive at byte ${this.offset} (truncated file?)`,
        this.remaining > 0 && this.sink !== 'meta' ? this.tree.entry : undefined,
      );
    }
    if (this.headers === 0 && this.offset === 0) {
      throw this.tree.refuse('the archive is empty', undefined);
    }
    throw this.tree.refuse(
      `archive ends at byte ${this.offset} without an end-of-archive marker (truncated file?)`,
      undefined,
    );
  }

  private endData(): void {
    if (this.sink === 'file') this.tree.closeFile();
    else if (this.sink === 'meta') this.endMeta();
    this.sink = 'skip';
  }

  private endMeta(): void {
    const data = Buffer.concat(this.metaParts);
    this.metaParts = [];
    switch (this.metaType) {
      case 'L':
        this.longName = cstr(data, 0, data.length);
        break;
      case 'K':
        this.longLink = cstr(data, 0, data.length);
        break;
      case 'x':
      case 'g': {
        const records = parsePax(data);
        if (!records) {
          throw this.tree.refuse(`corrupt pax header at byte ${this.headerOffset}`, undefined);
        }
        if (this.metaType === 'g') {
          for (const [k, v] of records) this.globalPax.set(k, v);
        } else {
          this.pax ??= new Map();
          for (const [k, v] of records) this.pax.set(k, v);
        }
        break;
      }
    }
  }

  /** A pax value for the next entry (per-entry first, then global); '' means unset. */
  private paxValue(key: string): string | undefined {
    const v = this.pax?.get(key) ?? this.globalPax.get(key);
    return v === '' ? undefined : v;
  }

  private onHeader(buf: Buffer, off: number): void {
    // Checksum: header bytes summed with the checksum field read as spaces.
    let raw = 0;
    let sum = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = buf[off + i]!;
      raw += b;
      const c = i >= 148 && i < 156 ? 0x20 : b;
      sum += c;
      signed += c > 127 ? c - 256 : c;
    }
    if (raw === 0) {
      // End-of-archive marker (GNU tar stops at the first zero block too).
      if (this.pax || this.longName !== undefined || this.longLink !== undefined) {
        throw this.tree.refuse(
          `archive ends right after an extended header (byte ${this.headerOffset})`,
          undefined,
        );
      }
      this.ended = true;
      return;
    }
    const stored = numeric(buf, off + 148, 8);
    if (stored === undefined || (stored !== sum && stored !== signed)) {
      throw this.tree.refuse(
        this.headers === 0
          ? 'not a tar archive (or a compression that was not recognised)'
          : `corrupt archive: bad header checksum at byte ${this.headerOffset}`,
        undefined,
      );
    }
    this.headers++;
    const type = String.fromCharCode(buf[off + 156]!);
    const headerSize = numeric(buf, off + 124, 12);
    if (headerSize === undefined || headerSize < 0) {
      throw this.tree.refuse(
        `corrupt archive: bad size field at byte ${this.headerOffset}`,
        undefined,
      );
    }

    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (headerSize > MAX_META) {
        throw this.tree.refuse(
          `extended header of ${headerSize} bytes at byte ${this.headerOffset} is too large`,
          undefined,
        );
      }
      this.metaType = type;
      this.startData(headerSize, 'meta');
      return;
    }

    // A real entry: its name and fields, pax and GNU long names first.
    let name = this.paxValue('path') ?? this.longName;
    if (name === undefined) {
      name = cstr(buf, off, 100);
      const ustar =
        buf[off + 257] === 0x75 && buf.toString('latin1', off + 257, off + 263) === 'ustar\0';
      if (ustar && buf[off + 345] !== 0) name = `${cstr(buf, off + 345, 155)}/${name}`;
    }
    const linkName = this.paxValue('linkpath') ?? this.longLink ?? cstr(buf, off + 157, 100);
    const paxSize = this.paxValue('size');
    const size = paxSize === undefined ? headerSize : Number(paxSize);
    const paxMtime = this.paxValue('mtime');
    const mtime = paxMtime === undefined ? (numeric(buf, off + 136, 12) ?? 0) : Number(paxMtime);
    const mode = numeric(buf, off + 100, 8) ?? 0o644;
    const sparse =
      this.pax !== undefined && [...this.pax.keys()].some((k) => k.startsWith('GNU.sparse.'));
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;

    const tree = this.tree;
    tree.entry = name;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw tree.refuse(`corrupt archive: bad size at byte ${this.headerOffset}`);
    }
    if (!Number.isFinite(mtime)) throw tree.refuse('corrupt archive: bad mtime');

    try {
      this.entry(type, name, linkName, size, mode, mtime, sparse);
    } catch (err) {
      tree.abort();
      throw tree.wrap(err);
    }
  }

  private entry(
    type: string,
    name: string,
    linkName: string,
    size: number,
    mode: number,
    mtime: number,
    sparse: boolean,
  ): void {
    const tree = this.tree;
    switch (type) {
      case '3':
      case '4':
        throw tree.refuse(`${type === '3' ? 'character' : 'block'} device node, refused`);
      case '6':
        throw tree.refuse('FIFO (named pipe), refused');
      case 'S':
        throw tree.refuse('GNU sparse file: not supported');
      case 'M':
        throw tree.refuse('multi-volume continuation: not supported');
      case 'V':
      case 'N':
        this.startData(size, 'skip');
        return;
    }
    if (sparse) throw tree.refuse('GNU sparse file (pax): not supported');

    const rel = tree.resolve(name);
    if (rel === undefined) {
      tree.stats.skipped++;
      this.startData(size, 'skip');
      return;
    }
    switch (type) {
      case '5':
      case 'D':
        tree.dir(rel, mode, mtime);
        this.startData(size, 'skip');
        return;
      case '1':
        tree.hardlink(rel, linkName, mtime);
        this.startData(size, 'skip');
        return;
      case '2':
        tree.symlink(rel, linkName, mtime);
        this.startData(size, 'skip');
        return;
    }
    if (name.endsWith('/') && (type === '0' || type === '\0')) {
      tree.dir(rel, mode, mtime);
      this.startData(size, 'skip');
      return;
    }
    if (rel === '') throw tree.refuse('a file entry names the destination itself, refused');
    tree.openFile(rel, mode, mtime);
    if (size === 0) tree.closeFile();
    else this.startData(size, 'file');
  }

  private startData(size: number, sink: Sink): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.sink = sink;
    if (size === 0 && sink === 'meta') this.endMeta();
  }
}
