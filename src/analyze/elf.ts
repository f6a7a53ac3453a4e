/**
 * A reader for the parts of ELF files that packaging needs: class, machine,
 * type, program interpreter, the dynamic section (NEEDED, SONAME, RPATH,
 * RUNPATH, hash tables, DT_DEBUG), the GNU build-id note, symbol versions
 * needed (.gnu.version_r) and defined (.gnu.version_d), undefined dynamic
 * symbols with their versions, and whether the file is stripped.
 *
 * Written here because no maintained npm library reads symbol versions and
 * build-ids (see docs/outputs.md, "Analysis"). It reads a whole file from a
 * Buffer, never executes anything, and treats every offset as hostile: a
 * truncated or corrupt file gives an {@link ElfError}, not a crash.
 */

/** ELF `e_type`. */
export type ElfType = 'rel' | 'exec' | 'dyn' | 'core' | 'other';

/** A symbol version needed from one library (`.gnu.version_r`). */
export interface VersionNeed {
  /** The library's soname (`libc.so.6`). */
  file: string;
  /** Version names in file order (`GLIBC_2.2.5`, `GLIBC_2.34`). */
  versions: string[];
}

/** A version definition (`.gnu.version_d`). */
export interface VersionDef {
  /** The version's name; for the base definition, the file's soname. */
  name: string;
  /** The base definition (VER_FLG_BASE). */
  base: boolean;
  /** Names of the definition's parents (further `vda` entries). */
  parents: string[];
}

/** An undefined dynamic symbol: something the file imports. */
export interface ImportedSymbol {
  name: string;
  /** Version required (`GLIBC_2.34`), if the symbol is versioned. */
  version?: string;
  weak: boolean;
}

/** What {@link parseElf} finds in an ELF file. */
export interface ElfInfo {
  /** 32 or 64 (EI_CLASS). */
  bits: 32 | 64;
  /** Byte order (EI_DATA). */
  endian: 'little' | 'big';
  /** EI_OSABI. */
  osabi: number;
  type: ElfType;
  /** `e_machine` number (62 = x86-64). */
  machine: number;
  /** Short machine name (`x86-64`, `aarch64`, `i386`, ...; `machine-N` when unknown). */
  machineName: string;
  /** `e_flags` (ABI details, e.g. ARM hard-float). */
  flags: number;
  /** PT_INTERP: the program interpreter (`/lib64/ld-linux-x86-64.so.2`). */
  interpreter?: string;
  /** Whether the file has a dynamic section (is dynamically linked). */
  dynamic: boolean;
  /** DT_NEEDED entries in order. */
  needed: string[];
  /** DT_SONAME. */
  soname?: string;
  /** DT_RPATH, split on `:`. */
  rpath: string[];
  /** DT_RUNPATH, split on `:`. */
  runpath: string[];
  /** DT_DEBUG present: set in executables (PIE ones too), not in libraries. */
  hasDebugTag: boolean;
  /** DT_HASH / DT_GNU_HASH present. */
  hasHash: boolean;
  hasGnuHash: boolean;
  /** DT_FLAGS_1 (DF_1_PIE = 0x08000000). */
  flags1: number;
  /** NT_GNU_BUILD_ID as lowercase hex. */
  buildId?: string;
  /** `.gnu_debuglink` file name, if any. */
  debugLink?: string;
  /** A `.symtab` section is present (what file(1) calls "not stripped"). */
  hasSymtab: boolean;
  /** DWARF sections (`.debug_*`, `.zdebug_*`) are present. */
  hasDebugInfo: boolean;
  /** No `.symtab` and no debug sections. */
  stripped: boolean;
  /** Section names in file order. */
  sections: string[];
  /** `.gnu.version_r`. */
  versionNeeds: VersionNeed[];
  /** `.gnu.version_d`, in file order. */
  versionDefs: VersionDef[];
  /** Undefined dynamic symbols in `.dynsym` order. */
  imports: ImportedSymbol[];
}

/** A file that starts like ELF but cannot be read. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

const MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Whether the bytes start with the ELF magic. */
export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(MAGIC);
}

const MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  41: 'alpha',
  43: 'sparcv9',
  50: 'ia64',
  62: 'x86-64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
  36902: 'alpha',
};

// Section and dynamic tags used below (elf.h).
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const SHT_GNU_VERDEF = 0x6ffffffd;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const PT_INTERP = 3;
const PT_NOTE = 4;
const DT_NEEDED = 1;
const DT_HASH = 4;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_DEBUG = 21;
const DT_RUNPATH = 29;
const DT_GNU_HASH = 0x6ffffef5;
const DT_FLAGS_1 = 0x6ffffffb;
const NT_GNU_BUILD_ID = 3;
const VER_FLG_BASE = 1;

interface Section {
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
  entsize: number;
}

/** Bounds-checked little/big-endian reads over one buffer. */
class Reader {
  readonly buf: Buffer;
  readonly le: boolean;
  readonly is64: boolean;
  constructor(buf: Buffer, le: boolean, is64: boolean) {
    this.buf = buf;
    this.le = le;
    this.is64 = is64;
  }
  private check(off: number, len: number): void {
    if (!Number.isSafeInteger(off) || off < 0 || off + len > this.buf.length) {
      throw new ElfError(`truncated or corrupt: offset ${off} + ${len} beyond ${this.buf.length}`);
    }
  }
  u8(off: number): number {
    this.check(off, 1);
    return this.buf[off]!;
  }
  u16(off: number): number {
    this.check(off, 2);
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    this.check(off, 4);
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  u64(off: number): number {
    this.check(off, 8);
    const v = this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
    // Offsets and sizes beyond 2^53 cannot be in a Buffer anyway.
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  /** A signed word-size value (dynamic tags are signed). */
  word(off: number): number {
    return this.is64 ? this.u64(off) : this.u32(off);
  }
  /** A NUL-terminated string at `off`. */
  cstr(off: number): string {
    this.check(off, 0);
    const end = this.buf.indexOf(0, off);
    if (end < 0) throw new ElfError(`unterminated string at ${off}`);
    return this.buf.toString('latin1', off, end);
  }
  slice(off: number, len: number): Buffer {
    this.check(off, len);
    return this.buf.subarray(off, off + len);
  }
}

function elfType(t: number): ElfType {
  return t === 1 ? 'rel' : t === 2 ? 'exec' : t === 3 ? 'dyn' : t === 4 ? 'core' : 'other';
}

/**
 * Parses an ELF file. Returns `undefined` when the bytes are not ELF; throws
 * {@link ElfError} when they are but cannot be read.
 */
export function parseElf(buf: Buffer): ElfInfo | undefined {
  if (!isElf(buf)) return undefined;
  if (buf.length < 52) throw new ElfError('truncated ELF header');
  const cls = buf[4];
  const data = buf[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ElfError(`unknown ELF class ${cls} or byte order ${data}`);
  }
  const is64 = cls === 2;
  const r = new Reader(buf, data === 1, is64);
  const type = r.u16(16);
  const machine = r.u16(18);
  const phoff = is64 ? r.u64(32) : r.u32(28);
  const shoff = is64 ? r.u64(40) : r.u32(32);
  const flags = r.u32(is64 ? 48 : 36);
  const phentsize = r.u16(is64 ? 54 : 42);
  let phnum = r.u16(is64 ? 56 : 44);
  const shentsize = r.u16(is64 ? 58 : 46);
  let shnum = r.u16(is64 ? 60 : 48);
  let shstrndx = r.u16(is64 ? 62 : 50);

  // Raw section headers (names resolved once the string table is known).
  const rawSection = (i: number): Omit<Section, 'name'> & { nameOff: number } => {
    const o = shoff + i * shentsize;
    return is64
      ? {
          nameOff: r.u32(o),
          type: r.u32(o + 4),
          offset: r.u64(o + 24),
          size: r.u64(o + 32),
          link: r.u32(o + 40),
          info: r.u32(o + 44),
          align: r.u64(o + 48),
          entsize: r.u64(o + 56),
        }
      : {
          nameOff: r.u32(o),
          type: r.u32(o + 4),
          offset: r.u32(o + 16),
          size: r.u32(o + 20),
          link: r.u32(o + 24),
          info: r.u32(o + 28),
          align: r.u32(o + 32),
          entsize: r.u32(o + 36),
        };
  };
  // Extended numbering: counts that do not fit live in section 0.
  if (shoff !== 0 && (shnum === 0 || shstrndx === 0xffff || phnum === 0xffff)) {
    const s0 = rawSection(0);
    if (shnum === 0) shnum = s0.size;
    if (shstrndx === 0xffff) shstrndx = s0.link;
    if (phnum === 0xffff) phnum = s0.info;
  }
  if (shoff !== 0 && shnum > 0 && shentsize < (is64 ? 64 : 40)) {
    throw new ElfError(`bad section header size ${shentsize}`);
  }
  const raws = shoff === 0 ? [] : Array.from({ length: shnum }, (_, i) => rawSection(i));
  const shstr = raws[shstrndx];
  const sections: Section[] = raws.map((s) => ({
    ...s,
    name: shstr && s.nameOff < shstr.size ? r.cstr(shstr.offset + s.nameOff) : '',
  }));
  const strAt = (strtab: Section | undefined, off: number): string => {
    if (!strtab || off >= strtab.size) throw new ElfError(`string offset ${off} out of range`);
    return r.cstr(strtab.offset + off);
  };

  const info: ElfInfo = {
    bits: is64 ? 64 : 32,
    endian: data === 1 ? 'little' : 'big',
    osabi: buf[7]!,
    type: elfType(type),
    machine,
    machineName: MACHINES[machine] ?? `machine-${machine}`,
    flags,
    dynamic: false,
    needed: [],
    rpath: [],
    runpath: [],
    hasDebugTag: false,
    hasHash: false,
    hasGnuHash: false,
    flags1: 0,
    hasSymtab: sections.some((s) => s.type === SHT_SYMTAB),
    hasDebugInfo: sections.some((s) => /^\.z?debug_/.test(s.name)),
    stripped: true,
    sections: sections.map((s) => s.name),
    versionNeeds: [],
    versionDefs: [],
    imports: [],
  };
  info.stripped = !info.hasSymtab && !info.hasDebugInfo;

  // Program headers: interpreter, and notes when there are no sections.
  const noteAreas: Array<{ off: number; size: number; align: number }> = [];
  for (let i = 0; i < phnum && phoff !== 0; i++) {
    const o = phoff + i * phentsize;
    const ptype = r.u32(o);
    const off = is64 ? r.u64(o + 8) : r.u32(o + 4);
    const filesz = is64 ? r.u64(o + 32) : r.u32(o + 16);
    const align = is64 ? r.u64(o + 48) : r.u32(o + 28);
    if (ptype === PT_INTERP) info.interpreter = r.cstr(off);
    if (ptype === PT_NOTE && sections.length === 0) noteAreas.push({ off, size: filesz, align });
  }
  for (const s of sections) {
    if (s.type === SHT_NOTE) noteAreas.push({ off: s.offset, size: s.size, align: s.align });
  }
  for (const n of noteAreas) {
    const id = buildIdFrom(r, n.off, n.size, n.align >= 8 ? 8 : 4);
    if (id) {
      info.buildId = id;
      break;
    }
  }
  const debuglink = sections.find((s) => s.name === '.gnu_debuglink');
  if (debuglink && debuglink.size > 0) info.debugLink = r.cstr(debuglink.offset);

  // Dynamic section.
  const dyn = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dyn) {
    info.dynamic = true;
    const dynstr = sections[dyn.link];
    const ent = is64 ? 16 : 8;
    const n = Math.floor(dyn.size / ent);
    for (let i = 0; i < n; i++) {
      const o = dyn.offset + i * ent;
      const tag = r.word(o);
      const val = r.word(o + (is64 ? 8 : 4));
      if (tag === 0) break;
      if (tag === DT_NEEDED) info.needed.push(strAt(dynstr, val));
      else if (tag === DT_SONAME) info.soname = strAt(dynstr, val);
      else if (tag === DT_RPATH) info.rpath.push(...strAt(dynstr, val).split(':'));
      else if (tag === DT_RUNPATH) info.runpath.push(...strAt(dynstr, val).split(':'));
      else if (tag === DT_DEBUG) info.hasDebugTag = true;
      else if (tag === DT_HASH) info.hasHash = true;
      else if (tag === DT_GNU_HASH) info.hasGnuHash = true;
      else if (tag === DT_FLAGS_1) info.flags1 = val;
    }
  } else if (phoff !== 0) {
    // A PT_DYNAMIC without section headers still means dynamically linked.
    for (let i = 0; i < phnum; i++) if (r.u32(phoff + i * phentsize) === 2) info.dynamic = true;
  }

  // Symbol versions: index -> name, from needs and definitions.
  const versionNames = new Map<number, string>();
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  if (verneed) {
    const strtab = sections[verneed.link];
    let off = verneed.offset;
    for (let i = 0; i < verneed.info; i++) {
      const cnt = r.u16(off + 2);
      const file = strAt(strtab, r.u32(off + 4));
      const need: VersionNeed = { file, versions: [] };
      let aux = off + r.u32(off + 8);
      for (let j = 0; j < cnt; j++) {
        const other = r.u16(aux + 6);
        const name = strAt(strtab, r.u32(aux + 8));
        need.versions.push(name);
        versionNames.set(other & 0x7fff, name);
        const next = r.u32(aux + 12);
        if (next === 0) break;
        aux += next;
      }
      info.versionNeeds.push(need);
      const next = r.u32(off + 12);
      if (next === 0) break;
      off += next;
    }
  }
  const verdef = sections.find((s) => s.type === SHT_GNU_VERDEF);
  if (verdef) {
    const strtab = sections[verdef.link];
    let off = verdef.offset;
    for (let i = 0; i < verdef.info; i++) {
      const vflags = r.u16(off + 2);
      const ndx = r.u16(off + 4);
      const cnt = r.u16(off + 6);
      const names: string[] = [];
      let aux = off + r.u32(off + 12);
      for (let j = 0; j < cnt; j++) {
        names.push(strAt(strtab, r.u32(aux)));
        const next = r.u32(aux + 4);
        if (next === 0) break;
        aux += next;
      }
      if (names.length > 0) {
        info.versionDefs.push({
          name: names[0]!,
          base: (vflags & VER_FLG_BASE) !== 0,
          parents: names.slice(1),
        });
        versionNames.set(ndx & 0x7fff, names[0]!);
      }
      const next = r.u32(off + 16);
      if (next === 0) break;
      off += next;
    }
  }

  // Undefined dynamic symbols, with versions from .gnu.version.
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (dynsym) {
    const strtab = sections[dynsym.link];
    const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
    const ent = is64 ? 24 : 16;
    const n = Math.floor(dynsym.size / ent);
    for (let i = 1; i < n; i++) {
      const o = dynsym.offset + i * ent;
      const nameOff = r.u32(o);
      const stInfo = r.u8(o + (is64 ? 4 : 12));
      const shndx = r.u16(o + (is64 ? 6 : 14));
      const bind = stInfo >> 4;
      if (shndx !== 0 || bind === 0) continue;
      const sym: ImportedSymbol = { name: strAt(strtab, nameOff), weak: bind === 2 };
      if (versym) {
        const v = r.u16(versym.offset + i * 2) & 0x7fff;
        if (v >= 2) sym.version = versionNames.get(v);
      }
      info.imports.push(sym);
    }
  }
  return info;
}

/** Finds NT_GNU_BUILD_ID in a note area. */
function buildIdFrom(r: Reader, off: number, size: number, align: number): string | undefined {
  const end = off + size;
  let p = off;
  const pad = (n: number): number => (n + align - 1) & ~(align - 1);
  while (p + 12 <= end) {
    const namesz = r.u32(p);
    const descsz = r.u32(p + 4);
    const ntype = r.u32(p + 8);
    const nameStart = p + 12;
    const descStart = nameStart + pad(namesz);
    if (descStart + descsz > end) return undefined;
    const name = r.slice(nameStart, namesz).toString('latin1');
    if (ntype === NT_GNU_BUILD_ID && name === 'GNU\0') {
      return r.slice(descStart, descsz).toString('hex');
    }
    p = descStart + pad(descsz);
  }
  return undefined;
}
