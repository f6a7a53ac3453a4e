/**
 * rsync sites (`rsync+<source>`: a local path, `host:path`, `host::module/path`
 * or `rsync://...`).
 *
 * - An archive (the source's name ends in `.tar.gz`, `.zip`, ... or the
 *   package sets `extension`) is copied to `dl/<pkg>-<version><suffix>` and
 *   extracted like a URL download.
 * - Anything else (a directory tree, or a plain file) is copied with
 *   `rsync --recursive --links --perms --times` into a folder packed into
 *   `dl/<pkg>-<version>.tar.gz` (top folder `<pkg>-<version>/`, mtimes from
 *   the source). rsync's own rule decides what lands in it: `rsync+/src/dir/`
 *   copies the contents of `dir`, `rsync+/src/dir` the folder `dir` itself.
 *   The package's strip count applies on extraction (1 by default, which
 *   drops the `<pkg>-<version>/` folder), as in releng-tool.
 *
 * The package's `fetchOpts` (FETCH_OPTS) are passed to rsync before the
 * source, e.g. `['--exclude=.git']` or `{ '--rsh': 'ssh -p 2222' }`. Once
 * the file is there, later runs never contact the source.
 */
import { join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import {
  archiveSuffix,
  exportArchive,
  extractExport,
  extractFetchedFile,
  fetchExport,
  fetchedFile,
  fetchFile,
  fetchOptions,
  isFetched,
  runFetch,
  siteSource,
} from './vcs-archive.ts';

/** Options that would change the source: refused. */
const REFUSED = ['--remove-source-files', '--delete'];

/** The extra rsync arguments of a package, refusing ones that would modify the source. */
export function rsyncOptions(ctx: Pick<SiteContext, 'pkg'>): string[] {
  const options = fetchOptions(ctx);
  // as releng-tool: every argument of a list is an option (`--exclude=x`, not
  // `--exclude x`); a dict's keys are (`{ '--rsh': 'ssh -p 2222' }`)
  const raw = ctx.pkg.options.fetchOpts;
  const named = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : options;
  for (const option of named) {
    if (!option.startsWith('-')) {
      throw new RelengError(
        `invalid fetch option "${option}" of package "${ctx.pkg.name}": rsync options start with "-"`,
        {
          pkg: ctx.pkg.name,
          file: ctx.pkg.definitionFile,
          hint: 'write each option whole, e.g. "--exclude=.git" (FETCH_OPTS / fetchOpts)',
        },
      );
    }
  }
  for (const option of options) {
    if (REFUSED.some((r) => option.startsWith(r))) {
      throw new RelengError(
        `rsync option "${option}" of package "${ctx.pkg.name}" is not allowed`,
        {
          pkg: ctx.pkg.name,
          file: ctx.pkg.definitionFile,
        },
      );
    }
  }
  return options;
}

/** Where the fetched sources live, and whether they are one archive file. */
export async function rsyncTarget(ctx: SiteContext): Promise<{ file: string; archive: boolean }> {
  // releng-tool packs whatever rsync brought, one file included, into the
  // package's `.tgz` cache file; its projects get the same
  if (ctx.pkg.dlFile) return { file: exportArchive(ctx), archive: false };
  const source = siteSource(ctx, ['rsync+']);
  const extension = ctx.pkg.options.extension;
  const isArchive =
    (typeof extension === 'string' && extension !== '') ||
    (!source.endsWith('/') && archiveSuffix(source) !== undefined);
  return isArchive
    ? { file: await fetchedFile(ctx, source), archive: true }
    : { file: exportArchive(ctx), archive: false };
}

export const rsyncSite: SiteOperations = {
  async fetch(ctx) {
    const source = siteSource(ctx, ['rsync+']);
    const options = rsyncOptions(ctx);
    const target = await rsyncTarget(ctx);
    const what = `check the site "${source}"`;
    if (target.archive) {
      if (await isFetched(ctx, target.file)) return;
      await fetchFile(ctx, target.file, (tmp) =>
        runFetch(ctx, 'rsync', ['--times', ...options, source, tmp], { what }),
      );
      return;
    }
    await fetchExport(ctx, (work, root) =>
      runFetch(
        ctx,
        'rsync',
        [
          '--recursive',
          '--links',
          '--perms',
          '--times',
          ...options,
          source,
          `${join(work, root)}/`,
        ],
        { cwd: work, what },
      ),
    );
  },
  async extract(ctx) {
    const target = await rsyncTarget(ctx);
    if (target.archive) await extractFetchedFile(ctx, target.file);
    else await extractExport(ctx, ctx.pkg.stripCount);
  },
};
