import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { scriptType } from './script.ts';
import type { PackageType } from './types.ts';

const PACKAGE_TYPES = new Map<string, PackageType>([[scriptType.name, scriptType]]);

/** Types later issues add; named so a project using one gets an honest error. */
const PLANNED = ['autotools', 'cmake', 'make', 'meson', 'cargo', 'python', 'scons'];

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
      hint: 'this build of releng supports script packages only',
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
