/**
 * The roots cache folder and its layout:
 *
 * ```
 * <cache>/create.lock          exclusive while a base is being made
 * <cache>/bases/<key>/         read-only base trees, content-addressed (the folder exists only once complete)
 * <cache>/bases/<key>.json     what the base was made from
 * <cache>/bases/<key>.lock     shared by every build on that base, exclusive while removing it
 * <cache>/names/<name>.json    the "current" pointer of a named root, replaced with rename(2)
 * <cache>/layers/<key>/        cached build-dependency layers (overlay upper folders)
 * <cache>/builds/<id>/         one running command: owner, upper/, work/, root/ (mount point)
 * <cache>/tmp/                 bases and layers being made, with their owner
 * ```
 *
 * Anything in builds/ or tmp/ whose owner process is gone (kill -9) is
 * removed by the next command ({@link cleanStale}); its mounts lived in a
 * private mount namespace and went with it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { isAlive } from '../util/pid.ts';

/** Root names: one path component, safe in file names and messages. */
const NAME = /^[a-z0-9][a-z0-9._+-]{0,63}$/;

/** Throws unless `name` is a valid root name. */
export function checkRootName(name: string): void {
  if (!NAME.test(name) || name.includes('..'))
    throw new RelengError(`invalid root name "${name}"`, {
      hint: 'use lower-case letters, digits and . _ + - (at most 64 characters), e.g. bookworm-rpm',
    });
}

/** The cache folder: `--cache`, else `RELENG_ROOTS_DIR`, else a per-user default. */
export function rootsCacheDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir =
    explicit ??
    env.RELENG_ROOTS_DIR ??
    (process.getuid?.() === 0
      ? '/var/cache/releng/roots'
      : path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'releng', 'roots'));
  const abs = path.resolve(dir);
  // The paths go into overlayfs mount options, where , : and spaces are separators.
  if (/[,:\s\\"']/.test(abs))
    throw new RelengError(`the roots cache folder ${abs} contains , : quotes or spaces`, {
      hint: 'choose another folder with --cache or RELENG_ROOTS_DIR',
    });
  return abs;
}

/** Paths inside one cache folder. */
export class RootsCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  get createLock(): string {
    return path.join(this.dir, 'create.lock');
  }
  base(key: string): string {
    return path.join(this.dir, 'bases', key);
  }
  baseMeta(key: string): string {
    return path.join(this.dir, 'bases', `${key}.json`);
  }
  baseLock(key: string): string {
    return path.join(this.dir, 'bases', `${key}.lock`);
  }
  pointer(name: string): string {
    checkRootName(name);
    return path.join(this.dir, 'names', `${name}.json`);
  }
  layer(key: string): string {
    return path.join(this.dir, 'layers', key);
  }
  get buildsDir(): string {
    return path.join(this.dir, 'builds');
  }
  get tmpDir(): string {
    return path.join(this.dir, 'tmp');
  }

  /** Creates the folders. */
  async init(): Promise<void> {
    for (const sub of ['bases', 'names', 'layers', 'builds', 'tmp'])
      await mkdir(path.join(this.dir, sub), { recursive: true });
  }

  /** Reads a pointer; undefined when the name does not exist. */
  async readPointer(name: string): Promise<RootPointer | undefined> {
    try {
      return JSON.parse(await readFile(this.pointer(name), 'utf8')) as RootPointer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new RelengError(`cannot read ${this.pointer(name)}: ${(err as Error).message}`, {
        file: this.pointer(name),
        hint: `recreate it: releng root remove ${name} && releng root create ${name}`,
      });
    }
  }

  /** Switches a name to another base in one rename(2). */
  async writePointer(pointer: RootPointer): Promise<void> {
    await writeFileAtomic(this.pointer(pointer.name), `${JSON.stringify(pointer, null, 2)}\n`);
  }

  /** Every named root's pointer. */
  async pointers(): Promise<RootPointer[]> {
    const out: RootPointer[] = [];
    let names: string[] = [];
    try {
      names = await readdir(path.join(this.dir, 'names'));
    } catch {
      return out;
    }
    for (const f of names.sort()) {
      if (!f.endsWith('.json')) continue;
      const p = await this.readPointer(f.slice(0, -5));
      if (p) out.push(p);
    }
    return out;
  }
}

/** A named root's "current" pointer. */
export interface RootPointer {
  name: string;
  key: string;
  spec: import('./types.ts').RootSpec;
  created: string;
}

/** `pid starttime` of this process: pids are reused, the pair is not. */
export function ownerStamp(pid = process.pid): string {
  return `${pid} ${processStart(pid) ?? 0}\n`;
}

function processStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // From field 3 (state) on; the command name (field 2) may hold spaces, so count from its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) of a process. */
function processStart(pid: number): string | undefined {
  return processStat(pid)?.[19];
}

/**
 * Mount points at or below `dir` in this mount namespace. Nothing is
 * deleted while one exists: a recursive delete would walk into it.
 */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const point = line.split(' ')[4];
    if (!point) continue;
    const decoded = point.replace(/\\([0-7]{3})/g, (_m, o: string) =>
      String.fromCharCode(Number.parseInt(o, 8)),
    );
    if (decoded === dir || decoded.startsWith(`${dir}/`)) out.push(decoded);
  }
  return out;
}

/** Whether the process that wrote `stamp` is still running. */
export function ownerAlive(stamp: string): boolean {
  const [pidText, start] = stamp.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!isAlive(pid)) return false;
  const stat = processStat(pid);
  if (stat?.[0] === 'Z') return false; // exited, not yet reaped
  const now = stat?.[19];
  return now === undefined || start === '0' || now === start;
}

/** Names of the folders in `dir` (none when it is missing). */
function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * Removes what dead commands left in builds/ and tmp/ (each entry has an
 * `owner` file, written first). Returns the removed paths.
 */
export async function cleanStale(cache: RootsCache): Promise<string[]> {
  const removed: string[] = [];
  for (const area of [cache.buildsDir, cache.tmpDir]) {
    for (const entry of subdirs(area)) {
      const dir = path.join(area, entry);
      let stamp = '';
      try {
        stamp = readFileSync(path.join(dir, 'owner'), 'utf8');
      } catch {
        // no owner file (handled with an empty one below)
      }
      // No owner, or an empty one (read between its creation and its write):
      // being made right now, or made by a process killed in between; only
      // the latter is old.
      if (
        stamp.trim() === '' &&
        Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000
      )
        continue;
      if (stamp && ownerAlive(stamp)) continue;
      if (mountsUnder(dir).length) continue; // never delete through a mount; retried next time
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

/** Live builds per base key (read from their owner folders). */
export function runningBuilds(cache: RootsCache): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of subdirs(cache.buildsDir)) {
    const dir = path.join(cache.buildsDir, entry);
    try {
      if (!ownerAlive(readFileSync(path.join(dir, 'owner'), 'utf8'))) continue;
      const key = readFileSync(path.join(dir, 'base'), 'utf8').trim();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // starting or finishing
    }
  }
  return counts;
}
