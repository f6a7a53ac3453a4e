import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { autotoolsType } from './autotools.ts';
import { cargoType } from './cargo.ts';
import { cmakeType } from './cmake.ts';
import { makeType } from './make.ts';
import { mesonType } from './meson.ts';
import { pythonType } from './python.ts';
import { sconsType } from './scons.ts';
import { scriptType } from './script.ts';
import type { PackageType } from './types.ts';

/** Every package type releng knows: one line each. */
const PACKAGE_TYPES = new Map<string, PackageType>(
  [scriptType, autotoolsType, cmakeType, makeType, mesonType, cargoType, pythonType, sconsType].map(
    (t) => [t.name, t],
  ),
);

/** Types releng-tool has that releng does not implement (an honest error names them). */
const PLANNED = ['waf', 'xmake'];

/** Adds a package type (used by extensions). */
export function registerPackageType(type: PackageType): void {
  PACKAGE_TYPES.set(type.name, type);
}

/** The implementation of a package type, or a clear error. */
export function packageType(name: string, pkg: string, file?: string): PackageType {
  const found = PACKAGE_TYPES.get(name);
  if (found) return found;
  if (PLANNED.includes(name)) {
    throw new RelengError(`package type "${name}" of package "${pkg}" is not implemented yet`, {
      pkg,
      file,
      hint: `supported types: ${[...PACKAGE_TYPES.keys()].join(', ')}`,
    });
  }
  throw new RelengError(
    `unknown package type "${name}" for package "${pkg}"${didYouMean(name, [...PACKAGE_TYPES.keys(), ...PLANNED])}`,
    { pkg, file },
  );
}

/** Names of every known type (for validation messages). */
export function packageTypeNames(): string[] {
  return [...new Set([...PACKAGE_TYPES.keys(), ...PLANNED])];
}
