/** Which layout a `releng root build` source is, when not named. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RelengError } from '../util/errors.ts';
import type { Layout } from './types.ts';

/** Every layout name, for `--layout` and messages. */
export const LAYOUTS: readonly Layout[] = [
  'dsc',
  'debian-tree',
  'srpm',
  'rpm-standard',
  'rpm-two-repo',
];

/** Spec folders of an OpenStack-style spec repository: `TARGET/rpm/SPECS`. */
export function twoRepoTargets(dir: string): string[] {
  try {
    return readdirSync(dir).filter((t) => existsSync(path.join(dir, t, 'rpm', 'SPECS')));
  } catch {
    return [];
  }
}

/** Detects the layout of `sources` (one path, or a source and a spec repository). */
export function detectLayout(sources: readonly string[]): Layout {
  const [first, second] = sources;
  if (!first)
    throw new RelengError('root build needs a SOURCE', { hint: 'see releng root --help' });
  if (!existsSync(first))
    throw new RelengError(`${first}: no such file or folder`, { file: first });
  if (second !== undefined) {
    if (twoRepoTargets(second).length) return 'rpm-two-repo';
    throw new RelengError(`${second} has no TARGET/rpm/SPECS folder`, {
      file: second,
      hint: 'two SOURCEs mean the OpenStack layout: a source folder and a spec repository with TARGET/rpm/SPECS and TARGET/rpm/SOURCES',
    });
  }
  if (statSync(first).isFile()) {
    if (first.endsWith('.dsc')) return 'dsc';
    if (/\.(src\.rpm|srpm)$/.test(first)) return 'srpm';
    if (first.endsWith('.spec')) return 'rpm-standard';
  } else {
    if (existsSync(path.join(first, 'debian', 'control'))) return 'debian-tree';
    if (readdirSync(first).some((f) => f.endsWith('.spec'))) return 'rpm-standard';
  }
  throw new RelengError(`${first}: cannot tell its source layout`, {
    file: first,
    hint: `name it with --layout (${LAYOUTS.join(', ')}): a .dsc, a folder with debian/, a .src.rpm, or a folder with a .spec, its tarball and patches`,
  });
}
