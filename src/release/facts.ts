/** Reads what the plan needs from the repository and the files it edits. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertInside } from '../engine/contain.ts';
import { RelengError } from '../util/errors.ts';
import type { ResolvedReleaseConfig } from './config.ts';
import { type RepoFacts, tagGlob } from './plan.ts';
import type { Git } from './vcs.ts';

/** The date of entries: SOURCE_DATE_EPOCH when set (reproducible), else now. */
export function releaseDate(env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return new Date();
}

/** Reads a file the release may edit; it must stay inside the project (no `..`, no symlink out). */
export async function readProjectFile(root: string, rel: string): Promise<string | undefined> {
  const abs = join(root, rel);
  assertInside(abs, root, { action: 'edit', area: 'project' });
  try {
    return await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RelengError(`cannot read ${rel}: ${(err as Error).message}`, { file: rel });
  }
}

/** Gathers the facts of the working tree at `root` (the top of a git repository). */
export async function gatherFacts(
  git: Git,
  root: string,
  config: ResolvedReleaseConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RepoFacts> {
  const head = await git.head();
  const lastTag = head ? await git.lastTag(tagGlob(config.tagFormat)) : undefined;
  const files: Record<string, string | undefined> = {};
  const paths = [
    ...config.files.map((f) => f.path),
    ...(config.changelog ? [config.changelog] : []),
  ];
  for (const p of paths) files[p] = await readProjectFile(root, p);
  // git's own idea of who commits (config or GIT_COMMITTER_*), then Debian's variables.
  const ident = await git.run(['var', 'GIT_COMMITTER_IDENT']);
  const who = /^(.*<[^>]*>)/.exec(ident.code === 0 ? ident.stdout : '')?.[1];
  const deb = env.DEBFULLNAME && env.DEBEMAIL ? `${env.DEBFULLNAME} <${env.DEBEMAIL}>` : undefined;
  return {
    branch: await git.branch(),
    head,
    changed: await git.changedPaths(),
    tags: (await git.ok(['tag', '--list'])).split('\n').filter(Boolean),
    lastTag,
    commits: await git.commitsSince(lastTag),
    files,
    date: releaseDate(env),
    maintainer: config.maintainer ?? who ?? deb,
  };
}
