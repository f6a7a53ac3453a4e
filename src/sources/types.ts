import type { PackagePaths } from '../engine/env.ts';
import type { PackageLog } from '../engine/package-log.ts';
import type { PackageModel, ProjectDirs, ProjectModel } from '../project/model.ts';

/** What a site type gets to fetch and extract one package. */
export interface SiteContext {
  readonly pkg: PackageModel;
  readonly project: ProjectModel;
  readonly dirs: ProjectDirs;
  readonly paths: PackagePaths;
  readonly log: PackageLog;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * A way of getting sources (url, git, local, ...). Adding one is a module
 * implementing this plus one line in `sources/registry.ts`.
 */
export interface SiteType {
  /** The VCS_TYPE value naming it (`git`, `url`, `local`, ...). */
  readonly name: string;
  /** Other VCS_TYPE spellings accepted for it (`bzr` for `brz`). */
  readonly aliases?: readonly string[];
  /** True when a site string is of this type without an explicit VCS_TYPE. */
  detect?(site: string): boolean;
  /** Whether the fetch and extract stages do anything (drives the console lines). */
  readonly hasSources: boolean;
  /** Brings the sources into `dl/` or `cache/`. */
  fetch(ctx: SiteContext): Promise<void>;
  /** Fills the (empty) build directory from what was fetched. */
  extract(ctx: SiteContext): Promise<void>;
}
