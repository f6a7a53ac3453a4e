/**
 * The seed's mangling step (`.mogrified` → `.mangled`): every `file` action
 * is checked against the proto tree, and gets the content attributes pkg(5)
 * computes when publishing — `pkg.size`, `pkg.csize` and `chash` (of the
 * payload as pkg(5) compresses it), and for ELF objects `elfarch`, `elfbits`
 * and `elfhash` — so that transforms and lint can look at them before
 * anything is published. The positional hash stays the proto file's name:
 * the SHA-1 content hash replaces it at publication.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseElf } from '../analyze/index.ts';
import { RelengError } from '../util/errors.ts';
import { type Action, attr, cloneAction } from './action.ts';
import type { Manifest } from './manifest.ts';
import { findProtoFile } from './proto.ts';
import { pkgGzip } from './publish/repository.ts';

/** Where the payloads are. */
export interface MangleOptions {
  protoDirs: readonly string[];
}

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

/** pkg(5)'s names for ELF machines (its elf extension; `other` for the rest). */
export function elfArch(machine: number): string {
  if (machine === 0) return 'none';
  if (machine === 2 || machine === 18 || machine === 43) return 'sparc';
  if (machine === 3 || machine === 6 || machine === 62) return 'i386';
  if (machine === 20 || machine === 21) return 'ppc';
  return 'other';
}

// Sections pkg(5) leaves out of the ELF hash: they change without the code changing.
const UNHASHED = new Set([
  '.SUNW_signature',
  '.comment',
  '.SUNW_dof',
  '.debug',
  '.plt',
  '.rela.bss',
  '.rela.plt',
  '.line',
  '.note',
  '.compcom',
]);

/**
 * pkg(5)'s `elfhash`: SHA-1 over the contents of every section but the
 * first and the unhashed ones, in header order; a section without file
 * contents (SHT_NOBITS) adds its size as 8 big-endian bytes.
 */
export function elfHash(buf: Buffer): string {
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const shoff = is64 ? u64(40) : u32(32);
  const shentsize = u16(is64 ? 58 : 46);
  let shnum = u16(is64 ? 60 : 48);
  let shstrndx = u16(is64 ? 62 : 50);
  const sec = (i: number) => {
    const o = shoff + i * shentsize;
    return is64
      ? {
          name: u32(o),
          type: u32(o + 4),
          offset: u64(o + 24),
          size: u64(o + 32),
          link: u32(o + 40),
        }
      : {
          name: u32(o),
          type: u32(o + 4),
          offset: u32(o + 16),
          size: u32(o + 20),
          link: u32(o + 24),
        };
  };
  const h = createHash('sha1');
  if (shoff === 0) return h.digest('hex');
  if (shnum === 0) shnum = sec(0).size;
  if (shstrndx === 0xffff) shstrndx = sec(0).link;
  const strtab = sec(shstrndx);
  for (let i = 1; i < shnum; i++) {
    const s = sec(i);
    const start = strtab.offset + s.name;
    const end = buf.indexOf(0, start);
    const name = buf.toString('latin1', start, end === -1 ? buf.length : end);
    if (UNHASHED.has(name)) continue;
    if (s.type === 8) {
      const n = Buffer.alloc(8);
      n.writeBigUInt64BE(BigInt(s.size));
      h.update(n);
    } else {
      if (s.offset + s.size > buf.length) throw new Error(`section ${name} runs past the end`);
      h.update(buf.subarray(s.offset, s.offset + s.size));
    }
  }
  return h.digest('hex');
}

/** The payload attributes of one file. */
export function payloadAttrs(data: Buffer): [string, string][] {
  const gz = pkgGzip(data);
  const out: [string, string][] = [
    ['chash', sha1(gz)],
    ['pkg.csize', String(gz.length)],
    ['pkg.size', String(data.length)],
  ];
  const elf = parseElf(data);
  if (elf) {
    out.push(['elfarch', elfArch(elf.machine)], ['elfbits', String(elf.bits)]);
    out.push(['elfhash', elfHash(data)]);
  }
  return out;
}

/**
 * Mangles a (mogrified) manifest against the proto areas: the actions in
 * order, `file` actions with their payload attributes (ones the manifest
 * sets already are kept, as pkgsend keeps them). Every file missing from
 * the proto areas is reported in one error naming manifest:line and path.
 */
export async function mangleManifest(m: Manifest, o: MangleOptions): Promise<Action[]> {
  const out: Action[] = [];
  const missing: string[] = [];
  let firstLine: number | undefined;
  for (const { action, line } of m.actions) {
    if (action.name !== 'file') {
      out.push(action);
      continue;
    }
    const rel =
      action.hash && action.hash !== 'NOHASH' ? action.hash : (attr(action, 'path') ?? '');
    const local = findProtoFile(o.protoDirs, rel, { file: m.file, line });
    if (!local) {
      missing.push(`${m.file}:${line}: ${rel}`);
      firstLine ??= line;
      continue;
    }
    const a = cloneAction(action);
    let data: Buffer;
    try {
      data = await readFile(local);
    } catch (e) {
      throw new RelengError(`${m.file}:${line}: cannot read ${local}: ${(e as Error).message}`, {
        file: m.file,
        line,
        hint: 'a file action must name a regular file of the proto area',
      });
    }
    let attrs: [string, string][];
    try {
      attrs = payloadAttrs(data);
    } catch (e) {
      throw new RelengError(
        `${m.file}:${line}: ${rel} is not a readable ELF object: ${(e as Error).message}`,
        {
          file: m.file,
          line,
          hint: 'rebuild the file or remove it from the manifest',
        },
      );
    }
    for (const [k, v] of attrs) if (!a.attrs.has(k)) a.attrs.set(k, v);
    out.push(a);
  }
  if (missing.length > 0) {
    throw new RelengError(
      `${missing.length} file${missing.length === 1 ? '' : 's'} of the manifest ${missing.length === 1 ? 'is' : 'are'} not in the proto area (${o.protoDirs.join(', ')}):\n${missing.join('\n')}`,
      {
        file: m.file,
        ...(firstLine !== undefined ? { line: firstLine } : {}),
        hint: 'install the files into the proto area, or drop their actions from the manifest',
      },
    );
  }
  return out;
}
