import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { STATE_FILE } from './state.ts';

/**
 * Creates the build folders of packages that have not started yet, ahead of
 * their turn, in libuv's thread pool. On a first build, making a package's
 * folder and its stage journal are the two slowest calls the engine makes
 * for it (each a metadata write to the file system, 0.1–0.25 ms on ext4),
 * and the engine's thread is the bottleneck of a run of small packages; done
 * here they overlap with the packages running before them.
 *
 * Only a folder this object creates counts: one that exists already takes
 * the engine's usual path (containment check, emptying, reading the
 * journal). A created folder is checked to lie inside the output folder
 * after symbolic links are resolved, as contain.ts checks the others.
 */
export class BuildFolderPrep {
  readonly #output: string;
  readonly #build: string;
  #root: Promise<string | undefined> | undefined;
  readonly #made = new Map<string, Promise<boolean>>();

  /** `output` is the run's output folder, `build` its build folder (inside it). */
  constructor(output: string, build: string) {
    this.#output = output;
    this.#build = build;
  }

  /** The build folder's real path when it really is inside the output folder, else undefined. */
  #realBuild(): Promise<string | undefined> {
    this.#root ??= (async () => {
      await mkdir(this.#build, { recursive: true });
      const [out, build] = await Promise.all([realpath(this.#output), realpath(this.#build)]);
      return build.startsWith(out + sep) ? build : undefined;
    })().catch(() => undefined);
    return this.#root;
  }

  /**
   * Starts creating `base` (a package's build base folder, directly inside
   * the build folder) with an empty journal, unless asked before.
   */
  start(base: string): void {
    if (this.#made.has(base)) return;
    if (dirname(base) !== this.#build) return;
    this.#made.set(
      base,
      (async () => {
        const root = await this.#realBuild();
        if (root === undefined) return false;
        try {
          await mkdir(join(root, basename(base)));
        } catch {
          return false; // it exists (or cannot be made here): the engine's usual path decides
        }
        await writeFile(join(base, STATE_FILE), '', { flag: 'a' });
        return true;
      })().catch(() => false),
    );
  }

  /**
   * True when this object created `base` for the package about to run: it
   * is inside the output folder, empty but for an empty journal. False when
   * it was never started or found the folder there.
   */
  async take(base: string): Promise<boolean> {
    const made = this.#made.get(base);
    if (!made) return false;
    this.#made.delete(base);
    return made;
  }
}
