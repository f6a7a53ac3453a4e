/**
 * Subversion sites (`svn+<url>`): `svn export -r <rev>` packed into
 * `dl/<pkg>-<version>.tar.gz`, files dated with their commit times. Later runs
 * use the archive and never contact the server.
 */
import { join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import { extractExport, fetchExport, fetchOptions, runFetch, siteSource } from './vcs-archive.ts';

/** A revision `svn -r` accepts: a number, a keyword or a `{DATE}`. */
const SVN_REVISION = /^(\d+|HEAD|BASE|COMMITTED|PREV|\{[^}]+\})$/i;

/** The revision to export: the package's revision, else HEAD; a clear error when svn would reject it. */
export function svnRevision(ctx: Pick<SiteContext, 'pkg'>): string {
  const revision = ctx.pkg.revision || 'HEAD';
  const bare = revision.replace(/^r(?=\d+$)/, '');
  if (!SVN_REVISION.test(bare)) {
    throw new RelengError(
      `svn revision "${revision}" of package "${ctx.pkg.name}" is not a revision number, HEAD or {DATE}`,
      {
        pkg: ctx.pkg.name,
        file: ctx.pkg.definitionFile,
        hint: 'set revision (it defaults to the version), e.g. revision: "1234"',
      },
    );
  }
  return bare;
}

export const svnSite: SiteOperations = {
  async fetch(ctx) {
    const source = siteSource(ctx, ['svn+']);
    const revision = svnRevision(ctx);
    await fetchExport(ctx, (work, root) =>
      runFetch(
        ctx,
        'svn',
        [
          'export',
          '--non-interactive',
          '--quiet',
          '--config-option',
          'config:miscellany:use-commit-times=yes',
          '--revision',
          revision,
          ...fetchOptions(ctx),
          source,
          join(work, root),
        ],
        { cwd: work, what: `check the site "${source}" and revision "${revision}"` },
      ),
    );
  },
  async extract(ctx) {
    await extractExport(ctx);
  },
};
