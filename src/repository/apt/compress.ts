/**
 * Packages, Packages.gz and Packages.xz from stanzas.
 *
 * Both compressed forms are built from chunks, so that adding one package
 * recompresses one chunk instead of the whole index (xz -6 takes ~0.4 s on
 * the index of 2,000 packages, gzip ~10 ms). The stanzas are cut into chunks
 * at content-defined boundaries (after a package whose name hashes to
 * 0 mod 32), and the compressed forms are cached in `.releng-repo/index-chunks/`
 * (see {@link ChunkCache} for the keys):
 * - Packages.xz: each chunk is one xz block; the stream is reassembled around
 *   the blocks (one valid .xz stream, read by apt, xz and liblzma like any
 *   other).
 * - Packages.gz: each chunk is raw deflate data primed with the 32 KiB of
 *   text before it (which a decoder has in its window at that point) and
 *   ending in a full flush (byte-aligned, not final), so the chunks
 *   concatenate into one deflate stream; a final empty block, the gzip header
 *   and trailer (CRC-32 and size of the whole text) make it one ordinary gzip
 *   member, a few per cent larger than one deflate run (1.5 % on an index
 *   of 2,000 packages; 14 % without the priming).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { writeFileAtomic } from '../../util/fs.ts';
import { FINAL_EMPTY_BLOCK, gzipMember } from '../../util/gzip-member.ts';
import { joinXzBlocks, splitXzBlocks, type XzBlock } from './xz.ts';

/** Check type of the blocks (CRC32: every block must use the stream's type). */
const CHECK_CRC32 = 1;
/** One chunk boundary per this many package names, on average. */
const CHUNK_MODULUS = 32;
/** Deflate level of Packages.gz (6: half the time of 9 for 0.4 % more bytes). */
const GZIP_LEVEL = 6;
/** xz settings: preset 6 with a 1 MiB dictionary (chunks are far smaller). */
const XZ_ARGS = ['-T0', '-q', '-c', '--check=crc32', '--lzma2=preset=6,dict=1MiB'];
/** Part of every xz block's cache key: other settings, other blocks. */
const XZ_SETTINGS = `xz ${XZ_ARGS.join(' ')}\n`;

/**
 * The `xz` program that `spawn` will run, as path, size and mtime: part of
 * the blocks' cache key, so that blocks made by another xz (an upgrade can
 * change its output) are not mixed into a new Packages.xz. A few stat calls.
 */
function xzProgram(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'xz');
    const st = statSync(file, { throwIfNoEntry: false });
    if (st?.isFile()) return `${file} ${st.size} ${st.mtimeMs}\n`;
  }
  return 'xz not found\n'; // compressing will fail with a clear error
}

/** A stanza and the package name that decides chunk boundaries. */
export interface Stanza {
  name: string;
  text: string;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Splits sorted stanzas into chunk texts whose concatenation is the Packages file. */
export function chunkStanzas(stanzas: readonly Stanza[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  for (let i = 0; i < stanzas.length; i++) {
    const s = stanzas[i]!;
    current.push(s.text);
    const next = stanzas[i + 1];
    const last = next === undefined;
    if (last || (next.name !== s.name && fnv1a(s.name) % CHUNK_MODULUS === 0)) {
      // Stanzas are separated by one empty line; the file ends with the last stanza.
      chunks.push(current.join('\n') + (last ? '' : '\n'));
      current = [];
    }
  }
  return chunks;
}

function runXz(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? 'Packages.xz needs the xz program (Debian package xz-utils)'
            : `xz: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`xz exited with ${code}: ${err.trim()}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** The compressed forms of one chunk. */
interface ChunkForms {
  xz: XzBlock;
  /** Raw deflate data ending in a full flush (not final). */
  deflate: Buffer;
}

/** Deflate's window: how much earlier text a chunk's deflate data may refer to. */
const WINDOW = 32 << 10;

/**
 * A content-addressed cache of compressed chunks (see the module comment).
 * Keys cover everything the bytes depend on: the chunk's text and the
 * compressor settings and program (see {@link xzProgram}), and for deflate
 * data the zlib version and the text before the chunk it is primed with
 * (so that Packages.gz keeps the ratio of one deflate run). Changing one
 * chunk thus recompresses its xz block and the deflate data of it and of
 * the chunks within 32 KiB after it.
 */
export class ChunkCache {
  readonly dir: string;
  /** Entries used since the cache was opened (what {@link prune} keeps). */
  readonly used = new Set<string>();
  /** Chunks xz-compressed (cache misses) since the cache was opened. */
  compressed = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * One entry, read with a blocking call: entries are a few KiB, and dozens
   * of them through the thread pool cost ~10 ms of promise and file-handle
   * overhead on an incremental publish.
   */
  private read(name: string): Buffer | undefined {
    try {
      return readFileSync(this.file(name));
    } catch {
      return undefined;
    }
  }

  private loadXz(key: string, size: number): XzBlock | undefined {
    const data = this.read(`${key}.xz`);
    if (!data || data.length < 8) return undefined;
    const unpaddedSize = data.readUInt32LE(0);
    const uncompressedSize = data.readUInt32LE(4);
    if (uncompressedSize !== size) return undefined;
    return { bytes: data.subarray(8), unpaddedSize, uncompressedSize };
  }

  private async store(name: string, parts: Buffer[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(name), Buffer.concat(parts));
  }

  /**
   * The compressed forms of every chunk, compressing only what is not
   * cached: xz blocks in one run of the `xz` program, deflate data here
   * while it runs.
   */
  async forms(buffers: readonly Buffer[], plain: Buffer): Promise<ChunkForms[]> {
    const program = xzProgram();
    const xzKeys = buffers.map((b) =>
      createHash('sha256').update(XZ_SETTINGS).update(program).update(b).digest('hex'),
    );
    const gzKeys = deflateKeys(buffers, xzKeys);
    const xz = xzKeys.map((k, i) => this.loadXz(k, buffers[i]!.length));
    const missing = xz.flatMap((b, i) => (b === undefined ? [i] : []));
    let running: Promise<Buffer> | undefined;
    const sizes = missing.map((i) => buffers[i]!.length);
    if (missing.length > 0) {
      running = runXz(
        [...XZ_ARGS, `--block-list=${sizes.join(',')}`],
        Buffer.concat(missing.map((i) => buffers[i]!)),
      );
      running.catch(() => {}); // awaited below, after the deflate work
    }
    const writes: Array<Promise<void>> = [];
    let offset = 0;
    const deflate = buffers.map((b, i) => {
      const start = offset;
      offset += b.length;
      const cached = this.read(`${gzKeys[i]}.gz`);
      if (cached) return cached;
      const dictionary = plain.subarray(Math.max(0, start - WINDOW), start);
      const out = zlib.deflateRawSync(b, {
        level: GZIP_LEVEL,
        finishFlush: zlib.constants.Z_FULL_FLUSH,
        ...(dictionary.length > 0 ? { dictionary } : {}),
      });
      writes.push(this.store(`${gzKeys[i]}.gz`, [out]));
      return out;
    });
    if (running) {
      const split = splitXzBlocks(await running);
      if (
        split.checkId !== CHECK_CRC32 ||
        split.blocks.length !== missing.length ||
        !split.blocks.every((b, j) => b.uncompressedSize === sizes[j])
      )
        throw new Error(
          'the xz program did not cut blocks where asked (--block-list needs xz 5.2 or newer)',
        );
      this.compressed += missing.length;
      missing.forEach((i, j) => {
        const block = split.blocks[j]!;
        xz[i] = block;
        const head = Buffer.alloc(8);
        head.writeUInt32LE(block.unpaddedSize, 0);
        head.writeUInt32LE(block.uncompressedSize, 4);
        writes.push(this.store(`${xzKeys[i]}.xz`, [head, block.bytes]));
      });
    }
    await Promise.all(writes);
    for (let i = 0; i < buffers.length; i++) {
      this.used.add(`${xzKeys[i]}.xz`);
      this.used.add(`${gzKeys[i]}.gz`);
    }
    return buffers.map((_, i) => ({ xz: xz[i]!, deflate: deflate[i]! }));
  }

  /** Deletes cached entries not used since the cache was opened. */
  async prune(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((n) => /^[0-9a-f]{64}\.(xz|gz)$/.test(n) && !this.used.has(n))
        .map((n) => rm(this.file(n), { force: true })),
    );
  }
}

/**
 * Keys of the chunks' deflate data: the chunk's own key, the keys of the
 * chunks its 32 KiB dictionary is taken from, how much of them, the level and
 * the zlib version.
 */
function deflateKeys(buffers: readonly Buffer[], keys: readonly string[]): string[] {
  const zlibVersion = process.versions.zlib ?? '';
  return buffers.map((_, i) => {
    const h = createHash('sha256').update(`gz ${GZIP_LEVEL} zlib ${zlibVersion}\n${keys[i]}\n`);
    let covered = 0;
    for (let j = i - 1; j >= 0 && covered < WINDOW; j--) {
      covered += buffers[j]!.length;
      h.update(`${keys[j]}\n`);
    }
    return h.update(`${Math.min(covered, WINDOW)}`).digest('hex');
  });
}

/** The three renderings of one Packages file. */
export interface PackagesFiles {
  plain: Buffer;
  gz: Buffer;
  xz: Buffer;
}

/** Renders Packages, Packages.gz (mtime 0) and Packages.xz. */
export async function renderPackages(
  stanzas: readonly Stanza[],
  cache: ChunkCache,
): Promise<PackagesFiles> {
  const buffers = chunkStanzas(stanzas).map((c) => Buffer.from(c, 'utf8'));
  const plain = Buffer.concat(buffers);
  const forms = await cache.forms(buffers, plain);
  const gz = gzipMember(
    [...forms.map((f) => f.deflate), FINAL_EMPTY_BLOCK],
    zlib.crc32(plain),
    plain.length,
  );
  const xz = joinXzBlocks(
    CHECK_CRC32,
    forms.map((f) => f.xz),
  );
  return { plain, gz, xz };
}
