/**
 * The normalised project model. Both project formats (native TypeScript and
 * releng-tool's Python layout) load into these shapes; the engine only ever
 * sees them.
 */

/** Where a package's install stage puts its files. */
export type InstallType = 'host' | 'images' | 'staging' | 'staging_and_target' | 'target';

export const INSTALL_TYPES: readonly InstallType[] = [
  'host',
  'images',
  'staging',
  'staging_and_target',
  'target',
];

/** The per-package stages, in the order they run. */
export type StageName = 'fetch' | 'extract' | 'patch' | 'configure' | 'build' | 'install' | 'post';

export const STAGES: readonly StageName[] = [
  'fetch',
  'extract',
  'patch',
  'configure',
  'build',
  'install',
  'post',
];

/** Stages a package definition can hook with its own script or function. */
export type HookStage = 'bootstrap' | 'patch' | 'configure' | 'build' | 'install' | 'post';

/**
 * Something the engine can run for a stage: a native function or a Python
 * script. The loader that created it knows how to run it; the engine does not
 * need to.
 */
export interface StageAction {
  kind: 'native' | 'python';
  /** The file that defines it (for messages). */
  file: string;
  run(ctx: StageRunContext): Promise<void>;
  /**
   * Optional: runs several actions of the same runner back to back in one
   * go (the engine chains a package's consecutive hook-only stages when
   * every action has the same `runChain`). One promise per step, in order;
   * a step runs only if the one before it succeeded.
   */
  runChain?: (
    steps: ReadonlyArray<{ action: StageAction; ctx: StageRunContext }>,
  ) => Array<Promise<void>>;
}

/** Where a running action sends its output and messages. */
export interface StageIO {
  output(chunk: Buffer | string, stream: 'stdout' | 'stderr'): void;
  log(
    level: 'debug' | 'verbose' | 'log' | 'note' | 'hint' | 'success' | 'warn' | 'error',
    message: string,
  ): void;
}

/** The context handed to a StageAction: the hook context plus the plumbing. */
export interface StageRunContext extends StageContext {
  readonly io: StageIO;
  /** The working directory the action runs in. */
  readonly cwd: string;
}

/** What a native stage hook receives. */
export interface StageContext {
  /** The package being processed. */
  readonly name: string;
  readonly version: string;
  /** The stage being run. */
  readonly stage: StageName | 'bootstrap' | 'post-build';
  /** Directory the package builds in (`output/build/<pkg>-<version>[/<buildSubdir>]`). */
  readonly buildDir: string;
  /** Output directory for out-of-source builds. */
  readonly buildOutputDir: string;
  /** The package's definition directory (`package/<pkg>`). */
  readonly defDir: string;
  /** Sysroot directories and other project paths. */
  readonly dirs: Readonly<ProjectDirs>;
  /** The install prefix (e.g. `/usr`). */
  readonly prefix: string;
  /** Sysroots this package installs into, from its install type. */
  readonly installDirs: readonly string[];
  /** Job slots granted to this package (>= 1). */
  readonly jobs: number;
  /** Every variable also exported to scripts and commands (`TARGET_DIR`, `PKG_NAME`, ...). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Run a command. Output goes to the package log; a non-zero exit throws an
   * error carrying the command, its exit code and the log path.
   */
  exec(
    command: string,
    args?: readonly string[],
    options?: { cwd?: string; env?: Record<string, string | undefined> },
  ): Promise<void>;
  /** Arguments given after `--` on the command line (`releng_args` in releng-tool scripts). */
  readonly args: readonly string[];
  /** Write a line to the package log (and the console in verbose mode). */
  log(message: string): void;
}

/** Well-known directories of a run. */
export interface ProjectDirs {
  root: string;
  output: string;
  build: string;
  cache: string;
  dl: string;
  host: string;
  staging: string;
  target: string;
  images: string;
  license: string;
  symbols: string;
  logs: string;
}

/** One package, normalised. */
export interface PackageModel {
  /** Package name (the folder under `package/`). */
  name: string;
  /** Upper-case variable prefix: `package-a` → `PACKAGE_A`. */
  key: string;
  /** The folder holding the definition. */
  defDir: string;
  /** The definition file itself (for error messages). */
  definitionFile: string;
  version: string;
  /** Site as written (after overrides); undefined for a virtual package. */
  site?: string;
  /** Resolved site type: 'none', 'local', 'url', 'git', ... */
  vcsType: string;
  /** Package type: 'script', 'autotools', ... */
  type: string;
  dependencies: string[];
  license: string[];
  licenseFiles: string[];
  installType: InstallType;
  internal: boolean;
  /** Revision to fetch (defaults to the version). */
  revision: string;
  devmodeRevision?: string;
  /** releng-tool: whether development mode picked this package's revision (PKG_DEVMODE, no patches, DEVMODE_SKIP_INTEGRITY_CHECK); unset: whether it has a devmodeRevision. */
  devmodeSources?: boolean;
  buildSubdir?: string;
  stripCount: number;
  fixedJobs?: number;
  maxJobs?: number;
  /** Package-specific prefix overriding the project's sysroot prefix. */
  prefix?: string;
  /**
   * The folder name under output/build/ (and dl/, licenses/) when it is not
   * `<name>-<version>`: releng-tool projects replace characters other than
   * letters, digits, `-`, `.` and `_` of the version (a branch `fix/x`).
   */
  folderName?: string;
  /**
   * The fetched file's path below dl/ when the project format fixes it:
   * releng-tool projects use releng-tool's cache file,
   * `<name>/<name>-<version>[.<ext>]` (src/project/releng-tool/cache-file.ts).
   * Unset (native projects): `dl/<folder>`, plus the extension the site
   * shows, added when fetching.
   */
  dlFile?: string;
  /** Stage hooks: native functions or releng-tool scripts. */
  hooks: Partial<Record<HookStage, StageAction>>;
  /** Type- and site-specific options not interpreted by the core (CONF_OPTS, GIT_DEPTH, ...). */
  options: Record<string, unknown>;
}

/**
 * A releng-tool package's options and stage scripts from its own sources
 * (`<PKG>_REMOTE_CONFIG`, `<PKG>_REMOTE_SCRIPTS`), read once they are extracted.
 */
export interface RelengToolRemote {
  /**
   * Evaluates a package's `.releng-tool` file and returns the package with
   * the options it sets that the definition left unset.
   */
  config(pkg: PackageModel, file: string): Promise<PackageModel>;
  /** A stage script from the package's sources as an action. */
  action(file: string): StageAction;
}

/** The whole project, normalised. */
export interface ProjectModel {
  /** Absolute project root. */
  root: string;
  format: 'native' | 'releng-tool';
  /** The configuration file that was loaded. */
  configFile: string;
  /** Packages listed by the project (dependencies are loaded implicitly). */
  packages: string[];
  /** Every loaded package by name: the listed ones plus their dependencies. */
  packageDefs: Map<string, PackageModel>;
  sysrootPrefix: string;
  defaultInternal: boolean;
  licenseHeader?: string;
  /** Extra folders searched for package definitions after `<root>/package`. */
  externalPackages: string[];
  extensions: string[];
  /** Variables added to every stage's environment. */
  environment: Record<string, string>;
  /** Host tools that must exist before anything runs. */
  prerequisites: string[];
  urlMirror?: string;
  overrideSites: Record<string, string>;
  overrideRevisions: Record<string, string>;
  overrideTools: Record<string, string>;
  /** Maps a site to a cache file extension, when the project defines one. */
  cacheExt?: (site: string) => Promise<string | undefined>;
  /** Project post-processing (`post.py`, `releng-tool-post-build.rt` or the native `post` hook). */
  postBuild?: StageAction;
  /** releng-tool projects: what REMOTE_CONFIG and REMOTE_SCRIPTS need of the Python side. */
  relengToolRemote?: RelengToolRemote;
  /** Options not interpreted by the core (outputs, sbom format, ...), kept for later stages. */
  options: Record<string, unknown>;
  /** releng-tool Python extensions (`extensions = [...]`), when the project has any; never cached. */
  extensionHost?: ExtensionHost;
}

/**
 * A releng-tool project's Python extensions: loaded when a run starts, told
 * of releng-tool's events (`config-loaded`, `package-build-started`, ...).
 */
export interface ExtensionHost {
  /**
   * Imports the extensions and runs their setup (once); throws naming the
   * ones that failed, unless `quirks` has `releng.ignore_failed_extensions`.
   */
  load(quirks: readonly string[]): Promise<ExtensionTypeNames>;
  /** Calls the listeners of an event with the script environment `env`, in `cwd`. */
  emit(event: string, ctx: ExtensionCallContext): Promise<void>;
  /** Calls `handler.<method>(type, opts)` of an extension's package, fetch or extract type. */
  call(
    kind: keyof ExtensionTypeNames,
    type: string,
    method: string,
    opts: Record<string, unknown>,
    ctx: ExtensionCallContext,
  ): Promise<unknown>;
}

/** Where an extension call runs: the script environment it sees, its folder, its output. */
export interface ExtensionCallContext {
  env: Record<string, string>;
  cwd: string;
  io?: StageIO;
}

/** Type names registered by a project's releng-tool extensions (`ext-…`), by kind. */
export interface ExtensionTypeNames {
  extract: string[];
  fetch: string[];
  package: string[];
}

/** A package's folder name under output/build/, dl/ and licenses/: `<name>-<version>`, or the name alone without a version. */
export function packageFolder(pkg: Pick<PackageModel, 'name' | 'version' | 'folderName'>): string {
  return pkg.folderName ?? (pkg.version ? `${pkg.name}-${pkg.version}` : pkg.name);
}

/** Turns a package name into its variable prefix, as releng-tool does. */
export function packageKey(name: string): string {
  return name.toUpperCase().replace(/[ *\-.:?|]/g, '_');
}
