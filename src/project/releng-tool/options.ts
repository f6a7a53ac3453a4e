import { INSTALL_TYPES } from '../model.ts';
import type { Kind } from '../schema.ts';

/** A releng-tool package option and where it lands in the native vocabulary. */
export interface OptionMapping {
  /** Native key (camelCase), or a dotted path into a stage options object. */
  key: string;
  kind: Kind;
  /** May be a dict keyed by development mode (`*` = default). */
  byMode?: boolean;
}

const str: Kind = 'string';
const bool: Kind = 'boolean';
const int: Kind = 'integer';

/** `<PKG>_<OPTION>` → model key, for both the guide's and releng-tool 4.x names. */
export const PACKAGE_OPTIONS: Record<string, OptionMapping> = {
  VERSION: { key: 'version', kind: str },
  SITE: { key: 'site', kind: str, byMode: true },
  VCS_TYPE: { key: 'vcsType', kind: str, byMode: true },
  TYPE: { key: 'type', kind: str },
  DEPENDENCIES: { key: 'dependencies', kind: 'stringOrStrings' },
  NEEDS: { key: 'dependencies', kind: 'stringOrStrings' },
  LICENSE: { key: 'license', kind: 'stringOrStrings' },
  LICENSE_FILES: { key: 'licenseFiles', kind: 'stringOrStrings' },
  INSTALL_TYPE: { key: 'installType', kind: { oneOf: INSTALL_TYPES } },
  INTERNAL: { key: 'internal', kind: bool },
  EXTERNAL: { key: 'external', kind: bool },
  REVISION: { key: 'revision', kind: str, byMode: true },
  DEVMODE_REVISION: { key: 'devmodeRevision', kind: str },
  BUILD_SUBDIR: { key: 'buildSubdir', kind: str },
  STRIP_COUNT: { key: 'stripCount', kind: int },
  FIXED_JOBS: { key: 'fixedJobs', kind: int },
  MAX_JOBS: { key: 'maxJobs', kind: int },
  PREFIX: { key: 'prefix', kind: str },
  EXTENSION: { key: 'extension', kind: str },
  EXTRACT_TYPE: { key: 'extractType', kind: str },
  NETWORK_ISOLATION: { key: 'networkIsolation', kind: bool },
  NO_EXTRACTION: { key: 'noExtraction', kind: bool },
  PATCH_SUBDIR: { key: 'patchSubdir', kind: str },
  // True, or patterns (regular expressions) of patch file names not to apply
  IGNORE_PATCHES: { key: 'ignorePatches', kind: 'booleanOrStrings' },
  EXTOPT: { key: 'extopt', kind: 'record' },
  GIT_DEPTH: { key: 'gitDepth', kind: int },
  GIT_SUBMODULES: { key: 'gitSubmodules', kind: bool },
  GIT_REFSPECS: { key: 'gitRefspecs', kind: 'stringOrStrings' },
  // None: the entry is not set
  GIT_CONFIG: { key: 'gitConfig', kind: 'stringOrNullMap' },
  GIT_VERIFY_REVISION: { key: 'gitVerifyRevision', kind: bool },
  FETCH_OPTS: { key: 'fetchOpts', kind: 'stringsOrMap' },
  ENV: { key: 'env', kind: 'stringMap' },
  CMAKE_BUILD_TYPE: { key: 'cmakeBuildType', kind: str },
  MESON_BUILD_TYPE: { key: 'mesonBuildType', kind: str },
  XMAKE_BUILD_TYPE: { key: 'xmakeBuildType', kind: str },
  // releng-tool 4.x: a configure command; the guide's projects: true for ./configure
  MAKE_CONFIGURE: { key: 'makeConfigure', kind: 'stringOrBoolean' },
  AUTOTOOLS_AUTORECONF: { key: 'autotoolsAutoreconf', kind: bool },
  CARGO_NAME: { key: 'cargoName', kind: str },
  PYTHON_SETUP_TYPE: { key: 'pythonSetupType', kind: str },
  PYTHON_INTERPRETER: { key: 'pythonInterpreter', kind: str },
};

for (const stage of ['CONF', 'BUILD', 'INSTALL'] as const) {
  const target = { CONF: 'configureOptions', BUILD: 'buildOptions', INSTALL: 'installOptions' }[
    stage
  ];
  const kinds: Record<string, Kind> = { DEFS: 'record', ENV: 'stringMap', OPTS: 'stringsOrMap' };
  for (const [part, kind] of Object.entries(kinds)) {
    const mapping = { key: `${target}.${part.toLowerCase()}`, kind };
    PACKAGE_OPTIONS[`${stage}_${part}`] = mapping;
    // The guide's type-prefixed spellings: AUTOTOOLS_CONF_OPTS, CMAKE_BUILD_DEFS, ...
    for (const type of [
      'AUTOTOOLS',
      'CMAKE',
      'PYTHON',
      'MAKE',
      'MESON',
      'CARGO',
      'SCONS',
      'WAF',
      'XMAKE',
    ]) {
      PACKAGE_OPTIONS[`${type}_${stage}_${part}`] = mapping;
    }
  }
}
for (const type of [
  'AUTOTOOLS',
  'CMAKE',
  'MAKE',
  'MESON',
  'CARGO',
  'SCONS',
  'PYTHON',
  'WAF',
  'XMAKE',
]) {
  PACKAGE_OPTIONS[`${type}_NOINSTALL`] = { key: 'noInstall', kind: bool };
}

/** releng-tool options the core keeps as-is for later stages (no warning, no mapping). */
export const PASSTHROUGH_OPTIONS = new Set([
  'DEVMODE_IGNORE_CACHE',
  'DEVMODE_PATCHES',
  'DEVMODE_SKIP_INTEGRITY_CHECK',
  'EXCLUDE_SBOM',
  'FORCE_REVISION',
  'HOST_PROVIDES',
  'ONLY_DEVMODE',
  'PREEXTRACT',
  'REMOTE_CONFIG',
  'REMOTE_SCRIPTS',
  'PYTHON_DIST_PATH',
  'PYTHON_INSTALLER_INTERPRETER',
  'PYTHON_INSTALLER_LAUNCHER_KIND',
  'PYTHON_INSTALLER_SCHEME',
]);

/** Project keys of `releng.py` / `releng-tool.rt` → native project keys. */
export const PROJECT_OPTIONS: Record<string, { key: string; kind: Kind }> = {
  packages: { key: 'packages', kind: 'stringOrStrings' },
  sysroot_prefix: { key: 'sysrootPrefix', kind: str },
  default_internal: { key: 'defaultInternal', kind: bool },
  license_header: { key: 'licenseHeader', kind: str },
  lint_max_version: { key: 'lintMaxVersion', kind: str },
  external_packages: { key: 'externalPackages', kind: 'stringOrStrings' },
  extensions: { key: 'extensions', kind: 'stringOrStrings' },
  environment: { key: 'environment', kind: 'stringMap' },
  prerequisites: { key: 'prerequisites', kind: 'stringOrStrings' },
  url_mirror: { key: 'urlMirror', kind: str },
  override_sites: { key: 'overrideSites', kind: 'stringMap' },
  override_revisions: { key: 'overrideRevisions', kind: 'stringMap' },
  override_tools: { key: 'overrideTools', kind: 'stringMap' },
  override_extract_tools: { key: 'overrideExtractTools', kind: 'stringMap' },
  cache_ext: { key: 'cacheExt', kind: 'record' },
  sbom_format: { key: 'sbomFormat', kind: 'stringOrStrings' },
  default_cmake_build_type: { key: 'defaultCmakeBuildType', kind: str },
  default_meson_build_type: { key: 'defaultMesonBuildType', kind: str },
  default_xmake_build_type: { key: 'defaultXmakeBuildType', kind: str },
  default_devmode_ignore_cache: { key: 'defaultDevmodeIgnoreCache', kind: bool },
  // releng-tool: {SPDX id: name}; a list of ids is taken too
  extra_licenses: { key: 'extraLicenses', kind: 'stringsOrMap' },
  extra_license_exceptions: { key: 'extraLicenseExceptions', kind: 'stringsOrMap' },
  network_isolation: { key: 'networkIsolation', kind: bool },
  quirks: { key: 'quirks', kind: 'stringOrStrings' },
  revisions: { key: 'revisions', kind: 'stringMap' },
  urlopen_context: { key: 'urlopenContext', kind: 'record' },
};
