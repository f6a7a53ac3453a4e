import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { isAlive } from '../util/pid.ts';

/**
 * One run at a time per output directory. The lock is a file created
 * exclusively with the owner's pid; a lock whose process is gone is taken
 * over. A second run refuses with a clear message naming the owner.
 */
export class OutputLock {
  readonly path: string;
  #held = false;

  constructor(outputDir: string) {
    this.path = join(outputDir, '.releng.lock');
  }

  acquire(outputDir: string): void {
    mkdirSync(outputDir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(this.path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.#held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = this.#owner();
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new RelengError(`another releng run (pid ${owner}) is using ${outputDir}`, {
          file: this.path,
          hint: 'wait for it to finish, or stop it; the lock is released when it exits',
        });
      }
      // Stale: move it aside atomically so only one contender removes it.
      const stale = `${this.path}.stale-${process.pid}`;
      try {
        renameSync(this.path, stale);
        rmSync(stale, { force: true });
      } catch {
        // someone else took it over first; try again
      }
    }
    throw new RelengError(`could not take the lock ${this.path}`, {
      hint: 'remove it if no releng run is active',
    });
  }

  #owner(): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(this.path, 'utf8'), 10);
      return Number.isFinite(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#owner() !== process.pid) return;
    // unlinkSync, not rmSync: rmSync loads Node's recursive-removal code (1.5 ms of a no-op run)
    try {
      unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
