/**
 * Resolves a description's `contents` against a directory into a sorted,
 * normalised list of entries: files, directories (with every parent),
 * symlinks and ghosts, each with its mode, owner, group, mtime and flags.
 */
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { type ContentEntry, parseTime } from './description.ts';
import { OutputError } from './errors.ts';

/** One entry of a resolved file set. */
export interface FileEntry {
  /** Absolute, normalised path inside the package (`/usr/bin/x`; never `/`). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'ghost';
  /** Source file on disk (regular files without inline content). */
  source?: string;
  /** Inline content (inline `content` or a rendered template). */
  content?: Buffer;
  /** Size in bytes of a file (or of the link target text for symlinks). */
  size: number;
  /** Permission bits (no file-type bits). */
  mode: number;
  owner: string;
  group: string;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target. */
  target?: string;
  config: boolean;
  noreplace: boolean;
  missingok: boolean;
  doc: boolean;
  /**
   * How a directory got here: `explicit` (declared `type: 'dir'`), `tree`
   * (found inside a mapped directory or glob) or `implicit` (a parent added so
   * the path exists). See {@link rpmOwns} for which ones an .rpm lists.
   */
  dirOrigin?: 'explicit' | 'tree' | 'implicit';
  /** Which contents entry produced this (for error messages). */
  origin: string;
}

/**
 * A root-owned entry, as generated files and implicit directories are:
 * mode 0644, owner and group root (uid and gid 0), no config, noreplace,
 * missingok or doc flag. `fields` gives the rest and overrides any of these.
 */
export function fileEntry(
  fields: Pick<FileEntry, 'path' | 'type' | 'size' | 'mtime' | 'origin'> & Partial<FileEntry>,
): FileEntry {
  return {
    mode: 0o644,
    owner: 'root',
    group: 'root',
    uid: 0,
    gid: 0,
    config: false,
    noreplace: false,
    missingok: false,
    doc: false,
    ...fields,
  };
}

/** Options of {@link resolveFileset}. */
export interface FilesetOptions {
  /** Output label for errors. */
  output: string;
  /** Directory relative `src` paths are resolved against. */
  sourceDir: string;
  /** Directory of the description file (for `from: 'description'`). */
  descriptionDir: string;
  /** The description file (or `releng.config.ts outputs[0]`), named in containment errors. */
  descriptionFile?: string;
  /** Default mtime (seconds). */
  mtime: number;
  /** Renders a template text (for `template: true`). */
  render: (text: string, field: string) => string;
}

/** Directories that belong to the base system: never owned by an .rpm built from a tree. */
export const SYSTEM_DIRS: ReadonlySet<string> = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/etc/default',
  '/etc/init.d',
  '/etc/logrotate.d',
  '/etc/profile.d',
  '/etc/sysconfig',
  '/etc/systemd',
  '/etc/systemd/system',
  '/home',
  '/lib',
  '/lib64',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/include',
  '/usr/lib',
  '/usr/lib/systemd',
  '/usr/lib/systemd/system',
  '/usr/lib/systemd/user',
  '/usr/lib/sysusers.d',
  '/usr/lib/tmpfiles.d',
  '/usr/lib64',
  '/usr/libexec',
  '/usr/local',
  '/usr/local/bin',
  '/usr/local/lib',
  '/usr/local/share',
  '/usr/sbin',
  '/usr/share',
  '/usr/share/applications',
  '/usr/share/doc',
  '/usr/share/icons',
  '/usr/share/info',
  '/usr/share/licenses',
  '/usr/share/locale',
  '/usr/share/man',
  '/usr/share/man/man1',
  '/usr/share/man/man5',
  '/usr/share/man/man8',
  '/usr/share/pixmaps',
  '/usr/src',
  '/var',
  '/var/cache',
  '/var/lib',
  '/var/log',
  '/var/opt',
  '/var/spool',
  '/var/tmp',
]);

const GLOB_CHARS = /[*?[{]/;

/** Converts a glob (`*`, `**`, `?`, `[...]`, `{a,b}`) over `/`-separated paths to a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        i += 2;
        if (atStart && glob[i] === '/') {
          re += '(?:[^/]*(?:/|$))*';
          i++;
          continue;
        }
        re += '.*';
        continue;
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
      } else {
        let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) {
      re += '|';
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
    i++;
  }
  return new RegExp(`^${re}$`);
}

function normDst(output: string, field: string, dst: string): string {
  if (!dst.startsWith('/')) {
    throw new OutputError(output, field, `'${dst}' must be an absolute path inside the package`);
  }
  const n = path.posix.normalize(dst);
  if (n.split('/').includes('..'))
    throw new OutputError(output, field, `'${dst}' escapes the root`);
  return n === '/' ? '/' : n.replace(/\/+$/, '');
}

function parseMode(
  output: string,
  field: string,
  v: number | string | undefined,
): number | undefined {
  if (v === undefined) return undefined;
  const n =
    typeof v === 'number' ? v : /^0?[0-7]{1,4}$/.test(v) ? Number.parseInt(v, 8) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o7777) {
    throw new OutputError(
      output,
      field,
      `invalid mode ${JSON.stringify(v)}; use an octal string like "0755"`,
    );
  }
  return n;
}

interface Walked {
  rel: string;
  abs: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
}

async function walk(root: string, rel: string, out: Walked[], excludes: RegExp[]): Promise<void> {
  const names = (await readdir(path.join(root, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    if (excludes.some((e) => e.test(r))) continue;
    const abs = path.join(root, r);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      out.push({ rel: r, abs, kind: 'dir', mode: st.mode, size: 0 });
      await walk(root, r, out, excludes);
    } else if (st.isFile()) {
      out.push({ rel: r, abs, kind: 'file', mode: st.mode, size: st.size });
    } else if (st.isSymbolicLink()) {
      out.push({ rel: r, abs, kind: 'symlink', mode: st.mode, size: 0 });
    }
  }
}

/** Whether `p` is `root` or below it (both already resolved through symlinks). */
function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

/**
 * The path `abs` really names: its parent directories resolved through
 * symlinks, its last component kept (a symlink there is packaged as a link,
 * not followed). Missing parents are resolved as far as they exist.
 */
async function resolveParents(abs: string): Promise<string> {
  const parent = path.dirname(abs);
  if (parent === abs) return abs;
  try {
    return path.join(await realpath(parent), path.basename(abs));
  } catch {
    return path.join(await resolveParents(parent), path.basename(abs));
  }
}

/**
 * Resolves `contents` into a sorted list of entries (byte order of paths, so
 * parents precede children). Errors name the output and the contents entry.
 */
export async function resolveFileset(
  contents: readonly ContentEntry[],
  opts: FilesetOptions,
): Promise<FileEntry[]> {
  const { output } = opts;
  const byPath = new Map<string, FileEntry>();

  const add = (e: FileEntry): void => {
    const prev = byPath.get(e.path);
    if (prev) {
      if (prev.type === 'dir' && e.type === 'dir') {
        // Explicit declarations win over tree-found directories.
        if (e.dirOrigin === 'explicit' || prev.dirOrigin !== 'explicit') byPath.set(e.path, e);
        return;
      }
      throw new OutputError(
        output,
        e.origin,
        `'${e.path}' is already provided by ${prev.origin}; two mappings cannot target one path`,
      );
    }
    byPath.set(e.path, e);
  };

  for (const [i, c] of contents.entries()) {
    const field = `contents[${i}]`;
    const type = c.type ?? 'file';
    if (!['file', 'dir', 'symlink', 'ghost'].includes(type)) {
      throw new OutputError(
        output,
        `${field}.type`,
        `unknown type '${type}'; use file, dir, symlink or ghost`,
      );
    }
    if (typeof c.dst !== 'string') throw new OutputError(output, `${field}.dst`, 'is required');
    const dst = normDst(output, `${field}.dst`, c.dst);
    const mode = parseMode(output, `${field}.mode`, c.mode);
    const mtime = c.mtime === undefined ? opts.mtime : parseTime(output, `${field}.mtime`, c.mtime);
    const base = {
      owner: c.owner ?? 'root',
      group: c.group ?? 'root',
      uid: c.uid ?? 0,
      gid: c.gid ?? 0,
      mtime,
      config: c.config === true || c.config === 'noreplace',
      noreplace: c.config === 'noreplace',
      missingok: c.missingok === true,
      doc: c.doc === true,
      origin: field,
    };
    if (c.missingok && !c.config) {
      throw new OutputError(
        output,
        `${field}.missingok`,
        'only applies to config files (set config too)',
      );
    }
    const template = (text: Buffer, f: string): Buffer =>
      Buffer.from(opts.render(text.toString('utf8'), f), 'utf8');

    if (type === 'dir' || type === 'symlink' || type === 'ghost') {
      if (dst === '/') throw new OutputError(output, `${field}.dst`, "cannot be '/'");
      if (c.src !== undefined || c.content !== undefined) {
        throw new OutputError(output, `${field}.src`, `a ${type} entry takes no src or content`);
      }
      if (type === 'symlink') {
        if (!c.target) throw new OutputError(output, `${field}.target`, 'a symlink needs a target');
        add({
          ...base,
          path: dst,
          type,
          target: c.target,
          size: Buffer.byteLength(c.target),
          mode: 0o777,
        });
      } else if (type === 'dir') {
        add({ ...base, path: dst, type, size: 0, mode: mode ?? 0o755, dirOrigin: 'explicit' });
      } else {
        add({ ...base, path: dst, type, size: 0, mode: mode ?? 0o644 });
      }
      continue;
    }

    if (c.content !== undefined) {
      if (c.src !== undefined)
        throw new OutputError(output, `${field}.content`, 'give either src or content, not both');
      if (dst === '/' || c.dst.endsWith('/')) {
        throw new OutputError(
          output,
          `${field}.dst`,
          'inline content needs a file path, not a directory',
        );
      }
      let buf: Buffer = Buffer.from(c.content, 'utf8');
      if (c.template) buf = template(buf, `${field}.content`);
      add({
        ...base,
        path: dst,
        type: 'file',
        content: buf,
        size: buf.length,
        mode: mode ?? 0o644,
      });
      continue;
    }
    if (c.src === undefined)
      throw new OutputError(output, `${field}.src`, 'a file entry needs src or content');

    const from = c.from ?? 'source';
    if (!['source', 'description', 'host'].includes(from)) {
      throw new OutputError(
        output,
        `${field}.from`,
        `unknown value '${from}'; use source (default), description or host`,
      );
    }
    if (from === 'host' && !path.isAbsolute(c.src)) {
      throw new OutputError(
        output,
        `${field}.src`,
        `'${c.src}' must be an absolute path with from: host (it names a file of the build host)`,
      );
    }
    const root = from === 'description' ? opts.descriptionDir : opts.sourceDir;
    // Contents come from inside their folder (after resolving symlinks) unless the entry
    // says `from: host`: a description must not be able to package /etc/shadow by accident.
    // `walked`: a directory that will be read (a glob's base), so resolved fully.
    const confine = async (abs: string, walked = false): Promise<void> => {
      if (from === 'host') return;
      const realRoot = await realpath(root).catch(() => path.resolve(root));
      const real = walked
        ? await realpath(abs).catch(() => resolveParents(abs))
        : await resolveParents(abs);
      if (isInside(realRoot, real)) return;
      const where = from === 'description' ? "the description's folder" : 'the source folder';
      const file = opts.descriptionFile ? `${opts.descriptionFile}: ` : '';
      throw new OutputError(
        `${file}${output}`,
        `${field}.src`,
        `'${c.src}' resolves to ${real}, outside ${where} ${realRoot}; ` +
          `move the file into ${where}, or, if it really should come from the build host, ` +
          `give its absolute path and add \`from: host\` to this entry`,
      );
    };
    const excludes = (c.exclude ?? []).map(globToRegExp);
    const intoDir = c.dst.endsWith('/') || dst === '/';
    const join = (rel: string): string => (dst === '/' ? `/${rel}` : `${dst}/${rel}`);
    const fromWalked = async (w: Walked, to: string): Promise<void> => {
      if (w.kind === 'dir') {
        add({ ...base, path: to, type: 'dir', size: 0, mode: 0o755, dirOrigin: 'tree' });
      } else if (w.kind === 'symlink') {
        const target = await readlink(w.abs);
        add({
          ...base,
          path: to,
          type: 'symlink',
          target,
          size: Buffer.byteLength(target),
          mode: 0o777,
        });
      } else {
        const m = mode ?? (w.mode & 0o100 ? 0o755 : 0o644);
        if (c.template) {
          const buf = template(
            await readFile(w.abs),
            `${field}.src (${w.rel || path.basename(w.abs)})`,
          );
          add({ ...base, path: to, type: 'file', content: buf, size: buf.length, mode: m });
        } else {
          add({ ...base, path: to, type: 'file', source: w.abs, size: w.size, mode: m });
        }
      }
    };

    if (GLOB_CHARS.test(c.src)) {
      const parts = c.src.split('/');
      const fixed: string[] = [];
      while (parts.length > 1 && !GLOB_CHARS.test(parts[0]!)) fixed.push(parts.shift()!);
      const baseDir = path.resolve(root, fixed.join('/') || '.');
      await confine(baseDir, true);
      const re = globToRegExp(parts.join('/'));
      const all: Walked[] = [];
      try {
        await walk(baseDir, '', all, excludes);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && c.optional) continue;
        throw new OutputError(
          output,
          `${field}.src`,
          `directory '${baseDir}' of glob '${c.src}' does not exist`,
        );
      }
      const matched = all.filter((w) => re.test(w.rel));
      if (matched.length === 0 && !c.optional) {
        throw new OutputError(output, `${field}.src`, `glob '${c.src}' matches nothing in ${root}`);
      }
      const taken = new Set<string>();
      for (const w of matched) {
        if ([...taken].some((t) => w.rel.startsWith(`${t}/`))) continue;
        await fromWalked(w, join(w.rel));
        if (w.kind === 'dir') {
          taken.add(w.rel);
          const sub: Walked[] = [];
          await walk(w.abs, '', sub, excludes);
          for (const s of sub)
            await fromWalked({ ...s, rel: `${w.rel}/${s.rel}` }, join(`${w.rel}/${s.rel}`));
        }
      }
      continue;
    }

    const abs = path.resolve(root, c.src);
    await confine(abs);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(abs);
    } catch {
      throw new OutputError(
        output,
        `${field}.src`,
        `source '${c.src}' does not exist (looked for ${abs})`,
      );
    }
    if (st.isDirectory()) {
      if (dst !== '/')
        add({ ...base, path: dst, type: 'dir', size: 0, mode: mode ?? 0o755, dirOrigin: 'tree' });
      const all: Walked[] = [];
      await walk(abs, '', all, excludes);
      for (const w of all) await fromWalked(w, join(w.rel));
    } else {
      const to = intoDir ? join(path.basename(abs)) : dst;
      const kind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : undefined;
      if (!kind)
        throw new OutputError(
          output,
          `${field}.src`,
          `'${c.src}' is not a regular file, directory or symlink`,
        );
      await fromWalked({ rel: '', abs, kind, mode: st.mode, size: st.size }, to);
    }
  }

  // Every parent directory exists; a non-directory cannot be a parent.
  for (const e of [...byPath.values()]) {
    // Ghosts are only listed by .rpm, which relies on their directory existing.
    if (e.type === 'ghost') continue;
    let p = path.posix.dirname(e.path);
    while (p !== '/') {
      const prev = byPath.get(p);
      if (prev && prev.type !== 'dir') {
        throw new OutputError(
          output,
          e.origin,
          `'${e.path}' needs '${p}' to be a directory, but ${prev.origin} makes it a ${prev.type}`,
        );
      }
      if (!prev) {
        byPath.set(
          p,
          fileEntry({
            path: p,
            type: 'dir',
            size: 0,
            mode: 0o755,
            mtime: opts.mtime,
            dirOrigin: 'implicit',
            origin: `parent of ${e.path}`,
          }),
        );
      }
      p = path.posix.dirname(p);
    }
  }
  return sortEntries([...byPath.values()]);
}

/** Sorts entries by the bytes of their path (stable across locales; parents first). */
export function sortEntries(entries: FileEntry[]): FileEntry[] {
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** Adds (or replaces nothing) a generated file and any missing parents; returns a new sorted list. */
export function withGenerated(
  entries: readonly FileEntry[],
  extra: readonly FileEntry[],
): FileEntry[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const x of extra) {
    if (byPath.has(x.path)) continue;
    byPath.set(x.path, x);
    let p = path.posix.dirname(x.path);
    while (p !== '/' && !byPath.has(p)) {
      byPath.set(p, {
        ...x,
        path: p,
        type: 'dir',
        size: 0,
        mode: 0o755,
        content: undefined,
        source: undefined,
        target: undefined,
        dirOrigin: 'implicit',
        config: false,
        noreplace: false,
        doc: false,
      });
      p = path.posix.dirname(p);
    }
  }
  return sortEntries([...byPath.values()]);
}

/** Directory trees whose directories all belong to the base system (`filesystem` in Fedora/RHEL). */
const SYSTEM_TREES = /^\/usr\/share\/(man|locale|info)(\/|$)|^\/usr\/lib\/debug(\/|$)/;

/** Whether a directory is a shared system directory that no package built here may own. */
export function isSystemDir(p: string): boolean {
  return SYSTEM_DIRS.has(p) || SYSTEM_TREES.test(p);
}

/**
 * Whether the .rpm writer should list this entry: every file, symlink and
 * ghost; directories declared with `type: 'dir'`; other directories unless
 * they are shared system directories (which would conflict with `filesystem`).
 */
export function rpmOwns(e: FileEntry): boolean {
  if (e.type !== 'dir') return true;
  return e.dirOrigin === 'explicit' || !isSystemDir(e.path);
}

/** Reads the bytes of a regular file entry (inline content or its source), checking the size. */
export async function readEntry(output: string, e: FileEntry): Promise<Buffer> {
  if (e.content) return e.content;
  const buf = await readFile(e.source!);
  if (buf.length !== e.size) {
    throw new OutputError(output, e.origin, `'${e.source}' changed size while packaging`);
  }
  return buf;
}
