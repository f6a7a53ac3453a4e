import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { type ElfInfo, parseElf } from '../../../analyze/index.ts';
import { attr } from '../../action.ts';
import type { LintRule } from '../types.ts';

// Folder names that mark 32- and 64-bit objects (Perl's architecture folders among them).
const DIRS32 = ['i86', 'sparcv7', '32', 'i86pc-solaris-64int', 'sun4-solaris-64int'];
const DIRS64 = [
  'amd64',
  'sparcv9',
  '64',
  'i86pc-solaris-thread-multi-64',
  'sun4-solaris-thread-multi-64',
];
const RUNPATH_OK = [/^\/lib(\/.*)?$/, /^\/usr\//, /^\$ORIGIN\//];
const RUNPATH_64 = [
  /^.*\/64(\/.*)?$/,
  /^.*\/amd64(\/.*)?$/,
  /^.*\/sparcv9(\/.*)?$/,
  /^.*\/i86pc-solaris-thread-multi-64(\/.*)?$/,
  /^.*\/sun4-solaris-thread-multi-64(\/.*)?$/,
];
// The runtime linker's default folders, which a RUNPATH should not repeat.
const DEFAULTS = [
  '/lib',
  '/lib/64',
  '/lib/amd64',
  '/lib/sparcv9',
  '/usr/lib',
  '/usr/lib/64',
  '/usr/lib/amd64',
  '/usr/lib/sparcv9',
];

function readElf(file: string): ElfInfo | undefined {
  try {
    return parseElf(readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * userland.action001 (oi-userland's pkglint extension): the manifest against
 * the proto tree. A writable file needs `preserve`; with proto areas given,
 * a file missing there is noted, and ELF objects are checked for their
 * folder (32-bit objects in 64-bit folders and the reverse) and RUNPATH
 * (only /lib, /usr/… and $ORIGIN/…, no linker defaults, 64-bit folders in
 * 64-bit objects).
 */
export const protoFiles: LintRule = {
  id: 'userland.action001',
  description: 'Paths should exist in the proto area.',
  check(m, _all, report, options) {
    for (const a of m.actions) {
      const { action } = a;
      if (action.name !== 'file') continue;
      const where = { action: a };
      const path =
        action.hash && action.hash !== 'NOHASH' ? action.hash : (attr(action, 'path') ?? '');
      const mode = attr(action, 'mode');
      if (mode !== undefined) {
        const bits = Number.parseInt(mode, 8);
        if (!Number.isNaN(bits) && (bits & 0o222) !== 0 && !action.attrs.has('preserve'))
          report(
            'ERROR',
            `${this.id}.0`,
            `${path} is writable (${mode}), but missing a preserve attribute`,
            where,
          );
      } else if (action.attrs.has('preserve'))
        report('ERROR', `${this.id}.3`, `${path} has a preserve action, but no mode`, where);
      const protos = options.protoDirs;
      if (!protos) continue;
      const full = protos.map((d) => `${d}/${path}`).find((f) => existsSync(f));
      if (!full) {
        report(
          'INFO',
          `${this.id}.1`,
          `${path} missing from proto area, skipping content checks`,
          where,
        );
        continue;
      }
      const elf = readElf(full);
      if (!elf) continue;
      // The folder test looks at the proto file's whole path, as the extension does.
      const elems = posix.dirname(full).split('/');
      const in64 = DIRS64.some((d) => elems.includes(d));
      const in32 = DIRS32.some((d) => elems.includes(d));
      if (!(elf.type === 'exec' && elf.bits === 64 && !in32 && !in64)) {
        if (elf.bits === 32 && in64)
          report('ERROR', `${this.id}.2`, `32-bit object '${path}' in 64-bit path`, where);
        else if (elf.bits === 64 && !in64)
          report('ERROR', `${this.id}.2`, `64-bit object '${path}' in 32-bit path`, where);
      }
      const runpath = (elf.runpath.length > 0 ? elf.runpath : elf.rpath).filter((d) => d !== '');
      const bad: string[] = [];
      for (const dir of runpath) {
        if (DEFAULTS.includes(dir) || !RUNPATH_OK.some((r) => r.test(dir))) bad.push(dir);
        const is64 = RUNPATH_64.some((r) => r.test(dir));
        if (elf.bits === 32 && is64)
          report(
            'WARNING',
            `${this.id}.3`,
            `64-bit runpath in 32-bit binary, '${full}' includes '${dir}'`,
            where,
          );
        else if (elf.bits !== 32 && !is64)
          report(
            'WARNING',
            `${this.id}.3`,
            `32-bit runpath in 64-bit binary, '${full}' includes '${dir}'`,
            where,
          );
      }
      if (bad.length > 0)
        report(
          'ERROR',
          `${this.id}.3`,
          `bad RUNPATH, '${path}' includes '${bad.join(':')}'`,
          where,
        );
    }
  },
};
