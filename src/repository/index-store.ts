/**
 * What a repository has already indexed, shared by the APT and YUM writers.
 *
 * Everything lives in `<repo>/.releng-repo/` (never published: it holds no
 * secret, but it is internal):
 *
 * - `config.json`: the repository's type (`apt` | `yum`) and settings
 *   ({@link readRepoConfig}, {@link writeRepoConfig});
 * - `<name>.json`: an {@link IndexStore}, one entry per package file, keyed by
 *   its path relative to the repository, with the file's stamp (size, mtime,
 *   inode), its digests and whatever the format needs to write its index
 *   without opening the file again (a Packages stanza, a primary.xml entry);
 * - `lock`: held while a command changes the repository ({@link lockRepository}).
 *
 * An entry is trusted while the file's stamp is unchanged, so adding or
 * removing one package re-reads only that package.
 */
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { RelengError } from '../util/errors.ts';
import { tmpSibling, writeFileAtomic } from '../util/fs.ts';
import { isAlive } from '../util/pid.ts';

/** The state folder inside a repository. */
export const STATE_DIR = '.releng-repo';

/** Repository kinds releng writes. */
export type RepoType = 'apt' | 'yum';

/** `config.json`: the type plus format-specific settings. */
export interface RepoConfigFile {
  type: RepoType;
  /** Layout version of the state folder. */
  format: 1;
  [key: string]: unknown;
}

/** Path of a file in the state folder. */
export function statePath(repoDir: string, name: string): string {
  return path.join(repoDir, STATE_DIR, name);
}

/** Reads `config.json`, or undefined when the folder is not a releng repository. */
export async function readRepoConfig(repoDir: string): Promise<RepoConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(statePath(repoDir, 'config.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as RepoConfigFile;
    if (parsed.type !== 'apt' && parsed.type !== 'yum') throw new Error('no type');
    return parsed;
  } catch (err) {
    throw new RelengError(`corrupt repository configuration: ${(err as Error).message}`, {
      file: statePath(repoDir, 'config.json'),
    });
  }
}

/** Writes `config.json` atomically. */
export async function writeRepoConfig(repoDir: string, config: RepoConfigFile): Promise<void> {
  await writeFileAtomic(statePath(repoDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * The kind of repository in a folder: from `config.json`, else guessed from
 * its contents (`dists/` or `Release` → apt, `repodata/` → yum).
 */
export async function detectRepoType(repoDir: string): Promise<RepoType | undefined> {
  const config = await readRepoConfig(repoDir);
  if (config) return config.type;
  const isDir = async (p: string): Promise<boolean> =>
    stat(path.join(repoDir, p)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  const isFile = async (p: string): Promise<boolean> =>
    stat(path.join(repoDir, p)).then(
      (s) => s.isFile(),
      () => false,
    );
  if (await isDir('repodata')) return 'yum';
  if ((await isDir('dists')) || (await isFile('Release')) || (await isFile('Packages')))
    return 'apt';
  return undefined;
}

/** What identifies a file's version without reading it. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The stamp of a stat result. */
export function stampOf(st: { size: number; mtimeMs: number; ino: number }): FileStamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
}

/** True when two stamps describe the same file version. */
export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** One indexed package file. */
export interface IndexedFile<M> {
  /** Path relative to the repository root, with `/` separators. */
  path: string;
  stamp: FileStamp;
  /** Hex digests of the file. */
  sha256: string;
  sha512?: string;
  /** Format-specific data (a Packages stanza, a primary.xml entry, …). */
  meta: M;
}

interface StoreFile<M> {
  format: 1;
  entries: Array<IndexedFile<M>>;
}

/**
 * An in-memory map of indexed files, loaded from and saved to
 * `<repo>/.releng-repo/<name>.json`. Changes are kept in memory until
 * {@link IndexStore.save}, which replaces the file atomically.
 */
export class IndexStore<M> {
  readonly repoDir: string;
  readonly name: string;
  #entries: Map<string, IndexedFile<M>>;

  private constructor(repoDir: string, name: string, entries: Map<string, IndexedFile<M>>) {
    this.repoDir = repoDir;
    this.name = name;
    this.#entries = entries;
  }

  /** Loads `<name>.json` (an empty store when it does not exist). */
  static async open<M>(repoDir: string, name: string): Promise<IndexStore<M>> {
    const file = statePath(repoDir, `${name}.json`);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const entries = new Map<string, IndexedFile<M>>();
    if (text !== undefined) {
      let parsed: StoreFile<M>;
      try {
        parsed = JSON.parse(text) as StoreFile<M>;
        if (parsed.format !== 1 || !Array.isArray(parsed.entries)) throw new Error('bad format');
      } catch (err) {
        throw new RelengError(`corrupt repository index: ${(err as Error).message}`, {
          file,
          hint: 'rebuild it with `releng repo index --full`',
        });
      }
      for (const e of parsed.entries) entries.set(e.path, e);
    }
    return new IndexStore<M>(repoDir, name, entries);
  }

  /** A copy holding the same entries (for staging changes without touching this one). */
  clone(): IndexStore<M> {
    return new IndexStore<M>(this.repoDir, this.name, new Map(this.#entries));
  }

  get size(): number {
    return this.#entries.size;
  }

  get(relPath: string): IndexedFile<M> | undefined {
    return this.#entries.get(relPath);
  }

  has(relPath: string): boolean {
    return this.#entries.has(relPath);
  }

  set(entry: IndexedFile<M>): void {
    this.#entries.set(entry.path, entry);
  }

  delete(relPath: string): boolean {
    return this.#entries.delete(relPath);
  }

  /** Entries in insertion order. */
  entries(): Array<IndexedFile<M>> {
    return [...this.#entries.values()];
  }

  /**
   * Whether the entry for a path still describes the file on disk (same size,
   * mtime and inode). One stat, no read.
   */
  async isCurrent(relPath: string): Promise<boolean> {
    const entry = this.#entries.get(relPath);
    if (!entry) return false;
    try {
      return sameStamp(entry.stamp, stampOf(await stat(path.join(this.repoDir, relPath))));
    } catch {
      return false;
    }
  }

  /** The serialised store (what {@link save} writes). */
  serialize(): string {
    const body: StoreFile<M> = { format: 1, entries: this.entries() };
    return JSON.stringify(body);
  }

  /** Replaces `<name>.json` atomically. */
  async save(): Promise<void> {
    await writeFileAtomic(statePath(this.repoDir, `${this.name}.json`), this.serialize());
  }
}

/** A held repository lock. */
export interface RepoLock {
  release(): Promise<void>;
}

/**
 * Takes `<repo>/.releng-repo/lock` (O_EXCL). A lock left by a dead process on
 * this host is taken over; a live one is an error naming its holder.
 */
export async function lockRepository(repoDir: string): Promise<RepoLock> {
  const file = statePath(repoDir, 'lock');
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Written aside, then linked: the lock never exists without its holder
      // (a process killed between create and write left an empty, eternal lock).
      const tmp = tmpSibling(file);
      const handle = await open(tmp, 'wx', 0o644);
      try {
        await handle.writeFile(me);
      } finally {
        await handle.close();
      }
      try {
        await link(tmp, file);
      } finally {
        await rm(tmp, { force: true });
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new RelengError(`'${repoDir}' is not a releng repository`, {
          hint: 'create it first: releng repo create DIR',
        });
      }
      if (code !== 'EEXIST') throw asWriteError(err, repoDir);
      const holder = await readFile(file, 'utf8').catch(() => '');
      const [pidText, host] = holder.split(' ');
      const pid = Number(pidText);
      if (host === hostname() && Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
        await rm(file, { force: true });
        continue;
      }
      throw new RelengError(
        `repository '${repoDir}' is locked by process ${pidText || '?'}${host ? ` on ${host}` : ''}`,
        { hint: `wait for it, or remove ${file} if that process is gone` },
      );
    }
  }
  throw new RelengError(`cannot lock repository '${repoDir}'`);
}

/** Turns a file-system error into a clear "cannot write" error. */
export function asWriteError(err: unknown, repoDir: string): RelengError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS')
    return new RelengError(`repository '${repoDir}' is not writable (${e.code})`, {
      hint: 'check the permissions of the folder and its files',
    });
  if (e.code === 'ENOSPC') return new RelengError(`no space left while writing '${repoDir}'`);
  if (err instanceof RelengError) return err;
  return new RelengError(`cannot write repository '${repoDir}': ${e.message}`);
}

/**
 * Opens a repository folder of one type: refuses a folder holding the other
 * type, or no repository when creating is not allowed; otherwise creates the
 * state folder of a new one. Returns the absolute root and the stored config
 * (undefined for a new repository). `fail` builds the caller's error type.
 */
export async function openRepoDir(
  dir: string,
  type: RepoType,
  create: boolean,
  fail: (message: string, hint?: string) => RelengError,
): Promise<{ root: string; existing: RepoConfigFile | undefined }> {
  const root = path.resolve(dir);
  const existing = await readRepoConfig(root);
  const label = type.toUpperCase();
  if (existing && existing.type !== type) {
    const article = existing.type === 'apt' ? 'an' : 'a';
    throw fail(
      `'${dir}' is ${article} ${existing.type} repository, not ${type === 'apt' ? 'an' : 'a'} ${label} one`,
    );
  }
  if (!existing && !create) {
    throw fail(
      `'${dir}' is not a releng ${label} repository`,
      `create it with \`releng repo create DIR${type === 'yum' ? ' --type yum' : ''}\``,
    );
  }
  if (!existing) {
    const st = await stat(root).catch(() => undefined);
    if (st && !st.isDirectory()) throw fail(`'${dir}' is not a folder`);
    try {
      await mkdir(path.join(root, STATE_DIR), { recursive: true });
    } catch (err) {
      throw asWriteError(err, root);
    }
  }
  return { root, existing };
}
