/**
 * zip archives (deflate, or stored when deflate does not help), with Unix
 * modes, UTC extended timestamps and normalised times. Files are compressed
 * concurrently on libuv's thread pool; the output order is the sorted order.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { OutputError } from '../errors.ts';
import type { FileEntry } from '../fileset.ts';
import { contentReader } from '../lib/content.ts';
import type { PackageMeta, Packager, WriteOptions } from '../types.ts';
import { archiveBase, archiveItems } from './tar.ts';

const deflateRaw = promisify(zlib.deflateRaw);
const LIMIT = 0xffffffff;

function dosDateTime(t: number): [number, number] {
  const d = new Date(Math.max(t, 315532800) * 1000);
  const time =
    (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return [time, date];
}

interface Prepared {
  name: Buffer;
  method: number;
  crc: number;
  data: Buffer;
  rawSize: number;
  mode: number;
  mtime: number;
  dir: boolean;
}

export const zipPackager: Packager = {
  format: 'zip',
  defaultCompression: 'gzip',
  compressions: ['gzip', 'none'],
  extension: () => '.zip',
  fileName: (meta) => `${archiveBase(meta)}.zip`,
  async write(
    files: readonly FileEntry[],
    meta: PackageMeta,
    destFile: string,
    opts: WriteOptions,
  ): Promise<void> {
    const list = files.filter((f) => f.type !== 'ghost');
    const items = archiveItems(list, meta, opts.sourceDateEpoch);
    const read = contentReader(meta.label, list);
    const level = meta.compression === 'none' ? 0 : meta.compressionLevel;
    if (items.length > 0xffff) {
      throw new OutputError(
        meta.label,
        'contents',
        'more than 65535 entries need zip64, which is not supported',
      );
    }

    const prepare = async (i: number): Promise<Prepared> => {
      const item = items[i]!;
      let raw: Buffer;
      if (item.type === 'file') {
        const parts: Buffer[] = [];
        for await (const c of read(item.entry!)) parts.push(c);
        raw = Buffer.concat(parts);
      } else if (item.type === 'symlink') {
        raw = Buffer.from(item.linkname ?? '');
      } else {
        raw = Buffer.alloc(0);
      }
      if (raw.length >= LIMIT) {
        throw new OutputError(
          meta.label,
          item.entry?.origin ?? 'contents',
          `'${item.name}' is too large for zip (4 GiB)`,
        );
      }
      const crc = zlib.crc32(raw);
      let data = raw;
      let method = 0;
      if (level > 0 && raw.length > 0) {
        const d = await deflateRaw(raw, { level });
        if (d.length < raw.length) {
          data = d;
          method = 8;
        }
      }
      const type = item.type === 'dir' ? 0o040000 : item.type === 'symlink' ? 0o120000 : 0o100000;
      return {
        name: Buffer.from(item.name, 'utf8'),
        method,
        crc,
        data,
        rawSize: raw.length,
        mode: type | item.mode,
        mtime: item.mtime,
        dir: item.type === 'dir',
      };
    };

    const out = createWriteStream(destFile);
    const write = async (b: Buffer): Promise<void> => {
      if (!out.write(b)) await once(out, 'drain');
    };
    const central: Buffer[] = [];
    let offset = 0;
    const window = 16;
    const pending: Array<Promise<Prepared>> = [];
    let next = 0;
    const fill = (): void => {
      while (next < items.length && pending.length < window) {
        const p = prepare(next++);
        p.catch(() => {});
        pending.push(p);
      }
    };
    try {
      fill();
      while (pending.length > 0) {
        const p = await pending.shift()!;
        fill();
        const [time, date] = dosDateTime(p.mtime);
        const extraLocal = Buffer.alloc(9);
        extraLocal.writeUInt16LE(0x5455, 0);
        extraLocal.writeUInt16LE(5, 2);
        extraLocal.writeUInt8(1, 4);
        extraLocal.writeUInt32LE(p.mtime, 5);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(p.method === 8 ? 20 : 10, 4);
        local.writeUInt16LE(0x0800, 6);
        local.writeUInt16LE(p.method, 8);
        local.writeUInt16LE(time, 10);
        local.writeUInt16LE(date, 12);
        local.writeUInt32LE(p.crc, 14);
        local.writeUInt32LE(p.data.length, 18);
        local.writeUInt32LE(p.rawSize, 22);
        local.writeUInt16LE(p.name.length, 26);
        local.writeUInt16LE(extraLocal.length, 28);
        if (offset >= LIMIT)
          throw new OutputError(meta.label, 'contents', 'archive is too large for zip (4 GiB)');
        const cen = Buffer.alloc(46);
        cen.writeUInt32LE(0x02014b50, 0);
        cen.writeUInt16LE(0x031e, 4);
        cen.writeUInt16LE(p.method === 8 ? 20 : 10, 6);
        cen.writeUInt16LE(0x0800, 8);
        cen.writeUInt16LE(p.method, 10);
        cen.writeUInt16LE(time, 12);
        cen.writeUInt16LE(date, 14);
        cen.writeUInt32LE(p.crc, 16);
        cen.writeUInt32LE(p.data.length, 20);
        cen.writeUInt32LE(p.rawSize, 24);
        cen.writeUInt16LE(p.name.length, 28);
        cen.writeUInt16LE(extraLocal.length, 30);
        cen.writeUInt32LE(((p.mode << 16) | (p.dir ? 0x10 : 0)) >>> 0, 38);
        cen.writeUInt32LE(offset, 42);
        central.push(cen, p.name, extraLocal);
        await write(Buffer.concat([local, p.name, extraLocal]));
        await write(p.data);
        offset += local.length + p.name.length + extraLocal.length + p.data.length;
      }
      const cd = Buffer.concat(central);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(items.length, 8);
      end.writeUInt16LE(items.length, 10);
      end.writeUInt32LE(cd.length, 12);
      end.writeUInt32LE(offset, 16);
      await write(cd);
      await write(end);
      out.end();
      await once(out, 'finish');
    } catch (err) {
      out.destroy();
      throw err;
    }
  },
};
