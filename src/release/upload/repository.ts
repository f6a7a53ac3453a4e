/**
 * releng's own APT and YUM repositories as upload targets: the release's
 * .deb (APT) or .rpm (YUM) files are added and the repository re-published
 * and signed, through src/repository. A package already there with the same
 * bytes is left alone; afterwards every one is checked in the repository
 * against SHA256SUMS.
 */
import { join, resolve } from 'node:path';
import { RelengError } from '../../util/errors.ts';
import { sha256File } from '../dist/checksums.ts';
import type { UploadConfig, UploadContext, UploadReport, UploadTarget } from './types.ts';

/** The options of an `apt`/`yum` uploads entry (as the project's `repositories` take them). */
export interface RepositoryUploadConfig extends UploadConfig {
  type: 'apt' | 'yum';
  /** The repository folder, relative to the project root. */
  dir: string;
  suite?: string;
  codename?: string;
  component?: string;
  flat?: boolean;
  /** OpenPGP key file (relative to the project root). */
  signingKey?: string;
  /** Environment variable holding its passphrase. */
  passphraseEnv?: string;
  /** Or gpg's key id, with gpg's home. */
  gpgKey?: string;
  gpgHome?: string;
  /** Publish unsigned (a test repository). */
  unsigned?: boolean;
}

async function signerFor(ctx: UploadContext, c: RepositoryUploadConfig) {
  if (!c.signingKey && !c.gpgKey) {
    if (c.unsigned) return undefined;
    throw new RelengError(`the ${c.type} upload has no signingKey or gpgKey`, {
      hint: 'give one (releng key generate), or unsigned: true for a test repository',
    });
  }
  const { openSigner } = await import('../../repository/signing/index.ts');
  return openSigner({
    keyFile: c.signingKey ? resolve(ctx.root, c.signingKey) : undefined,
    gpgKey: c.gpgKey,
    gpgHome: c.gpgHome,
    passphrase: c.passphraseEnv ? ctx.env[c.passphraseEnv] : undefined,
  });
}

async function checkPublished(
  dir: string,
  expected: ReadonlyArray<{ name: string; sha256: string }>,
  found: ReadonlyArray<{ path: string; sha256: string }>,
) {
  for (const f of expected) {
    const at = found.find((p) => p.sha256 === f.sha256);
    if (!at || (await sha256File(join(dir, at.path))) !== f.sha256)
      throw new RelengError(
        `${f.name} is not in ${dir} with the bytes SHA256SUMS names after the upload`,
      );
  }
}

export const repositoryTarget: UploadTarget = {
  async upload(ctx, raw): Promise<UploadReport> {
    const c = raw as RepositoryUploadConfig;
    if (typeof c.dir !== 'string')
      throw new RelengError(`the ${c.type} upload needs a "dir"`, {
        hint: "e.g. dir: 'output/repos/apt'",
      });
    const dir = resolve(ctx.root, c.dir);
    const ext = c.type === 'apt' ? '.deb' : '.rpm';
    const files = ctx.dist.files.filter((f) => f.name.endsWith(ext));
    if (files.length === 0)
      throw new RelengError(`the release has no ${ext} file for the ${c.type} upload`, {
        hint: `list the built packages in release.artifacts (e.g. 'output/images/*${ext}')`,
      });
    const paths = files.map((f) => join(ctx.dist.dir, f.name));
    const signer = await signerFor(ctx, c);
    let uploaded: string[];
    let unchanged: string[];
    if (c.type === 'apt') {
      const { aptRepository } = await import('../../repository/apt/index.ts');
      const apt = await aptRepository(dir, {
        suite: c.suite,
        codename: c.codename,
        components: c.component ? [c.component] : undefined,
        layout: c.flat ? 'flat' : undefined,
      });
      const added = await apt.add(paths, { component: c.component });
      await apt.publish({ signer, unsigned: !signer });
      const name = (sha: string) => files.find((f) => f.sha256 === sha)?.name as string;
      uploaded = added.added.map((p) => name(p.sha256));
      unchanged = added.unchanged.map((p) => name(p.sha256));
      await checkPublished(
        dir,
        files,
        apt.packages().map((p) => ({ path: p.filename, sha256: p.sha256 })),
      );
    } else {
      const { yumRepository } = await import('../../repository/yum/index.ts');
      const yum = await yumRepository(dir);
      const added = await yum.add(paths);
      await yum.publish({ signer, unsigned: !signer });
      const name = (sha: string) => files.find((f) => f.sha256 === sha)?.name as string;
      uploaded = added.added.map((p) => name(p.sha256));
      unchanged = added.unchanged.map((p) => name(p.sha256));
      await checkPublished(
        dir,
        files,
        yum.packages().map((p) => ({ path: p.location, sha256: p.sha256 })),
      );
    }
    ctx.log(
      `${c.type} repository ${dir}: ${uploaded.length} added, ${unchanged.length} already there`,
    );
    return { target: `${c.type} ${dir}`, uploaded, unchanged };
  },
};
