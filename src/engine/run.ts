import { existsSync, mkdirSync } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { packageType } from '../builders/registry.ts';
import {
  type PackageModel,
  type ProjectDirs,
  type ProjectModel,
  packageFolder,
  type StageName,
} from '../project/model.ts';
import { lintMaxVersion } from '../project/releng-tool/lint-version.ts';
import { siteType } from '../sources/registry.ts';
import { nowMs } from '../util/clock.ts';
import { captureConsole } from '../util/console-capture.ts';
import { asRelengError, RelengError, WorkNeeded } from '../util/errors.ts';
import { resolveTool } from '../util/exec.ts';
import { walkFilesSync } from '../util/fs.ts';
import { maskCredentials } from '../util/redact.ts';
import { setSharedEnv } from '../util/shared-env.ts';
import type { Action } from './actions.ts';
import { BuildFolderPrep } from './build-folder-prep.ts';
import { assertInside } from './contain.ts';
import {
  globalVariables,
  isPreextract,
  packageKeyVariables,
  packagePaths,
  type RunFlags,
} from './env.ts';
import type { EventSink } from './events.ts';
import { topologicalOrder } from './graph.ts';
import { OutputLock } from './lock.ts';
import { isolationProxyPort, networkIsolated } from './network-isolation.ts';
import { PackageLog } from './package-log.ts';
import {
  type PackageRun,
  type PackageRunShared,
  PIPELINE,
  runPackage,
  stageContext,
} from './package-runner.ts';
import { checkPrerequisites, commandExists } from './prerequisites.ts';
import { writeProjectOutputs } from './release.ts';
import { RunEnvironment } from './run-environment.ts';
import { runTasks, type Task } from './scheduler.ts';
import { secretNames, withholdSecrets } from './secrets.ts';
import { StageState } from './state.ts';

export interface EngineOptions {
  /** Requested jobs: 0 = one per core, negative = cores minus that many. */
  jobs: number;
  force: boolean;
  werror: boolean;
  debug: boolean;
  verbose: boolean;
  /** `KEY=VALUE` words from the command line. */
  variables: Record<string, string>;
  /** Words after `--` (`releng_args`). */
  args: string[];
  devmode?: string | boolean;
  /** Local-sources mode: package → checkout folder, `''` = folder holding every internal package's checkout. */
  localSources?: Record<string, string>;
  sink: EventSink;
  version: string;
  /** `--sbom-format`: comma-separated SBOM formats. */
  sbomFormat?: string;
  /** `--only-mirror`: downloads only from the project's url_mirror. */
  onlyMirror?: boolean;
  /** `--release`: RELENG_RELEASE. */
  release?: boolean;
  /** `-P/--profile` names: RELENG_PROFILES. */
  profiles?: string[];
  /** `--quirk` names (releng-tool's quirks). */
  quirks?: string[];
  /** `--python`: the interpreter for releng-tool projects (lint starts it too). */
  python?: string;
  /** The project model came from the project cache (no definition changed). */
  fromCache?: boolean;
  /** Machine-readable printing (printpkgs). */
  json?: boolean;
  /** The command of `<pkg>-exec "<cmd>"`. */
  execCommand?: string;
  /**
   * `--api`: what releng-tool's API document holds for a reporting action
   * (`state`, `printpkgs`, `printvars`), filled in by that action under
   * releng-tool's key for it.
   */
  api?: Record<string, unknown>;
  /** Where `-printvars` and `printpkgs` print (defaults to stdout). */
  print?: (text: string) => void;
  /** Called before a command writes straight to the terminal (`<pkg>-exec`), so queued lines come first. */
  beforeInheritedOutput?: () => void;
  /**
   * Told, before it happens, of anything the run does beyond checking that
   * everything is done: a stage, an SBOM or license document written, the
   * post-build script, extensions, packages or repositories written. A run
   * that reported nothing was a no-op (see noop-record.ts).
   */
  onWork?: (what: string) => void;
  /**
   * Refuse to do any such work: the first piece throws WorkNeeded before it
   * starts (used to see, side-effect free, what a re-run would print).
   */
  noopOnly?: boolean;
  /** Collects the files whose presence a no-op run checked (its SBOM and license documents). */
  consulted?: Set<string>;
}

/** Whether a package is part of the run: releng-tool's ONLY_DEVMODE (true, a mode, or modes). */
function inDevmode(pkg: PackageModel, devmode: string | boolean | undefined): boolean {
  const only = (pkg.options.relengTool as Record<string, unknown> | undefined)?.ONLY_DEVMODE;
  if (only === undefined || only === null || only === false) return true;
  if (!devmode) return false;
  if (only === true) return true;
  const mode = devmode === true ? '' : devmode;
  return (Array.isArray(only) ? only : [only]).map(String).includes(mode);
}

/** Actions that process no package past its fetch (no sysroots made). */
function FETCH_ONLY(action: Action): boolean {
  if (action.kind === 'global') return ['fetch', 'fetch-full', 'sbom'].includes(action.action);
  return action.kind === 'package' && (action.op === 'fetch' || action.op === 'fetch-full');
}

/** Effective total job count. */
export function effectiveJobs(requested: number): number {
  const cores = availableParallelism();
  if (requested > 0) return requested;
  if (requested < 0) return Math.max(1, cores + requested);
  return cores;
}

/** Every file below a folder (none when it is missing), sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  walkFilesSync(dir, '', (rel) => out.push(join(dir, rel)));
  return out.sort();
}

/** Runs one action on a loaded project. Resolves when done; throws a RelengError on failure. */
export async function runAction(
  project: ProjectModel,
  dirs: ProjectDirs,
  action: Action,
  engineOptions: EngineOptions,
): Promise<void> {
  // Messages of scripts and of the engine can quote a site: never its credentials
  // (output lines are masked by PackageLog, errors by RelengError).
  const options = { ...engineOptions, sink: maskingSink(engineOptions.sink) };
  // Before anything can start a process: no stage, hook or tool inherits a passphrase.
  withholdSecrets(secretNames(project));
  if (project.format === 'releng-tool') {
    // releng-tool reads RELENG_LINT_MAX_VERSION on every run, and says so when it is no version
    lintMaxVersion(undefined, process.env, (message) =>
      options.sink({ type: 'log', level: 'warn', message }),
    );
  }
  const started = nowMs();
  const print = options.print ?? ((t: string) => process.stdout.write(t));
  // releng-tool's ONLY_DEVMODE: such a package is left out of other runs
  // (its dependents no longer wait for it; its own dependencies still build)
  const order = topologicalOrder(project.packageDefs, project.packages).filter((name) =>
    inDevmode(project.packageDefs.get(name)!, options.devmode),
  );

  if (action.kind === 'global' && action.action === 'printpkgs') {
    if (options.api) options.api.printpkgs = Object.fromEntries(order.map((n) => [n, {}]));
    print(
      options.json
        ? `${JSON.stringify({ type: 'packages', packages: order })}\n`
        : project.format === 'releng-tool'
          ? // releng-tool's form: `name (version)`
            `${order.map((n) => pkgLine(project.packageDefs.get(n)!)).join('\n')}\n`
          : `${order.join('\n')}\n`,
    );
    return;
  }
  if (
    project.format === 'releng-tool' &&
    ((action.kind === 'package' && action.op === 'printvars') ||
      (action.kind === 'global' && action.action === 'printvars'))
  ) {
    const names = action.kind === 'package' ? [action.pkg] : order;
    const { relengToolVariableList, relengToolVariables } = await import('./releng-tool-report.ts');
    if (options.api) {
      const listed: Record<string, unknown> = {};
      for (const name of names) {
        for (const [key, set] of relengToolVariableList(project.packageDefs.get(name)!))
          listed[key] = { 'package-name': name, set };
      }
      options.api.printvars = listed;
    }
    for (const name of names) {
      const pkg = project.packageDefs.get(name)!;
      // --json: the values too, one document per package
      print(
        options.json
          ? `${JSON.stringify({ type: 'variables', package: name, variables: packageVariables(pkg, dirs, project) })}\n`
          : relengToolVariables(pkg),
      );
    }
    return;
  }
  if (action.kind === 'package' && action.op === 'printvars') {
    print(printVars(project.packageDefs.get(action.pkg)!, dirs, project));
    return;
  }
  // Actions that only report on the loaded project (no lock, no stages).
  if (action.kind === 'global' && action.action === 'state' && project.format === 'releng-tool') {
    const { relengToolState } = await import('./releng-tool-report.ts');
    const state = relengToolState(project, options);
    if (options.api) options.api.state = state.api;
    print(state.text);
    return;
  }
  if (action.kind === 'global' && action.action === 'state') {
    print(
      [
        `releng ${options.version}`,
        `root: ${project.root} (${project.format} project, ${project.configFile})`,
        `output: ${dirs.output}`,
        `development mode: ${options.devmode === undefined || options.devmode === false ? 'off' : options.devmode === true ? 'on' : options.devmode}`,
        `local-sources mode: ${
          options.localSources
            ? Object.entries(options.localSources)
                .map(([k, v]) => `${k || '*'}=${v || 'unset'}`)
                .join(', ')
            : 'off'
        }`,
        '',
      ].join('\n'),
    );
    return;
  }
  if (action.kind === 'global' && action.action === 'printvars') {
    // the global variables every script gets (their names, as releng-tool lists them)
    const vars = globalVariables(
      dirs,
      project.sysrootPrefix,
      { njobs: 1, njobsConf: 0 },
      {},
      options.version,
    );
    print(`${Object.keys(vars).sort().join('\n')}\n`);
    return;
  }
  if (
    (action.kind === 'global' && action.action === 'lint') ||
    (action.kind === 'package' && action.op === 'lint')
  ) {
    const which = action.kind === 'package' ? `package ${action.pkg}` : 'the project';
    if (project.format === 'releng-tool') {
      // releng-tool's lint rules (RT…), loaded and started only for this action;
      // every package counts, development-mode-only ones too
      const { runRelengToolLint } = await import('./rt-lint.ts');
      await runRelengToolLint(
        project,
        action.kind === 'package'
          ? [action.pkg]
          : topologicalOrder(project.packageDefs, project.packages),
        {
          python: options.python,
          print,
          json: options.json,
          // (an invalid RELENG_LINT_MAX_VERSION was reported above)
          warn: () => {},
        },
      );
      options.sink({ type: 'log', level: 'success', message: `lint: no issues found in ${which}` });
      return;
    }
    // What releng checks of a native project is checked by loading it
    // (options, types, sites, licenses are validated then): reaching here means it passed.
    options.sink({ type: 'log', level: 'success', message: `lint: ${which} loads and validates` });
    return;
  }

  const lock = new OutputLock(dirs.output);
  lock.acquire(dirs.output);
  // However the process ends (an interrupt handler calling exit included), the lock goes.
  const releaseOnExit = () => lock.release();
  process.once('exit', releaseOnExit);
  try {
    const jobs = effectiveJobs(options.jobs);
    options.sink({
      type: 'run-start',
      root: project.root,
      format: project.format,
      packages: order.length,
      jobs,
    });
    const flags: RunFlags = {
      debug: options.debug,
      verbose: options.verbose,
      force: options.force,
      devmode: options.devmode,
      localSources: options.localSources !== undefined,
      release: options.release,
      profiles: options.profiles,
    };
    // Scripts expect the sysroots to exist (releng-tool creates them before
    // it processes packages; a fetch or an SBOM alone leaves none behind).
    if (!FETCH_ONLY(action)) {
      for (const dir of [dirs.build, dirs.host, dirs.staging, dirs.target, dirs.images]) {
        mkdirSync(dir, { recursive: true });
      }
    }
    const engine = new Engine(project, dirs, options, jobs, flags);
    const previousShared = setSharedEnv(() => engine.environment.sharedVariables());
    try {
      await engine.perform(action, order);
    } finally {
      setSharedEnv(previousShared);
    }
    options.sink({ type: 'run-end', ok: true, durationMs: nowMs() - started });
  } finally {
    process.off('exit', releaseOnExit);
    lock.release();
  }
}

/** Package operations that delete the build folder or write its journal before any stage runs. */
/** How many packages ahead of the running ones get their build folder made (build-folder-prep.ts). */
const PREP_AHEAD = 8;

/** Whether a package run up to `stage` builds (so has a build folder to make). */
const pastExtract = (stage: StageName): boolean =>
  PIPELINE.indexOf(stage) >= PIPELINE.indexOf('extract');

const CHANGES_BUILD_DIR: ReadonlySet<string> = new Set([
  'clean',
  'fresh',
  'distclean',
  'rebuild',
  'rebuild-only',
  'reconfigure',
  'reconfigure-only',
  'reinstall',
]);

function maskingSink(sink: EventSink): EventSink {
  return (event) =>
    sink(event.type === 'log' ? { ...event, message: maskCredentials(event.message) } : event);
}

/** Whether a package names an extension (`ext-…`) package, VCS or extract type. */
function usesExtensionTypes(project: ProjectModel): boolean {
  for (const pkg of project.packageDefs.values()) {
    const extract = pkg.options.extractType;
    if (pkg.type.startsWith('ext-') || pkg.vcsType.startsWith('ext-')) return true;
    if (typeof extract === 'string' && extract.toLowerCase().startsWith('ext-')) return true;
  }
  return false;
}

class Engine {
  readonly project: ProjectModel;
  readonly dirs: ProjectDirs;
  readonly options: EngineOptions;
  readonly jobs: number;
  readonly flags: RunFlags;
  /** SBOM files of this run (RELENG_GENERATED_SBOMS for the post-build script). */
  #generatedSboms: string[] | undefined;
  /** License documents are in place (RELENG_GENERATED_LICENSES lists them). */
  #licensesWritten = false;
  /** The run's base environment and each package's (computed on first use). */
  readonly environment: RunEnvironment;
  #stopped = false;
  #running = 0;
  /** Makes the next packages' build folders ahead of their turn (first builds). */
  readonly #prep: BuildFolderPrep;
  #checked = false;
  readonly #ranThisRun = new Set<string>();

  constructor(
    project: ProjectModel,
    dirs: ProjectDirs,
    options: EngineOptions,
    jobs: number,
    flags: RunFlags,
  ) {
    this.project = project;
    this.dirs = dirs;
    this.#prep = new BuildFolderPrep(dirs.output, dirs.build);
    this.options = options;
    this.jobs = jobs;
    this.flags = flags;
    this.environment = new RunEnvironment(project, dirs, flags, {
      variables: options.variables,
      jobs,
      requestedJobs: options.jobs,
      version: options.version,
      secrets: secretNames(project),
    });
  }

  async perform(action: Action, order: string[]): Promise<void> {
    const cleaning =
      action.kind === 'global' &&
      (action.action === 'clean' || action.action === 'mrproper' || action.action === 'distclean');
    if (!cleaning) await this.#startExtensions();
    if (action.kind === 'all') {
      await this.build(order, 'post', new Set());
      this.#allProcessed();
      await this.sbom(order);
      await this.licenses(order);
      await this.postBuild();
      await this.writeOutputs();
      return;
    }
    if (action.kind === 'global') {
      switch (action.action) {
        case 'punch':
          this.flags.force = true;
          await this.build(order, 'post', new Set(), true);
          this.#allProcessed();
          await this.sbom(order);
          await this.licenses(order);
          await this.postBuild();
          await this.writeOutputs();
          return;
        case 'clean':
          this.flags.clean = true;
          await this.removeOutputs(['build', 'host', 'staging', 'target', 'symbols', 'license']);
          await this.removeSbom();
          return;
        case 'mrproper':
          await this.removeOutputs([
            'build',
            'host',
            'staging',
            'target',
            'symbols',
            'license',
            'images',
            'logs',
          ]);
          await this.clearModes();
          await rm(join(this.dirs.output, '.releng'), { recursive: true, force: true });
          await this.removeOutputFolder();
          return;
        case 'distclean':
          await this.removeOutputs([
            'build',
            'host',
            'staging',
            'target',
            'symbols',
            'license',
            'images',
            'logs',
          ]);
          await this.clearModes();
          await rm(join(this.dirs.output, '.releng'), { recursive: true, force: true });
          await rm(this.dirs.dl, { recursive: true, force: true });
          await rm(this.dirs.cache, { recursive: true, force: true });
          await this.removeOutputFolder();
          return;
        case 'fetch':
        case 'fetch-full':
          // as releng-tool, an explicit fetch asks the sites again (a moved
          // branch or tag is updated; url downloads are only re-checked)
          await this.build(order, 'fetch', new Set(order), true, false);
          return;
        case 'extract':
        case 'patch':
          await this.build(order, action.action, new Set(order), false, false);
          return;
        case 'sbom':
          await this.sbom(order);
          return;
        case 'licenses':
          await this.build(order, 'extract', new Set(order), false, false);
          await this.licenses(order);
          return;
        default:
          throw new RelengError(
            `the "${action.action}" action is not available in this version of releng`,
            {
              hint: 'see "releng --help" for the actions this version supports',
            },
          );
      }
    }
    await this.packageAction(action.pkg, action.op);
  }

  async packageAction(
    name: string,
    op: Exclude<Action, { kind: 'all' | 'global' }>['op'],
  ): Promise<void> {
    const pkg = this.project.packageDefs.get(name)!;
    const paths = packagePaths(this.dirs, pkg);
    const state = new StageState(paths.buildBaseDir);
    const closure = topologicalOrder(this.project.packageDefs, [name]);
    const deps = closure.slice(0, -1);
    const only = new Set([name]);
    this.flags.targetPkg = name;
    // releng-tool's flags: a full reconfigure also rebuilds and reinstalls
    this.flags.rebuild = op === 'rebuild' || op === 'rebuild-only' || op === 'reconfigure';
    this.flags.reconfigure = op === 'reconfigure' || op === 'reconfigure-only';
    this.flags.reinstall = op === 'reinstall' || op === 'rebuild' || op === 'reconfigure';
    this.flags.clean = op === 'clean' || op === 'fresh';
    this.flags.distclean = op === 'distclean';
    this.flags.exec = op === 'exec' ? (this.options.execCommand ?? '') : undefined;
    if (CHANGES_BUILD_DIR.has(op)) {
      const action = op === 'clean' || op === 'fresh' || op === 'distclean' ? 'delete' : 'write to';
      assertInside(paths.buildBaseDir, this.dirs.output, {
        action,
        area: 'output folder',
        pkg: name,
      });
      if (op === 'distclean')
        assertInside(paths.cacheDir, this.dirs.cache, { action, area: 'cache folder', pkg: name });
    }
    switch (op) {
      case 'all':
        return this.build(closure, 'post', new Set());
      case 'configure':
      case 'build':
        return this.build(closure, op, only);
      case 'install':
        // releng-tool: -install also post-processes the package
        return this.build(closure, 'post', only);
      case 'fetch':
      case 'fetch-full':
      case 'extract':
      case 'patch':
        return this.build([name], op === 'fetch-full' ? 'fetch' : op, only, false, false);
      case 'rebuild':
        state.clear(['build', 'install', 'post']);
        return this.build(closure, 'post', new Set());
      case 'rebuild-only':
        state.clear(['build']);
        return this.build(closure, 'build', only);
      case 'reconfigure':
        state.clear(['bootstrap', 'configure', 'build', 'install', 'post']);
        return this.build(closure, 'post', new Set());
      case 'reconfigure-only':
        state.clear(['bootstrap', 'configure']);
        return this.build(closure, 'configure', only);
      case 'reinstall':
        state.clear(['install', 'post']);
        return this.build(closure, 'post', new Set());
      case 'clean':
        await rm(paths.buildBaseDir, { recursive: true, force: true });
        return;
      case 'license':
        await this.build([name], 'extract', only, false, false);
        await this.licenses([name], false);
        return;
      case 'fresh':
        await rm(paths.buildBaseDir, { recursive: true, force: true });
        return this.build([name], 'patch', only, false, false);
      case 'distclean':
        await rm(paths.buildBaseDir, { recursive: true, force: true });
        await rm(paths.cacheDir, { recursive: true, force: true });
        await this.removeDownloads(pkg);
        return;
      case 'exec':
        await this.build(deps, 'post', new Set());
        await this.build([name], 'patch', only, false, false);
        return this.execInPackage(pkg);
      default:
        throw new RelengError(
          `the "${name}-${op}" action is not available in this version of releng`,
        );
    }
  }

  /**
   * Runs packages through their stages, in parallel where the graph allows.
   * Packages in `partial` stop at `until`; every other package runs to the end.
   * With `depsOrder` false the packages do not wait for each other (fetching
   * and extracting need no dependency installed).
   */
  async build(
    names: readonly string[],
    until: StageName,
    partial: ReadonlySet<string>,
    force = false,
    depsOrder = true,
  ): Promise<void> {
    const shared = this.#shared(force || this.options.force);
    // Fail before anything runs: missing tools, unknown or unsupported types.
    // releng-tool: tools a host package provides (HOST_PROVIDES) are not looked for
    const provided = new Set<string>();
    for (const pkg of this.project.packageDefs.values()) {
      const provides = (pkg.options.relengTool as Record<string, unknown> | undefined)
        ?.HOST_PROVIDES;
      if (pkg.installType === 'host' && provides !== undefined && provides !== null) {
        for (const tool of [provides].flat()) provided.add(String(tool));
      }
    }
    if (!this.#checked) {
      checkPrerequisites(
        this.project.prerequisites.filter((tool) => !provided.has(tool)),
        this.project.overrideTools,
        this.project.configFile,
      );
      this.#checked = true;
    }
    for (const name of names) {
      const pkg = this.project.packageDefs.get(name)!;
      const type = packageType(pkg.type, pkg.name, pkg.definitionFile);
      const site = siteType(pkg.vcsType, pkg.name, pkg.definitionFile);
      const needed = [
        ...(type.tools ?? []),
        ...(pkg.type === 'autotools' && pkg.options.autotoolsAutoreconf ? ['autoreconf'] : []),
        ...(this.#localDir(pkg) ? [] : (site.tools ?? [])),
      ].filter((tool) => !provided.has(tool));
      for (const tool of needed) {
        if (!this.#toolExists(tool)) {
          throw new RelengError(
            `package "${pkg.name}" needs "${tool}" (${site.tools?.includes(tool) && !type.tools?.includes(tool) ? `${pkg.vcsType} site` : `${pkg.type} package`}), which is not installed`,
            {
              pkg: pkg.name,
              file: pkg.definitionFile,
              hint: `install ${tool}, or point override_tools at it`,
            },
          );
        }
      }
    }
    const set = new Set(names);
    // First builds: the folders of the next packages in line are made while
    // this one runs (build-folder-prep.ts); a package whose fetch task is
    // still to finish is left alone (that task writes its journal first).
    const prep = this.#prep;
    const stopsAt = (name: string): StageName => (partial.has(name) ? until : 'post');
    const fetchPending = new Set<string>();
    const position = new Map(names.map((name, i) => [name, i]));
    // Each package is considered once, in order: one still fetching then keeps the usual path.
    let considered = 0;
    let preparing = false;
    const prepareAfter = (name: string): void => {
      const end = Math.min(names.length, position.get(name)! + 1 + PREP_AHEAD);
      for (; considered < end; considered++) {
        const next = names[considered]!;
        if (next === name) continue;
        const pkg = this.project.packageDefs.get(next)!;
        if (fetchPending.has(next) || this.#localDir(pkg) || !pastExtract(stopsAt(next))) continue;
        prep.start(packagePaths(this.dirs, pkg).buildBaseDir);
      }
    };
    const task = (id: string, name: string, deps: string[], stage: StageName): Task => ({
      id,
      deps,
      run: async () => {
        this.#running++;
        const building = id === name;
        try {
          const run = this.#packageRun(name);
          const prepares = building && pastExtract(stage);
          if (prepares) {
            if (preparing) prepareAfter(name);
            const made = prep.take(run.paths.buildBaseDir);
            if (made) run.fresh = await made;
          }
          const ranBefore = this.#ranThisRun.size;
          await runPackage(shared, run, stage);
          if (!building) fetchPending.delete(name);
          // Folders are made ahead only once a package had stages to run: a
          // run with nothing to do (every folder there) makes no calls for it.
          if (prepares && !preparing && this.#ranThisRun.size > ranBefore) {
            preparing = true;
            prepareAfter(name);
          }
        } catch (err) {
          this.#stopped = true;
          throw err;
        } finally {
          this.#running--;
        }
      },
    });
    // Fetches come first and wait for nothing (as releng-tool fetches everything
    // before building, so a download failure stops the run early); a package's
    // build waits for its own fetch and its dependencies' builds.
    const fetching = names.filter((name) => {
      const pkg = this.project.packageDefs.get(name)!;
      const stopsAt = partial.has(name) ? until : 'post';
      return stopsAt !== 'fetch' && siteType(pkg.vcsType, name).hasSources && !this.#localDir(pkg);
    });
    // releng-tool's PREEXTRACT: such a package is fetched, extracted and
    // patched before any other package's later stages start (its sources are
    // what the others need, even ones it depends on); the rest wait for it.
    const early = new Set(
      fetching.filter((name) => {
        const pkg = this.project.packageDefs.get(name)!;
        const stopsAt = partial.has(name) ? until : 'post';
        return isPreextract(pkg) && stopsAt !== 'extract';
      }),
    );
    const earlyIds = [...early].map((name) => `fetch:${name}`);
    for (const name of fetching) fetchPending.add(name);
    const tasks: Task[] = [
      ...fetching.map((name) =>
        task(`fetch:${name}`, name, [], early.has(name) ? 'patch' : 'fetch'),
      ),
      ...names.map((name) => {
        const pkg = this.project.packageDefs.get(name)!;
        const deps = depsOrder ? pkg.dependencies.filter((d) => set.has(d)) : [];
        return task(
          name,
          name,
          [...deps, `fetch:${name}`, ...earlyIds],
          partial.has(name) ? until : 'post',
        );
      }),
    ];
    // NETWORK_ISOLATION: the proxy port is opened only when a package asks for it
    if (names.some((n) => networkIsolated(this.project.packageDefs.get(n)!, this.project)))
      shared.isolationPort = await isolationProxyPort();
    await runTasks(tasks, this.jobs, () => this.#stopped);
  }

  /** One package's run: paths (local checkout in local-sources mode), job share, lazy environment. */
  #packageRun(name: string, changed?: PackageModel): PackageRun {
    const pkg = changed ?? this.project.packageDefs.get(name)!;
    const jobs = this.#jobsFor(pkg);
    const localDir = this.#localDir(pkg);
    const paths = packagePaths(this.dirs, pkg, localDir);
    const prefix = pkg.prefix ?? this.project.sysrootPrefix;
    let env: Record<string, string> | undefined;
    const packageEnv = () => {
      env ??= this.environment.packageEnv(pkg, paths, prefix, jobs, localDir !== undefined);
      return env;
    };
    return {
      pkg,
      paths,
      jobs,
      prefix,
      localDir,
      get env() {
        return packageEnv();
      },
      withPackage: (p) => this.#packageRun(name, p),
    };
  }

  /**
   * Local-sources mode: where an internal package's checkout is (`-L pkg:dir`,
   * or `<dir>/<pkg>` for `-L dir`); undefined for external packages or when
   * the mode is off.
   */
  #localDir(pkg: PackageModel): string | undefined {
    const map = this.options.localSources;
    if (!map || !pkg.internal) return undefined;
    // releng-tool projects, as releng-tool: only packages fetched from
    // elsewhere; a `local` site's sources are in the project already
    if (this.project.format === 'releng-tool' && pkg.vcsType === 'local') return undefined;
    // '' = excluded by -L PKG:unset while a folder holds every other package
    if (map[pkg.name] === '') return undefined;
    const dir = map[pkg.name] ?? (map[''] !== undefined ? join(map[''], pkg.name) : undefined);
    if (dir === undefined) return undefined;
    const abs = resolve(this.dirs.root, dir);
    if (!existsSync(abs)) {
      throw new RelengError(`local sources for package "${pkg.name}" not found: ${abs}`, {
        pkg: pkg.name,
        hint: `check out the sources there, point -L ${pkg.name}:<dir> at them, or leave the mode with -L unset`,
      });
    }
    return abs;
  }

  /** A host tool as builds will find it: override_tools, RELENG_<TOOL>, output/host, then PATH. */
  #toolExists(tool: string): boolean {
    const env = this.environment.base();
    return commandExists(resolveTool(tool, this.project.overrideTools, env), env.PATH);
  }

  /** Before each piece of work: reported, or refused under noopOnly. */
  #work(what: string): void {
    this.options.onWork?.(what);
    if (this.options.noopOnly) throw new WorkNeeded(what);
  }

  /**
   * True when a generated file cannot have changed: the project came from the
   * cache (no definition changed), no stage ran in this invocation, the files
   * exist, and warnings are not errors (a --werror run must see them again).
   */
  #unchangedSince(files: readonly string[]): boolean {
    for (const f of files) this.options.consulted?.add(f);
    return (
      this.options.fromCache === true &&
      this.#ranThisRun.size === 0 &&
      !this.options.werror &&
      files.every((f) => existsSync(f))
    );
  }

  /** What every package run of this engine shares. */
  #shared(force: boolean): PackageRunShared {
    return {
      project: this.project,
      dirs: this.dirs,
      sink: this.options.sink,
      args: this.options.args,
      force,
      stopped: () => this.#stopped,
      ranThisRun: this.#ranThisRun,
      work: (what) => this.#work(what),
      siteOptions: {
        onlyMirror: this.options.onlyMirror ?? false,
        werror: this.options.werror,
        devmode: this.options.devmode === false ? undefined : this.options.devmode,
        force,
        quirks: this.options.quirks ?? [],
      },
      warn: (message, pkg) => {
        if (this.options.werror)
          throw new RelengError(message, { pkg, hint: 'warnings are errors (--werror)' });
        this.options.sink({ type: 'log', level: 'warn', message, pkg });
      },
    };
  }

  /** A package's share of the job slots: FIXED_JOBS wins, MAX_JOBS caps. */
  #jobsFor(pkg: PackageModel): number {
    if (pkg.fixedJobs && pkg.fixedJobs > 0) return pkg.fixedJobs;
    // releng-tool projects: every package gets the run's jobs, as releng-tool
    // gives them (its NJOBS follows -j and MAX_JOBS, not how many packages
    // happen to run at once); native projects share the slots.
    const share =
      this.project.format === 'releng-tool'
        ? this.jobs
        : Math.max(1, Math.ceil(this.jobs / Math.max(1, this.#running)));
    if (pkg.maxJobs && pkg.maxJobs > 0) return Math.min(pkg.maxJobs, share);
    // a negative MAX_JOBS leaves that many slots free (at least one job)
    if (pkg.maxJobs && pkg.maxJobs < 0) return Math.max(1, share + pkg.maxJobs);
    return share;
  }

  /** License documents (output/licenses/), generated before post-processing as the guide says. */
  async licenses(names: readonly string[], document = true): Promise<void> {
    this.options.sink({ type: 'log', level: 'log', message: 'generating license information...' });
    if (document && this.#unchangedSince([join(this.dirs.license, 'licenses')])) {
      this.#licensesWritten = true;
      return;
    }
    this.#work('licenses');
    const { collectLicenses } = await import('../licenses/collect.ts');
    const shared = this.#shared(false);
    await collectLicenses(
      names.map((n) => this.project.packageDefs.get(n)!),
      {
        project: this.project,
        dirs: this.dirs,
        sourcesDir: (pkg) => this.#localDir(pkg) ?? packagePaths(this.dirs, pkg).buildBaseDir,
        devmode: shared.siteOptions.devmode,
        warn: shared.warn,
        verbose: (message) => this.options.sink({ type: 'log', level: 'verbose', message }),
        document,
      },
    );
    // the post-build script sees them as RELENG_GENERATED_LICENSES
    if (document) this.#licensesWritten = true;
  }

  /** releng-tool's line once every package is built, before its SBOM and licenses. */
  #allProcessed(): void {
    if (this.project.format === 'releng-tool')
      this.options.sink({ type: 'log', level: 'log', message: 'all packages have been processed' });
  }

  /** SBOM files in the output directory (formats from --sbom-format or the project). */
  async sbom(names: readonly string[]): Promise<void> {
    const { SBOM_FILE_NAMES, sbomFormats } = await import('../licenses/sbom-formats.ts');
    // releng-tool projects default to releng-tool's one text SBOM
    const formats = sbomFormats(
      this.options.sbomFormat ??
        (this.project.options.sbomFormat as string | string[] | undefined) ??
        (this.project.format === 'releng-tool' ? 'text' : undefined),
    );
    // releng-tool prints it on every run; native projects only with --verbose
    this.options.sink({
      type: 'log',
      level: this.project.format === 'releng-tool' ? 'log' : 'verbose',
      message: 'generating sbom information...',
    });
    const files = formats.map((f) => join(this.dirs.output, SBOM_FILE_NAMES[f]));
    // the post-build script sees them as RELENG_GENERATED_SBOMS
    this.#generatedSboms = files;
    if (this.#unchangedSince(files)) return;
    this.#work('sbom');
    const { writeSbom } = await import('../licenses/sbom.ts');
    await writeSbom(
      this.project,
      names.map((n) => this.project.packageDefs.get(n)!),
      this.dirs,
      formats,
    );
  }

  /**
   * releng-tool Python extensions: loaded as the run starts (as releng-tool,
   * not for the cleaning actions), then told the configuration is loaded.
   */
  async #startExtensions(): Promise<void> {
    const host = this.project.extensionHost;
    if (!host) {
      // an `ext-…` type with no extension to provide it is refused all the same
      if (this.project.format === 'releng-tool' && usesExtensionTypes(this.project)) {
        const { checkExtensionTypes } = await import('./extension-types.ts');
        checkExtensionTypes(this.project, { extract: [], fetch: [], package: [] });
      }
      return;
    }
    this.#work('extensions');
    const quirks = [
      ...(this.options.quirks ?? []),
      ...((this.project.options.quirks as string[] | undefined) ?? []),
    ];
    const types = await host.load(quirks);
    const { checkExtensionTypes, registerExtensionTypes } = await import('./extension-types.ts');
    checkExtensionTypes(this.project, types);
    registerExtensionTypes(host, types);
    await host.emit('config-loaded', { env: this.environment.base(), cwd: this.project.root });
  }

  /** The project's post-processing script, run after every full build. */
  async postBuild(): Promise<void> {
    const host = this.project.extensionHost;
    if (host || this.project.postBuild) this.#work('post-build');
    if (!host) return this.#postBuildScript();
    // as releng-tool: the post-build events come with every full build, script or not
    const events = { env: this.environment.base(), cwd: this.dirs.target };
    mkdirSync(this.dirs.target, { recursive: true });
    await host.emit('post-build-started', events);
    await this.#postBuildScript();
    await host.emit('post-build-finished', events);
  }

  async #postBuildScript(): Promise<void> {
    const action = this.project.postBuild;
    if (!action) return;
    const log = new PackageLog('post-build', join(this.dirs.logs, 'post-build.log'), (e) =>
      this.options.sink(e.type === 'output' ? { ...e, always: true } : e),
    );
    const env = { ...this.environment.base() };
    if (this.#generatedSboms) env.RELENG_GENERATED_SBOMS = this.#generatedSboms.join(';');
    // listed only here, when a post-build script wants them (no walk on runs without one)
    if (this.#licensesWritten)
      env.RELENG_GENERATED_LICENSES = filesUnder(this.dirs.license).join(';');
    const shared = this.#shared(false);
    const pseudo: PackageModel = {
      name: 'post-build',
      key: 'POST_BUILD',
      defDir: this.project.root,
      definitionFile: action.file,
      version: '',
      vcsType: 'none',
      type: 'script',
      dependencies: [],
      license: [],
      licenseFiles: [],
      installType: 'target',
      internal: true,
      revision: '',
      stripCount: 1,
      hooks: {},
      options: {},
    };
    const ctx = stageContext(
      'post-build',
      shared,
      {
        pkg: pseudo,
        paths: {
          buildBaseDir: this.dirs.output,
          buildDir: this.dirs.output,
          buildOutputDir: this.dirs.output,
          cacheDir: this.dirs.cache,
          cacheFile: '',
        },
        env,
        jobs: this.jobs,
        prefix: this.project.sysrootPrefix,
      },
      log,
    );
    try {
      // Its console.log is post-build output, like a releng-tool script's print.
      await captureConsole(
        (text, stream) => log.write(text, stream),
        () => action.run({ ...ctx, cwd: this.project.root }),
      );
    } catch (err) {
      log.flush();
      throw asRelengError(err, {
        stage: 'post-build',
        file: action.file,
        logPath: log.path,
        logTail: log.tail(),
      });
    } finally {
      await log.close();
    }
  }

  /** The project's outputs and repositories (src/engine/release.ts). */
  async writeOutputs(): Promise<void> {
    const { outputs, repositories } = this.project.options;
    if ((Array.isArray(outputs) && outputs.length > 0) || repositories) this.#work('outputs');
    await writeProjectOutputs({
      project: this.project,
      dirs: this.dirs,
      sink: this.options.sink,
      werror: this.options.werror,
      // Only what the project controls (not the caller's whole environment),
      // so the same project gives the same packages on any machine.
      variables: {
        ...globalVariables(
          this.dirs,
          this.project.sysrootPrefix,
          { njobs: this.jobs, njobsConf: Math.max(this.options.jobs, 0) },
          this.flags,
          this.options.version,
        ),
        ...this.project.environment,
        ...this.options.variables,
      },
    });
  }

  /**
   * mrproper/distclean: the output folder goes, as in releng-tool — unless
   * it holds the project (an --out-dir pointing at the root or above it),
   * where only releng's own areas were removed and an empty folder goes.
   */
  async removeOutputFolder(): Promise<void> {
    const out = resolve(this.dirs.output);
    const root = resolve(this.dirs.root);
    if (root === out || root.startsWith(`${out}/`)) {
      await rmdir(this.dirs.output).catch(() => {});
      return;
    }
    await rm(out, { recursive: true, force: true });
  }

  /**
   * mrproper/distclean: the remembered modes go (a releng-tool project's
   * root flags too, each named as releng-tool names it when it goes).
   */
  async clearModes(): Promise<void> {
    const { clearModes, modeMessages } = await import('./modes.ts');
    const store = this.project.format === 'releng-tool' ? 'root-flags' : 'output';
    const removed = await clearModes(this.dirs.output, this.dirs.root, store);
    // each mode that went is said as -D/-L unset say it
    for (const e of modeMessages(removed, {})) this.options.sink(e);
  }

  /** Removes output areas releng owns; never the output folder's other content. */
  async removeOutputs(areas: Array<keyof ProjectDirs>): Promise<void> {
    for (const area of areas) await rm(this.dirs[area], { recursive: true, force: true });
  }

  async removeSbom(): Promise<void> {
    const { SBOM_FILE_NAMES } = await import('../licenses/sbom-formats.ts');
    for (const name of Object.values(SBOM_FILE_NAMES)) {
      await rm(join(this.dirs.output, name), { force: true });
    }
  }

  /**
   * `<pkg>-distclean`'s part of dl/: the package's files, `<folder>` and
   * `<folder>.*` (its temporaries included), in dl/ itself and, for a
   * releng-tool project, in the folder releng-tool keeps them in
   * (`dl/<pkg>/`, removed once empty). Both places, so that downloads made
   * before a project was switched between the two layouts go too.
   */
  async removeDownloads(pkg: PackageModel): Promise<void> {
    const prefix = packageFolder(pkg);
    const own = pkg.dlFile ? dirname(join(this.dirs.dl, pkg.dlFile)) : undefined;
    for (const dir of own ? [this.dirs.dl, own] : [this.dirs.dl]) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.name !== prefix && !entry.name.startsWith(`${prefix}.`)) continue;
        // dl/ of a releng-tool project holds one folder per package: one
        // named like this package's files belongs to another package
        if (own && dir === this.dirs.dl && entry.isDirectory()) continue;
        await rm(join(dir, entry.name), { recursive: true, force: true });
      }
    }
    if (own) await rmdir(own).catch(() => {});
  }

  /** `<pkg>-exec "<cmd>"`: a shell command in the package's build directory, with its environment. */
  async execInPackage(pkg: PackageModel): Promise<void> {
    const command = this.options.execCommand ?? this.options.args.join(' ');
    if (!command) {
      throw new RelengError(`nothing to run for ${pkg.name}-exec`, {
        hint: `give the command: releng ${pkg.name}-exec "make check"`,
      });
    }
    const paths = packagePaths(this.dirs, pkg);
    const env = this.environment.packageEnv(
      pkg,
      paths,
      pkg.prefix ?? this.project.sysrootPrefix,
      this.#jobsFor(pkg),
    );
    env.RELENG_EXEC = '1';
    const { spawn } = await import('node:child_process');
    this.options.beforeInheritedOutput?.();
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], {
        cwd: paths.buildDir,
        env,
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('close', (c) => resolve(c ?? 128));
    });
    if (code !== 0) {
      throw new RelengError(`command failed in ${pkg.name}: ${command}`, {
        pkg: pkg.name,
        exitCode: code,
      });
    }
  }
}

/** `<pkg>-printvars`: the package's settings and variables. */
function pkgLine(pkg: PackageModel): string {
  return pkg.version ? `${pkg.name} (${pkg.version})` : pkg.name;
}

function printVars(pkg: PackageModel, dirs: ProjectDirs, project: ProjectModel): string {
  return `${Object.entries(packageVariables(pkg, dirs, project))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** A package's variables as its stages see them, sorted by name (credentials masked). */
function packageVariables(
  pkg: PackageModel,
  dirs: ProjectDirs,
  project: ProjectModel,
): Record<string, string> {
  const paths = packagePaths(dirs, pkg);
  const vars: Record<string, string> = {
    ...packageKeyVariables(pkg, paths),
    [`${pkg.key}_DEPENDENCIES`]: pkg.dependencies.join(' '),
    [`${pkg.key}_NEEDS`]: pkg.dependencies.join(' '),
    [`${pkg.key}_INSTALL_TYPE`]: pkg.installType,
    [`${pkg.key}_INTERNAL`]: pkg.internal ? '1' : '',
    [`${pkg.key}_LICENSE`]: pkg.license.join(' '),
    [`${pkg.key}_PREFIX`]: pkg.prefix ?? project.sysrootPrefix,
    [`${pkg.key}_SITE`]: maskCredentials(pkg.site ?? ''),
    [`${pkg.key}_TYPE`]: pkg.type,
    [`${pkg.key}_VCS_TYPE`]: pkg.vcsType,
  };
  return Object.fromEntries(Object.entries(vars).sort(([a], [b]) => a.localeCompare(b)));
}
