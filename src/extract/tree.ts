/**
 * The only code that writes extracted entries to disk. Every entry goes
 * through here, whatever the archive format, and nothing is written outside
 * `dest`:
 *
 * - names are checked before anything else: absolute names and names with a
 *   `..` component are refused (before stripping, so `pkg/../../x` is refused
 *   even with a strip count that would hide it);
 * - leading components are stripped the way GNU tar's --strip-components
 *   counts them (`.` counts, repeated slashes do not); entries with no
 *   component left are skipped;
 * - every directory above an entry is known to be a real directory: either
 *   created by this extraction (remembered in `nodes`) or found on disk with
 *   lstat (which never follows a symlink). A parent that is a symlink (one the
 *   archive made earlier, or one already in `dest`) or a file refuses the
 *   entry: nothing is ever written *through* a symlink;
 * - the last component is created with O_CREAT|O_EXCL|O_NOFOLLOW (files),
 *   mkdir or symlink, all of which fail rather than follow an existing link;
 *   an existing file or symlink of that name (a duplicate entry: the later one
 *   wins, as with tar) is unlinked first, which removes the link, not its
 *   target. Replacing a directory with a non-directory is refused;
 * - hard links may only point at a regular file (or symlink) this extraction
 *   made, so never at anything outside;
 * - symlinks are created as they are, whatever they point at (sources hold
 *   absolute and dangling links), and are never followed: times are set with
 *   lutimes.
 *
 * Modes: files keep their permission bits (mode & 0o777) less the umask, like
 * GNU tar run by an ordinary user; set-id and sticky bits are dropped.
 * Directories additionally always get u+rwx, so the tree can be patched and
 * wiped. Directory modes and times are applied at the end (files written into
 * a directory change its mtime).
 */
import {
  chmodSync,
  closeSync,
  constants,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { describe, ExtractError } from './errors.ts';
import { type ByteBudget, budgetExceeded } from './limits.ts';

type Kind = 'dir' | 'file' | 'symlink';

interface PendingDir {
  mode: number;
  mtime: number;
  /** Whether the directory exists with another mode (made implicitly, or found). */
  chmod: boolean;
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export interface TreeStats {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Entries skipped because the strip count consumed their whole name. */
  skipped: number;
  /** File data written, in bytes. */
  bytes: number;
}

export class SafeTree {
  readonly stats: TreeStats = {
    files: 0,
    dirs: 0,
    symlinks: 0,
    hardlinks: 0,
    skipped: 0,
    bytes: 0,
  };
  private readonly root: string;
  private readonly nodes = new Map<string, Kind>();
  private readonly symlinkTargets = new Map<string, string>();
  private readonly pendingDirs = new Map<string, PendingDir>();
  private readonly umask = process.umask();
  private openFd = -1;
  private openMtime = 0;
  /** The entry being written, for error messages. */
  entry: string | undefined;

  private readonly archive: string;
  readonly stripCount: number;
  /** What the extraction may write in all (limits.ts), if limited. */
  private readonly budget: ByteBudget | undefined;
  /** The package, for the message when the budget is exceeded. */
  private readonly pkg: string | undefined;

  constructor(archive: string, dest: string, strip: number, budget?: ByteBudget, pkg?: string) {
    this.archive = archive;
    this.stripCount = strip;
    this.root = dest.endsWith('/') ? dest : `${dest}/`;
    this.budget = budget;
    this.pkg = pkg;
  }

  /** The error for an extraction that would write more than its budget. */
  private overBudget(entry: string | undefined): ExtractError {
    const { reason, hint } = budgetExceeded(this.budget!, this.pkg);
    return new ExtractError(this.archive, entry, reason, hint);
  }

  /** Decompressed archive bytes read so far (tar), checked against the same budget. */
  private consumed = 0;

  /** Counts `n` more bytes of the decompressed archive; refuses once past the budget. */
  consume(n: number): void {
    this.consumed += n;
    if (this.budget && this.consumed > this.budget.bytes) throw this.overBudget(this.entry);
  }

  /**
   * Refuses up front what is declared to expand beyond the budget (a zip's
   * central directory gives every size before anything is written).
   */
  reserve(declaredBytes: number): void {
    if (this.budget && declaredBytes > this.budget.bytes) throw this.overBudget(undefined);
  }

  /** An ExtractError for the current entry (or the given one). */
  refuse(reason: string, entry: string | undefined = this.entry): ExtractError {
    return new ExtractError(this.archive, entry, reason);
  }

  /**
   * Checks an entry name and strips it: the relative path to write, '' for
   * the destination itself, or undefined when stripping leaves nothing.
   */
  resolve(name: string, what = 'path'): string | undefined {
    if (name.includes('\0')) throw this.refuse(`${what} contains a NUL byte, refused`);
    if (name.startsWith('/')) throw this.refuse(`${what} is absolute, refused`);
    const parts = name.split('/').filter((p) => p !== '');
    if (parts.includes('..')) throw this.refuse(`${what} contains "..", refused`);
    if (parts.length <= this.stripCount) return undefined;
    const kept: string[] = [];
    for (let i = this.stripCount; i < parts.length; i++) if (parts[i] !== '.') kept.push(parts[i]!);
    return kept.join('/');
  }

  private abs(rel: string): string {
    return this.root + rel;
  }

  /** Makes sure every directory above `rel` is a real directory (see the module comment). */
  private ensureParent(rel: string): void {
    const slash = rel.lastIndexOf('/');
    if (slash < 0) return;
    const parent = rel.slice(0, slash);
    if (this.nodes.get(parent) === 'dir') return; // its ancestors were checked when it was made
    let end = -1;
    do {
      end = rel.indexOf('/', end + 1);
      const prefix = rel.slice(0, end);
      const kind = this.nodes.get(prefix);
      if (kind === 'dir') continue;
      if (kind === 'symlink') {
        throw this.refuse(
          `"${prefix}" is a symbolic link made by this archive; writing "${rel}" would go through it, refused`,
        );
      }
      if (kind === 'file') throw this.refuse(`"${prefix}" is a file, not a directory`);
      try {
        mkdirSync(this.abs(prefix), 0o777);
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw err;
        // Already in dest before we started (or another spelling of a name we made on a
        // case-insensitive file system): only a real directory will do.
        if (!lstatSync(this.abs(prefix)).isDirectory()) {
          throw this.refuse(
            `"${prefix}" exists in the destination and is not a directory (a symbolic link?); writing "${rel}" would go through it, refused`,
          );
        }
      }
      this.nodes.set(prefix, 'dir');
    } while (end !== slash);
  }

  /**
   * Makes room for a new non-directory (or directory, when `forDir`) at `rel`:
   * an existing file or symlink is unlinked (never followed); an existing
   * directory refuses the entry (unless a directory is wanted).
   * Returns true when a directory is already there and `forDir` is set.
   */
  private clear(rel: string, forDir: boolean): boolean {
    const kind = this.nodes.get(rel);
    if (kind === undefined) return false;
    if (kind === 'dir') {
      if (forDir) return true;
      throw this.refuse('would replace a directory extracted earlier, refused');
    }
    unlinkSync(this.abs(rel));
    this.nodes.delete(rel);
    this.symlinkTargets.delete(rel);
    return false;
  }

  /** After EEXIST on a name we did not make: unlink it unless it is a directory. */
  private clearForeign(rel: string): void {
    if (lstatSync(this.abs(rel)).isDirectory()) {
      throw this.refuse('a directory of that name exists in the destination, refused');
    }
    unlinkSync(this.abs(rel));
  }

  /** Creates a regular file and keeps it open for `write` until closeFile. */
  openFile(rel: string, mode: number, mtime: number): void {
    this.ensureParent(rel);
    this.clear(rel, false);
    const abs = this.abs(rel);
    const perm = mode & 0o777;
    let fd: number;
    try {
      fd = openSync(abs, OPEN_FLAGS, perm);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      this.clearForeign(rel);
      fd = openSync(abs, OPEN_FLAGS, perm);
    }
    this.nodes.set(rel, 'file');
    this.openFd = fd;
    this.openMtime = mtime;
    this.stats.files++;
  }

  /** Appends to the file opened by openFile. */
  write(buf: Buffer, offset: number, length: number): void {
    // Counted before the write: nothing beyond the budget reaches the disk.
    if (this.budget && this.stats.bytes + length > this.budget.bytes)
      throw this.overBudget(this.entry);
    this.stats.bytes += length;
    while (length > 0) {
      const n = writeSync(this.openFd, buf, offset, length);
      offset += n;
      length -= n;
    }
  }

  /** Sets the open file's times and closes it. */
  closeFile(): void {
    const fd = this.openFd;
    this.openFd = -1;
    try {
      futimesSync(fd, this.openMtime, this.openMtime);
    } finally {
      closeSync(fd);
    }
  }

  dir(rel: string, mode: number, mtime: number): void {
    if (rel === '') return; // the destination itself: its mode and time are the caller's
    this.ensureParent(rel);
    const perm = (mode & 0o777) | 0o700;
    let chmod = false;
    if (this.clear(rel, true)) {
      chmod = true;
    } else {
      try {
        mkdirSync(this.abs(rel), perm);
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw err;
        if (lstatSync(this.abs(rel)).isDirectory()) {
          chmod = true;
        } else {
          this.clearForeign(rel);
          mkdirSync(this.abs(rel), perm);
        }
      }
      this.nodes.set(rel, 'dir');
      this.stats.dirs++;
    }
    const before = this.pendingDirs.get(rel);
    this.pendingDirs.set(rel, { mode: perm, mtime, chmod: chmod || (before?.chmod ?? false) });
  }

  symlink(rel: string, target: string, mtime: number): void {
    if (rel === '') throw this.refuse('a symbolic link cannot replace the destination, refused');
    if (target === '') throw this.refuse('symbolic link with an empty target');
    if (target.includes('\0')) throw this.refuse('symbolic link target contains a NUL byte');
    this.ensureParent(rel);
    this.clear(rel, false);
    const abs = this.abs(rel);
    try {
      symlinkSync(target, abs);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      this.clearForeign(rel);
      symlinkSync(target, abs);
    }
    this.nodes.set(rel, 'symlink');
    this.symlinkTargets.set(rel, target);
    lutimesSync(abs, mtime, mtime);
    this.stats.symlinks++;
  }

  /** A hard link to `rawTarget` (an archive member name, stripped like entry names). */
  hardlink(rel: string, rawTarget: string, mtime: number): void {
    if (rel === '') throw this.refuse('a hard link cannot replace the destination, refused');
    const target = this.resolve(rawTarget, 'hard link target');
    if (target === undefined || target === '') {
      throw this.refuse(
        `hard link target "${rawTarget}" is not part of the extracted tree (strip count ${this.stripCount}), refused`,
      );
    }
    if (target === rel && this.nodes.get(rel) === 'file') return; // a link to itself
    const kind = this.nodes.get(target);
    if (kind === 'symlink') {
      // A hard link to a symlink: make the same symlink (never link to what it points at).
      this.symlink(rel, this.symlinkTargets.get(target)!, mtime);
      return;
    }
    if (kind !== 'file') {
      throw this.refuse(
        `hard link target "${rawTarget}" is not a file extracted earlier from this archive, refused`,
      );
    }
    this.ensureParent(rel);
    this.clear(rel, false);
    try {
      linkSync(this.abs(target), this.abs(rel));
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      this.clearForeign(rel);
      linkSync(this.abs(target), this.abs(rel));
    }
    this.nodes.set(rel, 'file');
    this.stats.hardlinks++;
  }

  /** Applies directory modes and times (after every file is in place). */
  finish(): void {
    for (const [rel, d] of this.pendingDirs) {
      const abs = this.abs(rel);
      try {
        if (d.chmod) chmodSync(abs, d.mode & ~this.umask);
        utimesSync(abs, d.mtime, d.mtime);
      } catch (err) {
        throw this.refuse(`cannot set the mode and time of ${rel}/: ${describe(err)}`, undefined);
      }
    }
    this.pendingDirs.clear();
  }

  /** Closes an open file after a failure. */
  abort(): void {
    if (this.openFd >= 0) {
      try {
        closeSync(this.openFd);
      } catch {}
      this.openFd = -1;
    }
  }

  /** Wraps a failure of a write (ENOSPC, EACCES, ...) into an ExtractError for the entry. */
  wrap(err: unknown): ExtractError {
    if (err instanceof ExtractError) return err;
    return this.refuse(describe(err));
  }
}
