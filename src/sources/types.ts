import type { PackagePaths } from '../engine/env.ts';
import type { PackageLog } from '../engine/package-log.ts';
import type { PackageModel, ProjectDirs, ProjectModel } from '../project/model.ts';

/** Run-wide settings a site type may need. */
export interface SiteRunOptions {
  /** `--only-mirror`: download only from the project's url_mirror. */
  onlyMirror: boolean;
  /** `--werror`: warnings are errors. */
  werror: boolean;
  /** Development mode, when active (true = default mode, or the mode's name). */
  devmode?: string | true;
  /** `--force`: fetch again even when the cache holds the revision. */
  force: boolean;
  /** `--quirk` names (releng-tool's quirks, e.g. `releng.git.no_depth`). */
  quirks?: readonly string[];
}

/** What a site type gets to fetch and extract one package. */
export interface SiteContext {
  readonly pkg: PackageModel;
  readonly project: ProjectModel;
  readonly dirs: ProjectDirs;
  readonly paths: PackagePaths;
  readonly log: PackageLog;
  readonly env: Readonly<Record<string, string>>;
  readonly options: SiteRunOptions;
  /**
   * Runs a host tool with output to the package log. The tool name goes
   * through the project's override_tools and `RELENG_<TOOL>`; a missing tool
   * is an error naming it and the package.
   */
  exec(
    command: string,
    args: readonly string[],
    options?: { cwd?: string; env?: Record<string, string | undefined> },
  ): Promise<void>;
  /** Like exec, but returns stdout (stderr still goes to the log). */
  capture(
    command: string,
    args: readonly string[],
    options?: { cwd?: string; env?: Record<string, string | undefined> },
  ): Promise<string>;
  /** A warning (an error under --werror). */
  warn(message: string): void;
}

/**
 * What the engine knows about a site type before running it: enough to
 * detect it, check its tools and print the right lines, without loading its
 * implementation (a no-op run never loads one).
 */
export interface SiteInfo {
  /** The VCS_TYPE value naming it (`git`, `url`, `local`, ...). */
  readonly name: string;
  /** Other VCS_TYPE spellings accepted for it (`bzr` for `brz`). */
  readonly aliases?: readonly string[];
  /** True when a site string is of this type without an explicit VCS_TYPE. */
  detect?(site: string): boolean;
  /** Whether the fetch and extract stages do anything (drives the console lines). */
  readonly hasSources: boolean;
  /** Host tools this site type needs (checked before anything runs). */
  readonly tools?: readonly string[];
}

/** What a site type does: its module exports this. */
export interface SiteOperations {
  /**
   * Brings the sources into `dl/` or `cache/`. Must be idempotent and cheap
   * when they are already there (offline re-runs), and must never leave a
   * partial file where a later run would trust it.
   */
  fetch(ctx: SiteContext): Promise<void>;
  /** Fills the (empty) build directory `ctx.paths.buildBaseDir` from what was fetched. */
  extract(ctx: SiteContext): Promise<void>;
}

/**
 * A complete site type, as an extension registers it. Built-in ones are a
 * module exporting the operations plus one line in `sources/registry.ts`
 * holding the info and how to load the module.
 */
export interface SiteType extends SiteInfo, SiteOperations {}
