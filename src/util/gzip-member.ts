/**
 * One gzip member (RFC 1952) around raw deflate data compressed elsewhere,
 * e.g. in separately cached pieces that concatenate into one deflate stream
 * (each ending in a full flush, the last one final).
 */

/** Header: deflate, no flags, mtime 0 (reproducible), no extra flags, OS Unix, as zlib writes it. */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** A final, empty, fixed-Huffman deflate block: ends a stream of flushed pieces. */
export const FINAL_EMPTY_BLOCK = Buffer.from([3, 0]);

/**
 * The member holding `deflate` (whose last block must be final), for
 * uncompressed data of CRC-32 `crc` and `size` bytes.
 */
export function gzipMember(deflate: readonly Buffer[], crc: number, size: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  return Buffer.concat([HEADER, ...deflate, trailer]);
}
