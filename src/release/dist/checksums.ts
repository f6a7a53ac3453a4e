/** SHA256SUMS in the format `sha256sum -c` reads, and file digests. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One artifact and its digest. */
export interface Digested {
  /** File name inside the release folder (no directories). */
  name: string;
  sha256: string;
}

/** `<hex>  <name>` lines (text mode, as coreutils writes them), sorted by name for stable bytes. */
export function sha256sums(files: readonly Digested[]): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
}

/** Parses SHA256SUMS back (for verification after an upload). */
export function parseSha256sums(text: string): Digested[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(l);
      if (!m) throw new Error(`not a SHA256SUMS line: ${l}`);
      return { sha256: m[1] as string, name: m[2] as string };
    });
}
