/**
 * Debian dependencies of ELF files from the build host's dpkg database, as
 * dpkg-shlibdeps computes them, read natively:
 *
 * 1. each DT_NEEDED soname is looked up in the binary's RPATH/RUNPATH, `/lib`,
 *    `/usr/lib`, the folders of `/etc/ld.so.conf` and the multilib folders,
 *    keeping files of the same ELF class, byte order and machine;
 * 2. the package owning the library comes from `info/*.list` (what `dpkg -S`
 *    reads), trying the path, its real path and the merged-/usr twin;
 * 3. that package's `info/<pkg>.symbols` gives the dependency template
 *    (`libc6 #MINVER#`) and a minimal version per symbol: the dependency
 *    starts at the smallest version of the library and rises to the
 *    highest version of any symbol the binary imports (`name@VERSION`, or
 *    `name@Base`); without a symbols file, `info/<pkg>.shlibs` gives the
 *    dependency as it is (`libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)`).
 *
 * Sonames the package provides itself are not dependencies. Symbols files'
 * `(c++)` and `(regex)` patterns are not matched (no demangler here), which
 * can only make a version constraint lower than dpkg-shlibdeps', never
 * wrong for symbols that matched. `#!` interpreters map to the package that
 * owns them, unless it is Essential.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { open, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { compareVersions } from '../repository/apt/control.ts';
import type { AptShlibs } from './apt-shlibs.ts';
import type { ElfInfo } from './elf.ts';

/** Where the dpkg database and the libraries are. */
export interface DpkgHostOptions {
  /** dpkg's admin folder (default `/var/lib/dpkg`). */
  admindir?: string;
  /** Root the library folders are found under (default `/`). */
  root?: string;
}

interface SymbolEntry {
  minver: string;
  depId: number;
}

interface SonameInfo {
  /** Dependency templates: index 0 the main line, then the `|` alternatives. */
  deps: string[];
  syms: Map<string, SymbolEntry>;
  /** `(symver)VERSION minver` entries: any symbol of that version. */
  symvers: Map<string, SymbolEntry>;
}

/** An ELF file of the package being built. */
export interface PackageElf {
  /** Path inside the package (`/usr/bin/hello`), for messages. */
  path: string;
  elf: ElfInfo;
}

/** A soname no dependency could be found for. */
export interface Unresolved {
  soname: string;
  /** The package file that needs it. */
  file: string;
  reason: 'not found' | 'no package' | 'no dependency information';
}

/** The result of {@link DpkgHost.shlibsDepends}. */
export interface ShlibsResult {
  /** Dependencies, sorted (`libc6 (>= 2.34)`). */
  depends: string[];
  unresolved: Unresolved[];
}

/** Debian version `0` or empty means "no version constraint" (as dpkg-shlibdeps). */
function hasVersion(v: string): boolean {
  return v !== '' && v !== '0';
}

/** The build host's dpkg database, read lazily and cached. */
/** The shared hosts of {@link DpkgHost.current}, with the database stamp they were read at. */
const hosts = new Map<string, { stamp: string; host: DpkgHost }>();

export class DpkgHost {
  readonly admindir: string;
  readonly root: string;
  private listTexts?: Array<[string, string]>;
  private readonly ownerCache = new Map<string, string[]>();
  private status?: Promise<Map<string, { essential: boolean }>>;
  private readonly symbolFiles = new Map<string, Promise<Map<string, SonameInfo> | undefined>>();
  private ldsoDirs?: Promise<string[]>;

  /**
   * One host per dpkg database for the whole process, so that every output
   * of a run (and every description of `releng package`) reads the lists,
   * status and symbols files once. A new one is made when dpkg changed the
   * database meanwhile (its `info/` folder or `status` file has a new mtime).
   */
  static current(opts: DpkgHostOptions = {}): DpkgHost {
    const admindir = opts.admindir ?? '/var/lib/dpkg';
    const key = `${admindir}\0${opts.root ?? '/'}`;
    const mtime = (p: string): number => {
      try {
        return statSync(p).mtimeMs;
      } catch {
        return 0;
      }
    };
    const stamp = `${mtime(path.join(admindir, 'info'))}:${mtime(path.join(admindir, 'status'))}`;
    const known = hosts.get(key);
    if (known?.stamp === stamp) return known.host;
    const host = new DpkgHost(opts);
    hosts.set(key, { stamp, host });
    return host;
  }

  constructor(opts: DpkgHostOptions = {}) {
    this.admindir = opts.admindir ?? '/var/lib/dpkg';
    this.root = opts.root ?? '/';
  }

  /** Packages owning a path, as `dpkg -S` (names as in `info/`, e.g. `libc6:amd64`). */
  async ownersOf(p: string): Promise<string[]> {
    const twins = [p, p.startsWith('/usr/') ? p.slice(4) : `/usr${p}`];
    try {
      const real = await realpath(path.join(this.root, p));
      twins.push(`/${path.relative(this.root, real)}`);
    } catch {
      // a dangling path has no real path
    }
    for (const t of twins) {
      const hit = this.listOwners(t);
      if (hit.length > 0) return hit;
    }
    return [];
  }

  /**
   * Packages whose `info/<pkg>.list` names `file`. A package asks about a few
   * paths (its libraries and interpreters), so each is searched in the lists'
   * text rather than indexing every installed path (≈ 140,000 on a small
   * host): 5× faster for the usual handful.
   */
  private listOwners(file: string): string[] {
    const cached = this.ownerCache.get(file);
    if (cached) return cached;
    const line = `\n${file}\n`;
    const out: string[] = [];
    for (const [pkg, text] of this.lists())
      if (text.includes(line) || text.startsWith(line.slice(1))) out.push(pkg);
    out.sort();
    this.ownerCache.set(file, out);
    return out;
  }

  /** The `.list` files, read once, synchronously (≈ 1,000 small files: thread-pool trips cost more). */
  private lists(): Array<[string, string]> {
    if (this.listTexts) return this.listTexts;
    const info = path.join(this.admindir, 'info');
    let names: string[];
    try {
      names = readdirSync(info).filter((n) => n.endsWith('.list'));
    } catch {
      names = [];
    }
    this.listTexts = names.sort().map((n) => {
      let text = '';
      try {
        text = readFileSync(path.join(info, n), 'utf8');
      } catch {
        // removed meanwhile (dpkg running): owns nothing
      }
      // A last line without its newline still counts as a line.
      return [n.slice(0, -5), text.endsWith('\n') ? text : `${text}\n`];
    });
    return this.listTexts;
  }

  /** Whether an installed package is Essential (needs no dependency). */
  async isEssential(pkg: string): Promise<boolean> {
    this.status ??= this.loadStatus();
    return (await this.status).get(pkg.replace(/:.*$/, ''))?.essential ?? false;
  }

  private async loadStatus(): Promise<Map<string, { essential: boolean }>> {
    const text = await readFile(path.join(this.admindir, 'status'), 'utf8').catch(() => '');
    const map = new Map<string, { essential: boolean }>();
    for (const para of text.split(/\n\n+/)) {
      const name = /^Package: (\S+)/m.exec(para)?.[1];
      if (name) map.set(name, { essential: /^Essential: yes/m.test(para) });
    }
    return map;
  }

  /** A package's parsed symbols file, if it has one. */
  private symbols(pkg: string): Promise<Map<string, SonameInfo> | undefined> {
    let p = this.symbolFiles.get(pkg);
    if (!p) {
      p = readFile(path.join(this.admindir, 'info', `${pkg}.symbols`), 'utf8')
        .then(parseSymbolsFile)
        .catch(() => undefined);
      this.symbolFiles.set(pkg, p);
    }
    return p;
  }

  /** The dependency a package's shlibs file gives for a soname. */
  private async shlibs(pkg: string, soname: string): Promise<string | undefined> {
    const text = await readFile(path.join(this.admindir, 'info', `${pkg}.shlibs`), 'utf8').catch(
      () => '',
    );
    return shlibsDependency(text, soname);
  }

  private async ldsoConfDirs(): Promise<string[]> {
    this.ldsoDirs ??= (async () => {
      const out: string[] = [];
      const seen = new Set<string>();
      const parse = async (file: string): Promise<void> => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = await readFile(path.join(this.root, file), 'utf8').catch(() => '');
        for (const raw of text.split('\n')) {
          const line = raw.replace(/#.*$/, '').trim();
          if (!line) continue;
          const inc = /^include\s+(.+)$/.exec(line);
          if (inc) {
            const pattern = inc[1]!.trim();
            const dir = path.posix.dirname(pattern);
            const re = new RegExp(
              `^${path.posix
                .basename(pattern)
                .replace(/[.+^$()|\\]/g, '\\$&')
                .replace(/\*/g, '.*')}$`,
            );
            const names = await readdir(path.join(this.root, dir)).catch(() => [] as string[]);
            for (const n of names.filter((x) => re.test(x)).sort()) await parse(`${dir}/${n}`);
          } else if (line.startsWith('/')) {
            out.push(line.replace(/\/+$/, ''));
          }
        }
      };
      await parse('/etc/ld.so.conf');
      return out;
    })();
    return this.ldsoDirs;
  }

  /** Library folders in dpkg-shlibdeps' search order (plus the ELF's multiarch ones). */
  private async libraryDirs(elf: ElfInfo): Promise<string[]> {
    const triplet = multiarchTriplet(elf);
    return [
      ...new Set([
        ...[...elf.rpath, ...elf.runpath].filter((d) => d.startsWith('/')),
        '/lib',
        '/usr/lib',
        ...(await this.ldsoConfDirs()),
        ...(triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : []),
        '/lib32',
        '/usr/lib32',
        '/lib64',
        '/usr/lib64',
      ]),
    ];
  }

  /** Library files for a soname, in dpkg-shlibdeps' search order, of the binary's ELF format. */
  private async findLibrary(soname: string, elf: ElfInfo): Promise<string[]> {
    const dirs = await this.libraryDirs(elf);
    const out: string[] = [];
    for (const dir of dirs) {
      const p = `${dir}/${soname}`;
      if (await sameFormat(path.join(this.root, p), elf)) out.push(p);
    }
    return out;
  }

  /**
   * The shared-library dependencies of a package's ELF files. `provided`
   * holds the sonames the package itself contains (never dependencies).
   */
  async shlibsDepends(
    binaries: readonly PackageElf[],
    provided: ReadonlySet<string>,
    repositories: readonly AptShlibs[] = [],
  ): Promise<ShlibsResult> {
    const deps = new Map<string, string>(); // template -> minimal version ('' = none)
    const unresolved: Unresolved[] = [];
    const raise = (template: string, v: string): void => {
      const cur = deps.get(template);
      if (cur === undefined || (hasVersion(v) && (!hasVersion(cur) || compareVersions(v, cur) > 0)))
        deps.set(template, v);
    };
    for (const { path: file, elf } of binaries) {
      const symbolInfo = new Map<string, SonameInfo>();
      for (const soname of elf.needed) {
        if (provided.has(soname)) continue;
        const libs = await this.findLibrary(soname, elf);
        let done = false;
        let owned = false;
        for (const lib of libs) {
          const pkgs = await this.ownersOf(lib);
          if (pkgs.length > 0) owned = true;
          for (const pkg of pkgs) {
            const info = (await this.symbols(pkg))?.get(soname);
            if (info) {
              symbolInfo.set(soname, info);
              raise(info.deps[0]!, smallestVersion(info));
              done = true;
              break;
            }
            const dep = await this.shlibs(pkg, soname);
            if (dep) {
              raise(dep, '');
              done = true;
              break;
            }
          }
          if (done || owned) break;
        }
        // Then the given APT repositories: the package shipping the soname, its symbols/shlibs.
        for (const repo of done ? [] : repositories) {
          for (const pkg of await repo.packagesFor(soname, await this.libraryDirs(elf))) {
            owned = true;
            const symbols = await repo.controlFile(pkg, 'symbols');
            const info = symbols ? parseSymbolsFile(symbols).get(soname) : undefined;
            if (info) {
              symbolInfo.set(soname, info);
              raise(info.deps[0]!, smallestVersion(info));
              done = true;
              break;
            }
            const shlibs = await repo.controlFile(pkg, 'shlibs');
            const dep = shlibs ? shlibsDependency(shlibs, soname) : undefined;
            if (dep) {
              raise(dep, '');
              done = true;
              break;
            }
          }
          if (done) break;
        }
        if (!done && (libs.length === 0 || splitSoname(soname))) {
          unresolved.push({
            soname,
            file,
            reason:
              libs.length === 0 && !owned
                ? 'not found'
                : owned
                  ? 'no dependency information'
                  : 'no package',
          });
        }
      }
      // Raise each library's minimal version to what the imported symbols need.
      for (const sym of elf.imports) {
        const key = `${sym.name}@${sym.version ?? 'Base'}`;
        for (const soname of elf.needed) {
          const info = symbolInfo.get(soname);
          if (!info) continue;
          const hit =
            info.syms.get(key) ?? (sym.version ? info.symvers.get(sym.version) : undefined);
          if (!hit) continue;
          raise(info.deps[hit.depId] ?? info.deps[0]!, hit.minver);
          break;
        }
      }
    }
    const out = new Set<string>();
    for (const [template, v] of deps) {
      const text = template
        .replace(/#MINVER#/g, hasVersion(v) ? `(>= ${v})` : '')
        .replace(/\s+/g, ' ')
        .trim();
      for (const d of text.split(',')) if (d.trim()) out.add(d.trim());
    }
    return { depends: [...out].sort(), unresolved };
  }

  /** Packages owning the given interpreters, without Essential ones (sorted, unique). */
  async interpreterDepends(interpreters: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    this.status ??= this.loadStatus();
    const installed = await this.status;
    for (const i of interpreters) {
      for (const pkg of await this.ownersOf(i)) {
        if (await this.isEssential(pkg)) continue;
        let name = pkg.replace(/:.*$/, '');
        // `-minimal` interpreter packages (python3-minimal owns /usr/bin/python3) are not to
        // be depended on (lintian depends-on-python-minimal): the full package is.
        const full = name.replace(/-minimal$/, '');
        if (full !== name && installed.has(full)) name = full;
        out.add(name);
      }
    }
    return [...out].sort();
  }
}

/** The dependency a shlibs file (deb-shlibs(5)) gives for a soname, if it lists it. */
export function shlibsDependency(text: string, soname: string): string | undefined {
  const split = splitSoname(soname);
  if (!split) return undefined;
  for (const line of text.split('\n')) {
    const m = /^(?:(\S+):\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (!m || m[1]) continue; // typed lines (udeb:) are for other package types
    if (m[2] === split.name && m[3] === split.version) return m[4]!.trim();
  }
  return undefined;
}

/** The Debian multiarch triplet of an ELF file (`x86_64-linux-gnu`), if known. */
export function multiarchTriplet(elf: ElfInfo): string | undefined {
  const le = elf.endian === 'little';
  const b64 = elf.bits === 64;
  switch (elf.machineName) {
    case 'x86-64':
      return b64 ? 'x86_64-linux-gnu' : 'x86_64-linux-gnux32';
    case 'i386':
      return 'i386-linux-gnu';
    case 'aarch64':
      return 'aarch64-linux-gnu';
    case 'arm':
      // EF_ARM_ABI_FLOAT_HARD
      return elf.flags & 0x400 ? 'arm-linux-gnueabihf' : 'arm-linux-gnueabi';
    case 'ppc64':
      return le ? 'powerpc64le-linux-gnu' : 'powerpc64-linux-gnu';
    case 's390':
      return b64 ? 's390x-linux-gnu' : undefined;
    case 'riscv':
      return b64 ? 'riscv64-linux-gnu' : undefined;
    case 'mips':
      return b64 && le ? 'mips64el-linux-gnuabi64' : undefined;
    case 'loongarch':
      return b64 ? 'loongarch64-linux-gnu' : undefined;
    default:
      return undefined;
  }
}

/** `libfoo.so.1` → libfoo/1, `libfoo-1.2.so` → libfoo/1.2 (dpkg's split_soname). */
export function splitSoname(soname: string): { name: string; version: string } | undefined {
  const a = /^(.*)\.so\.(.*)$/.exec(soname);
  if (a) return { name: a[1]!, version: a[2]! };
  const b = /^(.*)-(\d.*)\.so$/.exec(soname);
  if (b) return { name: b[1]!, version: b[2]! };
  return undefined;
}

function smallestVersion(info: SonameInfo): string {
  let min: string | undefined;
  for (const s of [...info.syms.values(), ...info.symvers.values()]) {
    if (s.depId !== 0) continue;
    if (min === undefined || compareVersions(min, s.minver) > 0) min = s.minver;
  }
  return min ?? '';
}

/** Parses a dpkg symbols file (deb-symbols(5)) into its sonames. */
export function parseSymbolsFile(text: string): Map<string, SonameInfo> {
  const map = new Map<string, SonameInfo>();
  let cur: SonameInfo | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith(' ')) {
      if (!cur) continue;
      let rest = line.trim();
      let tags: string[] = [];
      const t = /^\(([^)]*)\)/.exec(rest);
      if (t) {
        tags = t[1]!.split('|').map((x) => x.split('=')[0]!.trim());
        rest = rest.slice(t[0].length);
      }
      const m = /^(\S+)\s+(\S+)(?:\s+(\d+))?/.exec(rest);
      if (!m) continue;
      const e: SymbolEntry = { minver: m[2]!, depId: m[3] ? Number(m[3]) : 0 };
      if (tags.includes('c++') || tags.includes('regex')) continue;
      if (tags.includes('symver')) cur.symvers.set(m[1]!, e);
      else cur.syms.set(m[1]!, e);
    } else if (line.startsWith('|')) {
      cur?.deps.push(line.slice(1).trim());
    } else if (line.startsWith('*')) {
      // fields (Build-Depends-Package, Ignore-Blacklist-Groups): not needed here
    } else {
      const m = /^(\S+)\s+(.*)$/.exec(line);
      if (!m) continue;
      cur = { deps: [m[2]!.trim()], syms: new Map(), symvers: new Map() };
      map.set(m[1]!, cur);
    }
  }
  return map;
}

/** Whether a file is ELF of the same class, byte order and machine as `elf`. */
async function sameFormat(file: string, elf: ElfInfo): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(file, 'r');
    const b = Buffer.alloc(20);
    const { bytesRead } = await fh.read(b, 0, 20, 0);
    if (bytesRead < 20 || b.readUInt32BE(0) !== 0x7f454c46) return false;
    const le = b[5] === 1;
    const machine = le ? b.readUInt16LE(18) : b.readUInt16BE(18);
    return (
      b[4] === (elf.bits === 64 ? 2 : 1) &&
      (le ? 'little' : 'big') === elf.endian &&
      machine === elf.machine
    );
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}
