/**
 * A streaming tar writer (ustar headers; GNU `././@LongLink` records for long
 * names, which GNU tar, bsdtar, Python's tarfile and dpkg all read).
 */
import type { FileEntry } from '../fileset.ts';
import type { ChunkReader } from './content.ts';

/** One tar member. */
export interface TarItem {
  /** Member name, e.g. `./usr/bin/x` or `./usr/` for a directory. */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname?: string;
  /** Where the bytes of a file come from. */
  entry?: FileEntry;
}

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

function octal(buf: Buffer, off: number, len: number, value: number): void {
  const s = value.toString(8);
  if (s.length <= len - 1) {
    buf.write(s.padStart(len - 1, '0'), off, 'ascii');
    buf[off + len - 1] = 0;
    return;
  }
  // GNU base-256 for values that do not fit (sizes >= 8 GiB).
  buf[off] = 0x80;
  let v = BigInt(value);
  for (let i = len - 1; i > 0; i--) {
    buf[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function header(
  name: string,
  typeflag: string,
  item: Omit<TarItem, 'name' | 'type' | 'entry'>,
  prefix = '',
): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, item.mode);
  octal(h, 108, 8, item.uid);
  octal(h, 116, 8, item.gid);
  octal(h, 124, 12, item.size);
  octal(h, 136, 12, item.mtime);
  h.fill(0x20, 148, 156);
  h.write(typeflag, 156, 1, 'ascii');
  if (item.linkname) h.write(item.linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(item.uname, 265, 32, 'utf8');
  h.write(item.gname, 297, 32, 'utf8');
  octal(h, 329, 8, 0);
  octal(h, 337, 8, 0);
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rem = size % BLOCK;
  return rem === 0 ? Buffer.alloc(0) : ZEROS.subarray(0, BLOCK - rem);
}

function longLink(kind: 'L' | 'K', value: string): Buffer[] {
  const data = Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]);
  const h = header('././@LongLink', kind, {
    mode: 0,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    mtime: 0,
    size: data.length,
  });
  return [h, data, padding(data.length)];
}

/** Splits a name into ustar prefix/name, or returns undefined when it cannot. */
function split(name: string): [string, string] | undefined {
  const b = Buffer.byteLength(name);
  if (b <= 100) return ['', name];
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const pre = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(pre) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0)
      return [pre, rest];
  }
  return undefined;
}

/** Serialises one member's headers (without its data). */
export function itemHeader(item: TarItem): Buffer {
  const parts: Buffer[] = [];
  const typeflag = item.type === 'dir' ? '5' : item.type === 'symlink' ? '2' : '0';
  let linkname = item.linkname;
  if (linkname && Buffer.byteLength(linkname) > 100) {
    parts.push(...longLink('K', linkname));
    linkname = linkname.slice(0, 50);
  }
  const sp = split(item.name);
  let name = item.name;
  let prefix = '';
  if (sp) [prefix, name] = sp;
  else {
    parts.push(...longLink('L', item.name));
    name = item.name.slice(0, 99);
  }
  parts.push(
    header(
      name,
      typeflag,
      { ...item, size: item.type === 'file' ? item.size : 0, linkname },
      prefix,
    ),
  );
  return Buffer.concat(parts);
}

/** Streams a tar archive; `onData` sees each file's bytes (for digests). */
export async function* tarStream(
  items: readonly TarItem[],
  read: ChunkReader,
  onData?: (item: TarItem, chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const flushAt = 1 << 20;
  for (const item of items) {
    pending.push(itemHeader(item));
    pendingSize += BLOCK;
    if (item.type === 'file' && item.entry) {
      for await (const chunk of read(item.entry)) {
        onData?.(item, chunk);
        pending.push(chunk);
        pendingSize += chunk.length;
        if (pendingSize >= flushAt) {
          yield Buffer.concat(pending);
          pending = [];
          pendingSize = 0;
        }
      }
      pending.push(padding(item.size));
    }
    if (pendingSize >= flushAt) {
      yield Buffer.concat(pending);
      pending = [];
      pendingSize = 0;
    }
  }
  pending.push(ZEROS);
  yield Buffer.concat(pending);
}

/** Builds a whole tar in memory (for small archives such as control.tar). */
export async function tarBuffer(items: readonly TarItem[], read: ChunkReader): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of tarStream(items, read)) out.push(b);
  return Buffer.concat(out);
}

/** Converts file-set entries to tar members named `<prefix><path>` (dirs end in `/`). */
export function tarItems(entries: readonly FileEntry[], prefix: string): TarItem[] {
  const out: TarItem[] = [];
  for (const e of entries) {
    if (e.type === 'ghost') continue;
    const rel = e.path.slice(1);
    out.push({
      name: prefix + rel + (e.type === 'dir' ? '/' : ''),
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      uname: e.owner,
      gname: e.group,
      mtime: e.mtime,
      size: e.type === 'file' ? e.size : 0,
      linkname: e.target,
      entry: e.type === 'file' ? e : undefined,
    });
  }
  return out;
}
