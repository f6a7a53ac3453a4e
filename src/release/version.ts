/** Which version comes next, and whether it may (semver, pre-releases included). */
import semver from 'semver';
import { RelengError } from '../util/errors.ts';
import type { ConventionalCommit } from './changelog.ts';

/** What the user asked for: an exact version or a step. */
export type VersionRequest =
  | 'auto'
  /** Calendar versioning: `2026.12.0`, then `2026.12.1`, … (still semver, so ordering holds). */
  | 'calver'
  | 'major'
  | 'minor'
  | 'patch'
  | 'premajor'
  | 'preminor'
  | 'prepatch'
  | 'prerelease'
  | string;

const STEPS = new Set([
  'major',
  'minor',
  'patch',
  'premajor',
  'preminor',
  'prepatch',
  'prerelease',
]);

/** The step the commits ask for: a breaking change → major, a feature → minor, else patch. */
export function stepFromCommits(
  commits: readonly ConventionalCommit[],
): 'major' | 'minor' | 'patch' {
  if (commits.some((c) => c.breaking)) return 'major';
  if (commits.some((c) => c.type === 'feat')) return 'minor';
  return 'patch';
}

/**
 * The next version. An exact version must be valid semver and greater than
 * the current one (`1.0.0-rc.1` < `1.0.0`); a step is applied with `preid`
 * for pre-releases.
 */
export function nextVersion(
  current: string,
  request: VersionRequest,
  commits: readonly ConventionalCommit[],
  preid?: string,
  date: Date = new Date(),
): string {
  const cur = semver.parse(current);
  if (!cur)
    throw new RelengError(`the current version "${current}" is not a semantic version`, {
      hint: 'fix the version in the files (or the last tag), or pass the version with --current-version',
    });
  let next: string | null;
  if (request === 'calver') {
    // CalVer as semver: YEAR.MONTH.N (UTC), N counting the releases of that month from 0.
    const [y, m] = [date.getUTCFullYear(), date.getUTCMonth() + 1];
    next = cur.major === y && cur.minor === m ? `${y}.${m}.${cur.patch + 1}` : `${y}.${m}.0`;
  } else if (request === 'auto') {
    const step = stepFromCommits(commits);
    // Before 1.0.0 a breaking change bumps minor (semver §4: anything may change).
    const adjusted = cur.major === 0 && step === 'major' ? 'minor' : step;
    next =
      cur.prerelease.length > 0
        ? semver.inc(cur, 'prerelease', preid as string)
        : semver.inc(cur, adjusted);
  } else if (STEPS.has(request)) {
    next = semver.inc(cur, request as semver.ReleaseType, preid as string);
  } else {
    const exact = semver.valid(request.replace(/^v/, ''));
    if (!exact)
      throw new RelengError(`"${request}" is neither a semantic version nor a step`, {
        hint: 'give e.g. 1.4.0, 2.0.0-rc.1, or one of auto, major, minor, patch, premajor, preminor, prepatch, prerelease, calver',
      });
    next = exact;
  }
  if (!next) throw new RelengError(`cannot step ${current} by ${request}`);
  if (!semver.gt(next, cur))
    throw new RelengError(`version ${next} does not increase on ${current}`, {
      hint: 'a release must be greater than the last one (pre-releases sort before their release)',
    });
  return next;
}

/** A semver version as Debian and rpm want it: the pre-release sorts before the release (`~`). */
export function packageVersion(version: string): string {
  return version.replace('-', '~');
}
