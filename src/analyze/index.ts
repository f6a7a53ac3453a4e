/**
 * File analysis shared by the package writers (automatic dependencies,
 * stripping) and, later, the IPS dependency generator: what an ELF file
 * needs and provides, and which interpreter a script asks for.
 *
 * - {@link analyzeFile} / {@link analyzeBuffer}: one file → {@link FileAnalysis}
 * - `elf.ts`: {@link parseElf} (class, machine, NEEDED, SONAME, RPATH/RUNPATH,
 *   build-id, interpreter, symbol versions, imports, stripped or not)
 * - `script.ts`: {@link parseShebang}, {@link scriptRequires}
 * - `rpm-deps.ts`: rpm's elfdeps/script.req rules (`libc.so.6()(64bit)`)
 * - `deb-deps.ts`: dpkg-shlibdeps' rules against the host's dpkg database
 */
import { open, readFile } from 'node:fs/promises';
import { type ElfInfo, isElf, parseElf } from './elf.ts';
import { parseShebang, type Shebang } from './script.ts';

export type { ElfInfo, ElfType, ImportedSymbol, VersionDef, VersionNeed } from './elf.ts';
export { ElfError, isElf, parseElf } from './elf.ts';
export type { Shebang } from './script.ts';
export { parseShebang, scriptRequires } from './script.ts';

/** What a file is, for packaging purposes. */
export type FileAnalysis =
  | { kind: 'elf'; elf: ElfInfo }
  | { kind: 'script'; shebang: Shebang }
  | { kind: 'other' };

/** Analyses file contents already in memory. */
export function analyzeBuffer(buf: Buffer): FileAnalysis {
  const elf = parseElf(buf);
  if (elf) return { kind: 'elf', elf };
  const shebang = parseShebang(buf);
  if (shebang) return { kind: 'script', shebang };
  return { kind: 'other' };
}

/**
 * Reads and analyses one file (ElfError when it is ELF but corrupt). Only
 * ELF files are read whole; for others the first 256 bytes tell.
 */
export async function analyzeFile(file: string): Promise<FileAnalysis> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  return analyzeBuffer(isElf(head) ? await readFile(file) : head);
}
