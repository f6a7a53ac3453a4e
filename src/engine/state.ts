import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** The state journal's name inside a package's build directory. */
export const STATE_FILE = '.releng-state';

/**
 * Per-package stage flags, kept as a journal inside the package's build
 * directory: one line `<stage> <finished ISO time> <duration ms>` appended
 * after the stage succeeded. A line is a single small write(2), so a killed
 * process either recorded the stage or not; a torn last line (power loss) is
 * ignored. An interrupted stage therefore never looks done and the next run
 * resumes from it.
 *
 * Why a journal rather than one file per stage: creating a file costs
 * 0.13 ms on the ext4 these builds run on against 0.03 ms for an append
 * (measured, 14,000 of each), and a 2,000-package project writes 14,000
 * flags. Operations are synchronous: each is microseconds, while an async
 * round trip per package dominated no-op runs.
 */
export class StageState {
  readonly dir: string;
  #done: Set<string> | undefined;
  #fd: number | undefined;

  /** `empty`: the journal is known to be empty (just made), so it is not read. */
  constructor(dir: string, empty = false) {
    this.dir = dir;
    if (empty) this.#done = new Set();
  }

  get file(): string {
    return join(this.dir, STATE_FILE);
  }

  /** Reads which stages are done (once; kept up to date by this object). */
  load(): Set<string> {
    if (this.#done) return this.#done;
    const done = new Set<string>();
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      // no build directory or journal yet: nothing is done
    }
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      const stage = line.split(' ', 1)[0];
      if (stage) done.add(stage);
    }
    this.#done = done;
    return done;
  }

  isDone(stage: string): boolean {
    return this.load().has(stage);
  }

  /** Lines of deferred stages, written with the next record or at close. */
  #deferred = '';

  /**
   * Records a finished stage (one atomic append). With `defer`, the line
   * waits for the next record or close(): for stages whose loss costs
   * nothing (they did nothing, and the stages before them stay recorded).
   */
  markDone(stage: string, info: { durationMs: number; defer?: boolean }): void {
    const line = `${this.#deferred}${stage} ${new Date().toISOString()} ${info.durationMs}\n`;
    this.load().add(stage);
    if (info.defer) {
      this.#deferred = line;
      return;
    }
    this.#deferred = '';
    this.#append(line);
  }

  #append(line: string): void {
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.file, 'a');
      } catch (err) {
        // The directory usually exists (the stage ran in it); make it only when it does not.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        mkdirSync(this.dir, { recursive: true });
        this.#fd = openSync(this.file, 'a');
      }
    }
    // One write(2) of a few short lines on an O_APPEND descriptor: all of it or none.
    writeSync(this.#fd, line);
  }

  /** Writes deferred records and closes the journal (kept open across a package's stages). */
  close(): void {
    if (this.#deferred) {
      const line = this.#deferred;
      this.#deferred = '';
      this.#append(line);
    }
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Forgets the given stages (used by -rebuild, -reconfigure, ...): rewritten atomically. */
  clear(stages: readonly string[]): void {
    this.close();
    const done = this.load();
    if (!stages.some((s) => done.has(s))) return;
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const kept = text
      .split('\n')
      .filter((line) => line && !stages.includes(line.split(' ', 1)[0]!))
      .map((line) => `${line}\n`)
      .join('');
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, kept);
    renameSync(tmp, this.file);
    for (const s of stages) done.delete(s);
  }

  /** Forgets everything. */
  reset(): void {
    this.close();
    rmSync(this.file, { force: true });
    this.#done = new Set();
  }
}
