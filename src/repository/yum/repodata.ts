/**
 * Rendering repodata/: primary, filelists and other as gzip-compressed XML
 * named `<sha256>-<type>.xml.gz`, and repomd.xml pointing at them.
 *
 * Each .xml.gz is one ordinary gzip member whose deflate stream is made of
 * independently compressed segments (each ended by a full flush, the last
 * one final), as pigz does: packages are grouped into blocks with
 * content-defined boundaries (by package name), and a block's compressed
 * segment is cached under a key derived from its packages. Adding or
 * removing one package recompresses one block per file, not the whole file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { gzipMember } from '../../util/gzip-member.ts';
import type { YumEntry } from './package.ts';

/**
 * Version of the XML fragments releng renders per package. Bump it when
 * their shape changes: stored fragments and cached blocks of another
 * version are then rebuilt.
 */
export const RENDER_VERSION = 1;

export type DataType = 'primary' | 'filelists' | 'other';
export const DATA_TYPES: readonly DataType[] = ['primary', 'filelists', 'other'];

/** One rendered metadata file, ready to be written to `repodata/`. */
export interface DataFile {
  type: DataType;
  /** `repodata/<sha256>-<type>.xml.gz`. */
  href: string;
  /** Compressed bytes. */
  data: Buffer;
  checksum: string;
  openChecksum: string;
  openSize: number;
}

const HEAD: Record<DataType, (n: number) => string> = {
  primary: (n) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${n}">\n`,
  filelists: (n) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${n}">\n`,
  other: (n) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${n}">\n`,
};
const TAIL: Record<DataType, string> = {
  primary: '</metadata>',
  filelists: '</filelists>',
  other: '</otherdata>',
};

/** FNV-1a of a string: picks block boundaries that do not move when packages are added. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** About one package name in this many starts a new block. */
const BLOCK_ODDS = 48;

/** Splits (sorted) entries into blocks; a block starts at a package name whose hash hits. */
export function blocks(entries: readonly YumEntry[]): YumEntry[][] {
  const out: YumEntry[][] = [];
  let cur: YumEntry[] = [];
  let prev: string | undefined;
  for (const e of entries) {
    const name = e.meta.name;
    if (cur.length > 0 && name !== prev && fnv(name) % BLOCK_ODDS === 0) {
      out.push(cur);
      cur = [];
    }
    cur.push(e);
    prev = name;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Compressed deflate segments of blocks, by key: in memory, and on disk in
 * one pack file so a later process finds them. Each entry is the CRC-32 of
 * the block's text followed by the segment; a cached segment is used only
 * when its CRC-32 matches the text it stands for. The pack holds the
 * segments of the last publish (it is rewritten whole, atomically).
 *
 * Pack layout: uint32 BE length of a JSON directory `{ key: [offset, length] }`,
 * the directory, then the entries (offsets count from the end of the directory).
 */
export class DeflateBlockCache {
  readonly file: string | undefined;
  #mem: Map<string, Buffer> | undefined;
  #used = new Set<string>();
  #fresh = 0;

  constructor(file?: string) {
    this.file = file;
  }

  #load(): Map<string, Buffer> {
    if (this.#mem) return this.#mem;
    const mem = new Map<string, Buffer>();
    this.#mem = mem;
    if (!this.file) return mem;
    try {
      const pack = readFileSync(this.file);
      const n = pack.readUInt32BE(0);
      const dir = JSON.parse(pack.toString('utf8', 4, 4 + n)) as Record<string, [number, number]>;
      const base = 4 + n;
      for (const [key, [off, len]] of Object.entries(dir)) {
        if (base + off + len <= pack.length)
          mem.set(key, pack.subarray(base + off, base + off + len));
      }
    } catch {
      // no pack, or a damaged one: everything is compressed again
    }
    return mem;
  }

  /** The segment of `text` (whose CRC-32 is `crc`), from the cache or compressed now. */
  get(key: string, text: Buffer, crc: number, level: number): Buffer {
    const mem = this.#load();
    this.#used.add(key);
    let entry = mem.get(key);
    if (!entry || entry.length < 4 || entry.readUInt32BE(0) !== crc) {
      // Synchronous: per call, zlib's asynchronous API costs more than compressing a block.
      const seg = deflateRawSync(text, { level, finishFlush: constants.Z_FULL_FLUSH });
      entry = Buffer.allocUnsafe(4 + seg.length);
      entry.writeUInt32BE(crc, 0);
      seg.copy(entry, 4);
      mem.set(key, entry);
      this.#fresh++;
    }
    return entry.subarray(4);
  }

  /** Writes the pack with the segments used since the last save, when any is new. */
  save(): void {
    const mem = this.#load();
    const stale = [...mem.keys()].some((k) => !this.#used.has(k));
    if (!this.file || (this.#fresh === 0 && !stale)) return;
    const dir: Record<string, [number, number]> = {};
    const parts: Buffer[] = [];
    let off = 0;
    for (const key of this.#used) {
      const entry = mem.get(key);
      if (!entry) continue;
      dir[key] = [off, entry.length];
      parts.push(entry);
      off += entry.length;
    }
    const json = Buffer.from(JSON.stringify(dir), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length, 0);
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, Buffer.concat([len, json, ...parts]));
    renameSync(tmp, this.file);
    this.#fresh = 0;
  }

  /** Forgets the segments not used since the last prune. */
  prune(): void {
    const mem = this.#load();
    for (const key of [...mem.keys()]) if (!this.#used.has(key)) mem.delete(key);
    this.#used = new Set();
  }
}

function blockKey(type: DataType, level: number, block: readonly YumEntry[]): string {
  const h = createHash('sha1').update(`${RENDER_VERSION}|${type}|${level}`);
  // A fragment is a function of the file (sha256), its location and its mtime (seconds).
  for (const e of block) h.update(`|${e.sha256}|${e.path}|${Math.floor(e.stamp.mtimeMs / 1000)}`);
  return h.digest('hex');
}

/** Renders and compresses one data type for the (already ordered) packages. */
export async function renderData(
  type: DataType,
  packages: readonly YumEntry[],
  level: number,
  cache: DeflateBlockCache = new DeflateBlockCache(),
): Promise<DataFile> {
  const head = Buffer.from(HEAD[type](packages.length), 'utf8');
  const tail = Buffer.from(TAIL[type], 'utf8');
  const groups = blocks(packages);
  const texts = groups.map((g) => Buffer.from(g.map((e) => e.meta[type]).join(''), 'utf8'));
  let crc = crc32(head);
  const crcs = texts.map((t) => {
    crc = crc32(t, crc);
    return crc32(t);
  });
  crc = crc32(tail, crc);
  const segments = [
    deflateRawSync(head, { level, finishFlush: constants.Z_FULL_FLUSH }),
    ...groups.map((g, i) => cache.get(blockKey(type, level, g), texts[i]!, crcs[i]!, level)),
    deflateRawSync(tail, { level, finishFlush: constants.Z_FINISH }),
  ];
  const open = Buffer.concat([head, ...texts, tail]);
  const data = gzipMember(segments, crc, open.length);
  const checksum = createHash('sha256').update(data).digest('hex');
  return {
    type,
    href: `repodata/${checksum}-${type}.xml.gz`,
    data,
    checksum,
    openChecksum: createHash('sha256').update(open).digest('hex'),
    openSize: open.length,
  };
}

/** A `<data>` element of another tool (comps, updateinfo, modules …) kept verbatim. */
export interface ForeignData {
  type: string;
  /** Location it references, relative to the repository root. */
  href: string;
  /** The element's text, as found. */
  xml: string;
}

/** repomd.xml for the data files (plus kept foreign entries). */
export function repomdXml(
  revision: string,
  timestamp: number,
  files: readonly DataFile[],
  foreign: readonly ForeignData[] = [],
): string {
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n' +
    `  <revision>${revision}</revision>\n`;
  for (const f of files) {
    out +=
      `  <data type="${f.type}">\n` +
      `    <checksum type="sha256">${f.checksum}</checksum>\n` +
      `    <open-checksum type="sha256">${f.openChecksum}</open-checksum>\n` +
      `    <location href="${f.href}"/>\n` +
      `    <timestamp>${timestamp}</timestamp>\n` +
      `    <size>${f.data.length}</size>\n` +
      `    <open-size>${f.openSize}</open-size>\n` +
      '  </data>\n';
  }
  for (const f of foreign) out += `  ${f.xml.trim()}\n`;
  return `${out}</repomd>\n`;
}

/** What an existing repomd.xml references. */
export interface ExistingRepomd {
  revision: string | undefined;
  /** Every `<location href>` (ours and others'). */
  hrefs: string[];
  /** Entries whose type releng does not write (kept on re-publish). */
  foreign: ForeignData[];
}

/** Reads the bits of an existing repomd.xml that a re-publish needs. */
export function parseRepomd(text: string): ExistingRepomd {
  const revision = /<revision>([^<]*)<\/revision>/.exec(text)?.[1];
  const hrefs: string[] = [];
  const foreign: ForeignData[] = [];
  for (const m of text.matchAll(/<data\s+type="([^"]+)"\s*>[\s\S]*?<\/data>/g)) {
    const href = /<location\s+href="([^"]+)"/.exec(m[0])?.[1];
    if (!href) continue;
    hrefs.push(href);
    const type = m[1]!;
    // Our own types and the sqlite databases derived from them are rewritten.
    if (
      (DATA_TYPES as readonly string[]).includes(type) ||
      /^(primary|filelists|other)_(db|zck)$/.test(type)
    )
      continue;
    foreign.push({ type, href, xml: m[0] });
  }
  return { revision, hrefs, foreign };
}
