import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Whether a process with this id is running on this host (signal 0: no
 * signal is sent). EPERM means it exists but belongs to another user.
 * Used to take over locks and temporary files left by dead processes.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the entries of `dir` (files or folders) that a process no longer
 * running left: `pidOf` reads the maker's pid from an entry's name (temporary
 * files and work folders are named by it), or gives undefined for an entry
 * that is not such a leftover. This process's own entries are kept. With
 * `ownOnly`, only entries this user owns (a folder shared with other users,
 * such as the system's temporary folder). A missing `dir` has nothing to remove.
 */
export async function removeDeadProcessEntries(
  dir: string,
  pidOf: (name: string) => number | undefined,
  options: { ownOnly?: boolean } = {},
): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const uid = options.ownOnly ? process.getuid?.() : undefined;
  for (const name of names) {
    const pid = pidOf(name);
    if (pid === undefined || pid === process.pid || isAlive(pid)) continue;
    const full = join(dir, name);
    if (uid !== undefined && statSync(full, { throwIfNoEntry: false })?.uid !== uid) continue;
    await rm(full, { recursive: true, force: true });
  }
}

/** The pid in a temporary file's name made by `tmpSibling` (or the YUM block cache), else undefined. */
export function temporaryPid(name: string): number | undefined {
  const m = /\.(?:releng-)?tmp-(\d+)(?:-[0-9a-z]+)?$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * A test hook: with `RELENG_TEST_KILL_AT=<name>` in the environment the
 * process kills itself (SIGKILL) when it reaches the named point of a
 * publish or another multi-step write, so the fault tests can stop it
 * exactly there.
 */
export function faultPoint(name: string): void {
  if (process.env.RELENG_TEST_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}
