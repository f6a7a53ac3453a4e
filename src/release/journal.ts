/**
 * The release journal: the plan being applied, written (durably, through a
 * temporary file and a rename) before the first file is touched, to
 * `.git/releng-release.json` so it never dirties the tree. A release killed
 * anywhere leaves it behind; the next run reads it to finish the same
 * release or roll it back (recover.ts) instead of computing a new one.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { isAlive } from '../util/pid.ts';
import type { ReleasePlan } from './plan.ts';

const NAME = 'releng-release.json';

/** What is on disk: the plan, and the commit once made. */
export interface ReleaseJournal {
  format: 1;
  plan: ReleasePlan;
  /** The release commit, once `git commit` has returned. */
  commit?: string;
  /** The process applying it (a second `apply` while it runs is refused). */
  pid?: number;
}

export const journalPath = (gitDir: string) => join(gitDir, NAME);

/** The journal a release left, if any. */
export async function readReleaseJournal(gitDir: string): Promise<ReleaseJournal | undefined> {
  let text: string;
  try {
    text = await readFile(journalPath(gitDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as ReleaseJournal;
    if (j.format === 1 && typeof j.plan?.tag === 'string') return j;
  } catch {
    // fall through
  }
  throw new RelengError(`the release journal ${journalPath(gitDir)} is unreadable`, {
    file: journalPath(gitDir),
    hint: 'inspect it; `releng release abort` removes it',
  });
}

export async function writeReleaseJournal(gitDir: string, j: ReleaseJournal): Promise<void> {
  const body = { ...j, pid: process.pid };
  await writeFileAtomic(journalPath(gitDir), `${JSON.stringify(body, null, 1)}\n`, {
    durable: true,
  });
}

/** Refuses to touch a release another live process is applying. */
export function assertNotRunning(j: ReleaseJournal, gitDir: string): void {
  if (j.pid !== undefined && j.pid !== process.pid && isAlive(j.pid))
    throw new RelengError(`a release of ${j.plan.next} is being applied by process ${j.pid}`, {
      file: journalPath(gitDir),
      hint: 'wait for it to finish; if that process is not releng, remove the journal file',
    });
}

export async function removeReleaseJournal(gitDir: string): Promise<void> {
  await rm(journalPath(gitDir), { force: true });
}
