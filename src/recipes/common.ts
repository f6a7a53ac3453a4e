/** Shared steps of the recipes: safe file names, copying into a root, collecting outputs. */
import { createWriteStream } from 'node:fs';
import { copyFile, cp, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { lastLines } from '../roots/run.ts';
import { RelengError } from '../util/errors.ts';
import { tmpSibling } from '../util/fs.ts';

/** A plain file name from a control file or spec: no folders, no leading dot or dash. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~_@%=-]*$/;

/** Throws unless `name` is one plain file name (what a .dsc or spec may name). */
export function checkFileName(name: string, where: string): string {
  if (!SAFE_NAME.test(name) || name.includes('..'))
    throw new RelengError(`${where} names the file "${name}", which is not a plain file name`, {
      file: where,
      hint: 'source files must be plain names next to the package description (no folders, no ..)',
    });
  return name;
}

/** Copies a folder into the root's upper folder (without VCS metadata). */
export async function copyTree(from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
    filter: (src) => !/(^|\/)\.(git|hg|svn)$/.test(src),
  });
}

/**
 * Copies the files of `dir` whose names match `pattern` into `outDir`, each
 * through a temporary sibling and rename(2), so a reader never sees half a
 * package. Returns their new paths, sorted.
 */
export async function collectFiles(
  dir: string,
  pattern: RegExp,
  outDir: string,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (!pattern.test(name) || !SAFE_NAME.test(name)) continue;
    // Regular files only: a build could leave a symlink that would resolve on the host (/etc/shadow).
    if (!(await lstat(path.join(dir, name))).isFile()) continue;
    const dest = path.join(outDir, name);
    const tmp = tmpSibling(dest);
    try {
      await copyFile(path.join(dir, name), tmp);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    out.push(dest);
  }
  return out;
}

/**
 * A build's log file: every chunk of the root's output is written to it and
 * passed on to `forward`, and the last chunks are kept for the error report.
 */
export function buildLog(
  file: string,
  forward: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
): {
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** The last lines of the output, for RelengError's logTail. */
  tail: () => string[];
  close: () => Promise<void>;
} {
  const stream = createWriteStream(file);
  const chunks: string[] = [];
  return {
    onOutput: (c, s) => {
      stream.write(c);
      chunks.push(c.toString());
      if (chunks.length > 50) chunks.shift();
      forward(c, s);
    },
    tail: () => lastLines(chunks.join('')),
    close: () => new Promise((r) => stream.end(r)),
  };
}
