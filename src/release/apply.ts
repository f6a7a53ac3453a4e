/**
 * Carries out a release plan, one step at a time, with the journal written
 * first: edit the files, commit, tag, push. Each step first looks at what
 * is already there, so the same function finishes a release a kill -9
 * interrupted (see {@link inspectRelease}); nothing ever tags a commit other
 * than the one whose parent is the plan's base and whose files are the
 * plan's.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { faultPoint, removeStaleTemporaries } from '../repository/recovery.ts';
import type { Signer } from '../repository/signing/index.ts';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { readProjectFile } from './facts.ts';
import { signedCommit, signedTag } from './git-objects.ts';
import { type ReleaseJournal, removeReleaseJournal, writeReleaseJournal } from './journal.ts';
import type { ReleasePlan } from './plan.ts';
import type { Git } from './vcs.ts';

/** Where the release runs. */
export interface ReleaseContext {
  git: Git;
  /** Top of the working tree. */
  root: string;
  gitDir: string;
  /** Progress lines. */
  log: (line: string) => void;
  /** Opens releng's OpenPGP key when the plan signs with one. */
  openSigner?: () => Promise<Signer>;
  /** Runs once the tag exists: makes the release folder and uploads it. */
  publish?: (plan: ReleasePlan, commit: string) => Promise<void>;
}

/** How far an interrupted release got. */
export type ReleaseStage =
  /** HEAD is the base: files may be partly edited. */
  | { stage: 'editing'; done: string[]; pending: string[] }
  /** HEAD is the release commit, not tagged yet. */
  | { stage: 'committed'; commit: string }
  /** The tag exists on the release commit. */
  | { stage: 'tagged'; commit: string };

/** Files whose content is neither before nor after: someone edited them meanwhile. */
async function fileStates(ctx: ReleaseContext, plan: ReleasePlan) {
  const done: string[] = [];
  const pending: string[] = [];
  const foreign: string[] = [];
  for (const e of plan.edits) {
    const now = await readProjectFile(ctx.root, e.path);
    if (now === e.after) done.push(e.path);
    else if (now === e.before) pending.push(e.path);
    else foreign.push(e.path);
  }
  return { done, pending, foreign };
}

/** Is `commit` the plan's release commit: child of the base, its message, the plan's files? */
async function isReleaseCommit(
  ctx: ReleaseContext,
  plan: ReleasePlan,
  commit: string,
): Promise<boolean> {
  const info = await ctx.git.commitInfo(commit);
  if (info.parents.length !== 1 || info.parents[0] !== plan.base) return false;
  if (info.message !== plan.commitMessage) return false;
  for (const e of plan.edits) {
    const blob = await ctx.git.show(commit, e.path);
    if (blob === undefined || blob.toString('utf8') !== e.after) return false;
  }
  return true;
}

/** Works out where an interrupted release stopped; throws when the repository moved on in a way that cannot be reconciled. */
export async function inspectRelease(
  ctx: ReleaseContext,
  plan: ReleasePlan,
): Promise<ReleaseStage> {
  const head = await ctx.git.head();
  const tagged = await ctx.git.tagCommit(plan.tag);
  if (tagged !== undefined) {
    if (await isReleaseCommit(ctx, plan, tagged)) return { stage: 'tagged', commit: tagged };
    throw new RelengError(
      `tag ${plan.tag} exists but is not on the release commit of ${plan.next}`,
      {
        hint: 'someone else made that tag: inspect it; `releng release abort` forgets the interrupted release',
      },
    );
  }
  if (head === plan.base) {
    const { done, pending, foreign } = await fileStates(ctx, plan);
    if (foreign.length > 0)
      throw new RelengError(
        `the interrupted release of ${plan.next} cannot continue: ${foreign.join(', ')} changed since`,
        {
          hint: 'restore those files (git checkout -- FILE), then run again; or `releng release abort`',
        },
      );
    return { stage: 'editing', done, pending };
  }
  if (head !== undefined && (await isReleaseCommit(ctx, plan, head)))
    return { stage: 'committed', commit: head };
  throw new RelengError(
    `the interrupted release of ${plan.next} cannot continue: HEAD moved away from ${plan.base.slice(0, 12)}`,
    { hint: 'check out the branch where it was, or `releng release abort` to forget it' },
  );
}

/** Removes temporaries a killed write left beside the edited files. */
function removeTemporaries(ctx: ReleaseContext, plan: ReleasePlan): void {
  const dirs = [...new Set(plan.edits.map((e) => dirname(e.path)))];
  removeStaleTemporaries(ctx.root, dirs, false);
  removeStaleTemporaries(ctx.gitDir, ['.'], false);
}

/** Applies a plan from wherever it stands (a fresh plan starts at 'editing' with every file pending). */
export async function applyPlan(ctx: ReleaseContext, journal: ReleaseJournal): Promise<string> {
  const { plan } = journal;
  removeTemporaries(ctx, plan);
  let stage = await inspectRelease(ctx, plan);
  if (stage.stage === 'editing') {
    for (const e of plan.edits) {
      if (!stage.pending.includes(e.path)) continue;
      await writeFileAtomic(join(ctx.root, e.path), e.after);
      ctx.log(`edited ${e.path}`);
      faultPoint('release-after-edit');
    }
    faultPoint('release-after-edits');
    const commit = await commitRelease(ctx, plan);
    ctx.log(`committed ${commit.slice(0, 12)} ${plan.commitMessage}`);
    faultPoint('release-after-commit');
    await writeReleaseJournal(ctx.gitDir, { ...journal, commit });
    stage = { stage: 'committed', commit };
  }
  if (stage.stage === 'committed') {
    await tagRelease(ctx, plan, stage.commit);
    ctx.log(`tagged ${plan.tag}`);
    faultPoint('release-after-tag');
    stage = { stage: 'tagged', commit: stage.commit };
  }
  if (ctx.publish) await ctx.publish(plan, stage.commit);
  if (plan.push) {
    await ctx.git.ok([
      'push',
      '--atomic',
      plan.push,
      `refs/heads/${plan.branch}`,
      `refs/tags/${plan.tag}`,
    ]);
    ctx.log(`pushed ${plan.branch} and ${plan.tag} to ${plan.push}`);
  }
  await removeReleaseJournal(ctx.gitDir);
  return stage.commit;
}

async function commitRelease(ctx: ReleaseContext, plan: ReleasePlan): Promise<string> {
  const paths = plan.edits.map((e) => e.path);
  await ctx.git.ok(['add', '--', ...paths]);
  if (plan.sign !== false && 'key' in plan.sign) {
    const signer = await requireSigner(ctx);
    return signedCommit(ctx.git, signer, {
      parent: plan.base,
      branch: plan.branch,
      message: plan.commitMessage,
    });
  }
  const sign = plan.sign !== false ? [plan.sign.gpgKey ? `-S${plan.sign.gpgKey}` : '-S'] : [];
  await ctx.git.ok(['commit', '--quiet', ...sign, '-m', plan.commitMessage, '--', ...paths]);
  return (await ctx.git.head()) as string;
}

async function tagRelease(ctx: ReleaseContext, plan: ReleasePlan, commit: string): Promise<void> {
  if (plan.sign !== false && 'key' in plan.sign) {
    await signedTag(ctx.git, await requireSigner(ctx), {
      commit,
      tag: plan.tag,
      message: plan.tagMessage,
    });
    return;
  }
  const sign = plan.sign === false ? ['-a'] : plan.sign.gpgKey ? ['-u', plan.sign.gpgKey] : ['-s'];
  // verbatim: the notes' `## 1.2.0` headings are not comments to strip.
  await ctx.git.ok(
    ['tag', ...sign, '--cleanup=verbatim', '-F', '-', plan.tag, commit],
    plan.tagMessage,
  );
}

async function requireSigner(ctx: ReleaseContext): Promise<Signer> {
  if (!ctx.openSigner)
    throw new RelengError('the release is signed with a key, but no key was opened');
  return ctx.openSigner();
}

/** Undoes an interrupted release: files back as they were, the release commit (not yet tagged) removed. */
export async function rollBack(ctx: ReleaseContext, plan: ReleasePlan): Promise<void> {
  removeTemporaries(ctx, plan);
  const stage = await inspectRelease(ctx, plan);
  if (stage.stage === 'tagged')
    throw new RelengError(`${plan.tag} is tagged already: the release is complete`, {
      hint: 'a published tag is not rolled back; make a new release instead',
    });
  if (stage.stage === 'committed') {
    // --keep: moves the branch back and resets the edited files, refusing if that would lose other changes.
    await ctx.git.ok(['reset', '--quiet', '--keep', plan.base]);
  } else {
    for (const e of plan.edits) {
      if (!stage.done.includes(e.path)) continue;
      if (e.before === undefined) await rm(join(ctx.root, e.path), { force: true });
      else await writeFileAtomic(join(ctx.root, e.path), e.before);
    }
    await ctx.git.run(['reset', '--quiet', '--', ...plan.edits.map((e) => e.path)]);
  }
  await removeReleaseJournal(ctx.gitDir);
}
