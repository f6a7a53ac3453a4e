import { mkdirSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RegisteredPackageType } from '../builders/registry.ts';
import { packageType } from '../builders/registry.ts';
import type {
  HookStage,
  PackageModel,
  ProjectDirs,
  ProjectModel,
  StageIO,
  StageName,
  StageRunContext,
} from '../project/model.ts';
import { devmodeIgnoresCache } from '../sources/devmode-cache.ts';
import { type RegisteredSite, siteType } from '../sources/registry.ts';
import type { SiteContext, SiteRunOptions } from '../sources/types.ts';
import { nowMs } from '../util/clock.ts';
import { captureConsole } from '../util/console-capture.ts';
import { asRelengError } from '../util/errors.ts';
import { execCapture, execStreaming } from '../util/exec.ts';
import { assertInside } from './contain.ts';
import type { PackagePaths } from './env.ts';
import type { EventSink } from './events.ts';
import { ISOLATED_STAGES, isolatedEnv, networkIsolated } from './network-isolation.ts';
import { PackageLog } from './package-log.ts';
import { type ChainedStep, chainHooks } from './stage-chain.ts';
import { STATE_FILE, StageState } from './state.ts';

/** The patch module, imported on the first patch stage (once, not once per package). */
let patchModule: Promise<typeof import('../patch/index.ts')> | undefined;

/**
 * Stages in order. As in releng-tool, bootstrap (only when a package defines
 * it) runs after patching, right before configure, so it sees the sources.
 */
export const PIPELINE: readonly (StageName | 'bootstrap')[] = [
  'fetch',
  'extract',
  'patch',
  'bootstrap',
  'configure',
  'build',
  'install',
  'post',
];

/** What the engine shares with every package it runs. */
export interface PackageRunShared {
  project: ProjectModel;
  dirs: ProjectDirs;
  sink: EventSink;
  args: readonly string[];
  /** Ignore done flags (punch, --force). */
  force: boolean;
  /** `<pkg>:<stage>` run by this invocation: a forced run does each stage once, not once per task. */
  ranThisRun: Set<string>;
  /** What site types need to know about the run. */
  siteOptions: SiteRunOptions;
  /** Reports a warning (throws under --werror). */
  warn: (message: string, pkg: string) => void;
  /** Set once something failed or the user interrupted: stop between stages. */
  stopped: () => boolean;
  /** NETWORK_ISOLATION's proxy port, when a package of the run is isolated. */
  isolationPort?: number;
  /** Before a stage runs (EngineOptions.onWork / noopOnly). */
  work?: (what: string) => void;
}

/** One package's run: its paths, environment and job share are fixed by the caller. */
export interface PackageRun {
  pkg: PackageModel;
  paths: PackagePaths;
  /** Local-sources mode: the checkout this internal package builds from (no fetch/extract/patch). */
  localDir?: string;
  /** The package's environment, computed on first use (no-op runs never need it). */
  readonly env: Record<string, string>;
  jobs: number;
  prefix: string;
  /** The same run for a package whose options changed (REMOTE_CONFIG): jobs and environment follow them. */
  withPackage?: (pkg: PackageModel) => PackageRun;
  /**
   * The build base folder was just made for this run (build-folder-prep.ts):
   * inside the output folder, empty but for an empty journal.
   */
  fresh?: boolean;
}

/** The sysroots an install type writes to. */
export function installDirs(dirs: ProjectDirs, installType: PackageModel['installType']): string[] {
  switch (installType) {
    case 'host':
      return [dirs.host];
    case 'images':
      return [dirs.images];
    case 'staging':
      return [dirs.staging];
    case 'staging_and_target':
      return [dirs.staging, dirs.target];
    default:
      return [dirs.target];
  }
}

/**
 * Takes one package through its stages up to `until`, skipping stages whose
 * flag says they are done, and writing each flag only after the stage
 * succeeded.
 */
export async function runPackage(
  shared: PackageRunShared,
  run: PackageRun,
  until: StageName | 'bootstrap',
): Promise<void> {
  let { pkg } = run;
  const { paths } = run;
  let finalized = false;
  const fresh = run.fresh === true;
  const state = new StageState(paths.buildBaseDir, fresh);
  const log = new PackageLog(pkg.name, join(shared.dirs.logs, `${pkg.name}.log`), shared.sink);
  const site = siteType(pkg.vcsType, pkg.name, pkg.definitionFile);
  const builder = packageType(pkg.type, pkg.name, pkg.definitionFile);
  const last = PIPELINE.indexOf(until);
  const tools: StageTools = { state, log, site, builder };
  if (fresh) {
    // made and checked ahead of this run: nothing to empty, nothing to contain again
    tools.contained = true;
    tools.emptied = true;
    tools.dirMade = paths.buildDir === paths.buildBaseDir;
    tools.outputDirMade = paths.buildOutputDir === paths.buildBaseDir;
  }
  try {
    const extensions = shared.project.extensionHost;
    for (const stage of PIPELINE.slice(0, last + 1)) {
      if (stage === 'bootstrap' && !pkg.hooks.bootstrap) {
        // releng-tool's bootstrap stage always runs (empty without a script):
        // extensions hear of it when the stages after it run
        const ranConfigure = shared.ranThisRun.has(`${pkg.name}:configure`);
        if (extensions && ((shared.force && !ranConfigure) || !state.isDone('configure'))) {
          const ctx = stageContext(stage, shared, run, log);
          await extensions.emit('package-bootstrap-started', ctx);
          await extensions.emit('package-bootstrap-finished', ctx);
        }
        continue;
      }
      if (run.localDir && (stage === 'fetch' || stage === 'extract' || stage === 'patch')) continue;
      // releng-tool never patches a `local` site's sources (native projects do).
      if (stage === 'patch' && pkg.vcsType === 'local' && shared.project.format === 'releng-tool')
        continue;
      const ran = shared.ranThisRun.has(`${pkg.name}:${stage}`);
      // A package that ignores its cache in development mode fetches on every run.
      const refetch =
        stage === 'fetch' && !ran && devmodeIgnoresCache(pkg, shared.project, shared.siteOptions);
      if ((!shared.force || ran) && state.isDone(stage) && !refetch) {
        shared.sink({ type: 'stage-skip', pkg: pkg.name, stage });
        continue;
      }
      shared.work?.(`${pkg.name} ${stage}`);
      // Before the first building stage that runs (a run with nothing left
      // to build reads nothing from the sources and starts no Python).
      if (!finalized && PIPELINE.indexOf(stage) >= BOOTSTRAP) {
        finalized = true;
        try {
          run = await fromSources(shared, run);
        } catch (err) {
          throw asRelengError(err, { pkg: pkg.name });
        }
        pkg = run.pkg;
      }
      // A stage already started as part of a chain is running: it finishes
      // and is recorded, like any running stage when another package fails.
      const prefetched = tools.chained?.has(stage) === true;
      if (shared.stopped() && !prefetched) return;
      // Once, before the first stage that runs writes the journal, empties or fills the folder.
      if (!tools.contained) {
        assertInside(paths.buildBaseDir, shared.dirs.output, {
          action: 'write to',
          area: 'output folder',
          pkg: pkg.name,
        });
        tools.contained = true;
      }
      // A hook's console.log goes to the package's log, not releng's stdout.
      const toLog = (text: string, stream: 'stdout' | 'stderr') => log.write(text, stream);
      if (!prefetched) captureConsole(toLog, () => startChain(stage, shared, run, tools, last));
      const visible = isVisible(stage, pkg, site);
      const started = nowMs();
      if (visible) shared.sink({ type: 'stage-start', pkg: pkg.name, stage });
      log.note(`---- ${stage}`);
      const event = extensions ? PACKAGE_EVENTS[stage] : undefined;
      try {
        const ctx = event ? stageContext(stage, shared, run, log) : undefined;
        if (event) await extensions!.emit(`package-${event}-started`, ctx!);
        await captureConsole(toLog, () => runStage(stage, shared, run, tools));
        if (event) await extensions!.emit(`package-${event}-finished`, ctx!);
      } catch (err) {
        log.flush();
        throw asRelengError(err, {
          pkg: pkg.name,
          stage,
          logPath: log.path,
          logTail: log.tail(),
        });
      }
      log.flush();
      const durationMs = nowMs() - started;
      // A stage that does nothing (no sources to fetch or extract, no post
      // hook) is recorded with the next real one: losing it to a crash only
      // means doing nothing again, and it saves a write per stage.
      state.markDone(stage, { durationMs: Math.round(durationMs), defer: !visible });
      shared.ranThisRun.add(`${pkg.name}:${stage}`);
      if (visible) shared.sink({ type: 'stage-end', pkg: pkg.name, stage, durationMs });
    }
  } finally {
    state.close();
    // Output of chained steps the engine never reached (a failure stopped
    // the loop) still belongs in the log.
    for (const step of tools.chained?.values() ?? []) step.gate.open();
    await log.close();
  }
}

const BOOTSTRAP = PIPELINE.indexOf('bootstrap');

/**
 * A releng-tool package's options and stage scripts from its extracted
 * sources, read before its first building stage on every run, as
 * releng-tool does: `<PKG>_REMOTE_CONFIG` evaluates `.releng-tool` in the
 * sources (then in BUILD_SUBDIR) for the options the definition left unset;
 * `<PKG>_REMOTE_SCRIPTS` runs `releng-tool-{configure,build,install}` from
 * the build folder for a script package's stages its definition folder has
 * no script for. The quirks `releng.disable_remote_configs` / `_scripts`
 * turn each off.
 */
async function fromSources(shared: PackageRunShared, run: PackageRun): Promise<PackageRun> {
  const remote = shared.project.relengToolRemote;
  const flags = run.pkg.options.relengTool as Record<string, unknown> | undefined;
  if (!remote || !flags || (flags.REMOTE_CONFIG !== true && flags.REMOTE_SCRIPTS !== true))
    return run;
  const quirks = shared.siteOptions.quirks ?? [];
  const warn = (message: string) => shared.warn(message, run.pkg.name);
  let pkg = run.pkg;
  if (flags.REMOTE_CONFIG === true && !quirks.includes('releng.disable_remote_configs')) {
    const sources = run.localDir ?? run.paths.buildBaseDir;
    const places = pkg.buildSubdir ? [sources, run.paths.buildDir] : [sources];
    for (const dir of places) {
      const file = optFile(join(dir, '.releng-tool'), warn);
      if (file) {
        pkg = await remote.config(pkg, file);
        break;
      }
    }
  }
  if (
    flags.REMOTE_SCRIPTS === true &&
    pkg.type === 'script' &&
    !quirks.includes('releng.disable_remote_scripts')
  ) {
    const hooks = { ...pkg.hooks };
    for (const stage of ['configure', 'build', 'install'] as const) {
      if (hooks[stage]) continue;
      let file = optFile(join(run.paths.buildDir, `releng-tool-${stage}`), warn);
      if (!file) {
        file = optFile(join(run.paths.buildDir, `releng-${stage}`), () => {});
        if (file)
          warn(
            `using deprecated script ${basename(file)} -- switch to releng-tool-${stage}.rt when possible`,
          );
      }
      if (file) hooks[stage] = remote.action(file);
    }
    pkg = { ...pkg, hooks };
  }
  if (pkg === run.pkg) return run;
  return run.withPackage ? run.withPackage(pkg) : { ...run, pkg };
}

/** releng-tool's opt_file: `<base>.rt`, `<base>.py`, then `<base>` itself (deprecated, with a warning). */
function optFile(base: string, warn: (message: string) => void): string | undefined {
  const isFile = (f: string) => statSync(f, { throwIfNoEntry: false })?.isFile() === true;
  for (const ext of ['.rt', '.py']) if (isFile(base + ext)) return base + ext;
  if (!isFile(base)) return undefined;
  warn(`detected use of deprecated file: ${base} (consider renaming to \`${basename(base)}.rt\`)`);
  return base;
}

const CHAINABLE: ReadonlySet<string> = new Set(['configure', 'build', 'install']);

/** releng-tool's event name part per stage (`package-<name>-started`/`-finished`). */
const PACKAGE_EVENTS: Partial<Record<string, string>> = {
  bootstrap: 'bootstrap',
  configure: 'configure',
  build: 'build',
  install: 'install',
  post: 'postprocess',
};

/**
 * When the package's type only runs hooks, starts this stage's hook and the
 * next ones that will run together if their runner can chain (see
 * stage-chain.ts).
 */
function startChain(
  stage: StageName | 'bootstrap',
  shared: PackageRunShared,
  run: PackageRun,
  tools: StageTools,
  last: number,
): void {
  const { pkg } = run;
  if (!tools.builder.hooksOnly || !CHAINABLE.has(stage)) return;
  // extension events come between the stages: each script runs in its turn
  if (shared.project.extensionHost) return;
  const stages: HookStage[] = [];
  for (const next of PIPELINE.slice(PIPELINE.indexOf(stage), last + 1)) {
    if (!CHAINABLE.has(next)) break;
    const ran = shared.ranThisRun.has(`${pkg.name}:${next}`);
    if ((!shared.force || ran) && tools.state.isDone(next)) continue;
    stages.push(next as HookStage);
  }
  tools.chained = chainHooks(pkg.hooks, stages, (s) => stageContext(s, shared, run, tools.log));
}

function isVisible(stage: string, pkg: PackageModel, site: RegisteredSite): boolean {
  if (stage === 'fetch' || stage === 'extract') return site.hasSources;
  if (stage === 'post' || stage === 'bootstrap') return pkg.hooks[stage] !== undefined;
  if (stage === 'patch' && pkg.options.hasPatchFiles === false)
    return pkg.hooks.patch !== undefined;
  return true;
}

interface StageTools {
  /** Set once the build directory is known to exist. */
  dirMade?: boolean;
  /** Set once the build output directory is known to exist. */
  outputDirMade?: boolean;
  /** Set once the build directory is known to be inside the output folder (contain.ts). */
  contained?: boolean;
  /** The build base folder is known to hold nothing but the journal (made for this run). */
  emptied?: boolean;
  state: StageState;
  log: PackageLog;
  site: RegisteredSite;
  builder: RegisteredPackageType;
  /** Stages started together by startChain. */
  chained?: Map<string, ChainedStep> | undefined;
}

async function runStage(
  stage: StageName | 'bootstrap',
  shared: PackageRunShared,
  run: PackageRun,
  tools: StageTools,
): Promise<void> {
  const { pkg, paths } = run;
  const siteCtx = siteContext(shared, run, tools.log);
  switch (stage) {
    case 'fetch':
      await (await tools.site.load()).fetch(siteCtx);
      return;
    case 'extract':
      if (!tools.emptied) await emptyBuildDir(paths.buildBaseDir);
      await (await tools.site.load()).extract(siteCtx);
      ensureBuildDir(paths, tools);
      return;
    case 'patch': {
      ensureBuildDir(paths, tools);
      // The guide: no patches for a development revision in development mode
      // unless DEVMODE_PATCHES says which (local-sources mode skips the whole stage).
      {
        patchModule ??= import('../patch/index.ts');
        const { applyPatches, patchFilter } = await patchModule;
        await applyPatches({
          filter: patchFilter(pkg, shared.siteOptions.devmode),
          pkg,
          buildDir: paths.buildBaseDir,
          patchSubdir: pkg.options.patchSubdir as string | undefined,
          exec: siteCtx.exec,
          log: (line) => tools.log.note(line, true),
        });
      }
      await runHook(stage, shared, run, tools);
      return;
    }
    case 'bootstrap':
    case 'post':
      ensureBuildDir(paths, tools);
      if (shared.project.format === 'releng-tool') ensureOutputDir(paths, tools);
      await runHook(stage, shared, run, tools);
      return;
    default: {
      ensureBuildDir(paths, tools);
      if (shared.project.format === 'releng-tool') ensureOutputDir(paths, tools);
      if (tools.builder.name !== 'script' && pkg.hooks[stage]) {
        shared.warn(
          `package "${pkg.name}" defines a ${stage} hook, which ${pkg.type} packages do not run (use the post or patch hook, or the script type)`,
          pkg.name,
        );
      }
      const steps = await tools.builder.load();
      const step = steps[stage];
      if (!step) return;
      await step.call(steps, {
        pkg,
        project: shared.project,
        stage: stageContext(stage, shared, run, tools.log),
        runHook: () => runHook(stage, shared, run, tools),
      });
    }
  }
}

/** The context site types get: paths, logging, tool execution. */
export function siteContext(
  shared: PackageRunShared,
  run: PackageRun,
  log: PackageLog,
): SiteContext {
  const { pkg } = run;
  const execOptions = (
    options: { cwd?: string; env?: Record<string, string | undefined> } = {},
  ) => ({
    cwd: options.cwd ?? shared.dirs.root,
    env: options.env ? { ...run.env, ...options.env } : run.env,
    onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => log.write(chunk, stream),
    overrideTools: shared.project.overrideTools,
  });
  const fail = (err: unknown, command: string) => {
    const e = asRelengError(err, { pkg: pkg.name });
    if (/^command not found/.test(e.message)) {
      return asRelengError(
        new Error(`${e.message} (needed by package "${pkg.name}" for its ${pkg.vcsType} site)`),
        { ...e.details, pkg: pkg.name },
      );
    }
    void command;
    return e;
  };
  return {
    pkg,
    project: shared.project,
    dirs: shared.dirs,
    paths: run.paths,
    log,
    get env() {
      return run.env;
    },
    options: shared.siteOptions,
    async exec(command, args, options) {
      log.note(`$ ${[command, ...args].join(' ')}`, true);
      try {
        await execStreaming(command, args, execOptions(options));
      } catch (err) {
        throw fail(err, command);
      }
    },
    async capture(command, args, options) {
      log.note(`$ ${[command, ...args].join(' ')}`, true);
      try {
        return await execCapture(command, args, execOptions(options));
      } catch (err) {
        throw fail(err, command);
      }
    },
    warn: (message) => shared.warn(message, pkg.name),
  };
}

function ensureBuildDir(paths: PackagePaths, tools: StageTools): void {
  if (tools.dirMade) return;
  mkdirSync(paths.buildDir, { recursive: true });
  tools.dirMade = true;
}

/** PKG_BUILD_OUTPUT_DIR exists for a releng-tool project's building stages, as releng-tool makes it (scripts write into it). */
function ensureOutputDir(paths: PackagePaths, tools: StageTools): void {
  if (tools.outputDirMade) return;
  mkdirSync(paths.buildOutputDir, { recursive: true });
  tools.outputDirMade = true;
}

/** Removes an interrupted extraction's leftovers, keeping the stage flags. */
async function emptyBuildDir(dir: string): Promise<void> {
  // mkdir says whether it created the folder: a new one is empty (one call
  // instead of a failed readdir plus mkdir on a first build). Synchronous:
  // a thread-pool round trip per package cost more than the mkdir.
  if (mkdirSync(dir, { recursive: true }) !== undefined) return;
  const entries = await readdir(dir);
  for (const entry of entries) {
    if (entry !== STATE_FILE) await rm(join(dir, entry), { recursive: true, force: true });
  }
}

async function runHook(
  stage: HookStage,
  shared: PackageRunShared,
  run: PackageRun,
  tools: StageTools,
): Promise<boolean> {
  const action = run.pkg.hooks[stage];
  if (!action) return false;
  try {
    const chained = tools.chained?.get(stage);
    if (chained) {
      chained.gate.open();
      await chained.promise;
    } else {
      const ctx = stageContext(stage, shared, run, tools.log);
      // releng-tool runs the patch script in PATCH_SUBDIR, where the patches apply
      const sub =
        stage === 'patch' ? (run.pkg.options.patchSubdir as string | undefined) : undefined;
      let cwd = ctx.cwd;
      if (sub) {
        cwd = join(ctx.cwd, sub);
        // a definition's folder name never leads outside the build folder
        assertInside(cwd, run.paths.buildBaseDir, {
          action: 'write to',
          area: 'build folder',
          pkg: run.pkg.name,
        });
        mkdirSync(cwd, { recursive: true });
      }
      await action.run({ ...ctx, cwd });
    }
  } catch (err) {
    throw asRelengError(err, { file: action.file });
  }
  return true;
}

/** The context a hook or builder sees for one stage. */
export function stageContext(
  stage: StageRunContext['stage'],
  shared: PackageRunShared,
  run: PackageRun,
  log: PackageLog,
): StageRunContext {
  const { pkg, paths } = run;
  const env =
    shared.isolationPort !== undefined &&
    ISOLATED_STAGES.has(stage) &&
    networkIsolated(pkg, shared.project)
      ? isolatedEnv(run.env, shared.isolationPort)
      : run.env;
  const io: StageIO = {
    output: (chunk, stream) => log.write(chunk, stream),
    log: (level, message) => {
      log.note(`[${level}] ${message}`, true);
      // Project post-processing speaks for the whole project, not a package.
      shared.sink({
        type: 'log',
        level,
        message,
        pkg: stage === 'post-build' ? undefined : pkg.name,
      });
    },
  };
  return {
    name: pkg.name,
    version: pkg.version,
    stage,
    buildDir: paths.buildDir,
    buildOutputDir: paths.buildOutputDir,
    defDir: pkg.defDir,
    dirs: shared.dirs,
    prefix: run.prefix,
    installDirs: installDirs(shared.dirs, pkg.installType),
    jobs: run.jobs,
    env,
    cwd: paths.buildDir,
    args: shared.args,
    io,
    log: (message) => io.log('log', message),
    async exec(command, args = [], options = {}) {
      log.note(`$ ${[command, ...args].join(' ')}`, true);
      // Captured now, while the caller's frame is on the stack, so a failure
      // can name the line of the hook that ran the command.
      const callSite = new Error().stack;
      try {
        await execStreaming(command, args, {
          cwd: options.cwd ?? paths.buildDir,
          env: options.env ? { ...env, ...options.env } : env,
          onOutput: (chunk, stream) => log.write(chunk, stream),
          overrideTools: shared.project.overrideTools,
        });
      } catch (err) {
        const e = asRelengError(err, { pkg: pkg.name, stage });
        e.stack = `${e.message}\n${callSite?.split('\n').slice(1).join('\n') ?? ''}`;
        throw e;
      }
    },
  };
}
