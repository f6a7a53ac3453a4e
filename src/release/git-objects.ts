/**
 * Signed commits and tags made with releng's own OpenPGP key (no gpg
 * needed): the object text is built as git would, signed with a detached
 * signature, and written with git's plumbing. `git verify-commit` and
 * `git tag -v` check them with gpg like any other signed object.
 */
import type { Signer } from '../repository/signing/index.ts';
import { RelengError } from '../util/errors.ts';
import type { Git } from './vcs.ts';

async function signText(signer: Signer, text: string): Promise<string> {
  const sig = await signer.detachSign(new TextEncoder().encode(text), { armor: true });
  const armored = typeof sig === 'string' ? sig : new TextDecoder().decode(sig);
  return armored.endsWith('\n') ? armored : `${armored}\n`;
}

/** Commits the index on top of `parent` with a signature, and moves `branch` there only if it still is at `parent`. */
export async function signedCommit(
  git: Git,
  signer: Signer,
  opts: { parent: string; branch: string; message: string },
): Promise<string> {
  const tree = (await git.ok(['write-tree'])).trim();
  const author = (await git.ok(['var', 'GIT_AUTHOR_IDENT'])).trim();
  const committer = (await git.ok(['var', 'GIT_COMMITTER_IDENT'])).trim();
  const head = `tree ${tree}\nparent ${opts.parent}\nauthor ${author}\ncommitter ${committer}\n`;
  const body = `\n${opts.message}\n`;
  const sig = await signText(signer, head + body);
  const gpgsig = `gpgsig ${sig.trimEnd().split('\n').join('\n ')}\n`;
  const commit = (
    await git.ok(['hash-object', '-t', 'commit', '-w', '--stdin'], head + gpgsig + body)
  ).trim();
  await git.ok([
    'update-ref',
    '-m',
    `release: ${opts.message}`,
    `refs/heads/${opts.branch}`,
    commit,
    opts.parent,
  ]);
  return commit;
}

/** Makes a signed annotated tag; fails (never moves it) when the tag exists. */
export async function signedTag(
  git: Git,
  signer: Signer,
  opts: { commit: string; tag: string; message: string },
): Promise<void> {
  const tagger = (await git.ok(['var', 'GIT_COMMITTER_IDENT'])).trim();
  const text = `object ${opts.commit}\ntype commit\ntag ${opts.tag}\ntagger ${tagger}\n\n${opts.message.trimEnd()}\n`;
  const obj = (await git.ok(['mktag'], text + (await signText(signer, text)))).trim();
  const r = await git.run(['update-ref', `refs/tags/${opts.tag}`, obj, '']);
  if (r.code !== 0)
    throw new RelengError(`tag ${opts.tag} exists already`, { hint: 'releng never moves a tag' });
}
