/**
 * Recipes: how one source layout becomes packages inside a fresh root. One
 * module per family (`debian-source`, `rpm-spec`) behind {@link Recipe},
 * registered in `index.ts`.
 */
import type { RootBackend, RootInfo } from '../roots/types.ts';

/** The source layouts `releng root build` knows. */
export type Layout = 'dsc' | 'debian-tree' | 'srpm' | 'rpm-standard' | 'rpm-two-repo';

/** What to build. */
export interface RecipeInput {
  layout: Layout;
  /** Host paths: the .dsc/.src.rpm file or the source folder; for rpm-two-repo the source then the spec repository. */
  sources: string[];
  /** rpm-two-repo: the build target folder in the spec repository (e.g. `centos7`). */
  target?: string;
  /** rpm-standard: which .spec when there are several. */
  spec?: string;
}

/** Where and how to build. */
export interface RecipeContext {
  backend: RootBackend;
  root: RootInfo;
  cacheDir: string;
  /** Where the packages go (created if missing). */
  outDir: string;
  /** Progress lines (releng's own). */
  log: (line: string) => void;
  /** The build's output. */
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Passed into the root when set (reproducible builds). */
  sourceDateEpoch?: string;
  /** Let the build step itself use the network (off by default). */
  networkBuild?: boolean;
}

/** What a build produced. */
export interface RecipeResult {
  /** Absolute paths of the files written to the output folder. */
  artifacts: string[];
  /** Things the user must know (e.g. BuildRequires not checked). */
  notes: string[];
  /** The build log file. */
  logFile?: string;
}

/** One recipe family. */
export interface Recipe {
  readonly layouts: readonly Layout[];
  build(input: RecipeInput, ctx: RecipeContext): Promise<RecipeResult>;
}
