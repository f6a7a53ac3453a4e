/**
 * What the host-tool site types (hg, svn, brz, cvs, scp, rsync) share: the
 * site and fetch options of a package, the archive each one keeps in `dl/`,
 * and a reproducible, atomic way of writing it.
 *
 * An export archive is `dl/<pkg>-<version>.tar.gz` holding one top-level
 * folder `<pkg>-<version>/`: names sorted, owner and group 0, every mtime set
 * to the newest mtime the VCS gave the exported files, `gzip -n`. It is written
 * to a temporary name, checked against the package's hashes and only then
 * renamed, so a file in `dl/` is always complete and later runs trust it
 * without touching the network.
 *
 * The extraction and hash modules are loaded when first needed, so that
 * loading the site registry stays cheap.
 */
import { lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { packageFolder } from '../project/model.ts';
import { asRelengError, RelengError } from '../util/errors.ts';
import { resolveTool } from '../util/exec.ts';
import { pathExists, tmpSibling } from '../util/fs.ts';
import { extractLimitsFor } from './extract-limits.ts';
import type { SiteContext } from './types.ts';

/** The site of a package without its type prefix (`hg+`, `svn+`, ...), or a clear error. */
export function siteSource(ctx: SiteContext, prefixes: readonly string[]): string {
  const site = ctx.pkg.site?.trim();
  if (!site) {
    throw new RelengError(
      `package "${ctx.pkg.name}" has site type "${ctx.pkg.vcsType}" but no site`,
      { pkg: ctx.pkg.name, file: ctx.pkg.definitionFile },
    );
  }
  for (const prefix of prefixes) if (site.startsWith(prefix)) return site.slice(prefix.length);
  return site;
}

/**
 * The package's `fetchOpts` (FETCH_OPTS) as command-line arguments for the
 * fetching tool: a list is passed as is; a map gives `key` then `value` (a
 * value of '' gives the key alone), e.g. `{ '-P': '2222' }` → `-P 2222`.
 */
export function fetchOptions(ctx: Pick<SiteContext, 'pkg'>): string[] {
  return toArguments(ctx.pkg.options.fetchOpts);
}

/** See fetchOptions. */
export function toArguments(opts: unknown): string[] {
  if (opts === undefined || opts === null) return [];
  if (typeof opts === 'string') return [opts];
  if (Array.isArray(opts)) return opts.map(String);
  if (typeof opts === 'object') {
    const args: string[] = [];
    for (const [key, value] of Object.entries(opts as Record<string, unknown>)) {
      if (value === null || value === undefined || value === false) continue;
      args.push(key);
      if (value !== '' && value !== true) args.push(String(value));
    }
    return args;
  }
  return [String(opts)];
}

/**
 * The export archive of a VCS site: `dl/<pkg>-<version>.tar.gz`; in a
 * releng-tool project the package's cache file, which releng-tool names
 * `dl/<pkg>/<pkg>-<version>.tgz` for these site types.
 */
export function exportArchive(ctx: SiteContext): string {
  return ctx.pkg.dlFile ? ctx.paths.cacheFile : `${ctx.paths.cacheFile}.tar.gz`;
}

/** The single top-level folder of an export archive: `<pkg>-<version>`. */
export function exportRoot(ctx: SiteContext): string {
  return packageFolder(ctx.pkg);
}

/**
 * True when a fetched file can be used as it is: it exists and `--force` was
 * not given. Logs the decision either way.
 */
export async function isFetched(ctx: SiteContext, file: string): Promise<boolean> {
  if (!(await pathExists(file))) return false;
  if (ctx.options.force) {
    ctx.log.note(`${file} exists; fetching again (--force)`, true);
    return false;
  }
  ctx.log.note(`using ${file} (remove it to fetch again)`);
  return true;
}

/** True when an error says the host tool itself could not be found. */
export function isMissingTool(err: unknown): boolean {
  return err instanceof Error && /^command not found/.test(err.message);
}

/**
 * Runs the fetching command, adding a hint naming the site and revision when
 * it fails (a missing tool keeps its own message and hint).
 */
export async function runFetch(
  ctx: SiteContext,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; what: string },
): Promise<void> {
  try {
    await ctx.exec(command, args, { cwd: options.cwd, env: options.env });
  } catch (err) {
    if (isMissingTool(err)) throw err;
    throw asRelengError(err, { pkg: ctx.pkg.name, hint: options.what });
  }
}

/** A scratch folder next to the package's download, removed afterwards whatever happens. */
export async function withWorkDir<T>(
  ctx: SiteContext,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  await mkdir(ctx.dirs.dl, { recursive: true });
  const dir = await mkdtemp(join(ctx.dirs.dl, `.${exportRoot(ctx)}.work-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A temporary sibling of `file` that no other run will pick. */
export function temporaryName(file: string): string {
  return tmpSibling(join(dirname(file), `.${basename(file)}`));
}

/**
 * Checks a complete temporary file against the package's hashes, then
 * renames it to its final name. The temporary file never survives a failure.
 * `ownExport`: the file is an archive releng made from a VCS (reproducible,
 * so a hash entry can pin it), where a missing entry is normal and only
 * logged instead of warned about.
 */
export async function commitFile(
  ctx: SiteContext,
  tmp: string,
  file: string,
  options: { ownExport?: boolean } = {},
): Promise<void> {
  try {
    const { verifyFile } = await import('./verify.ts');
    const checked: SiteContext = options.ownExport
      ? { ...ctx, warn: (message) => ctx.log.note(message) }
      : ctx;
    await verifyFile(checked, tmp, basename(file));
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Fetches one file: `fn` writes it to the temporary name it is given, then it
 * is verified and renamed to `file`. Nothing partial is ever left at `file`.
 */
export async function fetchFile(
  ctx: SiteContext,
  file: string,
  fn: (tmp: string) => Promise<void>,
  options: { ownExport?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = temporaryName(file);
  try {
    await fn(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await commitFile(ctx, tmp, file, options);
  ctx.log.note(`wrote ${file}`);
}

/** The newest mtime (whole seconds) of anything below `dir`, not following symlinks. */
export async function newestMtime(dir: string): Promise<number | undefined> {
  let newest: number | undefined;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
      } else {
        const seconds = Math.floor((await lstat(full)).mtimeMs / 1000);
        if (newest === undefined || seconds > newest) newest = seconds;
      }
    }
  };
  await walk(dir);
  return newest;
}

/**
 * The arguments of a reproducible `tar | gzip -n` of `root` (a folder inside
 * `parent`) into `archive`, with every mtime set to `mtime` (seconds).
 */
export function tarArguments(
  parent: string,
  root: string,
  archive: string,
  mtime: number,
  gzip = 'gzip',
): string[] {
  return [
    '--create',
    '--format=gnu',
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=go-w',
    `--mtime=@${mtime}`,
    `--use-compress-program=${gzip} -n`,
    '--file',
    archive,
    '--directory',
    parent,
    root,
  ];
}

/**
 * Packs `<parent>/<root>` into `archive` reproducibly (see tarArguments; the
 * mtime defaults to the newest one in the tree), verifying and renaming it
 * only once it is complete.
 */
export async function packTree(
  ctx: SiteContext,
  parent: string,
  root: string,
  archive: string,
  mtime?: number,
): Promise<void> {
  const stamp = mtime ?? (await newestMtime(join(parent, root))) ?? 0;
  const gzip = resolveTool('gzip', ctx.project.overrideTools, ctx.env);
  await fetchFile(
    ctx,
    archive,
    (tmp) => ctx.exec('tar', tarArguments(parent, root, tmp, stamp, gzip), { cwd: parent }),
    { ownExport: true },
  );
}

/**
 * The whole fetch of an exporting VCS: unless the archive is already there,
 * `exporter` writes the sources into `<work>/<root>` (a folder it must create),
 * and they are packed into the export archive.
 */
export async function fetchExport(
  ctx: SiteContext,
  exporter: (work: string, root: string) => Promise<void>,
): Promise<void> {
  const archive = exportArchive(ctx);
  if (await isFetched(ctx, archive)) return;
  await withWorkDir(ctx, async (work) => {
    const root = exportRoot(ctx);
    await exporter(work, root);
    if (!(await pathExists(join(work, root)))) await mkdir(join(work, root));
    await packTree(ctx, work, root, archive);
  });
}

/** Extracts an export archive into the (empty) build directory, dropping its top folder. */
export async function extractExport(ctx: SiteContext, stripCount = 1): Promise<void> {
  const archive = exportArchive(ctx);
  if (!(await pathExists(archive))) {
    throw new RelengError(`package "${ctx.pkg.name}" has not been fetched: ${archive} is missing`, {
      pkg: ctx.pkg.name,
      hint: `run "releng ${ctx.pkg.name}-fetch"`,
    });
  }
  const { extractArchive } = await import('../extract/index.ts');
  await extractArchive(archive, ctx.paths.buildBaseDir, {
    stripCount,
    limits: extractLimitsFor(ctx),
    pkg: ctx.pkg.name,
  });
}

/** Archive suffixes recognised in a remote file name, longest first. */
const ARCHIVE_SUFFIXES = [
  '.tar.bz2',
  '.tar.gz',
  '.tar.lz',
  '.tar.lzma',
  '.tar.xz',
  '.tar.Z',
  '.tar.zst',
  '.tbz2',
  '.tbz',
  '.tgz',
  '.tlz',
  '.txz',
  '.tzst',
  '.tar',
  '.zip',
  '.7z',
  '.bz2',
  '.gz',
  '.lz',
  '.lzma',
  '.xz',
  '.zst',
  '.Z',
];

/** The archive suffix of a file name (`.tar.gz`, `.zip`, ...), or undefined. */
export function archiveSuffix(name: string): string | undefined {
  const lower = name.toLowerCase();
  return ARCHIVE_SUFFIXES.find((s) => lower.endsWith(s.toLowerCase()));
}

/**
 * Where a site fetching one file keeps it: `dl/<pkg>-<version>[<suffix>]`, the
 * suffix coming from the package's `extension` option, else the project's
 * cache_ext, else the remote name (`.tar.gz`, `.zip`, ... or a plain
 * extension starting with a letter; `foo-1.2` has none). The same rule as
 * URL sites.
 */
export async function fetchedFile(ctx: SiteContext, remoteName: string): Promise<string> {
  // releng-tool projects: the cache file named when the project loaded
  if (ctx.pkg.dlFile) return ctx.paths.cacheFile;
  let extension = ctx.pkg.options.extension;
  if ((typeof extension !== 'string' || extension === '') && ctx.project.cacheExt && ctx.pkg.site) {
    try {
      extension = await ctx.project.cacheExt(ctx.pkg.site);
    } catch (err) {
      throw asRelengError(err, {
        pkg: ctx.pkg.name,
        file: ctx.project.configFile,
        hint: 'the project cache_ext function failed',
      });
    }
  }
  return `${ctx.paths.cacheFile}${fileSuffix(extension, remoteName)}`;
}

/** See fetchedFile. */
export function fileSuffix(extension: unknown, remoteName: string): string {
  if (typeof extension === 'string' && extension.replace(/^\.+/, '') !== '') {
    return `.${extension.replace(/^\.+/, '')}`;
  }
  const name = basename(remoteName.replace(/[/\\]+$/, ''));
  const known = archiveSuffix(name);
  if (known && name.length > known.length) return name.slice(name.length - known.length);
  const plain = /\.[A-Za-z][A-Za-z0-9]{0,9}$/.exec(name);
  return plain && plain.index > 0 ? plain[0] : '';
}

/**
 * Extracts a fetched file (an archive from scp or rsync) like a URL
 * download: the package's strip count and extract type apply, and
 * `noExtraction` leaves the build directory empty.
 */
export async function extractFetchedFile(ctx: SiteContext, file: string): Promise<void> {
  if (ctx.pkg.options.noExtraction === true) {
    ctx.log.note(`not extracting ${file} (noExtraction)`);
    return;
  }
  if (!(await pathExists(file))) {
    throw new RelengError(`package "${ctx.pkg.name}" has not been fetched: ${file} is missing`, {
      pkg: ctx.pkg.name,
      hint: `run "releng ${ctx.pkg.name}-fetch"`,
    });
  }
  const type = ctx.pkg.options.extractType;
  const { extractArchive } = await import('../extract/index.ts');
  await extractArchive(file, ctx.paths.buildBaseDir, {
    stripCount: ctx.pkg.stripCount,
    ...(typeof type === 'string' && type !== '' ? { type } : {}),
    limits: extractLimitsFor(ctx),
    pkg: ctx.pkg.name,
  });
}
