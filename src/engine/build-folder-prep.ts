import { close, mkdir, open, realpath } from 'node:fs';
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
 * Callback calls, not fs/promises: a FileHandle per package cost more on
 * the engine's thread than the work moved off it.
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
    this.#root ??= new Promise((resolve) => {
      mkdir(this.#build, { recursive: true }, (err) => {
        if (err) return resolve(undefined);
        realpath(this.#output, (e1, out) => {
          if (e1) return resolve(undefined);
          realpath(this.#build, (e2, build) => {
            resolve(!e2 && build.startsWith(out + sep) ? build : undefined);
          });
        });
      });
    });
    return this.#root;
  }

  /**
   * Starts creating `base` (a package's build base folder, directly inside
   * the build folder) with an empty journal, unless asked before.
   */
  start(base: string): void {
    if (this.#made.has(base) || dirname(base) !== this.#build) return;
    this.#made.set(
      base,
      this.#realBuild().then(
        (root) =>
          new Promise<boolean>((resolve) => {
            if (root === undefined) return resolve(false);
            // fails when it exists: the engine's usual path decides then
            mkdir(join(root, basename(base)), (err) => {
              if (err) return resolve(false);
              open(join(base, STATE_FILE), 'a', (e, fd) => {
                if (e) return resolve(true); // an empty folder; the journal is made when written
                close(fd, () => resolve(true));
              });
            });
          }),
      ),
    );
  }

  /**
   * True when this object created `base` for the package about to run: it
   * is inside the output folder, empty but for an empty journal. False when
   * it was never started or found the folder there.
   */
  take(base: string): Promise<boolean> | false {
    const made = this.#made.get(base);
    if (!made) return false;
    this.#made.delete(base);
    return made;
  }
}
