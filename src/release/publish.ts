/**
 * After the tag: the release folder (dist/) and its uploads (upload/), for
 * `releng release apply` and for `releng release dist|upload` on a tag
 * made earlier.
 */
import type { SbomPackage } from '../licenses/sbom.ts';
import type { Signer } from '../repository/signing/index.ts';
import { RelengError } from '../util/errors.ts';
import type { ResolvedReleaseConfig } from './config.ts';
import { buildDist, type DistResult } from './dist/index.ts';
import { type UploadReport, uploadAll } from './upload/index.ts';
import type { Git } from './vcs.ts';

/** What publishing needs beside the version. */
export interface PublishContext {
  git: Git;
  root: string;
  /** The project root relative to the top of the git tree. */
  subdir: string;
  config: ResolvedReleaseConfig;
  /** The environment of commands started (builds, git): no secrets in it. */
  env: NodeJS.ProcessEnv;
  /** The environment uploads read credentials from (used in this process only). */
  uploadEnv: NodeJS.ProcessEnv;
  log: (line: string) => void;
  relengVersion: string;
  /** The project's packages and folders (for the SBOM and provenance). */
  project: () => Promise<{ packages: SbomPackage[]; dl: string; cache: string }>;
  /** The signer of SHA256SUMS, when the release is signed. */
  signer?: () => Promise<Signer>;
}

/** The time every generated file carries: SOURCE_DATE_EPOCH, else the release commit's time. */
export async function releaseEpoch(
  git: Git,
  commit: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const e = env.SOURCE_DATE_EPOCH;
  if (e !== undefined && /^\d+$/.test(e)) return Number(e);
  return Number((await git.ok(['log', '-1', '--format=%ct', commit])).trim());
}

/** Makes the release folder of `tag` (at `commit`). */
export async function makeDist(
  ctx: PublishContext,
  version: string,
  tag: string,
  commit: string,
): Promise<DistResult> {
  const project = await ctx.project();
  return buildDist({
    git: ctx.git,
    root: ctx.root,
    subdir: ctx.subdir,
    config: ctx.config,
    version,
    tag,
    commit,
    relengVersion: ctx.relengVersion,
    packages: project.packages,
    dl: project.dl,
    cache: project.cache,
    sourceDateEpoch: await releaseEpoch(ctx.git, commit, ctx.env),
    env: ctx.env,
    log: ctx.log,
    signer: ctx.signer,
  });
}

/** Uploads a release folder to the configured targets. */
export async function uploadDist(
  ctx: PublishContext,
  dist: DistResult,
  version: string,
): Promise<UploadReport[]> {
  return uploadAll(
    { dist, name: ctx.config.name, version, root: ctx.root, env: ctx.uploadEnv, log: ctx.log },
    ctx.config.uploads,
  );
}

/** The tag of a version, which must exist and name a commit. */
export async function taggedCommit(git: Git, tag: string): Promise<string> {
  const commit = await git.tagCommit(tag);
  if (!commit)
    throw new RelengError(`there is no tag ${tag}`, {
      hint: 'make the release first: releng release apply',
    });
  return commit;
}
