/**
 * Package hash files (`package/<pkg>/<pkg>.hash`): parsing, digests and the
 * comparison of one file against its entries. The policy (warn, fail, move a
 * bad download aside) lives in `verify.ts`.
 *
 * A hash file is UTF-8 text with one entry per line:
 *
 *     <algorithm>[:<keylen>] <hex digest> <file>
 *
 * `#` starts a comment at the beginning of a line or at the start of any
 * whitespace-separated field; blank lines are ignored. Several entries may
 * name the same file: entries of the same algorithm (and length) are
 * alternatives (one must match — e.g. a text file with CRLF or LF endings),
 * and every algorithm listed for the file must match.
 *
 * Algorithms: anything `node:crypto` offers (`crypto.getHashes()`), matched
 * without regard to case, in Python's spelling as well (`sha3_256`,
 * `shake_128`, `sha512_256`), plus `blake2b`/`blake2s` at any digest size.
 * `keylen` is the digest size in bytes (Python's `hexdigest(length)`): it is
 * what selects the output size of `shake128`/`shake256` (without it the
 * digest's length does) and of `blake2b` (1–64, default 64) and `blake2s`
 * (1–32, default 32). For fixed-size algorithms it may only restate that size.
 */
import { createHash, getHashes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageModel } from '../project/model.ts';
import { RelengError } from '../util/errors.ts';
import { isFile } from '../util/fs.ts';
import { closestMatches } from '../util/suggest.ts';

/** One line of a hash file. */
export interface HashEntry {
  /** The algorithm as written (`sha256`, `shake_256`, ...). */
  algorithm: string;
  /** The `:<keylen>` part, when given (digest size in bytes). */
  keylen?: number;
  /** Expected digest, lower-case hex. */
  digest: string;
  /** The file the entry is for, as written (`./` prefix removed). */
  name: string;
  /** 1-based line number in the hash file. */
  line: number;
  /**
   * Canonical algorithm and size (`sha256`, `shake256:32`, `blake2b:32`):
   * entries of one file with the same kind are alternatives.
   */
  kind: string;
}

/** An incremental hash. */
interface Hasher {
  update(data: Uint8Array): void;
  /** Lower-case hex. */
  digest(): string;
}

interface Algorithm {
  kind: string;
  /** Digest size in bytes. */
  bytes: number;
  create(): Hasher;
}

/** The hash file of a package: `<defDir>/<name>.hash`. */
export function defaultHashFile(pkg: Pick<PackageModel, 'name' | 'defDir'>): string {
  return join(pkg.defDir, `${pkg.name}.hash`);
}

/**
 * The hash file to use for a package. In development mode a
 * `<pkg>.hash-<revision>` beside the definition wins when it exists; the
 * revision is spelled as releng-tool does (every character that is not a
 * letter, digit or `_` becomes `_`: `feature/x-1.2` → `feature_x_1_2`), or
 * as written when that is a plain file name. Otherwise `<pkg>.hash`, whether
 * or not it exists.
 */
export async function hashFileFor(
  pkg: Pick<PackageModel, 'name' | 'defDir' | 'revision'>,
  devmode: string | boolean | undefined,
): Promise<string> {
  const plain = defaultHashFile(pkg);
  if (devmode && pkg.revision) {
    const spellings = [pkg.revision.replace(/[^\p{L}\p{N}_]/gu, '_')];
    if (!/[/\\]/.test(pkg.revision) && pkg.revision !== spellings[0]) spellings.push(pkg.revision);
    for (const rev of spellings) {
      const alt = `${plain}-${rev}`;
      if (await isFile(alt)) return alt;
    }
  }
  return plain;
}

/**
 * Parses hash file text. Throws a RelengError naming the file and line for a
 * malformed entry, an unknown algorithm or a digest of the wrong size.
 */
export function parseHashFile(text: string, file: string): HashEntry[] {
  const entries: HashEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const fields = raw
      .trim()
      .split(/\s+/)
      .filter((f) => f !== '');
    const comment = fields.findIndex((f) => f.startsWith('#'));
    if (comment >= 0) fields.length = comment;
    if (fields.length === 0) continue;
    const malformed = (problem: string, hint?: string): RelengError =>
      new RelengError(`hash file ${file}, line ${line}: ${problem}`, {
        file,
        line,
        hint:
          hint ??
          'each entry is "<algorithm>[:<keylen>] <hex digest> <file>", for example "sha256 <64 hex digits> my-archive.tgz"',
      });
    if (fields.length !== 3) {
      throw malformed(
        `expected 3 fields (algorithm, digest, file), found ${fields.length}: "${fields.join(' ')}"`,
      );
    }
    const [algoField, digestField, nameField] = fields as [string, string, string];
    const [algorithm, keylenText = ''] = algoField.split(':', 2) as [string, string?];
    let keylen: number | undefined;
    if (keylenText !== '') {
      if (!/^\d+$/.test(keylenText) || Number(keylenText) <= 0)
        throw malformed(`invalid keylen "${keylenText}" (a positive number of bytes)`);
      keylen = Number(keylenText);
    }
    if (!/^[0-9a-fA-F]+$/.test(digestField) || digestField.length % 2 !== 0)
      throw malformed(`"${digestField}" is not a hexadecimal digest`);
    const algo = resolveAlgorithm(algorithm, keylen, digestField.length / 2);
    if (typeof algo === 'string') throw malformed(algo, ALGORITHM_HINT);
    if (digestField.length !== algo.bytes * 2) {
      throw malformed(
        `the ${algoField} digest has ${digestField.length} hex digits; ${algo.kind} digests have ${algo.bytes * 2}`,
        'copy the whole digest, and check the algorithm name (a sha512 digest is not a sha256 one)',
      );
    }
    entries.push({
      algorithm,
      ...(keylen === undefined ? {} : { keylen }),
      digest: digestField.toLowerCase(),
      name: normalizeName(nameField),
      line,
      kind: algo.kind,
    });
  }
  return entries;
}

/** Reads and parses a hash file; undefined when it does not exist. */
export async function readHashFile(file: string): Promise<HashEntry[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new RelengError(`cannot read hash file ${file}: ${(err as Error).message}`, { file });
  }
  return parseHashFile(text, file);
}

/** The entries naming `name` (compared as written, ignoring a leading `./`). */
export function entriesFor(entries: readonly HashEntry[], name: string): HashEntry[] {
  const wanted = normalizeName(name);
  return entries.filter((e) => e.name === wanted);
}

/**
 * Digests of a file for the given kinds (`sha256`, `shake256:32`, ...), read
 * once, streaming. Returns kind → lower-case hex.
 */
export async function digestFile(
  path: string,
  kinds: readonly string[],
): Promise<Map<string, string>> {
  const hashers = new Map<string, Hasher>();
  for (const kind of new Set(kinds)) {
    const [name, size] = kind.split(':', 2) as [string, string?];
    const algo = resolveAlgorithm(name, size === undefined ? undefined : Number(size), 0);
    if (typeof algo === 'string') throw new RelengError(algo);
    hashers.set(kind, algo.create());
  }
  for await (const chunk of createReadStream(path)) {
    for (const hasher of hashers.values()) hasher.update(chunk as Buffer);
  }
  return new Map([...hashers].map(([kind, h]) => [kind, h.digest()]));
}

/** The result of checking one file against a package's hash file. */
export type HashCheck =
  | { status: 'no-hash-file'; hashFile: string }
  | { status: 'no-entry'; hashFile: string }
  | { status: 'verified'; hashFile: string; entries: HashEntry[]; actual: Map<string, string> }
  | {
      status: 'mismatch';
      hashFile: string;
      entries: HashEntry[];
      actual: Map<string, string>;
      /** One per algorithm that did not match. */
      mismatches: HashMismatch[];
    };

export interface HashMismatch {
  kind: string;
  /** The acceptable digests listed for this algorithm. */
  expected: string[];
  actual: string;
  /** Hash file line of the first entry of this kind. */
  line: number;
}

/**
 * Checks the file at `path` against the entries for `name` in the package's
 * hash file (the development-mode variant when it applies). Pure: no
 * warnings, nothing moved. Throws a RelengError for a malformed hash file or
 * an unreadable `path`.
 */
export async function checkHashEntry(
  pkg: Pick<PackageModel, 'name' | 'defDir' | 'revision'>,
  name: string,
  path: string,
  options: { devmode?: string | boolean } = {},
): Promise<HashCheck> {
  const hashFile = await hashFileFor(pkg, options.devmode);
  const all = await readHashFile(hashFile);
  if (!all) return { status: 'no-hash-file', hashFile };
  const entries = entriesFor(all, name);
  if (entries.length === 0) return { status: 'no-entry', hashFile };
  let actual: Map<string, string>;
  try {
    actual = await digestFile(
      path,
      entries.map((e) => e.kind),
    );
  } catch (err) {
    if (err instanceof RelengError) throw err;
    throw new RelengError(`cannot verify ${name}: ${(err as Error).message}`, {
      file: hashFile,
      line: entries[0]!.line,
      hint: `the hash file lists ${name}, but ${path} cannot be read`,
    });
  }
  const mismatches: HashMismatch[] = [];
  for (const [kind, digest] of actual) {
    const ofKind = entries.filter((e) => e.kind === kind);
    if (!ofKind.some((e) => e.digest === digest)) {
      mismatches.push({
        kind,
        expected: ofKind.map((e) => e.digest),
        actual: digest,
        line: ofKind[0]!.line,
      });
    }
  }
  return mismatches.length > 0
    ? { status: 'mismatch', hashFile, entries, actual, mismatches }
    : { status: 'verified', hashFile, entries, actual };
}

// ---------------------------------------------------------------------------
// Algorithms

const ALGORITHM_HINT =
  'supported: sha1, sha224, sha256, sha384, sha512, md5, sha3_256 (sha3-256), shake128/shake256 (with :<bytes>), blake2b/blake2s (optionally :<bytes>) and whatever else node:crypto lists in crypto.getHashes()';

/** node:crypto's algorithm names, by lower-case spelling. */
let nodeHashes: Map<string, string> | undefined;
function nodeHashNames(): Map<string, string> {
  nodeHashes ??= new Map(getHashes().map((h) => [h.toLowerCase(), h]));
  return nodeHashes;
}

/**
 * The algorithm for a written name and keylen, or a message saying what is
 * wrong. `digestBytes` sizes shake128/shake256 when no keylen is given.
 */
function resolveAlgorithm(
  written: string,
  keylen: number | undefined,
  digestBytes: number,
): Algorithm | string {
  const name = written.toLowerCase();
  const blake = /^blake2([bs])(512|256)?$/.exec(name);
  if (blake) {
    const variant = blake[1] === 'b' ? 'b' : 's';
    const max = variant === 'b' ? 64 : 32;
    const bytes = keylen ?? max;
    if (bytes > max) return `blake2${variant} digests are 1 to ${max} bytes, not ${bytes}`;
    const nodeName = variant === 'b' ? 'blake2b512' : 'blake2s256';
    return {
      kind: `blake2${variant}:${bytes}`,
      bytes,
      create: () =>
        bytes === max && nodeHashNames().has(nodeName)
          ? nodeHasher(nodeName)
          : variant === 'b'
            ? new Blake2b(bytes)
            : new Blake2s(bytes),
    };
  }
  const shake = /^shake_?(128|256)$/.exec(name);
  if (shake) {
    const nodeName = `shake${shake[1]}`;
    const bytes = keylen ?? digestBytes;
    return {
      kind: `${nodeName}:${bytes}`,
      bytes,
      create: () => nodeHasher(nodeName, bytes),
    };
  }
  const known = nodeHashNames();
  const found = [name, name.replace(/_/g, '-'), name.replace(/_/g, '')]
    .map((n) => known.get(n))
    .find((n) => n !== undefined);
  if (!found) {
    const close = closestMatches(name, [
      ...known.keys(),
      'blake2b',
      'blake2s',
      'shake_128',
      'shake_256',
    ]);
    return `unsupported hash algorithm "${written}"${close.length > 0 ? ` (did you mean ${close.map((c) => `"${c}"`).join(' or ')}?)` : ''}`;
  }
  const bytes = createHash(found).digest().length;
  if (keylen !== undefined && keylen !== bytes) {
    return `keylen ${keylen} does not apply to ${written}, whose digests are always ${bytes} bytes (keylen selects the size of shake128, shake256, blake2b and blake2s)`;
  }
  return { kind: found, bytes, create: () => nodeHasher(found) };
}

function nodeHasher(name: string, outputLength?: number): Hasher {
  const hash = createHash(name, outputLength === undefined ? undefined : { outputLength });
  return {
    update: (data) => {
      hash.update(data);
    },
    digest: () => hash.digest('hex'),
  };
}

function normalizeName(name: string): string {
  return name.replace(/^(\.\/)+/, '');
}

// ---------------------------------------------------------------------------
// BLAKE2 (RFC 7693) at any digest size, unkeyed. node:crypto only offers the
// full-size blake2b512 and blake2s256, and a shorter BLAKE2 digest is not a
// truncation of the full one (the size is hashed in).

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
] as const;

/** The G function's (a, b, c, d) word indices for the 8 steps of a round. */
const STEPS = [
  [0, 4, 8, 12],
  [1, 5, 9, 13],
  [2, 6, 10, 14],
  [3, 7, 11, 15],
  [0, 5, 10, 15],
  [1, 6, 11, 12],
  [2, 7, 8, 13],
  [3, 4, 9, 14],
] as const;

/** Shared buffering: the last block is held back until the final flag is known. */
abstract class Blake2 implements Hasher {
  protected readonly block: Uint8Array;
  protected fill = 0;
  /** Bytes compressed so far (2^53 is plenty). */
  protected count = 0;
  protected readonly outLen: number;

  constructor(blockSize: number, outLen: number) {
    this.block = new Uint8Array(blockSize);
    this.outLen = outLen;
  }

  update(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.fill === this.block.length) {
        this.count += this.fill;
        this.compress(false);
        this.fill = 0;
      }
      const n = Math.min(this.block.length - this.fill, data.length - i);
      this.block.set(data.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
    }
  }

  digest(): string {
    this.count += this.fill;
    this.block.fill(0, this.fill);
    this.compress(true);
    const state = this.state();
    const out = Buffer.alloc(this.outLen);
    for (let i = 0; i < this.outLen; i++) out[i] = (state[i >> 2]! >>> (8 * (i & 3))) & 0xff;
    return out.toString('hex');
  }

  protected abstract compress(last: boolean): void;
  /** The chaining value as little-endian 32-bit words. */
  protected abstract state(): Uint32Array;
}

const B2S_IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

class Blake2s extends Blake2 {
  readonly #h = Uint32Array.from(B2S_IV);
  readonly #v = new Uint32Array(16);
  readonly #m = new Uint32Array(16);

  constructor(outLen: number) {
    super(64, outLen);
    this.#h[0]! ^= 0x01010000 ^ outLen;
  }

  protected state(): Uint32Array {
    return this.#h;
  }

  protected compress(last: boolean): void {
    const v = this.#v;
    const m = this.#m;
    const b = this.block;
    for (let i = 0; i < 16; i++) {
      m[i] = b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24);
      v[i] = i < 8 ? this.#h[i]! : B2S_IV[i - 8]!;
    }
    v[12]! ^= this.count >>> 0;
    v[13]! ^= Math.floor(this.count / 0x100000000) >>> 0;
    if (last) v[14] = ~v[14]!;
    for (let r = 0; r < 10; r++) {
      const s = SIGMA[r]!;
      for (let k = 0; k < 8; k++) {
        const [a, bb, c, d] = STEPS[k]!;
        const x = m[s[2 * k]!]!;
        const y = m[s[2 * k + 1]!]!;
        let t: number;
        v[a] = v[a]! + v[bb]! + x;
        t = v[d]! ^ v[a]!;
        v[d] = (t >>> 16) | (t << 16);
        v[c] = v[c]! + v[d]!;
        t = v[bb]! ^ v[c]!;
        v[bb] = (t >>> 12) | (t << 20);
        v[a] = v[a]! + v[bb]! + y;
        t = v[d]! ^ v[a]!;
        v[d] = (t >>> 8) | (t << 24);
        v[c] = v[c]! + v[d]!;
        t = v[bb]! ^ v[c]!;
        v[bb] = (t >>> 7) | (t << 25);
      }
    }
    for (let i = 0; i < 8; i++) this.#h[i]! ^= v[i]! ^ v[i + 8]!;
  }
}

/** BLAKE2b's IV as (low, high) 32-bit pairs. */
const B2B_IV = [
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
];

/** BLAKE2b with 64-bit words kept as (low, high) pairs of 32-bit words. */
class Blake2b extends Blake2 {
  readonly #h = Uint32Array.from(B2B_IV);
  readonly #v = new Uint32Array(32);
  readonly #m = new Uint32Array(32);

  constructor(outLen: number) {
    super(128, outLen);
    this.#h[0]! ^= 0x01010000 ^ outLen;
  }

  protected state(): Uint32Array {
    return this.#h;
  }

  /** v[a] += v[b] + (hi:lo), 64-bit. */
  #add(a: number, b: number, lo: number, hi: number): void {
    const v = this.#v;
    const low = v[a]! + v[b]! + lo;
    v[a + 1] = v[a + 1]! + v[b + 1]! + hi + Math.floor(low / 0x100000000);
    v[a] = low;
  }

  protected compress(last: boolean): void {
    const v = this.#v;
    const m = this.#m;
    const b = this.block;
    for (let i = 0; i < 32; i++) {
      m[i] = b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24);
      v[i] = i < 16 ? this.#h[i]! : B2B_IV[i - 16]!;
    }
    v[24]! ^= this.count >>> 0;
    v[25]! ^= Math.floor(this.count / 0x100000000) >>> 0;
    if (last) {
      v[28] = ~v[28]!;
      v[29] = ~v[29]!;
    }
    for (let r = 0; r < 12; r++) {
      const s = SIGMA[r % 10]!;
      for (let k = 0; k < 8; k++) {
        const [wa, wb, wc, wd] = STEPS[k]!;
        const a = 2 * wa;
        const bb = 2 * wb;
        const c = 2 * wc;
        const d = 2 * wd;
        const x = 2 * s[2 * k]!;
        const y = 2 * s[2 * k + 1]!;
        let lo: number;
        let hi: number;
        // a += b + m[x]; d = (d ^ a) >>> 32
        this.#add(a, bb, m[x]!, m[x + 1]!);
        lo = v[d]! ^ v[a]!;
        hi = v[d + 1]! ^ v[a + 1]!;
        v[d] = hi;
        v[d + 1] = lo;
        // c += d; b = (b ^ c) >>> 24
        this.#add(c, d, 0, 0);
        lo = v[bb]! ^ v[c]!;
        hi = v[bb + 1]! ^ v[c + 1]!;
        v[bb] = (lo >>> 24) | (hi << 8);
        v[bb + 1] = (hi >>> 24) | (lo << 8);
        // a += b + m[y]; d = (d ^ a) >>> 16
        this.#add(a, bb, m[y]!, m[y + 1]!);
        lo = v[d]! ^ v[a]!;
        hi = v[d + 1]! ^ v[a + 1]!;
        v[d] = (lo >>> 16) | (hi << 16);
        v[d + 1] = (hi >>> 16) | (lo << 16);
        // c += d; b = (b ^ c) >>> 63
        this.#add(c, d, 0, 0);
        lo = v[bb]! ^ v[c]!;
        hi = v[bb + 1]! ^ v[c + 1]!;
        v[bb] = (hi >>> 31) | (lo << 1);
        v[bb + 1] = (lo >>> 31) | (hi << 1);
      }
    }
    for (let i = 0; i < 16; i++) this.#h[i]! ^= v[i]! ^ v[i + 16]!;
  }
}
