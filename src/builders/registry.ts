import { RelengError } from '../util/errors.ts';
import { once } from '../util/once.ts';
import { didYouMean } from '../util/suggest.ts';
import type { PackageSteps, PackageType, PackageTypeInfo } from './types.ts';

/** A package type as the registry holds it: its info, and its steps loaded on first use. */
export interface RegisteredPackageType extends PackageTypeInfo {
  load(): Promise<PackageSteps>;
}

/**
 * Every package type releng knows: one line each. A type's module is
 * imported only when one of its packages runs a stage (no-op runs load none).
 */
const PACKAGE_TYPES = new Map<string, RegisteredPackageType>(
  (
    [
      {
        name: 'script',
        hooksOnly: true,
        load: once(async () => (await import('./script.ts')).scriptType),
      },
      {
        name: 'autotools',
        tools: ['make'],
        load: once(async () => (await import('./autotools.ts')).autotoolsType),
      },
      {
        name: 'cmake',
        tools: ['cmake'],
        load: once(async () => (await import('./cmake.ts')).cmakeType),
      },
      {
        name: 'make',
        tools: ['make'],
        load: once(async () => (await import('./make.ts')).makeType),
      },
      {
        name: 'meson',
        tools: ['meson', 'ninja'],
        load: once(async () => (await import('./meson.ts')).mesonType),
      },
      {
        name: 'cargo',
        tools: ['cargo'],
        load: once(async () => (await import('./cargo.ts')).cargoType),
      },
      { name: 'python', load: once(async () => (await import('./python.ts')).pythonType) },
      {
        name: 'scons',
        tools: ['scons'],
        load: once(async () => (await import('./scons.ts')).sconsType),
      },
      {
        name: 'waf',
        tools: ['waf'],
        load: once(async () => (await import('./waf.ts')).wafType),
      },
      {
        name: 'xmake',
        tools: ['xmake'],
        load: once(async () => (await import('./xmake.ts')).xmakeType),
      },
      {
        name: 'debian-source',
        load: once(async () => (await import('../recipes/package-type.ts')).debianSourceType),
      },
      {
        name: 'rpm-spec',
        load: once(async () => (await import('../recipes/package-type.ts')).rpmSpecType),
      },
    ] satisfies RegisteredPackageType[]
  ).map((t) => [t.name, t]),
);

/** Types releng-tool has that releng does not implement (an honest error names them). */
const PLANNED: string[] = [];

/** Adds a package type (used by extensions). */
export function registerPackageType(type: PackageType): void {
  PACKAGE_TYPES.set(type.name, { name: type.name, tools: type.tools, load: async () => type });
}

/** The registered package type (steps not loaded), or a clear error. */
export function packageType(name: string, pkg: string, file?: string): RegisteredPackageType {
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
