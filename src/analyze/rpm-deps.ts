/**
 * rpm's automatic dependencies, as rpmbuild's elfdeps and script.req
 * generate them (rpm 4.18 tools/elfdeps.c, scripts/script.req):
 *
 * - Requires of an ELF file (except a program with an interpreter that is
 *   not executable): `soname()(64bit)` per
 *   DT_NEEDED, `soname(VERSION)(64bit)` per `.gnu.version_r` entry, and
 *   `rtld(GNU_HASH)` when it has only a GNU hash table;
 * - Provides of a shared library (ET_DYN without DT_DEBUG, so not a PIE
 *   program): `soname()(64bit)` (the file name when it has no SONAME) and
 *   `soname(VERSION)(64bit)` per non-base `.gnu.version_d` entry;
 * - Requires of an executable script: its `#!` interpreter.
 *
 * `(64bit)` is the marker of 64-bit ELF classes (not on Alpha); 32-bit
 * files have none (`libc.so.6(GLIBC_2.0)`, and plain `libc.so.6`).
 * Sonames must contain `.so` and start with `lib` or `ld` (elfdeps' filter).
 */
import path from 'node:path';
import type { ElfInfo } from './elf.ts';
import { type Shebang, scriptRequires } from './script.ts';

/** elfdeps' soname filter: empty, non-`.so` and non-`lib*`/`ld*` names are skipped. */
function skipSoname(soname: string): boolean {
  if (soname.trim() === '') return true;
  if (!soname.includes('.so')) return true;
  if (/^(ld[.-]|ld64[.-])/.test(soname)) return false;
  return !soname.startsWith('lib');
}

function marker(elf: ElfInfo): string {
  return elf.bits === 64 && elf.machineName !== 'alpha' ? '(64bit)' : '';
}

function dep(soname: string, version: string | undefined, mark: string): string {
  return version !== undefined || mark ? `${soname}(${version ?? ''})${mark}` : soname;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** What one ELF file provides (`libfoo.so.1()(64bit)`, `libfoo.so.1(FOO_1.0)(64bit)`). */
export function elfProvides(file: string, elf: ElfInfo): string[] {
  if (elf.type !== 'dyn' && elf.type !== 'exec') return [];
  const mark = marker(elf);
  const out: string[] = [];
  const base = elf.versionDefs.find((d) => d.base)?.name;
  for (const d of elf.versionDefs) {
    if (!d.base && base && !skipSoname(base)) out.push(dep(base, d.name, mark));
  }
  if (elf.type === 'dyn' && !elf.hasDebugTag) {
    const soname = elf.soname ?? path.posix.basename(file);
    if (!skipSoname(soname)) out.push(dep(soname, undefined, mark));
  }
  return unique(out);
}

/**
 * What one ELF file requires. Like elfdeps, a program with an interpreter
 * (PT_INTERP) requires nothing unless it is executable (any x bit).
 */
export function elfRequires(mode: number, elf: ElfInfo): string[] {
  if (elf.type !== 'dyn' && elf.type !== 'exec') return [];
  if (elf.interpreter !== undefined && (mode & 0o111) === 0) return [];
  const mark = marker(elf);
  const out: string[] = [];
  for (const need of elf.versionNeeds) {
    if (skipSoname(need.file)) continue;
    for (const v of need.versions) out.push(dep(need.file, v, mark));
  }
  for (const n of elf.needed) if (!skipSoname(n)) out.push(dep(n, undefined, mark));
  if (elf.hasGnuHash && !elf.hasHash) out.push('rtld(GNU_HASH)');
  return unique(out);
}

/** What an executable script requires (its interpreter); non-executable scripts nothing. */
export function scriptRpmRequires(mode: number, s: Shebang): string[] {
  return (mode & 0o111) === 0 ? [] : scriptRequires(s);
}
