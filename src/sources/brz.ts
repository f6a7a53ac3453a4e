/**
 * Breezy/Bazaar sites (`brz+<url>`, and the old `bzr+<url>`; VCS type `brz`
 * or `bzr`): `brz export -r <rev>` packed into `dl/<pkg>-<version>.tar.gz`,
 * files dated with the revision that last changed them. Later runs use the
 * archive and never contact the branch.
 */
import { join } from 'node:path';
import type { SiteOperations } from './types.ts';
import { extractExport, fetchExport, fetchOptions, runFetch, siteSource } from './vcs-archive.ts';

export const brzSite: SiteOperations = {
  async fetch(ctx) {
    const source = siteSource(ctx, ['brz+', 'bzr+']);
    // A brz revision spec: `tag:v1.0`, `revno:3`, `3`, `revid:...`, `date:...`.
    const revision = ctx.pkg.revision;
    await fetchExport(ctx, (work, root) =>
      runFetch(
        ctx,
        'brz',
        [
          'export',
          '--format=dir',
          '--per-file-timestamps',
          ...(revision ? ['--revision', revision] : []),
          ...fetchOptions(ctx),
          join(work, root),
          source,
        ],
        {
          cwd: work,
          what: `check the site "${source}" and revision "${revision}" (a brz revision spec such as tag:v1.0 or 12; it defaults to the version)`,
        },
      ),
    );
  },
  async extract(ctx) {
    await extractExport(ctx);
  },
};
