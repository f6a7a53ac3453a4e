/**
 * The .xz container, in-process: a decoder (LZMA2 filter; the checks CRC32,
 * CRC64 and SHA-256 verified) for control.tar.xz members, and the pieces to
 * assemble an .xz stream from separately compressed blocks (so a Packages.xz
 * can be rebuilt by recompressing only the blocks that changed).
 *
 * Files using other filters (BCJ, delta) are handed to the system `xz`.
 * Format: https://tukaani.org/xz/xz-file-format.txt
 */

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';

const HEADER_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from([0x59, 0x5a]);

export class XzError extends Error {}

/** Size in bytes of the check of a given check id. */
function checkSize(id: number): number {
  if (id === 0) return 0;
  if (id > 15) throw new XzError(`unsupported check type ${id}`);
  return 4 << Math.floor((id - 1) / 3);
}

// ---- CRC64 (ECMA-182, reflected), as two 32-bit halves ----
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
{
  const POLY = 0xc96c5795d7870f42n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY : c >> 1n;
    CRC64_LO[i] = Number(c & 0xffffffffn);
    CRC64_HI[i] = Number(c >> 32n);
  }
}

/** CRC64 of bytes, as 8 little-endian bytes (how .xz stores it). */
export function crc64(data: Uint8Array): Buffer {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx]!;
    hi = (hi >>> 8) ^ CRC64_HI[idx]!;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32LE(~lo >>> 0, 0);
  out.writeUInt32LE(~hi >>> 0, 4);
  return out;
}

function crc32le(data: Uint8Array): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(crc32(data) >>> 0, 0);
  return out;
}

/** Reads a multibyte integer (7 bits per byte, little-endian) at `pos`. */
function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 9; i++) {
    if (pos + i >= buf.length) throw new XzError('truncated');
    const b = buf[pos + i]!;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new XzError('invalid integer encoding');
      return [value, pos + i + 1];
    }
  }
  throw new XzError('integer too large');
}

/** Encodes a multibyte integer. */
export function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

class UnsupportedFilter extends Error {}

// ---- LZMA ----
const N_STATES = 12;
const POS_STATES_MAX = 16;
const LEN_LOW = 8;
const LEN_MID = 8;
const LEN_HIGH = 256;
const END_POS_MODEL = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;

/** A growable output buffer that doubles as the LZ dictionary. */
class Output {
  buf: Uint8Array;
  pos = 0;
  /** Where the current dictionary starts (a reset forbids reaching before it). */
  dictStart = 0;
  /** Decoding pauses once this many bytes are out (see {@link xzPrefixReader}). */
  stopAt = Number.POSITIVE_INFINITY;
  readonly limit: number;
  constructor(initial: number, limit: number) {
    this.buf = new Uint8Array(Math.max(16, initial));
    this.limit = limit;
  }
  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need > this.limit) throw new XzError(`decompressed data exceeds ${this.limit} bytes`);
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, Math.max(need, this.limit)));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

class LzmaDecoder {
  lc = 0;
  lp = 0;
  pb = 0;
  state = 0;
  rep0 = 0;
  rep1 = 0;
  rep2 = 0;
  rep3 = 0;
  isMatch = new Uint16Array(N_STATES * POS_STATES_MAX);
  isRep = new Uint16Array(N_STATES);
  isRepG0 = new Uint16Array(N_STATES);
  isRepG1 = new Uint16Array(N_STATES);
  isRepG2 = new Uint16Array(N_STATES);
  isRep0Long = new Uint16Array(N_STATES * POS_STATES_MAX);
  posSlot = new Uint16Array(4 * 64);
  posSpecial = new Uint16Array(1 + FULL_DISTANCES - END_POS_MODEL);
  align = new Uint16Array(1 << ALIGN_BITS);
  literal = new Uint16Array(0x300);
  matchLen = new Uint16Array(2 + 2 * POS_STATES_MAX * LEN_LOW + LEN_HIGH);
  repLen = new Uint16Array(2 + 2 * POS_STATES_MAX * LEN_LOW + LEN_HIGH);
  // Range coder state in a typed array: 32-bit unsigned values stay unboxed.
  /** [range, code] */
  rc = new Uint32Array(2);
  input: Uint8Array = new Uint8Array(0);
  inPos = 0;
  inEnd = 0;
  /** Output position where the current chunk ends. */
  chunkEnd = 0;
  /** Bytes of a match still to copy when decoding paused inside it. */
  pendingLen = 0;

  setProps(props: number): void {
    if (props > 224) throw new XzError('invalid LZMA properties');
    this.lc = props % 9;
    const rest = Math.floor(props / 9);
    this.lp = rest % 5;
    this.pb = Math.floor(rest / 5);
    if (this.lc + this.lp > 4) throw new XzError('invalid LZMA2 properties (lc + lp > 4)');
    const size = 0x300 << (this.lc + this.lp);
    if (this.literal.length !== size) this.literal = new Uint16Array(size);
  }

  resetState(): void {
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    for (const a of [
      this.isMatch,
      this.isRep,
      this.isRepG0,
      this.isRepG1,
      this.isRepG2,
      this.isRep0Long,
      this.posSlot,
      this.posSpecial,
      this.align,
      this.literal,
      this.matchLen,
      this.repLen,
    ])
      a.fill(1024);
  }

  initRange(input: Uint8Array, start: number, end: number): void {
    this.input = input;
    this.inEnd = end;
    if (end - start < 5 || input[start] !== 0) throw new XzError('corrupt LZMA data');
    let code = 0;
    for (let i = 1; i < 5; i++) code = ((code << 8) | input[start + i]!) >>> 0;
    this.rc[0] = 0xffffffff;
    this.rc[1] = code;
    this.inPos = start + 5;
    if (code === 0xffffffff) throw new XzError('corrupt LZMA data');
  }

  private next(): number {
    if (this.inPos >= this.inEnd) throw new XzError('truncated LZMA chunk');
    return this.input[this.inPos++]!;
  }

  bit(probs: Uint16Array, i: number): number {
    const rc = this.rc;
    let range = rc[0]!;
    let code = rc[1]!;
    const p = probs[i]!;
    const bound = (range >>> 11) * p;
    let b: number;
    if (code < bound) {
      range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      range -= bound;
      code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if (range < 0x1000000) {
      range *= 256;
      code = code * 256 + this.next();
    }
    rc[0] = range;
    rc[1] = code;
    return b;
  }

  direct(count: number): number {
    const rc = this.rc;
    let range = rc[0]!;
    let code = rc[1]!;
    let result = 0;
    for (let i = 0; i < count; i++) {
      range = Math.floor(range / 2);
      let b = 0;
      if (code >= range) {
        code -= range;
        b = 1;
      }
      result = result * 2 + b;
      if (range < 0x1000000) {
        range *= 256;
        code = (code * 256 + this.next()) % 0x100000000;
      }
    }
    rc[0] = range;
    rc[1] = code;
    return result;
  }

  tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let result = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      result |= b << i;
    }
    return result;
  }

  length(probs: Uint16Array, posState: number): number {
    // layout: [choice, choice2, low[16][8], mid[16][8], high[256]]
    if (this.bit(probs, 0) === 0) return this.tree(probs, 2 + posState * LEN_LOW - 1, 3);
    if (this.bit(probs, 1) === 0)
      return LEN_LOW + this.tree(probs, 2 + POS_STATES_MAX * LEN_LOW + posState * LEN_MID - 1, 3);
    return LEN_LOW + LEN_MID + this.tree(probs, 2 + 2 * POS_STATES_MAX * LEN_LOW - 1, 8);
  }

  /**
   * One literal: 8 bits (with the match byte's bits first after a match).
   * The range coder is kept in locals here, the decoder's hottest loop.
   */
  literalByte(base: number, matchByteIn: number): number {
    const probs = this.literal;
    const rc = this.rc;
    const input = this.input;
    let range = rc[0]!;
    let code = rc[1]!;
    let inPos = this.inPos;
    const inEnd = this.inEnd;
    let symbol = 1;
    let matchByte = matchByteIn;
    while (symbol < 0x100) {
      let i: number;
      let matchBit = -1;
      if (matchByte >= 0) {
        matchBit = (matchByte >>> 7) & 1;
        matchByte = (matchByte << 1) & 0xff;
        i = base + ((1 + matchBit) << 8) + symbol;
      } else {
        i = base + symbol;
      }
      const p = probs[i]!;
      const bound = (range >>> 11) * p;
      let b: number;
      if (code < bound) {
        range = bound;
        probs[i] = p + ((2048 - p) >>> 5);
        b = 0;
      } else {
        range -= bound;
        code -= bound;
        probs[i] = p - (p >>> 5);
        b = 1;
      }
      if (range < 0x1000000) {
        if (inPos >= inEnd) throw new XzError('truncated LZMA chunk');
        range *= 256;
        code = code * 256 + input[inPos++]!;
      }
      symbol = (symbol << 1) | b;
      if (matchBit !== -1 && matchBit !== b) matchByte = -1;
    }
    rc[0] = range;
    rc[1] = code;
    this.inPos = inPos;
    return symbol & 0xff;
  }

  /** Starts an LZMA chunk of `size` bytes (decoded by {@link run}). */
  startChunk(out: Output, size: number): void {
    out.ensure(size);
    this.chunkEnd = out.pos + size;
    this.pendingLen = 0;
  }

  /**
   * Decodes the current chunk up to its end or to `out.stopAt`, whichever
   * comes first; true when the chunk is complete. A pause may fall inside a
   * match: the rest is copied when decoding resumes.
   */
  run(out: Output): boolean {
    const buf = out.buf;
    const chunkEnd = this.chunkEnd;
    const end = Math.min(chunkEnd, out.stopAt);
    let pos = out.pos;
    if (this.pendingLen > 0) {
      const dist = this.rep0 + 1;
      const stop = Math.min(pos + this.pendingLen, end);
      this.pendingLen -= stop - pos;
      for (; pos < stop; pos++) buf[pos] = buf[pos - dist]!;
    }
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const base0 = out.dictStart;
    while (pos < end) {
      const posState = (pos - base0) & pbMask;
      let state = this.state;
      if (this.bit(this.isMatch, state * POS_STATES_MAX + posState) === 0) {
        const prev = pos > out.dictStart ? buf[pos - 1]! : 0;
        const base = 0x300 * ((((pos - base0) & lpMask) << this.lc) + (prev >>> (8 - this.lc)));
        buf[pos] = this.literalByte(base, state >= 7 ? buf[pos - this.rep0 - 1]! : -1);
        pos++;
        this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, state) === 0) {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        len = this.length(this.matchLen, posState);
        state = state < 7 ? 7 : 10;
        const lenState = len < 3 ? len : 3;
        const slot = this.tree(this.posSlot, lenState * 64, 6);
        if (slot < 4) {
          this.rep0 = slot;
        } else {
          const direct = (slot >>> 1) - 1;
          let dist = (2 | (slot & 1)) * 2 ** direct;
          if (slot < END_POS_MODEL) {
            dist += this.reverseTree(this.posSpecial, dist - slot - 1, direct);
          } else {
            dist += this.direct(direct - ALIGN_BITS) * 16;
            dist += this.reverseTree(this.align, 0, ALIGN_BITS);
            if (dist === 0xffffffff) throw new XzError('unexpected end marker in LZMA2 data');
          }
          this.rep0 = dist;
        }
      } else {
        if (this.bit(this.isRepG0, state) === 0) {
          if (this.bit(this.isRep0Long, state * POS_STATES_MAX + posState) === 0) {
            if (this.rep0 >= pos - out.dictStart) throw new XzError('corrupt LZMA data (distance)');
            this.state = state < 7 ? 9 : 11;
            buf[pos] = buf[pos - this.rep0 - 1]!;
            pos++;
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, state) === 0) {
            dist = this.rep1;
          } else {
            if (this.bit(this.isRepG2, state) === 0) {
              dist = this.rep2;
            } else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.length(this.repLen, posState);
        state = state < 7 ? 8 : 11;
      }
      this.state = state;
      const count = len + 2;
      const dist = this.rep0 + 1;
      if (dist > pos - out.dictStart) throw new XzError('corrupt LZMA data (distance)');
      if (pos + count > chunkEnd) throw new XzError('corrupt LZMA data (match past chunk end)');
      const stop = Math.min(pos + count, end);
      this.pendingLen = pos + count - stop;
      for (; pos < stop; pos++) buf[pos] = buf[pos - dist]!;
    }
    out.pos = pos;
    return pos === chunkEnd;
  }
}

/**
 * One decoder, reused: its probability tables are reset per chunk as LZMA2
 * says. A paused decoding owns it until another decoding claims it (see
 * {@link xzPrefixReader}, which starts over when that happened).
 */
let shared: LzmaDecoder | undefined;
let sharedOwner: object | undefined;

function claimDecoder(owner: object): LzmaDecoder {
  shared ??= new LzmaDecoder();
  sharedOwner = owner;
  return shared;
}

/**
 * Decodes LZMA2 data from `start`; returns where it ended. Pauses (yields)
 * whenever `out.stopAt` bytes are out; raise `stopAt` before resuming.
 */
function* decodeLzma2(
  input: Uint8Array,
  start: number,
  out: Output,
  lzma: LzmaDecoder,
): Generator<void, number> {
  let pos = start;
  let needDictReset = true;
  let needProps = true;
  for (;;) {
    if (pos >= input.length) throw new XzError('truncated LZMA2 data');
    const control = input[pos++]!;
    if (control === 0x00) return pos;
    if (control === 0x01 || control === 0x02) {
      if (control === 0x01) {
        out.dictStart = out.pos;
        needDictReset = false;
      } else if (needDictReset) throw new XzError('corrupt LZMA2 data (no dictionary reset)');
      if (pos + 2 > input.length) throw new XzError('truncated LZMA2 data');
      const size = ((input[pos]! << 8) | input[pos + 1]!) + 1;
      pos += 2;
      if (pos + size > input.length) throw new XzError('truncated LZMA2 data');
      out.ensure(size);
      out.buf.set(input.subarray(pos, pos + size), out.pos);
      out.pos += size;
      pos += size;
      while (out.pos >= out.stopAt) yield;
      continue;
    }
    if (control < 0x80) throw new XzError(`corrupt LZMA2 data (control byte ${control})`);
    if (pos + 4 > input.length) throw new XzError('truncated LZMA2 data');
    const unpacked = ((control & 0x1f) << 16) + ((input[pos]! << 8) | input[pos + 1]!) + 1;
    const packed = ((input[pos + 2]! << 8) | input[pos + 3]!) + 1;
    pos += 4;
    const reset = (control >>> 5) & 3;
    if (reset === 3) {
      out.dictStart = out.pos;
      needDictReset = false;
    } else if (needDictReset) throw new XzError('corrupt LZMA2 data (no dictionary reset)');
    if (reset >= 2) {
      if (pos >= input.length) throw new XzError('truncated LZMA2 data');
      lzma.setProps(input[pos++]!);
      needProps = false;
    } else if (needProps) throw new XzError('corrupt LZMA2 data (no properties)');
    if (reset >= 1) lzma.resetState();
    if (pos + packed > input.length) throw new XzError('truncated LZMA2 data');
    lzma.initRange(input, pos, pos + packed);
    lzma.startChunk(out, unpacked);
    while (!lzma.run(out)) yield;
    pos += packed;
  }
}

function checkFor(id: number, data: Uint8Array): Buffer | undefined {
  if (id === 1) return crc32le(data);
  if (id === 4) return crc64(data);
  if (id === 10) return createHash('sha256').update(data).digest();
  return undefined; // none, or a check we cannot compute: skipped, as xz does with --ignore-check
}

/**
 * Decompresses a whole .xz file (one or more streams, any number of blocks),
 * checking every CRC. `limit` caps the output size (default 256 MiB).
 */
export function xzDecompress(input: Uint8Array, limit = 256 << 20): Buffer {
  return xzPrefixReader(input, limit)(Number.POSITIVE_INFINITY).data;
}

/** The start of the decompressed data: at least `n` bytes of it, or all of it (`complete`). */
export type XzPrefix = (n: number) => { data: Buffer; complete: boolean };

/**
 * Reads the decompressed data from its start, as far as each call asks:
 * decoding pauses once `n` bytes are out and resumes from there on the next
 * call (e.g. to find one file early in a tar). Block checks are verified for
 * the blocks read to their end. Each call's `data` supersedes earlier ones.
 */
export function xzPrefixReader(input: Uint8Array, limit = 256 << 20): XzPrefix {
  const owner = {};
  let out = newOutput(input, limit);
  let run = decodeStreams(input, out, claimDecoder(owner));
  let whole: Buffer | undefined;
  const view = (): Buffer => Buffer.from(out.buf.buffer, out.buf.byteOffset, out.pos);
  return (n) => {
    if (whole) return { data: whole, complete: true };
    if (out.pos >= n) return { data: view(), complete: false };
    if (sharedOwner !== owner) {
      // Another decoding used the shared decoder meanwhile: start over.
      out = newOutput(input, limit);
      run = decodeStreams(input, out, claimDecoder(owner));
    }
    out.stopAt = n;
    try {
      const r = run.next();
      if (r.done) {
        whole = r.value;
        return { data: whole, complete: true };
      }
    } catch (err) {
      if (!(err instanceof UnsupportedFilter)) throw err;
      whole = systemXz(input);
      return { data: whole, complete: true };
    }
    return { data: view(), complete: false };
  };
}

function systemXz(input: Uint8Array): Buffer {
  // Loaded on this rare path only (a filter the decoder here does not implement).
  const { spawnSync } = createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
  const r = spawnSync('xz', ['-dc', '-q'], { input, maxBuffer: 1 << 30 });
  if (r.error) throw new XzError(`this .xz needs the xz program: ${r.error.message}`);
  if (r.status !== 0) throw new XzError(`xz: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/** Total uncompressed size from the last stream's index, when it can be read cheaply. */
function indexedSize(input: Uint8Array): number | undefined {
  try {
    if (input.length < 32) return undefined;
    const footer = Buffer.from(input.buffer, input.byteOffset + input.length - 12, 12);
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) return undefined;
    const indexStart = input.length - 12 - (footer.readUInt32LE(4) + 1) * 4;
    if (indexStart < 12 || input[indexStart] !== 0) return undefined;
    let ip = indexStart + 1;
    let count: number;
    [count, ip] = readVarint(input, ip);
    let total = 0;
    for (let i = 0; i < count; i++) {
      let size: number;
      [, ip] = readVarint(input, ip);
      [size, ip] = readVarint(input, ip);
      total += size;
    }
    return total;
  } catch {
    return undefined;
  }
}

/** An output buffer sized from the file's index when it can be read cheaply. */
function newOutput(input: Uint8Array, limit: number): Output {
  const expected = indexedSize(input);
  return new Output(
    expected !== undefined && expected <= limit ? expected : input.length * 4,
    limit,
  );
}

/** Decodes every stream; pauses (yields) whenever `out.stopAt` bytes are out. */
function* decodeStreams(
  input: Uint8Array,
  out: Output,
  lzma: LzmaDecoder,
): Generator<void, Buffer> {
  let pos = 0;
  let streams = 0;
  while (pos < input.length) {
    if (streams > 0) {
      // stream padding: multiples of four zero bytes
      while (pos < input.length && input[pos] === 0) pos++;
      if (pos === input.length) break;
      if (pos % 4 !== 0) throw new XzError('bad stream padding');
    }
    if (pos + 12 > input.length) throw new XzError('truncated .xz stream header');
    if (!Buffer.from(input.subarray(pos, pos + 6)).equals(HEADER_MAGIC))
      throw new XzError('not an .xz file');
    const flags = input.subarray(pos + 6, pos + 8);
    if (!crc32le(flags).equals(Buffer.from(input.subarray(pos + 8, pos + 12))))
      throw new XzError('corrupt .xz stream header');
    if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0) throw new XzError('unsupported stream flags');
    const checkId = flags[1]! & 0x0f;
    const cSize = checkSize(checkId);
    pos += 12;
    const records: Array<[number, number]> = [];
    for (;;) {
      if (pos >= input.length) throw new XzError('truncated .xz data');
      const first = input[pos]!;
      if (first === 0) break; // index indicator
      const headerSize = (first + 1) * 4;
      if (pos + headerSize > input.length) throw new XzError('truncated block header');
      const header = input.subarray(pos, pos + headerSize);
      if (
        !crc32le(header.subarray(0, headerSize - 4)).equals(
          Buffer.from(header.subarray(headerSize - 4)),
        )
      )
        throw new XzError('corrupt block header');
      const bflags = header[1]!;
      if (bflags & 0x3c) throw new XzError('unsupported block flags');
      let hp = 2;
      let compressedSize: number | undefined;
      let uncompressedSize: number | undefined;
      if (bflags & 0x40) [compressedSize, hp] = readVarint(header, hp);
      if (bflags & 0x80) [uncompressedSize, hp] = readVarint(header, hp);
      const nFilters = (bflags & 3) + 1;
      for (let f = 0; f < nFilters; f++) {
        let id: number;
        let propsSize: number;
        [id, hp] = readVarint(header, hp);
        [propsSize, hp] = readVarint(header, hp);
        if (id !== 0x21 || nFilters !== 1) throw new UnsupportedFilter(`filter ${id}`);
        if (propsSize !== 1) throw new XzError('bad LZMA2 properties');
        if (header[hp]! > 40) throw new XzError('bad LZMA2 dictionary size');
        hp += propsSize;
      }
      const dataStart = pos + headerSize;
      const outStart = out.pos;
      const dataEnd = yield* decodeLzma2(input, dataStart, out, lzma);
      const unpadded = headerSize + (dataEnd - dataStart) + cSize;
      if (compressedSize !== undefined && compressedSize !== dataEnd - dataStart)
        throw new XzError('block size mismatch');
      const produced = out.pos - outStart;
      if (uncompressedSize !== undefined && uncompressedSize !== produced)
        throw new XzError('block size mismatch');
      pos = dataEnd;
      while (pos % 4 !== 0) {
        if (input[pos] !== 0) throw new XzError('bad block padding');
        pos++;
      }
      if (pos + cSize > input.length) throw new XzError('truncated block check');
      const expected = checkFor(checkId, out.buf.subarray(outStart, out.pos));
      if (expected && !expected.equals(Buffer.from(input.subarray(pos, pos + cSize))))
        throw new XzError('corrupt data: check mismatch');
      pos += cSize;
      records.push([unpadded, produced]);
    }
    // index
    const indexStart = pos;
    let ip = pos + 1;
    let count: number;
    [count, ip] = readVarint(input, ip);
    if (count !== records.length) throw new XzError('index does not match the blocks');
    for (let i = 0; i < count; i++) {
      let u: number;
      let s: number;
      [u, ip] = readVarint(input, ip);
      [s, ip] = readVarint(input, ip);
      if (u !== records[i]![0] || s !== records[i]![1])
        throw new XzError('index does not match the blocks');
    }
    while (ip % 4 !== 0) {
      if (input[ip] !== 0) throw new XzError('bad index padding');
      ip++;
    }
    if (!crc32le(input.subarray(indexStart, ip)).equals(Buffer.from(input.subarray(ip, ip + 4))))
      throw new XzError('corrupt index');
    ip += 4;
    if (ip + 12 > input.length) throw new XzError('truncated stream footer');
    const footer = input.subarray(ip, ip + 12);
    if (!Buffer.from(footer.subarray(10, 12)).equals(FOOTER_MAGIC))
      throw new XzError('corrupt stream footer');
    if (footer[8] !== flags[0] || footer[9] !== flags[1])
      throw new XzError('stream flags mismatch');
    pos = ip + 12;
    streams++;
  }
  if (streams === 0) throw new XzError('empty .xz file');
  return Buffer.from(out.buf.buffer, out.buf.byteOffset, out.pos);
}

// ---- assembling a stream from cached blocks ----

/** One compressed block: its bytes (header, data, padding, check) and sizes for the index. */
export interface XzBlock {
  /** Block header + compressed data + padding + check. */
  bytes: Buffer;
  /** Header + compressed data + check (without padding), as the index records it. */
  unpaddedSize: number;
  uncompressedSize: number;
}

/**
 * Splits an .xz file with one stream into its blocks (to cache them). The
 * stream's check type is returned with them.
 */
export function splitXzBlocks(input: Buffer): { checkId: number; blocks: XzBlock[] } {
  if (input.length < 24 || !input.subarray(0, 6).equals(HEADER_MAGIC))
    throw new XzError('not an .xz file');
  const checkId = input[7]! & 0x0f;
  const footer = input.subarray(input.length - 12);
  if (!footer.subarray(10, 12).equals(FOOTER_MAGIC)) throw new XzError('not a single .xz stream');
  const backward = (footer.readUInt32LE(4) + 1) * 4;
  const indexStart = input.length - 12 - backward;
  let ip = indexStart + 1;
  let count: number;
  [count, ip] = readVarint(input, ip);
  const blocks: XzBlock[] = [];
  let pos = 12;
  for (let i = 0; i < count; i++) {
    let unpadded: number;
    let size: number;
    [unpadded, ip] = readVarint(input, ip);
    [size, ip] = readVarint(input, ip);
    const padded = Math.ceil(unpadded / 4) * 4;
    blocks.push({
      bytes: Buffer.from(input.subarray(pos, pos + padded)),
      unpaddedSize: unpadded,
      uncompressedSize: size,
    });
    pos += padded;
  }
  if (pos !== indexStart) throw new XzError('unexpected .xz layout');
  return { checkId, blocks };
}

/** Joins blocks (all made with the same check type) into one .xz stream. */
export function joinXzBlocks(checkId: number, blocks: readonly XzBlock[]): Buffer {
  const flags = Buffer.from([0, checkId]);
  const header = Buffer.concat([HEADER_MAGIC, flags, crc32le(flags)]);
  const records = [Buffer.from([0]), varint(blocks.length)];
  for (const b of blocks) records.push(varint(b.unpaddedSize), varint(b.uncompressedSize));
  let index = Buffer.concat(records);
  const pad = (4 - (index.length % 4)) % 4;
  index = Buffer.concat([index, Buffer.alloc(pad)]);
  index = Buffer.concat([index, crc32le(index)]);
  const footerBody = Buffer.alloc(6);
  footerBody.writeUInt32LE(index.length / 4 - 1, 0);
  footerBody[4] = 0;
  footerBody[5] = checkId;
  const footer = Buffer.concat([crc32le(footerBody), footerBody, FOOTER_MAGIC]);
  return Buffer.concat([header, ...blocks.map((b) => b.bytes), index, footer]);
}
