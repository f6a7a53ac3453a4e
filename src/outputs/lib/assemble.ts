/** Writing a final file from in-memory parts and previously written temporary files. */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';

/** A part of the output: bytes, or the whole content of a file. */
export type Part = Buffer | { file: string };

/** Writes `parts` in order to `dest` (which is truncated first). */
export async function assemble(dest: string, parts: readonly Part[]): Promise<void> {
  const out = createWriteStream(dest);
  const write = async (b: Buffer): Promise<void> => {
    if (!out.write(b)) await once(out, 'drain');
  };
  try {
    for (const p of parts) {
      if (Buffer.isBuffer(p)) {
        await write(p);
      } else {
        for await (const chunk of createReadStream(p.file, { highWaterMark: 4 << 20 })) {
          await write(chunk as Buffer);
        }
      }
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
}
