/**
 * What the project's `repositories` publish from root-built packages: the
 * `debian-source`/`rpm-spec` package types record the files their recipe
 * wrote into the images folder, and the release step (engine/release.ts)
 * reads those records back. A record survives runs where the package is not
 * rebuilt (its stages are done), so a re-run publishes the same packages.
 */
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isStaleTemporary } from '../repository/recovery.ts';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';

/** A plain file name in the images folder (what collectFiles writes). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~_@%=-]*$/;

/** The folder of records, beside the packages' build folders. */
function recordDir(buildDir: string): string {
  return path.join(buildDir, '.releng-recipes');
}

/** Records the files package `pkg`'s recipe wrote into `imagesDir` (atomically). */
export async function recordArtifacts(
  buildDir: string,
  imagesDir: string,
  pkg: string,
  files: readonly string[],
): Promise<void> {
  const names = files.map((f) => {
    const rel = path.relative(imagesDir, f);
    if (!SAFE_NAME.test(rel) || rel.includes('..'))
      throw new RelengError(`package "${pkg}": recipe output ${f} is not a file of ${imagesDir}`, {
        pkg,
      });
    return rel;
  });
  const record = path.join(recordDir(buildDir), `${pkg}.json`);
  // A record write killed earlier (kill -9) left its temporary sibling.
  for (const name of await readdir(recordDir(buildDir)).catch(() => [] as string[]))
    if (name.startsWith(`${pkg}.json.`) && isStaleTemporary(name))
      await rm(path.join(recordDir(buildDir), name), { force: true });
  await writeFileAtomic(record, `${JSON.stringify({ files: names.sort() })}\n`);
}

/**
 * The packages the recipes of `packages` wrote, as paths in `imagesDir`:
 * only plain names of regular files still there (a record is never trusted
 * to point elsewhere). Packages of the project without a record have none.
 */
export async function recordedArtifacts(
  buildDir: string,
  imagesDir: string,
  packages: readonly string[],
): Promise<{ files: string[]; missing: string[] }> {
  const dir = recordDir(buildDir);
  const files: string[] = [];
  const missing: string[] = [];
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch {
    return { files, missing };
  }
  const wanted = new Set(packages);
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.json') || !wanted.has(entry.slice(0, -5))) continue;
    let names: unknown;
    try {
      names = (JSON.parse(await readFile(path.join(dir, entry), 'utf8')) as { files?: unknown })
        .files;
    } catch {
      continue; // unreadable: as if the package recorded nothing (it is rebuilt on demand)
    }
    if (!Array.isArray(names)) continue;
    for (const name of names) {
      if (typeof name !== 'string' || !SAFE_NAME.test(name) || name.includes('..')) continue;
      const file = path.join(imagesDir, name);
      const st = await lstat(file).catch(() => undefined);
      if (st?.isFile()) files.push(file);
      else missing.push(name);
    }
  }
  return { files, missing };
}
