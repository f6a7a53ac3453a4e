import { createHash } from 'node:crypto';
import { serializeHeader } from '../../outputs/formats/rpm.ts';
/**
 * Reading .rpm (v4) files natively: the 96-byte lead, the signature header
 * and the main header (rpm docs: format_v4, format_header; rpmtag.h). Only
 * the headers are parsed; the payload is never decompressed.
 */
import { RelengError } from '../../util/errors.ts';

// Tag value types (rpmtag.h rpmTagType).
export const T_CHAR = 1;
export const T_INT8 = 2;
export const T_INT16 = 3;
export const T_INT32 = 4;
export const T_INT64 = 5;
export const T_STRING = 6;
export const T_BIN = 7;
export const T_STRING_ARRAY = 8;
export const T_I18NSTRING = 9;

export const LEAD_SIZE = 96;
const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = 0x8eade801;

/** Signature header tags (rpmtag.h RPMSIGTAG_*). */
export const SIG = {
  region: 62,
  dsaHeader: 267,
  rsaHeader: 268,
  sha1: 269,
  longSize: 270,
  longArchiveSize: 271,
  sha256: 273,
  size: 1000,
  pgp: 1002,
  md5: 1004,
  gpg: 1005,
  payloadSize: 1007,
  reservedSpace: 1008,
} as const;

/** Main header tags used by the repository indexer. */
export const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  summary: 1004,
  description: 1005,
  buildTime: 1006,
  buildHost: 1007,
  size: 1009,
  vendor: 1011,
  license: 1014,
  packager: 1015,
  group: 1016,
  url: 1020,
  arch: 1022,
  oldFileNames: 1027,
  fileSizes: 1028,
  fileModes: 1030,
  fileFlags: 1037,
  sourceRpm: 1044,
  archiveSize: 1046,
  provideName: 1047,
  requireFlags: 1048,
  requireName: 1049,
  requireVersion: 1050,
  conflictFlags: 1053,
  conflictName: 1054,
  conflictVersion: 1055,
  changelogTime: 1080,
  changelogName: 1081,
  changelogText: 1082,
  obsoleteName: 1090,
  provideFlags: 1112,
  provideVersion: 1113,
  obsoleteFlags: 1114,
  obsoleteVersion: 1115,
  dirIndexes: 1116,
  baseNames: 1117,
  dirNames: 1118,
  recommendName: 5046,
  recommendVersion: 5047,
  recommendFlags: 5048,
  suggestName: 5049,
  suggestVersion: 5050,
  suggestFlags: 5051,
  supplementName: 5052,
  supplementVersion: 5053,
  supplementFlags: 5054,
  enhanceName: 5055,
  enhanceVersion: 5056,
  enhanceFlags: 5057,
  longSize: 5009,
  longArchiveSize: 271,
} as const;

/** Raised for files that are not (well-formed) rpm v4 packages. */
export class RpmFormatError extends RelengError {
  constructor(file: string, message: string) {
    super(`${file}: not a valid rpm package: ${message}`, {
      file,
      hint: 'releng reads rpm v4 packages (rpm >= 4.0); check that the file is complete',
    });
    this.name = 'RpmFormatError';
  }
}

/** One index entry of a header, with its data located in the header's buffer. */
export interface RawEntry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the entry's data from the start of the data store. */
  offset: number;
}

/** A parsed header blob (signature or main header). */
export class RpmHeader {
  /** Buffer holding the header (the blob starts at `start`). */
  readonly buf: Buffer;
  /** Offset of the header magic in `buf`. */
  readonly start: number;
  /** Length of the blob: 16 + 16 × index count + data length (no padding). */
  readonly length: number;
  /** Number of index entries. */
  readonly count: number;
  /** Whether the index is sorted by tag (rpm writes it so; lookups use a binary search then). */
  private readonly sorted: boolean;
  private readonly dataStart: number;
  private readonly dataLength: number;

  constructor(buf: Buffer, start: number, what: string) {
    if (buf.length < start + 16) throw new Error(`${what} is truncated`);
    if (buf.readUInt32BE(start) !== HEADER_MAGIC) throw new Error(`${what} has no header magic`);
    const il = buf.readUInt32BE(start + 8);
    const dl = buf.readUInt32BE(start + 12);
    if (il > 0xffff || dl > 256 << 20) throw new Error(`${what} is implausibly large`);
    const length = 16 + il * 16 + dl;
    if (buf.length < start + length) throw new Error(`${what} is truncated`);
    this.buf = buf;
    this.start = start;
    this.length = length;
    this.count = il;
    this.dataStart = start + 16 + il * 16;
    this.dataLength = dl;
    let sorted = true;
    let prev = -1;
    for (let i = 0; i < il; i++) {
      const p = start + 16 + i * 16;
      const tag = buf.readUInt32BE(p);
      const offset = buf.readInt32BE(p + 8);
      // Only region tags (the first entry) point backwards, at their trailer.
      if ((offset < 0 && i !== 0) || offset > dl) {
        throw new Error(`${what}: tag ${tag} points outside the header`);
      }
      if (tag < prev) sorted = false;
      prev = tag;
    }
    this.sorted = sorted;
  }

  /** The index entry at position `i`. */
  private entryAt(i: number): RawEntry {
    const p = this.start + 16 + i * 16;
    const b = this.buf;
    return {
      tag: b.readUInt32BE(p),
      type: b.readUInt32BE(p + 4),
      offset: b.readInt32BE(p + 8),
      count: b.readUInt32BE(p + 12),
    };
  }

  /** The entry of `tag`, if present. */
  entry(tag: number): RawEntry | undefined {
    const b = this.buf;
    const base = this.start + 16;
    if (this.sorted) {
      // Entry 0 is the region tag (62/63), below every other tag; search the rest.
      let lo = 0;
      let hi = this.count - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const t = b.readUInt32BE(base + mid * 16);
        if (t === tag) return this.entryAt(mid);
        if (t < tag) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    }
    for (let i = 0; i < this.count; i++) {
      if (b.readUInt32BE(base + i * 16) === tag) return this.entryAt(i);
    }
    return undefined;
  }

  /** All entries in stored order. */
  get ordered(): RawEntry[] {
    const out: RawEntry[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.entryAt(i));
    return out;
  }

  /** Number of bytes the blob needs for a header read from a partial buffer. */
  static sizeAt(buf: Buffer, start: number): number | undefined {
    if (buf.length < start + 16) return undefined;
    return 16 + buf.readUInt32BE(start + 8) * 16 + buf.readUInt32BE(start + 12);
  }

  /** The blob itself (magic, index, data). */
  blob(): Buffer {
    return this.buf.subarray(this.start, this.start + this.length);
  }

  has(tag: number): boolean {
    return this.entry(tag) !== undefined;
  }

  private at(e: RawEntry): number {
    return this.dataStart + e.offset;
  }

  private stringsAt(e: RawEntry, max: number): string[] {
    const out: string[] = [];
    let p = this.at(e);
    const end = this.dataStart + this.dataLength;
    const n = Math.min(e.count, max);
    for (let i = 0; i < n; i++) {
      const z = this.buf.indexOf(0, p);
      if (z < 0 || z >= end) throw new Error(`tag ${e.tag}: unterminated string`);
      out.push(this.buf.toString('utf8', p, z));
      p = z + 1;
    }
    return out;
  }

  /** A STRING, the first of an I18NSTRING/STRING_ARRAY, or undefined. */
  string(tag: number): string | undefined {
    const e = this.entry(tag);
    if (!e) return undefined;
    if (e.type !== T_STRING && e.type !== T_I18NSTRING && e.type !== T_STRING_ARRAY) {
      return undefined;
    }
    return this.stringsAt(e, 1)[0];
  }

  /** A STRING_ARRAY (or a STRING/I18NSTRING as a one-element list); [] when absent. */
  strings(tag: number): string[] {
    const e = this.entry(tag);
    if (!e) return [];
    if (e.type === T_STRING) return this.stringsAt(e, 1);
    if (e.type !== T_STRING_ARRAY && e.type !== T_I18NSTRING) return [];
    return this.stringsAt(e, e.count);
  }

  /** Integers of any width (INT8/16/32/64, CHAR); [] when absent. */
  ints(tag: number): number[] {
    const e = this.entry(tag);
    if (!e) return [];
    const p = this.at(e);
    const out = new Array<number>(e.count);
    const b = this.buf;
    switch (e.type) {
      case T_CHAR:
      case T_INT8:
        for (let i = 0; i < e.count; i++) out[i] = b[p + i]!;
        break;
      case T_INT16:
        for (let i = 0; i < e.count; i++) out[i] = b.readUInt16BE(p + i * 2);
        break;
      case T_INT32:
        for (let i = 0; i < e.count; i++) out[i] = b.readUInt32BE(p + i * 4);
        break;
      case T_INT64:
        for (let i = 0; i < e.count; i++) out[i] = Number(b.readBigUInt64BE(p + i * 8));
        break;
      default:
        return [];
    }
    return out;
  }

  /** The first integer, or undefined. */
  int(tag: number): number | undefined {
    return this.ints(tag)[0];
  }

  /** BIN data (a copy-free view), or undefined. */
  bin(tag: number): Buffer | undefined {
    const e = this.entry(tag);
    if (!e || e.type !== T_BIN) return undefined;
    const p = this.at(e);
    return this.buf.subarray(p, p + e.count);
  }

  /** The raw bytes of an entry's data (for copying entries into a new header). */
  rawData(e: RawEntry): Buffer {
    const p = this.at(e);
    switch (e.type) {
      case T_CHAR:
      case T_INT8:
      case T_BIN:
        return this.buf.subarray(p, p + e.count);
      case T_INT16:
        return this.buf.subarray(p, p + e.count * 2);
      case T_INT32:
        return this.buf.subarray(p, p + e.count * 4);
      case T_INT64:
        return this.buf.subarray(p, p + e.count * 8);
      default: {
        let q = p;
        const n = e.type === T_STRING ? 1 : e.count;
        for (let i = 0; i < n; i++) q = this.buf.indexOf(0, q) + 1;
        return this.buf.subarray(p, q);
      }
    }
  }
}

/** Where the parts of an rpm file are. */
export interface RpmLayout {
  /** Lead type: 0 binary, 1 source. */
  leadType: number;
  signature: RpmHeader;
  /** Offset of the main header (after the 8-byte aligned signature header). */
  headerStart: number;
  header: RpmHeader;
  /** Offset of the payload (end of the main header). */
  headerEnd: number;
}

/**
 * Bytes needed from the start of the file to parse both headers, given a
 * prefix of it; `undefined` until the prefix is long enough to tell.
 */
export function headersLength(prefix: Buffer): number | undefined {
  const sigSize = RpmHeader.sizeAt(prefix, LEAD_SIZE);
  if (sigSize === undefined) return undefined;
  const headerStart = LEAD_SIZE + sigSize + ((8 - (sigSize % 8)) % 8);
  const mainSize = RpmHeader.sizeAt(prefix, headerStart);
  if (mainSize === undefined) return headerStart + 16;
  return headerStart + mainSize;
}

/** Parses the lead and both headers from a buffer holding at least the headers. */
export function parseRpm(buf: Buffer, file: string): RpmLayout {
  try {
    if (buf.length < LEAD_SIZE) throw new Error('shorter than the 96-byte lead');
    if (buf.readUInt32BE(0) !== LEAD_MAGIC) throw new Error('no rpm lead magic');
    if (buf[4]! < 3) throw new Error(`rpm format ${buf[4]} is too old (v3 or later expected)`);
    const leadType = buf.readUInt16BE(6);
    if (buf.readUInt16BE(78) !== 5)
      throw new Error('the lead does not announce a header-style signature');
    const signature = new RpmHeader(buf, LEAD_SIZE, 'signature header');
    const headerStart = LEAD_SIZE + signature.length + ((8 - (signature.length % 8)) % 8);
    const header = new RpmHeader(buf, headerStart, 'main header');
    return { leadType, signature, headerStart, header, headerEnd: headerStart + header.length };
  } catch (err) {
    if (err instanceof RpmFormatError) throw err;
    throw new RpmFormatError(file, (err as Error).message);
  }
}

/** An entry to write into a new header. */
export interface NewEntry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

/** Serialises a header with an immutable region (the writer's own serialiser, raw entries of any type). */
export function buildHeader(regionTag: number, input: readonly NewEntry[]): Buffer {
  return serializeHeader(regionTag, input);
}

/** Main-header tags of the payload digest (rpm >= 4.14). */
const PAYLOAD_DIGEST = 5092;
const PAYLOAD_DIGEST_ALGO = 5093;
/** OpenPGP hash ids (PAYLOADDIGESTALGO) → node hash names. */
const DIGEST_ALGOS: Record<number, string> = {
  1: 'md5',
  2: 'sha1',
  8: 'sha256',
  9: 'sha384',
  10: 'sha512',
  11: 'sha224',
};

/**
 * Checks that an rpm is whole and unchanged, as `rpmkeys --checksig` does
 * without keys: the header+payload size the signature header records, the
 * main header's SHA-256 (or SHA-1) and the payload digest (or, for packages
 * older than rpm 4.14, the MD5 of header+payload). A truncated or corrupted
 * package would be published and then fail at install time in dnf.
 *
 * Feed the bytes after the main header (the payload) to `update`, in order;
 * `finish` returns what is wrong, or undefined.
 */
export class RpmIntegrity {
  readonly #layout: RpmLayout;
  readonly #payload: ReturnType<typeof createHash> | undefined;
  readonly #payloadAlgo: string | undefined;
  readonly #md5: ReturnType<typeof createHash> | undefined;
  #payloadBytes = 0;

  constructor(layout: RpmLayout, headers: Buffer) {
    this.#layout = layout;
    const algoId = layout.header.int(PAYLOAD_DIGEST_ALGO) ?? 8;
    const algo = layout.header.has(PAYLOAD_DIGEST) ? DIGEST_ALGOS[algoId] : undefined;
    this.#payloadAlgo = algo;
    this.#payload = algo ? createHash(algo) : undefined;
    // The MD5 covers header + payload; only needed when there is no payload digest.
    if (!algo && layout.signature.bin(SIG.md5)) {
      this.#md5 = createHash('md5');
      this.#md5.update(headers.subarray(layout.headerStart, layout.headerEnd));
    }
  }

  /** The next payload bytes. */
  update(chunk: Buffer): void {
    this.#payloadBytes += chunk.length;
    this.#payload?.update(chunk);
    this.#md5?.update(chunk);
  }

  /** What is wrong with the package (sizes, digests), or undefined when it is intact. */
  finish(): string | undefined {
    const { signature: s, header: h, headerStart, headerEnd } = this.#layout;
    const stored = headerEnd - headerStart + this.#payloadBytes;
    const expected = s.int(SIG.longSize) ?? s.int(SIG.size);
    if (expected !== undefined && expected !== stored)
      return `truncated or padded: its signature header says the header and payload take ${expected} bytes, the file holds ${stored}`;
    const headerBlob = h.blob();
    const sha256 = s.string(SIG.sha256);
    if (sha256 !== undefined) {
      if (createHash('sha256').update(headerBlob).digest('hex') !== sha256.toLowerCase())
        return 'the main header does not match its SHA-256 digest (corrupted or changed)';
    } else {
      const sha1 = s.string(SIG.sha1);
      if (sha1 !== undefined && createHash('sha1').update(headerBlob).digest('hex') !== sha1)
        return 'the main header does not match its SHA-1 digest (corrupted or changed)';
    }
    if (this.#payload) {
      const want = h.strings(PAYLOAD_DIGEST)[0]?.toLowerCase();
      if (want !== undefined && this.#payload.digest('hex') !== want)
        return `the payload does not match its ${this.#payloadAlgo!.toUpperCase()} digest (truncated or corrupted)`;
    } else if (this.#md5) {
      const want = s.bin(SIG.md5)!;
      if (!this.#md5.digest().equals(want))
        return 'the header and payload do not match their MD5 digest (truncated or corrupted)';
    }
    return undefined;
  }
}

/** {@link RpmIntegrity} over a whole file in memory; throws an RpmFormatError when it fails. */
export function checkRpmIntegrity(buf: Buffer, file: string): void {
  const layout = parseRpm(buf, file);
  const check = new RpmIntegrity(layout, buf);
  check.update(buf.subarray(layout.headerEnd));
  const problem = check.finish();
  if (problem) throw new RpmFormatError(file, problem);
}
