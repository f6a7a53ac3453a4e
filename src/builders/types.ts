import type { PackageModel, ProjectModel, StageRunContext } from '../project/model.ts';

/** What a package type gets for one stage. */
export interface BuilderContext {
  readonly pkg: PackageModel;
  /** Runs the package's own hook for this stage, if it has one. */
  runHook(): Promise<boolean>;
  /** The context hooks receive (dirs, env, exec, jobs, ...). */
  readonly stage: StageRunContext;
  /** The project (defaults such as defaultCmakeBuildType). */
  readonly project: ProjectModel;
}

/**
 * How a package type configures, builds and installs. Adding one is a module
 * implementing this plus one line in `builders/registry.ts`.
 */
export interface PackageType {
  readonly name: string;
  /** Host tools the type needs (checked before anything runs). */
  readonly tools?: readonly string[];
  configure?(ctx: BuilderContext): Promise<void>;
  build?(ctx: BuilderContext): Promise<void>;
  install?(ctx: BuilderContext): Promise<void>;
}
