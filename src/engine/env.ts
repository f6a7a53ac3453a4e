import { join } from 'node:path';
import type { PackageModel, ProjectDirs } from '../project/model.ts';
import { packageKey } from '../project/model.ts';

/** What the current run was asked to do; exported as RELENG_* flags. */
export interface RunFlags {
  clean?: boolean;
  debug?: boolean;
  devmode?: string | boolean;
  distclean?: boolean;
  exec?: string;
  force?: boolean;
  localSources?: boolean;
  mrproper?: boolean;
  rebuild?: boolean;
  reconfigure?: boolean;
  reinstall?: boolean;
  release?: boolean;
  targetPkg?: string;
  verbose?: boolean;
}

export interface PackagePaths {
  /** `output/build/<pkg>-<version>` */
  buildBaseDir: string;
  /** buildBaseDir plus the package's build sub-directory, if any. */
  buildDir: string;
  /** Where out-of-source builds put their files. */
  buildOutputDir: string;
  /** Cache location for this package's sources. */
  cacheDir: string;
  /** Downloaded file for url-type sites. */
  cacheFile: string;
}

/**
 * Where a package builds. With `localDir` (local-sources mode) the sources
 * and build happen in that checkout, while state and out-of-source output
 * stay under `output/build/`.
 */
export function packagePaths(
  dirs: ProjectDirs,
  pkg: PackageModel,
  localDir?: string,
): PackagePaths {
  const base = join(dirs.build, pkg.version ? `${pkg.name}-${pkg.version}` : pkg.name);
  const sources = localDir ?? base;
  const buildDir = pkg.buildSubdir ? join(sources, pkg.buildSubdir) : sources;
  return {
    buildBaseDir: base,
    buildDir,
    buildOutputDir: join(base, 'releng-output'),
    cacheDir: join(dirs.cache, pkg.name),
    cacheFile: join(dirs.dl, pkg.version ? `${pkg.name}-${pkg.version}` : pkg.name),
  };
}

const flag = (on: unknown): string => (on ? '1' : '');

/**
 * The variables every stage of the run sees (the guide's tables), computed
 * once per run.
 */
export function globalVariables(
  dirs: ProjectDirs,
  prefix: string,
  jobs: { njobs: number; njobsConf: number },
  flags: RunFlags,
  version: string,
): Record<string, string> {
  const vars: Record<string, string> = {
    ROOT_DIR: dirs.root,
    BUILD_DIR: dirs.build,
    CACHE_DIR: dirs.cache,
    DL_DIR: dirs.dl,
    HOST_DIR: dirs.host,
    IMAGES_DIR: dirs.images,
    LICENSE_DIR: dirs.license,
    OUTPUT_DIR: dirs.output,
    STAGING_DIR: dirs.staging,
    SYMBOLS_DIR: dirs.symbols,
    TARGET_DIR: dirs.target,
    NJOBS: String(jobs.njobs),
    NJOBSCONF: String(jobs.njobsConf),
    RELENG_CLEAN: flag(flags.clean),
    RELENG_DEBUG: flag(flags.debug),
    RELENG_DEVMODE: typeof flags.devmode === 'string' ? flags.devmode : flag(flags.devmode),
    RELENG_DISTCLEAN: flag(flags.distclean),
    RELENG_EXEC: flag(flags.exec),
    RELENG_FORCE: flag(flags.force),
    RELENG_LOCALSRCS: flag(flags.localSources),
    RELENG_MRPROPER: flag(flags.mrproper),
    RELENG_PROFILES: '',
    RELENG_REBUILD: flag(flags.rebuild),
    RELENG_RECONFIGURE: flag(flags.reconfigure),
    RELENG_REINSTALL: flag(flags.reinstall),
    RELENG_RELEASE: flag(flags.release),
    RELENG_TARGET_PKG: flags.targetPkg ?? '',
    RELENG_VERBOSE: flag(flags.verbose),
    RELENG_VERSION: version,
  };
  Object.assign(vars, prefixedVariables(dirs, prefix));
  return vars;
}

/** PREFIX and the sysroot directories below it. */
export function prefixedVariables(dirs: ProjectDirs, prefix: string): Record<string, string> {
  const vars: Record<string, string> = { PREFIX: prefix };
  const roots = { HOST: dirs.host, STAGING: dirs.staging, TARGET: dirs.target };
  for (const [area, root] of Object.entries(roots)) {
    const prefixed = join(root, prefix);
    vars[`PREFIXED_${area}_DIR`] = prefixed;
    vars[`${area}_BIN_DIR`] = join(prefixed, 'bin');
    vars[`${area}_INCLUDE_DIR`] = join(prefixed, 'include');
    vars[`${area}_LIB_DIR`] = join(prefixed, 'lib');
    vars[`${area}_SHARE_DIR`] = join(prefixed, 'share');
  }
  return vars;
}

/** `<PKG>_*` variables describing one package, for itself and its dependents. */
export function packageKeyVariables(
  pkg: PackageModel,
  paths: PackagePaths,
): Record<string, string> {
  const key = pkg.key || packageKey(pkg.name);
  return {
    [`${key}_BUILD_DIR`]: paths.buildDir,
    [`${key}_BUILD_OUTPUT_DIR`]: paths.buildOutputDir,
    [`${key}_DEFDIR`]: pkg.defDir,
    [`${key}_NAME`]: pkg.name,
    [`${key}_REVISION`]: pkg.revision,
    [`${key}_VERSION`]: pkg.version,
  };
}

/** `PKG_*` variables of the package being processed. */
export function currentPackageVariables(
  pkg: PackageModel,
  paths: PackagePaths,
  state: { devmode: boolean; localSources: boolean },
): Record<string, string> {
  return {
    PKG_BUILD_BASE_DIR: paths.buildBaseDir,
    PKG_BUILD_DIR: paths.buildDir,
    PKG_BUILD_OUTPUT_DIR: paths.buildOutputDir,
    PKG_CACHE_DIR: paths.cacheDir,
    PKG_CACHE_FILE: paths.cacheFile,
    PKG_DEFDIR: pkg.defDir,
    PKG_DEVMODE: flag(state.devmode),
    PKG_INTERNAL: flag(pkg.internal),
    PKG_LOCALSRCS: flag(state.localSources),
    PKG_NAME: pkg.name,
    PKG_REVISION: pkg.revision,
    PKG_SITE: pkg.site ?? '',
    PKG_VERSION: pkg.version,
  };
}
