/** What a bundle kind needs and gives. */
import type { Git } from '../vcs.ts';
import type { ArchiveFormat } from './archive.ts';

/** Where a bundle is made. */
export interface BundleContext {
  git: Git;
  /** Project root (absolute). */
  root: string;
  /** The project root relative to the top of the git tree (`''` when it is the top). */
  subdir: string;
  /** The release commit (the tag's). */
  commit: string;
  /** Release name and version, for file names. */
  name: string;
  version: string;
  /** The folder the release is being assembled in. */
  outDir: string;
  /** A scratch folder (removed afterwards). */
  scratch: string;
  /** The project's dl/ and cache/ folders. */
  dl: string;
  cache: string;
  sourceDateEpoch: number;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** A `bundles` entry of the release config. */
export interface BundleConfig {
  /** `sources` (project sources + dl/ + cache/) or `python` (sdists + every dependency as a wheel). */
  type: string;
  /** Archive formats (default `tar.gz`). */
  formats?: ArchiveFormat[];
  [option: string]: unknown;
}

/** One kind of bundle. */
export interface Bundler {
  /** Writes the bundle's archives into ctx.outDir; returns their file names. */
  write(ctx: BundleContext, config: BundleConfig): Promise<string[]>;
}
