/**
 * Compression streams with fixed, reproducible settings.
 *
 * - gzip: 1 MiB blocks deflated in parallel on libuv's thread pool, each
 *   primed with the previous 32 KiB and ended with a sync flush (as pigz
 *   does), then joined into one gzip member. The block size is fixed, so the
 *   bytes do not depend on the number of threads; the header has mtime 0.
 * - zstd: node:zlib with multithreaded workers; zstd's output does not depend
 *   on the number of workers, so the bytes are the same on every machine.
 * - xz: the system `xz -T0` (always the multithreaded encoder in xz >= 5.4,
 *   whose output does not depend on the number of threads).
 */
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Duplex, PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compression } from '../description.ts';

/** Default level per compression. */
export function defaultLevel(c: Compression): number {
  return c === 'gzip' ? 9 : c === 'xz' ? 6 : c === 'zstd' ? 19 : 0;
}

/** Checks a level is valid for a compression; returns an error message or undefined. */
export function checkLevel(c: Compression, level: number): string | undefined {
  const [lo, hi] = c === 'gzip' ? [1, 9] : c === 'xz' ? [0, 9] : c === 'zstd' ? [1, 22] : [0, 0];
  if (c === 'none') return undefined;
  return Number.isInteger(level) && level >= lo && level <= hi
    ? undefined
    : `level ${level} is out of range for ${c} (${lo}-${hi})`;
}

/** File-name suffix of a compressed stream (`.gz`, `.xz`, `.zst`, or empty). */
export function suffix(c: Compression): string {
  return c === 'gzip' ? '.gz' : c === 'xz' ? '.xz' : c === 'zstd' ? '.zst' : '';
}

function xzStream(level: number): Duplex {
  const child = spawn('xz', ['-T0', `-${level}`, '-c', '-q', '--memlimit-compress=50%'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (err) => {
    duplex.destroy(
      new Error(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'xz compression needs the xz program (Debian package xz-utils)'
          : `xz failed: ${err.message}`,
      ),
    );
  });
  child.on('close', (code) => {
    if (code !== 0) duplex.destroy(new Error(`xz exited with ${code}: ${stderr.trim()}`));
  });
  return duplex;
}

const deflateRaw = promisify(zlib.deflateRaw);
const GZ_BLOCK = 1 << 20;
const GZ_DICT = 32 << 10;

/** Parallel gzip of a byte stream (see the module comment). */
export async function* parallelGzip(
  source: AsyncIterable<Buffer>,
  level: number,
): AsyncGenerator<Buffer> {
  const inFlight: Array<Promise<Buffer>> = [];
  const maxInFlight = Math.max(2, availableParallelism() * 2);
  let crc = 0;
  let size = 0;
  let prevTail: Buffer | undefined;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const submit = (block: Buffer): void => {
    crc = zlib.crc32(block, crc);
    size += block.length;
    const p = deflateRaw(block, {
      level,
      memLevel: 9,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      ...(prevTail ? { dictionary: prevTail } : {}),
    });
    p.catch(() => {});
    inFlight.push(p);
    prevTail = Buffer.from(block.subarray(Math.max(0, block.length - GZ_DICT)));
  };
  yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 9 ? 2 : 0, 3]);
  for await (const chunk of source) {
    pending.push(chunk);
    pendingLen += chunk.length;
    if (pendingLen < GZ_BLOCK) continue;
    let all = Buffer.concat(pending);
    while (all.length >= GZ_BLOCK) {
      submit(all.subarray(0, GZ_BLOCK));
      all = all.subarray(GZ_BLOCK);
    }
    pending = [all];
    pendingLen = all.length;
    while (inFlight.length >= maxInFlight) yield await inFlight.shift()!;
  }
  if (pendingLen > 0) submit(Buffer.concat(pending));
  while (inFlight.length > 0) yield await inFlight.shift()!;
  yield await deflateRaw(Buffer.alloc(0), { level });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  yield trailer;
}

/** A compressing stream for the given compression and level. */
export function compressor(c: Compression, level: number): Duplex {
  switch (c) {
    case 'gzip':
      return Duplex.from((source: AsyncIterable<Buffer>) => parallelGzip(source, level));
    case 'zstd':
      return zlib.createZstdCompress({
        chunkSize: 1 << 20,
        params: {
          [zlib.constants.ZSTD_c_compressionLevel]: level,
          [zlib.constants.ZSTD_c_nbWorkers]: Math.max(1, availableParallelism()),
          [zlib.constants.ZSTD_c_checksumFlag]: 1,
        },
      });
    case 'xz':
      return xzStream(level);
    default:
      return new PassThrough();
  }
}

/** Counts bytes and feeds a hash as data passes through. */
export class Tap extends Transform {
  bytes = 0;
  readonly hashes: Hash[];
  constructor(algorithms: string[]) {
    super();
    this.hashes = algorithms.map((a) => createHash(a));
  }
  override _transform(
    chunk: Buffer,
    _enc: string,
    cb: (err?: Error | null, data?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    for (const h of this.hashes) h.update(chunk);
    cb(null, chunk);
  }
}

/** What {@link compressToFile} measured. */
export interface CompressResult {
  /** Uncompressed bytes. */
  rawSize: number;
  /** Compressed bytes written. */
  size: number;
  /** Hex digests of the uncompressed stream, in the order asked. */
  rawDigests: string[];
  /** Hex digests of the compressed stream, in the order asked. */
  digests: string[];
}

/** Compresses a stream of buffers into a file, measuring sizes and digests on both sides. */
export async function compressToFile(
  source: AsyncIterable<Buffer>,
  c: Compression,
  level: number,
  file: string,
  digests: { raw?: string[]; compressed?: string[] } = {},
): Promise<CompressResult> {
  const rawTap = new Tap(digests.raw ?? []);
  const outTap = new Tap(digests.compressed ?? []);
  await pipeline(
    Readable.from(source, { objectMode: false, highWaterMark: 1 << 20 }),
    rawTap,
    compressor(c, level),
    outTap,
    createWriteStream(file),
  );
  return {
    rawSize: rawTap.bytes,
    size: outTap.bytes,
    rawDigests: rawTap.hashes.map((h) => h.digest('hex')),
    digests: outTap.hashes.map((h) => h.digest('hex')),
  };
}

/** Compresses a small buffer in memory. */
export async function compressBuffer(data: Buffer, c: Compression, level: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([data]),
    compressor(c, level),
    async (src: AsyncIterable<Buffer>) => {
      for await (const ch of src) chunks.push(ch);
    },
  );
  return Buffer.concat(chunks);
}
