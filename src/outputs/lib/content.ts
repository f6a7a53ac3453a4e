/** Reading file contents in order, with read-ahead for small files. */
import { open, readFile } from 'node:fs/promises';
import { OutputError } from '../errors.ts';
import type { FileEntry } from '../fileset.ts';

const SMALL = 1 << 20;
const CHUNK = 4 << 20;

/** Yields the bytes of a regular file entry; reading the next small files ahead of time. */
export type ChunkReader = (e: FileEntry) => AsyncGenerator<Buffer>;

/** Creates a reader for `entries` (in the order they will be read). */
export function contentReader(
  output: string,
  entries: readonly FileEntry[],
  window = 32,
): ChunkReader {
  const smalls = entries.filter((e) => e.type === 'file' && !e.content && e.size <= SMALL);
  const index = new Map(smalls.map((e, i) => [e, i]));
  const started = new Map<number, Promise<Buffer>>();
  let next = 0;
  const check = (e: FileEntry, got: number): void => {
    if (got !== e.size)
      throw new OutputError(output, e.origin, `'${e.source}' changed size while packaging`);
  };
  const pump = (upTo: number): void => {
    while (next < smalls.length && next <= upTo) {
      const e = smalls[next]!;
      const p = readFile(e.source!);
      p.catch(() => {});
      started.set(next, p);
      next++;
    }
  };
  return async function* read(e: FileEntry): AsyncGenerator<Buffer> {
    if (e.content) {
      yield e.content;
      return;
    }
    const i = index.get(e);
    if (i !== undefined) {
      pump(i + window);
      const p = started.get(i)!;
      started.delete(i);
      const buf = await p;
      check(e, buf.length);
      yield buf;
      return;
    }
    const fh = await open(e.source!, 'r');
    try {
      let pos = 0;
      while (pos < e.size) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, e.size - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
      check(e, pos);
    } finally {
      await fh.close();
    }
  };
}
