/**
 * SCP sites (`scp+[user@]host:path`): one file, usually an archive, copied
 * with `scp` into `dl/<pkg>-<version><suffix>` and then extracted like a URL
 * download (strip count, extract type and hashes of the package apply). Once
 * the file is there, later runs never contact the host.
 *
 * Port, identity and other ssh settings come from the user's ssh
 * configuration (`~/.ssh/config` Host entries), from scp's URI form
 * (`scp+scp://user@host:2222/path/file.tar.gz`), or from the package's
 * `fetchOpts` (FETCH_OPTS), which go to `scp` before the source:
 * `fetchOpts: ['-P', '2222', '-i', '/path/key']` or `{ '-P': '2222' }`.
 * scp always runs with `BatchMode=yes`: it never asks for a password.
 */
import { RelengError } from '../util/errors.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import {
  extractFetchedFile,
  fetchedFile,
  fetchFile,
  fetchOptions,
  isFetched,
  runFetch,
  siteSource,
} from './vcs-archive.ts';

/** The remote path of an scp source (`host:path`, `user@host:path` or `scp://host[:port]/path`). */
export function scpRemotePath(source: string): string | undefined {
  const uri = /^scp:\/\/[^/]+(\/.+)$/.exec(source);
  if (uri) return uri[1];
  const colon = /^[^/:]+:(.+)$/.exec(source);
  return colon?.[1];
}

/** The arguments of the scp call copying `source` to `dest`. */
export function scpArguments(source: string, options: readonly string[], dest: string): string[] {
  return ['-o', 'BatchMode=yes', ...options, source, dest];
}

function source(ctx: SiteContext): { source: string; remote: string } {
  const value = siteSource(ctx, ['scp+']);
  const remote = scpRemotePath(value);
  if (!remote) {
    throw new RelengError(`scp site "${ctx.pkg.site}" of package "${ctx.pkg.name}" names no file`, {
      pkg: ctx.pkg.name,
      file: ctx.pkg.definitionFile,
      hint: 'write it as scp+[user@]host:/path/file.tar.gz (or scp+scp://user@host:port/path/file.tar.gz)',
    });
  }
  return { source: value, remote };
}

export const scpSite: SiteOperations = {
  async fetch(ctx) {
    const { source: from, remote } = source(ctx);
    const file = await fetchedFile(ctx, remote);
    if (await isFetched(ctx, file)) return;
    await fetchFile(ctx, file, (tmp) =>
      runFetch(ctx, 'scp', scpArguments(from, fetchOptions(ctx), tmp), {
        what: `check the site "${from}", and that ssh logs in there without a prompt (keys, ~/.ssh/config or fetchOpts)`,
      }),
    );
  },
  async extract(ctx) {
    await extractFetchedFile(ctx, await fetchedFile(ctx, source(ctx).remote));
  },
};
