import { join } from 'node:path';
import type { PackageModel, ProjectDirs } from '../project/model.ts';
import { packageFolder, packageKey } from '../project/model.ts';

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
  /** `-P/--profile` names (RELENG_PROFILES, `;`-separated in the environment). */
  profiles?: string[];
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
  /**
   * The package's file in dl/ (PKG_CACHE_FILE): releng-tool projects, the
   * whole cache file name (`dl/<pkg>/<pkg>-<version>.<ext>`); native ones,
   * `dl/<pkg>-<version>`, to which a fetch adds the file's extension.
   */
  cacheFile: string;
}

/** Package types that build out of source, in `<build>/releng-output` (releng-tool's list plus cargo). */
const OUT_OF_SOURCE_TYPES = new Set(['cmake', 'meson', 'waf', 'xmake', 'cargo']);

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
  const base = join(dirs.build, packageFolder(pkg));
  const sources = localDir ?? base;
  const buildDir = pkg.buildSubdir ? join(sources, pkg.buildSubdir) : sources;
  return {
    buildBaseDir: base,
    buildDir,
    // As releng-tool: out-of-source build systems get a `releng-output`
    // folder, every other type builds (and writes its output) in place.
    buildOutputDir: OUT_OF_SOURCE_TYPES.has(pkg.type) ? join(base, 'releng-output') : base,
    cacheDir: join(dirs.cache, pkg.name),
    cacheFile: join(dirs.dl, pkg.dlFile ?? packageFolder(pkg)),
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
    RELENG_VERSION: version,
  };
  // As releng-tool: a mode that is off is not exported at all (scripts see None).
  const modes: Record<string, unknown> = {
    RELENG_CLEAN: flags.clean || flags.distclean || flags.mrproper,
    RELENG_DEBUG: flags.debug,
    RELENG_DISTCLEAN: flags.distclean,
    RELENG_EXEC: flags.exec !== undefined,
    RELENG_FORCE: flags.force,
    RELENG_LOCALSRCS: flags.localSources,
    RELENG_MRPROPER: flags.mrproper || flags.distclean,
    RELENG_REBUILD: flags.rebuild,
    RELENG_RECONFIGURE: flags.reconfigure,
    RELENG_REINSTALL: flags.reinstall,
    RELENG_RELEASE: flags.release,
    RELENG_VERBOSE: flags.verbose,
  };
  for (const [key, on] of Object.entries(modes)) if (on) vars[key] = flag(on);
  if (flags.devmode) vars.RELENG_DEVMODE = typeof flags.devmode === 'string' ? flags.devmode : '1';
  if (flags.targetPkg) vars.RELENG_TARGET_PKG = flags.targetPkg;
  if (flags.profiles && flags.profiles.length > 0) vars.RELENG_PROFILES = flags.profiles.join(';');
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
  const vars: Record<string, string> = {
    PKG_BUILD_BASE_DIR: paths.buildBaseDir,
    PKG_BUILD_DIR: paths.buildDir,
    PKG_BUILD_OUTPUT_DIR: paths.buildOutputDir,
    PKG_CACHE_DIR: paths.cacheDir,
    PKG_CACHE_FILE: paths.cacheFile,
    PKG_DEFDIR: pkg.defDir,
    PKG_NAME: pkg.name,
    PKG_REVISION: pkg.revision,
    PKG_SITE: pkg.site ?? '',
    PKG_VERSION: pkg.version,
  };
  // As releng-tool: these are exported only when true (scripts see None otherwise).
  if (state.devmode && pkg.devmodeSources !== false) vars.PKG_DEVMODE = '1';
  if (pkg.internal) vars.PKG_INTERNAL = '1';
  if (state.localSources) vars.PKG_LOCALSRCS = '1';
  return vars;
}

/** releng-tool's PREEXTRACT option of a package. */
export function isPreextract(pkg: PackageModel): boolean {
  return Boolean((pkg.options.relengTool as Record<string, unknown> | undefined)?.PREEXTRACT);
}
