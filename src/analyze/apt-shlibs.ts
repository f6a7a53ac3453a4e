/**
 * Shared-library dependency information from an APT repository instead of
 * the build host: which package ships a soname comes from the repository's
 * `Contents-<arch>` index, its `symbols` or `shlibs` file from the
 * control.tar of the package itself (downloaded once per run). Used when
 * the host's dpkg database does not know a library: cross-built packages,
 * or libraries of the same project published into a repository.
 *
 * The repository is a local folder, `file:` or `http(s):` URL with the usual
 * layout: `dists/<suite>/<component>/Contents-<arch>[.gz]` (or
 * `dists/<suite>/Contents-<arch>[.gz]`) and
 * `dists/<suite>/<component>/binary-<arch>/Packages[.gz|.xz]`.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';

/** Where to look: a repository, one suite, its components. */
export interface AptShlibsSource {
  /** Folder, `file:` or `http(s):` URL of the repository root. */
  url: string;
  /** Suite or codename (`bookworm`, `stable`). */
  suite: string;
  /** Components (default `main`). */
  components?: string[];
}

/** A repository failed to answer (missing index, bad package). */
export class AptShlibsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AptShlibsError';
  }
}

function xzDecompress(data: Buffer): Buffer {
  const r = spawnSync('xz', ['-dc'], { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new AptShlibsError(`xz -dc failed: ${r.stderr?.toString().trim()}`);
  return r.stdout;
}

/** The members of an `ar` archive (a .deb). */
function arMembers(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (buf.subarray(0, 8).toString('latin1') !== '!<arch>\n') return out;
  let off = 8;
  while (off + 60 <= buf.length) {
    const name = buf
      .toString('latin1', off, off + 16)
      .trim()
      .replace(/\/$/, '');
    const size = Number.parseInt(buf.toString('latin1', off + 48, off + 58).trim(), 10);
    if (!Number.isFinite(size) || size < 0 || off + 60 + size > buf.length) break;
    out.set(name, buf.subarray(off + 60, off + 60 + size));
    off += 60 + size + (size % 2);
  }
  return out;
}

/** The regular files of a (small) tar archive, by name without `./`. */
function tarFiles(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const cstr = (a: number, b: number): string => {
      const s = h.subarray(a, b);
      const z = s.indexOf(0);
      return s.toString('utf8', 0, z < 0 ? s.length : z);
    };
    const prefix = cstr(345, 500);
    const name = (prefix ? `${prefix}/` : '') + cstr(0, 100);
    const size = Number.parseInt(cstr(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    if (!Number.isFinite(size) || off + 512 + size > buf.length) break;
    if (type === '0' || type === '\0')
      out.set(name.replace(/^\.\//, ''), buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function decompressMember(name: string, data: Buffer): Buffer {
  if (name.endsWith('.gz')) return gunzipSync(data);
  if (name.endsWith('.xz')) return xzDecompress(data);
  if (name.endsWith('.zst')) return zstdDecompressSync(data);
  return data;
}

/** One APT repository, indexes fetched on first use. */
export class AptShlibs {
  readonly source: AptShlibsSource;
  readonly arch: string;
  private contents?: Promise<Map<string, Array<{ dir: string; packages: string[] }>>>;
  private packages?: Promise<Map<string, string>>;
  private readonly controls = new Map<string, Promise<Map<string, Buffer>>>();

  constructor(source: AptShlibsSource, arch: string) {
    this.source = source;
    this.arch = arch;
  }

  /** For messages: `URL suite`. */
  get label(): string {
    return `${this.source.url} ${this.source.suite}`;
  }

  private async get(rel: string): Promise<Buffer | undefined> {
    const base = this.source.url.replace(/\/+$/, '');
    if (/^https?:\/\//.test(base)) {
      const res = await fetch(`${base}/${rel}`);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new AptShlibsError(`${base}/${rel}: HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    }
    const dir = base.startsWith('file:') ? fileURLToPath(base) : base;
    return readFile(path.join(dir, rel)).catch(() => undefined);
  }

  /** The first of `rel`, `rel.gz`, `rel.xz` that exists, decompressed. */
  private async index(rel: string): Promise<string | undefined> {
    for (const ext of ['.gz', '.xz', '']) {
      const data = await this.get(`${rel}${ext}`);
      if (data) return decompressMember(ext, data).toString('utf8');
    }
    return undefined;
  }

  private components(): string[] {
    return this.source.components ?? ['main'];
  }

  private loadContents(): Promise<Map<string, Array<{ dir: string; packages: string[] }>>> {
    this.contents ??= (async () => {
      const map = new Map<string, Array<{ dir: string; packages: string[] }>>();
      const dists = `dists/${this.source.suite}`;
      const texts = await Promise.all([
        ...this.components().map((c) => this.index(`${dists}/${c}/Contents-${this.arch}`)),
        this.index(`${dists}/Contents-${this.arch}`),
      ]);
      if (texts.every((t) => t === undefined)) {
        throw new AptShlibsError(`${this.label}: no Contents-${this.arch} index`);
      }
      for (const text of texts) {
        for (const line of (text ?? '').split('\n')) {
          const m = /^(\S.*?)\s+(\S+)$/.exec(line);
          if (!m || m[1] === 'FILE') continue;
          const file = `/${m[1]!.replace(/^\.?\//, '')}`;
          const packages = m[2]!.split(',').map((p) => p.replace(/^.*\//, ''));
          const base = path.posix.basename(file);
          const list = map.get(base) ?? [];
          list.push({ dir: path.posix.dirname(file), packages });
          map.set(base, list);
        }
      }
      return map;
    })();
    return this.contents;
  }

  private loadPackages(): Promise<Map<string, string>> {
    this.packages ??= (async () => {
      const map = new Map<string, string>();
      for (const c of this.components()) {
        const text = await this.index(
          `dists/${this.source.suite}/${c}/binary-${this.arch}/Packages`,
        );
        for (const para of (text ?? '').split(/\n\n+/)) {
          const name = /^Package: (\S+)/m.exec(para)?.[1];
          const file = /^Filename: (\S+)/m.exec(para)?.[1];
          if (name && file && !map.has(name)) map.set(name, file);
        }
      }
      return map;
    })();
    return this.packages;
  }

  /** Packages of the repository shipping `soname` in one of `dirs` (library folders). */
  async packagesFor(soname: string, dirs: readonly string[]): Promise<string[]> {
    const hits = (await this.loadContents()).get(soname) ?? [];
    for (const d of dirs) {
      const hit = hits.find((h) => h.dir === d || h.dir === `/usr${d}` || `/usr${h.dir}` === d);
      if (hit) return hit.packages;
    }
    return [];
  }

  /** A control file (`symbols`, `shlibs`) of a package of the repository. */
  async controlFile(pkg: string, name: string): Promise<string | undefined> {
    let p = this.controls.get(pkg);
    if (!p) {
      p = (async () => {
        const file = (await this.loadPackages()).get(pkg);
        if (!file) return new Map<string, Buffer>();
        const deb = await this.get(file);
        if (!deb) throw new AptShlibsError(`${this.label}: ${file} of ${pkg} is missing`);
        const members = arMembers(deb);
        const control = [...members.keys()].find((k) => k.startsWith('control.tar'));
        if (!control) throw new AptShlibsError(`${this.label}: ${file} is not a .deb`);
        return tarFiles(decompressMember(control, members.get(control)!));
      })();
      this.controls.set(pkg, p);
    }
    return (await p).get(name)?.toString('utf8');
  }
}
