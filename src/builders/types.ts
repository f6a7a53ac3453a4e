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

/** What the engine knows about a package type without loading its implementation. */
export interface PackageTypeInfo {
  readonly name: string;
  /** Host tools the type needs (checked before anything runs). */
  readonly tools?: readonly string[];
  /**
   * True when its configure, build and install steps do nothing but run the
   * package's own hooks (the `script` type): the engine may then start those
   * hooks back to back in one go.
   */
  readonly hooksOnly?: boolean;
}

/** How a package type configures, builds and installs: its module exports this. */
export interface PackageSteps {
  configure?(ctx: BuilderContext): Promise<void>;
  build?(ctx: BuilderContext): Promise<void>;
  install?(ctx: BuilderContext): Promise<void>;
}

/**
 * A complete package type, as an extension registers it. Built-in ones are a
 * module exporting the steps plus one line in `builders/registry.ts` holding
 * the info and how to load the module.
 */
export interface PackageType extends PackageTypeInfo, PackageSteps {}
