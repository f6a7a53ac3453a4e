import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';

const FLAG_PREFIX = '.releng-stage-';

/**
 * Per-package stage flags: one small file per finished stage inside the
 * package's build directory, written atomically after the stage succeeded.
 * An interrupted stage therefore never has a flag, and the next run resumes
 * from it.
 */
export class StageState {
  readonly dir: string;
  #done: Set<string> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Reads which stages are done (one readdir, cached until changed). */
  async load(): Promise<Set<string>> {
    if (this.#done) return this.#done;
    const done = new Set<string>();
    try {
      for (const entry of await readdir(this.dir)) {
        if (entry.startsWith(FLAG_PREFIX)) done.add(entry.slice(FLAG_PREFIX.length));
      }
    } catch {
      // no build directory yet: nothing is done
    }
    this.#done = done;
    return done;
  }

  async isDone(stage: string): Promise<boolean> {
    return (await this.load()).has(stage);
  }

  async markDone(stage: string, info: { durationMs: number }): Promise<void> {
    const body = `${JSON.stringify({ stage, finished: new Date().toISOString(), ...info })}\n`;
    await writeFileAtomic(join(this.dir, FLAG_PREFIX + stage), body);
    (await this.load()).add(stage);
  }

  /** Forgets the given stages (used by -rebuild, -reconfigure, ...). */
  async clear(stages: readonly string[]): Promise<void> {
    for (const stage of stages) {
      await rm(join(this.dir, FLAG_PREFIX + stage), { force: true });
      this.#done?.delete(stage);
    }
  }
}
