import { join } from 'node:path';
import { expandVariables } from '../builders/common.ts';
import type { PackageModel, ProjectDirs, ProjectModel } from '../project/model.ts';
import {
  currentPackageVariables,
  globalVariables,
  isPreextract,
  type PackagePaths,
  packageKeyVariables,
  packagePaths,
  prefixedVariables,
  type RunFlags,
} from './env.ts';

/** What the environments of a run depend on besides the project. */
export interface RunEnvironmentSettings {
  /** `KEY=VALUE` words from the command line. */
  variables: Record<string, string>;
  /** The run's total job slots (NJOBS of the whole run). */
  jobs: number;
  /** Jobs as requested (`-j`; 0 = one per core): NJOBSCONF. */
  requestedJobs: number;
  version: string;
  /** Variables that never reach a stage (secretNames), even when set by the project or a `KEY=VALUE`. */
  secrets?: readonly string[];
}

/**
 * The environments of one run: the base every script sees (process
 * environment, project environment, command-line variables, the guide's
 * global variables, host tools on PATH) and each package's (the base plus
 * `<PKG>_*` of itself and its direct dependencies and its `PKG_*`). Both are
 * computed on first use and cached: a run whose stages are all done never
 * builds one.
 */
export class RunEnvironment {
  readonly #project: ProjectModel;
  readonly #dirs: ProjectDirs;
  /** Read when first needed: the action sets some flags before anything runs. */
  readonly #flags: RunFlags;
  readonly #settings: RunEnvironmentSettings;
  #base: Record<string, string> | undefined;
  readonly #keyVars = new Map<string, Record<string, string>>();
  /** Names of the PREEXTRACT packages (computed on first use). */
  #preextract: string[] | undefined;

  constructor(
    project: ProjectModel,
    dirs: ProjectDirs,
    flags: RunFlags,
    settings: RunEnvironmentSettings,
  ) {
    this.#project = project;
    this.#dirs = dirs;
    this.#flags = flags;
    this.#settings = settings;
  }

  /** Process environment, project environment and command-line variables, merged once. */
  base(): Record<string, string> {
    if (!this.#base) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      Object.assign(env, this.#project.environment, this.#settings.variables);
      Object.assign(
        env,
        globalVariables(
          this.#dirs,
          this.#project.sysrootPrefix,
          {
            njobs: this.#settings.jobs,
            // releng-tool gives -j as asked (a negative count stays negative)
            njobsConf:
              this.#project.format === 'releng-tool'
                ? this.#settings.requestedJobs
                : Math.max(this.#settings.requestedJobs, 0),
          },
          this.#flags,
          this.#settings.version,
        ),
      );
      // releng-tool expands $NAME / ${NAME} in the project's environment values
      if (this.#project.format === 'releng-tool') {
        for (const [key, value] of Object.entries(this.#project.environment)) {
          if (key in this.#settings.variables) continue;
          env[key] = expandVariables(value, env);
        }
      }
      // as releng-tool, the host folder itself too (tools a project puts there)
      const hostBins = [
        ...new Set([
          join(this.#dirs.host, this.#project.sysrootPrefix, 'bin'),
          join(this.#dirs.host, 'bin'),
          this.#dirs.host,
        ]),
      ];
      env.PATH = [...hostBins, env.PATH ?? ''].join(':');
      if (this.#project.format === 'releng-tool') this.#registerHostPython(env);
      for (const name of this.#settings.secrets ?? []) delete env[name];
      this.#base = env;
    }
    return this.#base;
  }

  /**
   * As releng-tool, which puts them in its process environment as it loads
   * each package: every script and command of a releng-tool project sees
   * every package's <PKG>_BUILD_DIR, _BUILD_OUTPUT_DIR, _DEFDIR, _NAME,
   * _REVISION and _VERSION, not only its dependencies' (paths, known before
   * anything is built). Native projects give dependencies' only (undefined).
   * They are shared by the whole run (util/shared-env.ts), not copied into
   * each package's environment.
   */
  sharedVariables(): Record<string, string> | undefined {
    if (this.#project.format !== 'releng-tool') return undefined;
    const vars: Record<string, string> = {};
    for (const name of this.#project.packageDefs.keys())
      Object.assign(vars, this.#keyVariables(name));
    for (const name of this.#settings.secrets ?? []) delete vars[name];
    return vars;
  }

  /**
   * A package's environment: the run's variables, the `<PKG>_*` variables of
   * itself and its direct dependencies (what it may rely on in a parallel
   * build), and its `PKG_*` variables.
   */
  packageEnv(
    pkg: PackageModel,
    paths: PackagePaths,
    prefix: string,
    jobs: number,
    local = false,
  ): Record<string, string> {
    const env = { ...this.base() };
    if (prefix !== this.#project.sysrootPrefix)
      Object.assign(env, prefixedVariables(this.#dirs, prefix));
    for (const dep of pkg.dependencies) Object.assign(env, this.#keyVariables(dep));
    // releng-tool's PREEXTRACT packages are there before anything builds:
    // every package may use their variables (their sources' folders)
    this.#preextract ??= [...this.#project.packageDefs.values()]
      .filter(isPreextract)
      .map((p) => p.name);
    for (const other of this.#preextract)
      if (other !== pkg.name) Object.assign(env, this.#keyVariables(other));
    Object.assign(env, this.#keyVariables(pkg.name));
    Object.assign(
      env,
      currentPackageVariables(pkg, paths, {
        devmode: Boolean(this.#flags.devmode),
        localSources: local,
      }),
    );
    env.NJOBS = String(jobs);
    // as releng-tool: a package whose FIXED_JOBS/MAX_JOBS changed its count
    // configures with that count; otherwise NJOBSCONF stays what -j asked
    if (pkg.fixedJobs || (this.#project.format === 'releng-tool' && jobs !== this.#settings.jobs))
      env.NJOBSCONF = String(jobs);
    const own = pkg.options.env as Record<string, string> | undefined;
    if (own) Object.assign(env, own);
    return env;
  }

  /**
   * As releng-tool: each host-installed Python package (with its default
   * install scheme) puts its `<host>/<prefix>/lib/python` on PYTHONPATH and
   * its `<host>/<prefix>/bin` on PATH, so later packages and the post-build
   * script can run and import what it installed. releng-tool adds them as it
   * reaches each package; here they are all added up front (a folder not yet
   * built is simply not found), which keeps parallel builds deterministic.
   */
  #registerHostPython(env: Record<string, string>): void {
    const split = (v: string | undefined) => (v ? v.split(':').filter((p) => p !== '') : []);
    const pythonPath = split(env.PYTHONPATH);
    const path = split(env.PATH);
    for (const pkg of this.#project.packageDefs.values()) {
      if (pkg.type !== 'python' || pkg.installType !== 'host') continue;
      const scheme = (pkg.options.relengTool as Record<string, unknown> | undefined)
        ?.PYTHON_INSTALLER_SCHEME;
      if (scheme !== undefined && scheme !== null && scheme !== '') continue;
      const base = join(this.#dirs.host, pkg.prefix ?? this.#project.sysrootPrefix);
      const lib = join(base, 'lib', 'python');
      const bin = join(base, 'bin');
      if (!pythonPath.includes(lib)) pythonPath.unshift(lib);
      if (!path.includes(bin)) path.unshift(bin);
    }
    if (pythonPath.length > 0) env.PYTHONPATH = pythonPath.join(':');
    env.PATH = path.join(':');
  }

  /** `<PKG>_*` variables of one package, computed once when first needed. */
  #keyVariables(name: string): Record<string, string> {
    let vars = this.#keyVars.get(name);
    if (!vars) {
      const pkg = this.#project.packageDefs.get(name)!;
      vars = packageKeyVariables(pkg, packagePaths(this.#dirs, pkg));
      this.#keyVars.set(name, vars);
    }
    return vars;
  }
}
