/**
 * Recovering from a publish that was killed (kill -9, power loss, a full
 * disk that stopped the process) in the APT and YUM writers.
 *
 * Before a publish creates its first file it writes a journal,
 * `.releng-repo/publishing.json`: which package files it is about to link
 * in and delete, and the folders where it makes temporary files. A
 * successful (or cleanly failed) publish deletes it. The next publish finds
 * it (under the repository lock) and, before doing anything else:
 *
 * - deletes the package files the killed run linked in that are not in the
 *   index (orphans: the index was not saved), and the files of packages it
 *   was removing once they are no longer indexed;
 * - deletes temporaries (`*.tmp-PID-*`, `*.releng-tmp-PID-*`) of processes
 *   that are gone, in those folders and in the state folder;
 * - does not take the short cut for an unchanged repository, so the index
 *   files, Release and signatures are written again whole.
 *
 * `repo verify` reports what a killed run leaves behind when no publish ran
 * since: temporaries ({@link findStaleTemporaries}) and package files that
 * no index lists.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { walkFilesSync, writeFileAtomic } from '../util/fs.ts';
import { faultPoint, isAlive, temporaryPid } from '../util/pid.ts';

// moved to util/pid.ts (the no-op record uses them too); kept here for their callers
export { faultPoint, temporaryPid };

import { STATE_DIR, statePath } from './index-store.ts';

/** The journal's file name in the state folder. */
export const JOURNAL = 'publishing.json';

/** What a publish in progress records (paths relative to the repository root, `/`-separated). */
export interface PublishJournal {
  format: 1;
  pid: number;
  /** Package files it links in under new names (orphans if the index was not saved). */
  created: string[];
  /** Package files it deletes once the new index is in place. */
  doomed: string[];
  /** Folders where it makes temporary files (besides the state folder). */
  dirs: string[];
  /**
   * Package files it replaces in place (`--replace`): the new content waits
   * under a temporary name until the switch, and the index saved before
   * the switch already describes it.
   */
  replaced?: string[];
}

/** True for a temporary file of a process other than this one that is no longer running. */
export function isStaleTemporary(name: string): boolean {
  const pid = temporaryPid(name);
  return pid !== undefined && pid !== process.pid && !isAlive(pid);
}

/**
 * Temporaries of dead processes under `relDirs` (recursively when `deep`),
 * relative to the root. Missing folders are skipped.
 */
export function findStaleTemporaries(root: string, relDirs: readonly string[], deep: boolean) {
  // A Set: overlapping folders (e.g. '' and 'pool' when deep) list a file once.
  const out = new Set<string>();
  for (const d of relDirs)
    walkFilesSync(
      root,
      d,
      (r, name) => {
        if (isStaleTemporary(name)) out.add(r);
      },
      () => deep,
    );
  return [...out].sort();
}

/** Deletes temporaries of dead processes; returns them (relative paths). */
export function removeStaleTemporaries(
  root: string,
  relDirs: readonly string[],
  deep: boolean,
): string[] {
  const found = findStaleTemporaries(root, relDirs, deep);
  for (const rel of found) rmSync(path.join(root, rel), { force: true });
  return found;
}

/** Reads the journal a killed publish left, if any. */
export async function readJournal(root: string): Promise<PublishJournal | undefined> {
  try {
    const j = JSON.parse(await readFile(statePath(root, JOURNAL), 'utf8')) as PublishJournal;
    return j.format === 1 && Array.isArray(j.created) ? j : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The package files a publish that is running now (its journal's process
 * is alive) is linking in: not leftovers, whatever verify sees meanwhile.
 */
export function filesBeingPublished(root: string): Set<string> {
  try {
    const j = JSON.parse(readFileSync(statePath(root, JOURNAL), 'utf8')) as PublishJournal;
    if (j.format === 1 && Array.isArray(j.created) && isAlive(j.pid)) return new Set(j.created);
  } catch {
    // no journal: no publish running
  }
  return new Set();
}

/** Writes the journal before a publish creates anything. */
export async function beginJournal(root: string, j: Omit<PublishJournal, 'format' | 'pid'>) {
  const body: PublishJournal = { format: 1, pid: process.pid, ...j };
  await writeFileAtomic(statePath(root, JOURNAL), `${JSON.stringify(body)}\n`);
}

/** Deletes the journal (the publish finished, or failed and removed what it wrote). */
export async function endJournal(root: string): Promise<void> {
  await rm(statePath(root, JOURNAL), { force: true });
}

/**
 * Repairs what the killed publish of `journal` left (see the module
 * comment). `indexed` tells whether a path is in the index as it is on
 * disk. Returns the paths deleted, relative to the root.
 */
export function recoverInterrupted(
  root: string,
  journal: PublishJournal,
  indexed: (rel: string) => boolean,
  extraDirs: readonly string[],
  indexedInode: (rel: string) => number | undefined = () => undefined,
): string[] {
  const removed: string[] = [];
  // A replacement whose index was saved but whose rename did not happen:
  // the temporary holding the new content (the inode the index recorded)
  // is renamed into place, so the file matches the index again.
  for (const rel of journal.replaced ?? []) {
    const ino = indexedInode(rel);
    if (ino === undefined || rel.split('/').includes('..')) continue;
    const dest = path.join(root, rel);
    const dir = path.dirname(dest);
    const base = `${path.basename(dest)}.`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!n.startsWith(base) || !isStaleTemporary(n)) continue;
      const tmp = path.join(dir, n);
      try {
        if (statSync(tmp).ino === ino) {
          renameSync(tmp, dest);
          removed.push(`${rel} (completed)`);
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  for (const rel of [...journal.created, ...journal.doomed]) {
    if (rel.split('/').includes('..') || path.isAbsolute(rel) || indexed(rel)) continue;
    try {
      rmSync(path.join(root, rel));
      removed.push(rel);
    } catch {
      // already gone
    }
  }
  removed.push(...removeStaleTemporaries(root, [...journal.dirs, ...extraDirs], true));
  removed.push(...removeStaleTemporaries(root, [STATE_DIR], true));
  return removed;
}
