import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

/** Actions that apply to the whole project. */
export const GLOBAL_ACTIONS = [
  'clean',
  'distclean',
  'mrproper',
  'punch',
  'printpkgs',
  'fetch',
  'fetch-full',
  'extract',
  'patch',
  'init',
  'package',
  'licenses',
  'sbom',
  'state',
  'lint',
  'printvars',
] as const;
export type GlobalAction = (typeof GLOBAL_ACTIONS)[number];

/** Actions on one package, written `<pkg>-<op>` (`<pkg>` alone is `all`). */
export const PACKAGE_OPS = [
  'build',
  'clean',
  'configure',
  'distclean',
  'exec',
  'extract',
  'fetch',
  'fetch-full',
  'fresh',
  'install',
  'license',
  'lint',
  'patch',
  'printvars',
  'rebuild',
  'rebuild-only',
  'reconfigure',
  'reconfigure-only',
  'reinstall',
] as const;
export type PackageOp = (typeof PACKAGE_OPS)[number] | 'all';

export type Action =
  | { kind: 'all' }
  | { kind: 'global'; action: GlobalAction }
  | { kind: 'package'; pkg: string; op: PackageOp };

/**
 * Reads an action word. `<pkg>-<op>` is split at the op that leaves a known
 * package name, so packages whose names contain dashes (even `foo-build`)
 * work.
 */
export function parseAction(word: string | undefined, knownPackages: ReadonlySet<string>): Action {
  if (!word) return { kind: 'all' };
  if ((GLOBAL_ACTIONS as readonly string[]).includes(word)) {
    return { kind: 'global', action: word as GlobalAction };
  }
  if (knownPackages.has(word)) return { kind: 'package', pkg: word, op: 'all' };
  for (const op of [...PACKAGE_OPS].sort((a, b) => b.length - a.length)) {
    const suffix = `-${op}`;
    if (word.endsWith(suffix)) {
      const pkg = word.slice(0, -suffix.length);
      if (knownPackages.has(pkg)) return { kind: 'package', pkg, op };
    }
  }
  throw new RelengError(
    `unknown action or package: ${word}${didYouMean(word, [...GLOBAL_ACTIONS, ...knownPackages])}`,
    { hint: 'run "releng printpkgs" to list the packages, "releng --help" for the actions' },
  );
}
