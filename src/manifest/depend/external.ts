/**
 * The packages `resolve` may look at beyond those being published: the
 * newest version of each package of a pkg(5) file repository, limited by
 * the seed's `resolve.deps` lists (`-e`, pkgdepend's external package
 * files): one FMRI pattern a line, `#` comments. A pattern is a package
 * name (`pkg:/a/b` whole; `b` or `a/b` also matching the tail of a longer
 * name at a `/`), with `*` and `?` globs; a version in it is ignored.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RelengError } from '../../util/errors.ts';
import { compareFmri, type Fmri, FmriError, parseFmri } from '../fmri.ts';
import { type Manifest, parseManifest } from '../manifest.ts';
import { pyQuote } from '../publish/repository.ts';

/** Reads the patterns of the external package files, as pkgdepend does. */
export async function readPackageLists(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new RelengError(`cannot read the package list ${f}: ${(e as Error).message}`, {
        file: f,
        hint: 'make the list with the packages dependencies may resolve to, one a line',
      });
    }
    for (const l of text.split('\n')) {
      const t = l.trim();
      if (t && !t.startsWith('#')) out.push(t);
    }
  }
  if (files.length > 0 && out.length === 0) {
    throw new RelengError('the package lists given with -e hold no package pattern', {
      file: files[0] as string,
      hint: 'list a package a line, or leave -e out when nothing resolves outside the build',
    });
  }
  return out;
}

const globRe = (g: string): string =>
  g
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');

/** Whether a package name matches one of the patterns. */
export function matchesPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    let pat = p.replace(/@.*$/, '');
    let anchored = false;
    if (pat.startsWith('pkg://')) {
      pat = pat.replace(/^pkg:\/\/[^/]*\//, '');
      anchored = true;
    } else if (pat.startsWith('pkg:/')) {
      pat = pat.slice(5);
      anchored = true;
    }
    return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${globRe(pat)}$`).test(name);
  });
}

/**
 * The newest manifest of each package in a pkg(5) file repository (all
 * publishers), those matching `patterns` only when given.
 */
export async function repositoryManifests(
  repo: string,
  patterns?: readonly string[],
): Promise<Manifest[]> {
  const pubRoot = join(repo, 'publisher');
  if (!existsSync(join(repo, 'pkg5.repository')) || !existsSync(pubRoot)) {
    throw new RelengError(`${repo} is not a pkg(5) file repository (no pkg5.repository)`, {
      file: repo,
      hint: 'give the folder made by releng manifest publish or pkgrepo create',
    });
  }
  const out: Manifest[] = [];
  for (const pub of readdirSync(pubRoot).sort()) {
    const basePath = join(pubRoot, pub, 'catalog', 'catalog.base.C');
    if (!existsSync(basePath)) continue;
    let base: Record<string, Record<string, { version: string }[]>>;
    try {
      base = JSON.parse(await readFile(basePath, 'utf8'));
    } catch (e) {
      throw new RelengError(`${basePath}: the catalog cannot be read: ${(e as Error).message}`, {
        file: basePath,
        hint: 'rebuild the repository catalog (pkgrepo rebuild) or publish again',
      });
    }
    for (const [stem, versions] of Object.entries(base[pub] ?? {})) {
      if (patterns && !matchesPattern(stem, patterns)) continue;
      let best: { v: string; f: Fmri } | undefined;
      for (const { version } of versions) {
        let f: Fmri;
        try {
          f = parseFmri(`pkg:/${stem}@${version}`);
        } catch (e) {
          if (e instanceof FmriError) continue;
          throw e;
        }
        if (!best || compareFmri(f, best.f) > 0) best = { v: version, f };
      }
      if (!best) continue;
      const file = join(pubRoot, pub, 'pkg', pyQuote(stem), pyQuote(best.v));
      out.push(parseManifest(await readFile(file, 'utf8'), file));
    }
  }
  return out;
}
