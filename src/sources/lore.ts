/**
 * Lore sites (`lore+<url>` or `lore://…`; VCS type `lore`), as releng-tool
 * fetches them: `lore clone <site> <dir> --revision <hash>` for a 64-digit
 * revision, else `--branch <revision>`, with `--direct-file-write` and the
 * package's FETCH_OPTS; the checkout, less its `.lore` folder, is packed into
 * `dl/<pkg>-<version>.tar.gz`. Later runs use the archive.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SiteOperations } from './types.ts';
import { extractExport, fetchExport, fetchOptions, runFetch, siteSource } from './vcs-archive.ts';

/** A lore revision of this length is a commit hash; anything else names a branch. */
const HASH_LENGTH = 64;

export const loreSite: SiteOperations = {
  async fetch(ctx) {
    const source = siteSource(ctx, ['lore+']);
    const revision = ctx.pkg.revision ?? '';
    await fetchExport(ctx, async (work, root) => {
      const dir = join(work, root);
      await runFetch(
        ctx,
        'lore',
        [
          'clone',
          source,
          dir,
          revision.length === HASH_LENGTH ? '--revision' : '--branch',
          revision,
          '--direct-file-write',
          ...fetchOptions(ctx),
        ],
        {
          cwd: work,
          what: `check the site "${source}" and revision "${revision}" (a branch, or a ${HASH_LENGTH}-digit commit hash)`,
        },
      );
      // the clone's own metadata is not part of the sources
      await rm(join(dir, '.lore'), { recursive: true, force: true });
    });
  },
  async extract(ctx) {
    await extractExport(ctx);
  },
};
