/**
 * CVS sites: `cvs+<CVSROOT> <module>` (e.g.
 * `cvs+:pserver:anonymous@cvs.example.com:/var/lib/cvsroot mymodule`, or a
 * local `cvs+/srv/cvsroot mymodule`; a bare `:pserver:...` site works too).
 * `cvs export` of the revision packed into `dl/<pkg>-<version>.tar.gz`, files
 * dated with their commit times. Later runs use the archive and never
 * contact the server.
 */
import { RelengError } from '../util/errors.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import { extractExport, fetchExport, fetchOptions, runFetch, siteSource } from './vcs-archive.ts';

/** CVSROOT and module of a site (the module is the last space-separated word). */
export function parseCvsSite(ctx: SiteContext): { root: string; module: string } {
  const value = siteSource(ctx, ['cvs+']).trim();
  const match = /^(.*\S)\s+(\S+)$/.exec(value);
  if (!match) {
    throw new RelengError(
      `cvs site "${ctx.pkg.site}" of package "${ctx.pkg.name}" names no module`,
      {
        pkg: ctx.pkg.name,
        file: ctx.pkg.definitionFile,
        hint: 'write the CVSROOT and the module separated by a space, e.g. "cvs+:pserver:anonymous@cvs.example.com:/var/lib/cvsroot mymodule"',
      },
    );
  }
  return { root: match[1]!, module: match[2]! };
}

/**
 * How `cvs export` selects the revision: a tag or branch name (`rel-1_0`) or
 * a revision number (`1.4`) goes to `-r`; anything else (`2024-01-31`,
 * `1 week ago`) is a date for `-D`. No revision exports HEAD.
 */
export function cvsRevisionArgs(revision: string): string[] {
  if (revision === '') return ['-r', 'HEAD'];
  if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(revision) || /^\d+(\.\d+)+$/.test(revision)) {
    return ['-r', revision];
  }
  return ['-D', revision];
}

export const cvsSite: SiteOperations = {
  async fetch(ctx) {
    const { root: cvsroot, module } = parseCvsSite(ctx);
    const selection = cvsRevisionArgs(ctx.pkg.revision);
    await fetchExport(ctx, (work, root) =>
      runFetch(
        ctx,
        'cvs',
        [
          '-f',
          '-q',
          '-d',
          cvsroot,
          'export',
          ...selection,
          ...fetchOptions(ctx),
          '-d',
          root,
          module,
        ],
        {
          cwd: work,
          what: `check the CVSROOT "${cvsroot}", module "${module}" and revision "${ctx.pkg.revision}" (a tag, or a date; it defaults to the version)`,
        },
      ),
    );
  },
  async extract(ctx) {
    await extractExport(ctx);
  },
};
