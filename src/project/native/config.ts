/**
 * The native project format: `releng.config.ts` and `package/<name>/<name>.ts`.
 * These types are the user's documentation in their editor.
 */
import type { ReleaseConfig } from '../../release/config.ts';
import type { InstallType, StageContext } from '../model.ts';

/** A stage hook of a native package: receives the stage context. */
export type StageHook = (ctx: StageContext) => void | Promise<void>;

/** A value per development mode: `{ '*': 'v1.2', develop: 'main' }` (`*` applies otherwise). */
export type ModeMap = Record<string, string>;

/** Options of `configure`, `build` and `install` for package types that take them. */
export interface StageOptions {
  /** `-DKEY=VALUE` style definitions (CMake, Meson) or variables (make). */
  defs?: Record<string, string | null>;
  /** Environment variables for this stage only. */
  env?: Record<string, string>;
  /** Extra arguments, as a list or as `--key: value` pairs. */
  opts?: string[] | Record<string, string | null>;
}

/** A package definition, default-exported from `package/<name>/<name>.ts`. */
export interface PackageConfig {
  /** The package version; names the build folder (`output/build/<name>-<version>`) and downloads. */
  version?: string;
  /**
   * Where the sources come from: `local` (sources in `package/<name>/local/`), a URL,
   * `git+https://…`, `hg+…`, `svn+…`, … Leave it out for a virtual package.
   */
  site?: string | ModeMap;
  /** Explicit site type when the site string does not say it (`git`, `url`, `local`, `none`, …). */
  vcsType?: string | ModeMap;
  /** How the package builds: `script` (default; the hooks below do everything), `autotools`, `cmake`, … */
  type?: string;
  /** Packages that must be installed before this one is configured. */
  dependencies?: string[];
  /** SPDX license identifiers of the package. */
  license?: string | string[];
  /** License files inside the sources, matching `license` one to one. */
  licenseFiles?: string | string[];
  /** Where the install stage puts files: `target` (default), `staging`, `staging_and_target`, `host`, `images`. */
  installType?: InstallType;
  /** An internal package (yours): no hash or license warnings; local-sources mode builds it from a local checkout. */
  internal?: boolean;
  /** The opposite of `internal` (the default unless the project sets `defaultInternal`). */
  external?: boolean;
  /** Revision (tag, branch, commit) to fetch; defaults to the version. */
  revision?: string | ModeMap;
  /** Revision used in development mode (`-D`). */
  devmodeRevision?: string;
  /** Folder inside the sources where configure/build/install run. */
  buildSubdir?: string;
  /** Leading path components stripped when extracting an archive (default 1). */
  stripCount?: number;
  /** Exact number of jobs for this package's build (e.g. 1 for a build that cannot run in parallel). */
  fixedJobs?: number;
  /** Upper bound on the jobs this package gets. */
  maxJobs?: number;
  /** Install prefix for this package (default: the project's `sysrootPrefix`). */
  prefix?: string;
  /** Cache file extension when the site does not show it (`tgz`, `zip`, …). */
  extension?: string;
  /** Extraction type when it cannot be guessed from the extension. */
  extractType?: string;
  /** Keep the fetched file as is instead of extracting it. */
  noExtraction?: boolean;
  /** Folder inside the sources where patches apply. */
  patchSubdir?: string;
  /** Do not apply the `*.patch` files beside the definition. */
  ignorePatches?: boolean;
  /** Options for extensions. */
  extopt?: Record<string, unknown>;
  /** Git: clone depth. */
  gitDepth?: number;
  /** Git: also fetch submodules. */
  gitSubmodules?: boolean;
  /** Git: extra refspecs to fetch. */
  gitRefspecs?: string[];
  /** Git: `-c key=value` configuration for git commands. */
  gitConfig?: Record<string, string>;
  /** Git: require a valid signature on the fetched commit or tag. */
  gitVerifyRevision?: boolean;
  /** Site-specific fetch options. */
  fetchOpts?: string[] | Record<string, string>;
  /** Options of the configure stage of typed packages. */
  configureOptions?: StageOptions;
  /** Options of the build stage of typed packages. */
  buildOptions?: StageOptions;
  /** Options of the install stage of typed packages. */
  installOptions?: StageOptions;
  /** Environment variables for every stage of this package. */
  env?: Record<string, string>;
  /** Skip the install step of a typed package. */
  noInstall?: boolean;
  /** CMake build type (default `RelWithDebInfo`). */
  cmakeBuildType?: string;
  /** Meson build type. */
  mesonBuildType?: string;
  /** xmake `--mode` (none: xmake's default). */
  xmakeBuildType?: string;
  /** Run `./configure` before make for the `make` type. */
  makeConfigure?: boolean;
  /** Run `autoreconf` before configuring an autotools package. */
  autotoolsAutoreconf?: boolean;
  /** Cargo package name when it differs from the package name. */
  cargoName?: string;
  /** Python build backend (`setuptools`, `flit`, `hatch`, `poetry`, `pdm`, `pep517`). */
  pythonSetupType?: string;
  /** Python interpreter used to build and install. */
  pythonInterpreter?: string;
  /** `debian-source`/`rpm-spec` types: the build root (`releng root create NAME`) to build in (docs/roots.md). */
  buildRoot?: string;
  /** Runs before fetching. */
  bootstrap?: StageHook;
  /** Runs after the `*.patch` files are applied. */
  patch?: StageHook;
  /** The configure stage (script packages). */
  configure?: StageHook;
  /** The build stage (script packages). */
  build?: StageHook;
  /** The install stage (script packages): put files into `ctx.installDirs`. */
  install?: StageHook;
  /** Runs after install, whatever the type. */
  post?: StageHook;
}

/** The project, default-exported from `releng.config.ts`. */
export interface ProjectConfig {
  /** Packages to build; their dependencies are loaded implicitly. */
  packages: string[];
  /** Install prefix given to packages (default `/usr`). */
  sysrootPrefix?: string;
  /** Treat packages as internal unless they say otherwise. */
  defaultInternal?: boolean;
  /** Text placed at the top of the generated license document. */
  licenseHeader?: string;
  /** Extra folders holding package definitions, searched after `package/`. */
  externalPackages?: string[];
  /** Modules to load first; each may register package types, site types or output formats. */
  extensions?: string[];
  /** Variables added to every stage's environment. */
  environment?: Record<string, string>;
  /** Host tools that must exist before anything runs (e.g. `['git', 'cmake']`). */
  prerequisites?: string[];
  /** Base URL tried first for every URL download. */
  urlMirror?: string;
  /** Package name → site, replacing the package's own site. */
  overrideSites?: Record<string, string>;
  /** Package name → revision, replacing the package's own revision. */
  overrideRevisions?: Record<string, string>;
  /** Tool name → path or command (e.g. `{ cmake: 'cmake3' }`). */
  overrideTools?: Record<string, string>;
  /** Maps a site to a cache file extension when releng cannot tell (`'tgz'`), or undefined. */
  cacheExt?: (site: string) => string | undefined | Promise<string | undefined>;
  /** Project post-processing, run after every full build (e.g. to write an archive to `ctx.dirs.images`). */
  post?: StageHook;
  /** Packages to produce from the build (archives, .deb, .rpm). */
  outputs?: Array<Record<string, unknown>>;
  /**
   * Repositories the build publishes its .deb/.rpm outputs into (after the
   * outputs are written): APT or YUM, signed when a key is given.
   */
  repositories?: RepositoryConfig[];
  /** Build roots by name, made on first use by `debian-source`/`rpm-spec` packages and by `releng root create NAME` run in the project (docs/roots.md). */
  roots?: Record<string, import('../../roots/spec.ts').RootConfig>;
  /** SBOM formats to write. */
  sbomFormat?: string | string[];
  /** Default CMake build type for CMake packages. */
  defaultCmakeBuildType?: string;
  /** Default Meson build type for Meson packages. */
  defaultMesonBuildType?: string;
  /** Default xmake `--mode` of xmake packages. */
  defaultXmakeBuildType?: string;
  /** Extra license identifiers accepted beside the SPDX list. */
  extraLicenses?: string[];
  /** Extra license exception identifiers accepted beside the SPDX list. */
  extraLicenseExceptions?: string[];
  /**
   * How far an archive may expand when extracted, against archive bombs
   * (docs/sources.md#extraction): `maxSize` in bytes or `'32G'` (default
   * 32 GiB), `maxRatio` bytes written per archive byte (default 200). `0`
   * turns a limit off. `RELENG_EXTRACT_MAX_SIZE`/`RELENG_EXTRACT_MAX_RATIO`
   * override them.
   */
  extractLimits?: { maxSize?: number | string; maxRatio?: number };
  /**
   * How `releng release` makes a release (docs/release.md): the files whose
   * version it bumps, the changelog, tag format, branches and signing.
   */
  release?: ReleaseConfig;
}

/** A repository a project build publishes into. */
export interface RepositoryConfig {
  /** `apt` takes the .deb outputs, `yum` the .rpm outputs. */
  type: 'apt' | 'yum';
  /** Repository folder, relative to the project root (default `output/repos/<type>`). */
  dir?: string;
  /** APT suite (default `stable`). */
  suite?: string;
  /** APT codename. */
  codename?: string;
  /** APT component (default `main`). */
  component?: string;
  /** APT: a flat repository (`deb [...] URL ./`) instead of dists/ + pool/. */
  flat?: boolean;
  /** OpenPGP private key file (relative to the project root) to sign with. */
  signingKey?: string;
  /** Environment variable holding the key's passphrase. */
  passphraseEnv?: string;
  /** Sign with gpg / gpg-agent instead (key id or fingerprint). */
  gpgKey?: string;
  /** Publish unsigned (otherwise a key is required). */
  unsigned?: boolean;
  /** Replace a package of the same name, version and architecture whose content changed. */
  replace?: boolean;
}

/** Declares the project with editor completion and checking. */
export function defineProject(config: ProjectConfig): ProjectConfig {
  return config;
}

/** Declares a package with editor completion and checking. */
export function definePackage(config: PackageConfig): PackageConfig {
  return config;
}
