import { type Dirent, readdirSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the new, never
 * a partial one: write to a temporary sibling, then rename over. A killed
 * process leaves at most a stray temporary file. `durable` also flushes to
 * disk first (survives a power cut; costs a sync).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { durable?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpSibling(path);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    if (options.durable) await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Produces `path` through a temporary sibling: `write(tmp)` fills it, then it
 * is renamed over `path`. On any failure the temporary file is removed and
 * `path` is as it was.
 */
export async function replaceVia(
  path: string,
  write: (tmp: string) => Promise<void>,
  tag?: string,
): Promise<void> {
  const tmp = tmpSibling(path, tag);
  try {
    await write(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** True when the path exists (any type; symlinks are followed). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when the path is a regular file (symlinks are followed). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

let tmpCounter = 0;

/**
 * A temporary sibling of `path` for write-then-rename: unique in this
 * process (a counter) and across processes (the pid). `tag` names who made
 * it (`tmp`, or `releng-tmp` where the folder is shared with other tools).
 */
export function tmpSibling(path: string, tag = 'tmp'): string {
  tmpCounter++;
  return `${path}.${tag}-${process.pid}-${tmpCounter.toString(36)}${Math.floor(Math.random() * 0x100000).toString(36)}`;
}

/**
 * The first of the candidate paths that is a regular file, if any. The
 * stats are synchronous: a few microseconds each, where an awaited one is a
 * thread-pool round trip (this runs on every start-up).
 */
export async function firstFile(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    try {
      if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    } catch {
      // not reachable (a file where a folder should be, no permission): try the next one
    }
  }
  return undefined;
}

/** Formats a duration in milliseconds as releng-tool does: `0:01:05`. */
export function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/**
 * Walks the files under `root/start` synchronously, calling `visit` with each
 * file's path relative to `root` (`/`-separated) and its name. A folder is
 * entered when `enter(parentRel, name)` says so (default: always); folders
 * that cannot be read (missing, vanished meanwhile) are skipped.
 */
export function walkFilesSync(
  root: string,
  start: string,
  visit: (rel: string, name: string) => void,
  enter: (parentRel: string, name: string) => boolean = () => true,
): void {
  const walk = (rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of entries) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (enter(rel, d.name)) walk(r);
      } else visit(r, d.name);
    }
  };
  walk(start);
}
