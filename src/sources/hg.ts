/**
 * Mercurial sites (`hg+<url>`), cached like git: a clone in `cache/<pkg>`
 * (`hg clone --noupdate`), pulled only when the wanted revision is missing
 * (or under `--force`), and archived from there at extract time
 * (`hg archive -r <rev>`). An offline re-run needs nothing but the cache.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { pathExists } from '../util/fs.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import { fetchOptions, isMissingTool, runFetch, siteSource, temporaryName } from './vcs-archive.ts';

/** Plain output and no user aliases or defaults, whatever the user's hgrc says. */
const HG_ENV = { HGPLAIN: '1' };

/** The revision to fetch: the package's revision (a tag, branch or changeset), else `tip`. */
export function hgRevision(ctx: Pick<SiteContext, 'pkg'>): string {
  return ctx.pkg.revision || 'tip';
}

async function hasRevision(ctx: SiteContext, repo: string, revision: string): Promise<boolean> {
  try {
    const out = await ctx.capture(
      'hg',
      ['--repository', repo, 'log', '--rev', revision, '--limit', '1', '--template', '{node}\n'],
      { env: HG_ENV },
    );
    return out.trim() !== '';
  } catch (err) {
    if (isMissingTool(err)) throw err;
    return false;
  }
}

export const hgSite: SiteOperations = {
  async fetch(ctx) {
    const source = siteSource(ctx, ['hg+']);
    const repo = ctx.paths.cacheDir;
    const revision = hgRevision(ctx);
    const what = `check the site "${source}" (and that revision "${revision}" exists there)`;
    if (await pathExists(`${repo}/.hg`)) {
      if (!ctx.options.force && (await hasRevision(ctx, repo, revision))) {
        ctx.log.note(`revision ${revision} is in ${repo}`);
        return;
      }
      await runFetch(
        ctx,
        'hg',
        ['--repository', repo, '--noninteractive', 'pull', ...fetchOptions(ctx), source],
        { env: HG_ENV, what },
      );
    } else {
      // Clone beside the cache and rename: a cache folder is always a whole clone.
      await mkdir(dirname(repo), { recursive: true });
      const tmp = temporaryName(repo);
      try {
        await runFetch(
          ctx,
          'hg',
          ['--noninteractive', 'clone', '--noupdate', ...fetchOptions(ctx), source, tmp],
          { env: HG_ENV, what },
        );
        await rm(repo, { recursive: true, force: true });
        await rename(tmp, repo);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    if (!(await hasRevision(ctx, repo, revision))) {
      throw new RelengError(
        `revision "${revision}" of package "${ctx.pkg.name}" is not in ${source}`,
        {
          pkg: ctx.pkg.name,
          file: ctx.pkg.definitionFile,
          hint: 'set revision to a tag, branch or changeset of the repository (it defaults to the version)',
        },
      );
    }
  },
  async extract(ctx) {
    const repo = ctx.paths.cacheDir;
    if (!(await pathExists(`${repo}/.hg`))) {
      throw new RelengError(`package "${ctx.pkg.name}" has not been fetched: ${repo} is missing`, {
        pkg: ctx.pkg.name,
        hint: `run "releng ${ctx.pkg.name}-fetch"`,
      });
    }
    // `hg archive` keeps the executable bit and symlinks, and dates files
    // with the changeset; archivemeta=false leaves out .hg_archival.txt.
    await ctx.exec(
      'hg',
      [
        '--repository',
        repo,
        '--config',
        'ui.archivemeta=false',
        'archive',
        '--rev',
        hgRevision(ctx),
        '--type',
        'files',
        ctx.paths.buildBaseDir,
      ],
      { env: HG_ENV },
    );
  },
};
