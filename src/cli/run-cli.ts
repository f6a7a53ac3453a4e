import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { type Action, GLOBAL_ACTIONS, PACKAGE_OPS, parseAction } from '../engine/actions.ts';
import type { RelengEvent } from '../engine/events.ts';
import { modeMessages, updateModes } from '../engine/modes.ts';
import { removeNoopRecord } from '../engine/noop-record.ts';
import { watchCommandLookups } from '../engine/prerequisites.ts';
import { effectiveJobs, runAction } from '../engine/run.ts';
import { projectDirs } from '../project/dirs.ts';
import type { FoundConfig } from '../project/find-config.ts';
import { type LoadedProject, loadProject } from '../project/load.ts';
import { nowMs } from '../util/clock.ts';
import { captureConsole } from '../util/console-capture.ts';
import { asRelengError, RelengError } from '../util/errors.ts';
import { killRunningCommands } from '../util/exec.ts';
import { closeMatches, didYouMean } from '../util/suggest.ts';
import { type CliArgs, UsageError } from './args.ts';
import { dirOptions } from './dir-options.ts';
import { endedByScript, exitCodeOf } from './errors.ts';
import { relengVersion } from './main.ts';
import {
  type Chunks,
  type NoopRun,
  recordableCommand,
  saveNoopRecord,
  teeStream,
} from './noop-recording.ts';
import { colorWanted, Reporter, type ReporterOptions } from './reporter.ts';

/** One load-and-run of the command: where it reports, and how the no-op record watches it. */
interface Pass {
  sink: (e: RelengEvent) => void;
  /** Refuse any work (EngineOptions.noopOnly) and take the model from the project cache only. */
  noopOnly?: boolean;
  onWork?: (what: string) => void;
  consulted?: Set<string>;
  /** Given the loaded project as soon as it is loaded (so it is closed whatever follows). */
  loaded: (project: LoadedProject) => void;
}

/** Signals that stop a run cleanly (running commands stopped, lock released). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Loads the project, runs the action, reports; resolves to the exit code. */
export async function runCli(
  given: CliArgs,
  root: string,
  config?: FoundConfig,
  noopKey?: string,
): Promise<number> {
  const started = nowMs();
  const args = withEnvironment(given);
  const jobs = effectiveJobs(args.jobs);
  // The project's format, found once: releng-tool projects colour as
  // releng-tool does (always, unless turned off) and keep their modes in
  // releng-tool's root flags. No project found: native (the load says why).
  const format = config?.format;
  const style = format === 'releng-tool' ? 'releng-tool' : 'native';
  const color = colorWanted(args.noColor, Boolean(process.stdout.isTTY), style);
  if (style === 'releng-tool' && color) {
    // as releng-tool: the commands a run starts are told to colour too
    process.env.CLICOLOR_FORCE = '1';
  }
  // A command whose no-op can be recorded keeps what it prints (noop-recording.ts).
  const recording = noopKey !== undefined && recordableCommand(args);
  const recordedOutput: Chunks = [];
  const reporterOptions: ReporterOptions = {
    json: args.json,
    color,
    live: Boolean(process.stdout.isTTY) && !args.json && !args.quiet,
    showRunning: jobs > 1,
    quiet: args.quiet,
    verbose: args.verbose,
    debug: args.debug,
    // As releng-tool (and its guide's getting-started): what scripts print is
    // on the console; with several jobs each line names its package.
    showOutput: !args.quiet || args.verbose || args.debug,
    prefixOutput: jobs > 1,
    cwd: process.cwd(),
  };
  // --api (releng-tool's API mode): messages go to stderr, stdout is the JSON result
  const out = args.api ? process.stderr : process.stdout;
  // (a recorded command has no --api: its messages go to stdout)
  const reporter = recording
    ? new Reporter(
        reporterOptions,
        teeStream(process.stdout, 1, recordedOutput),
        teeStream(process.stderr, 2, recordedOutput),
      )
    : new Reporter(reporterOptions, out);
  // --api: the stages each package ran, for the document at the end
  const apiStages = args.api ? new (await import('./api-mode.ts')).ApiStages() : undefined;
  const apiReported: Record<string, unknown> = {};
  const sink = (e: RelengEvent) => {
    if (apiStages && e.type === 'stage-end') apiStages.ended(e.pkg, e.stage, e.durationMs);
    reporter.handle(e);
  };
  if (args.api) {
    const { RELENG_TOOL_COMPAT_VERSION } = await import('../project/releng-tool/load.ts');
    process.stderr.write(
      `releng ${relengVersion()} (releng-tool ${RELENG_TOOL_COMPAT_VERSION} API mode)\n`,
    );
  }
  const fail = (err: unknown): number => {
    const e = asRelengError(err);
    reporter.flush();
    if (endedByScript(err)) {
      // a script's sys.exit(0): the run ends here, quietly (as releng-tool)
      if (args.json) sink({ type: 'run-end', ok: true, durationMs: nowMs() - started });
      return 0;
    }
    if (args.debug && e.stack && !(err instanceof UsageError)) process.stderr.write(`${e.stack}\n`);
    sink({ type: 'error', message: e.message, details: e.details });
    if (args.json) sink({ type: 'run-end', ok: false, durationMs: nowMs() - started });
    return exitCodeOf(err);
  };

  if (args.action === 'init') {
    try {
      noExtraWords(args, 'init');
      const { initProject } = await import('./init.ts');
      const result = await initProject(root);
      sink({
        type: 'log',
        level: 'success',
        message: `created ${result.created.join(', ')} in ${root}`,
      });
      if (result.gitignoreAppended) {
        sink({
          type: 'log',
          level: 'note',
          message:
            result.gitignoreAppended.length > 0
              ? `added ${result.gitignoreAppended.join(' ')} to the existing .gitignore`
              : "the existing .gitignore already ignores releng's folders",
        });
      }
      return 0;
    } catch (err) {
      return fail(err);
    }
  }

  if (args.action === 'package') {
    try {
      const file = args.extra[0];
      if (!file || args.extra.length > 1) {
        throw new UsageError(
          file
            ? `package takes one description file, not ${args.extra.length}`
            : 'package needs a description file',
          { hint: 'releng package app.yaml --source ./root --out ./dist' },
        );
      }
      const { loadDescriptionFile, writeOutputs } = await import('../outputs/index.ts');
      const written = await writeOutputs(await loadDescriptionFile(file), {
        sourceDir: resolve(args.source ?? '.'),
        imagesDir: resolve(args.out ?? '.'),
        // Only what the command line says: the same description gives the same packages anywhere.
        variables: { ...args.variables },
      });
      for (const w of written) sink({ type: 'log', level: 'success', message: `wrote ${w}` });
      return 0;
    } catch (err) {
      return fail(err);
    }
  }

  if (args.helpQuirks) {
    process.stdout.write(QUIRKS_HELP);
    return 0;
  }
  const warnIgnored = (to: (e: RelengEvent) => void) => {
    for (const option of args.ignoredOptions) {
      to({
        type: 'log',
        level: 'warn',
        message: `unknown argument ignored (--relaxed-args): ${option}`,
      });
    }
  };
  warnIgnored(sink);

  const version = relengVersion();
  const dirs = projectDirs(root, dirOptions(args, root));
  // Any other command's run may change what a no-op does: its record goes.
  if (!recording) removeNoopRecord(dirs.output);
  let loaded: LoadedProject | undefined;
  let interrupted: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // One stop per run: Ctrl-C under the Node re-exec of bin/releng.mjs
    // arrives twice (terminal and wrapper), and a second signal while
    // stopping must not kill the process before it has released the lock.
    if (interrupted !== undefined) return;
    const code = 128 + (osConstants.signals[signal] ?? 0);
    interrupted = code;
    sink({ type: 'error', message: `interrupted (${signal})`, details: {} });
    killRunningCommands(signal);
    void loaded?.close(true).finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 2000).unref();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const modes = await updateModes(
      dirs.output,
      args.development,
      args.localSources,
      root,
      format === 'releng-tool' ? 'root-flags' : 'output',
    );
    // As releng-tool: `-D`/`-L` without an action only configure the mode;
    // in a releng-tool project they never run one (releng-tool stops once
    // it configured a mode, whatever else the command line asks).
    const configuring = args.development !== undefined || args.localSources !== undefined;
    if (configuring && (args.action === undefined || format === 'releng-tool')) {
      if (format === 'releng-tool') {
        const given = {
          development: args.development !== undefined,
          localSources: args.localSources !== undefined,
        };
        for (const e of modeMessages(given, modes)) sink(e);
      } else {
        const what = args.development !== undefined ? 'development' : 'local-sources';
        sink({ type: 'log', level: 'success', message: `configured root for ${what} mode` });
      }
      return args.successExitCode ?? 0;
    }
    /** Loads the project and runs the action, reporting through `pass.sink`. */
    const loadAndRun = async (pass: Pass): Promise<LoadedProject> => {
      const warn = (message: string, file?: string) => {
        if (args.werror)
          throw new RelengError(message, { file, hint: 'warnings are errors (--werror)' });
        pass.sink({ type: 'log', level: 'warn', message: file ? `${message} (${file})` : message });
      };
      // Under --json, stdout carries only events: definition prints become output events.
      const definitionOutput = args.json
        ? (chunk: Buffer | string, stream: 'stdout' | 'stderr') => {
            for (const line of chunk.toString().split('\n').filter(Boolean)) {
              pass.sink({ type: 'output', pkg: '(definitions)', stream, line });
            }
          }
        : (chunk: Buffer | string, stream: 'stdout' | 'stderr') => {
            // after what the reporter still holds, so lines keep their order
            reporter.flush();
            (stream === 'stdout' && !args.api ? process.stdout : process.stderr).write(chunk);
          };
      // Native definition modules run in this process: their console output too.
      const project0 = await captureConsole(definitionOutput, () =>
        loadProject({
          root,
          dirs,
          devmode: modes.development,
          jobs,
          debug: args.debug,
          verbose: args.verbose,
          version,
          args: args.rest,
          // definitions see the run's modes too, as in releng-tool
          variables: { ...loadFlags(args, modes), ...args.variables },
          cliVariables: args.variables,
          warn,
          output: definitionOutput,
          useCache: !args.noCache,
          python: args.python,
          configFile: args.config,
          found: config,
          linting: args.action === 'lint' || args.action?.endsWith('-lint') === true,
          forceRevisions: args.release ? {} : forceRevisions(args.variables),
          cachedOnly: pass.noopOnly,
        }),
      );
      pass.loaded(project0);
      const { project } = project0;
      if (project.format === 'releng-tool' && runningAsHostRoot()) {
        warn('running as root; this may be unsafe');
      }
      const action = actionOf(args, new Set(project.packageDefs.keys()), project.format);
      const quirks = runQuirks(args.quirks, project.options.quirks, pass.sink);
      if (args.release) releaseCheck(args, action, modes, quirks, pass.sink);
      await runAction(project, dirs, action, {
        jobs: args.jobs,
        force: args.force,
        werror: args.werror,
        debug: args.debug,
        verbose: args.verbose,
        variables: args.variables,
        args: args.rest,
        devmode: modes.development,
        localSources: modes.localSources,
        execCommand: args.extra.length > 0 ? args.extra.join(' ') : undefined,
        sink: pass.sink,
        print: (text) => {
          reporter.flush();
          // under --api, stdout carries the JSON document only
          (args.api ? process.stderr : process.stdout).write(text);
        },
        api: args.api ? apiReported : undefined,
        beforeInheritedOutput: () => reporter.flush(),
        version,
        json: args.json,
        fromCache: project0.fromCache,
        onlyMirror: args.onlyMirror,
        sbomFormat: args.sbomFormat,
        release: args.release,
        profiles: args.profiles,
        quirks,
        python: args.python,
        onWork: pass.onWork,
        noopOnly: pass.noopOnly,
        consulted: pass.consulted,
      });
      return project0;
    };
    /**
     * One load-and-run, watched for the no-op record: the files the engine
     * consulted and the tools it found, whether it did work, and the
     * duration it reported.
     */
    const watchedRun = async (
      to: (e: RelengEvent) => void,
      options: { noopOnly?: boolean; loaded: (project: LoadedProject) => void },
    ) => {
      const consulted = new Set<string>();
      const stopWatching = watchCommandLookups();
      let durationMs: number | undefined;
      let worked = false;
      let project: LoadedProject | undefined;
      try {
        await loadAndRun({
          sink: (e) => {
            if (e.type === 'run-end') durationMs = e.durationMs;
            to(e);
          },
          noopOnly: options.noopOnly,
          onWork: () => {
            worked = true;
          },
          consulted,
          loaded: (l) => {
            project = l;
            options.loaded(l);
          },
        });
      } finally {
        for (const tool of stopWatching()) consulted.add(tool);
      }
      return { loaded: project as LoadedProject, worked, durationMs, consulted };
    };
    const run = await watchedRun(sink, {
      loaded: (l) => {
        loaded = l;
      },
    });
    const code = args.successExitCode ?? 0;
    if (recording && noopKey !== undefined) {
      reporter.flush();
      const record = { args, root, dirs, modes, key: noopKey, exitCode: code };
      // a record that cannot be made only costs the next run its shortcut
      const keep = async (made: Omit<NoopRun, keyof typeof record>) => {
        const saved = await saveNoopRecord({ ...record, ...made }).catch(() => false);
        if (!saved) removeNoopRecord(dirs.output);
      };
      if (!run.worked && run.loaded.fromCache) {
        // this run was the no-op: what it printed is the record
        await keep({ ...run, output: recordedOutput });
      } else {
        // It did work: run the command again from the project cache,
        // refusing any work, and record what that prints for the next run
        // (nothing, if it would have done anything).
        const output: Chunks = [];
        const capture = new Reporter(
          reporterOptions,
          teeStream(undefined, 1, output),
          teeStream(undefined, 2, output),
        );
        let again: LoadedProject | undefined;
        try {
          // everything the command prints, from its first line
          warnIgnored((e) => capture.handle(e));
          const second = await watchedRun((e) => capture.handle(e), {
            noopOnly: true,
            loaded: (l) => {
              again = l;
            },
          });
          capture.flush();
          await keep({ ...second, output });
        } catch {
          // work ahead (WorkNeeded) or a failure: the next run takes the full path
          removeNoopRecord(dirs.output);
        } finally {
          await again?.close();
        }
      }
    }
    return await apiResult(code);
  } catch (err) {
    // a failed run is no no-op: the next one takes the full path
    if (recording) removeNoopRecord(dirs.output);
    // Ctrl-C reaches the whole process group: a command it killed may fail the
    // run before this process's own SIGINT handler has run. Give the pending
    // signal a moment, so the run ends as interrupted (130), not failed.
    if (interrupted === undefined && /\(killed by SIG(?:INT|TERM|HUP)\)/.test(String(err)))
      await new Promise((r) => setTimeout(r, 300));
    if (interrupted !== undefined) return interrupted;
    return await apiResult(fail(err));
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    await loaded?.close();
  }

  /** Under --api, stdout carries one JSON document of the run's outcome and packages. */
  async function apiResult(code: number): Promise<number> {
    if (!args.api) return code;
    reporter.flush();
    const { apiSummary } = await import('./api-mode.ts');
    process.stdout.write(
      `${JSON.stringify(apiSummary(code, loaded?.project, dirs, version, apiStages, apiReported), null, 4)}\n`,
    );
    return code;
  }
}

/**
 * releng-tool's `<PKG>_FORCE_REVISION` overrides from the environment and the
 * `KEY=VALUE` words (those win), by package key. A release run ignores them.
 */
function forceRevisions(
  variables: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of [env, variables]) {
    for (const [k, v] of Object.entries(source)) {
      if (k.endsWith('_FORCE_REVISION') && v) out[k.slice(0, -'_FORCE_REVISION'.length)] = v;
    }
  }
  return out;
}

/** The run modes a releng-tool configuration or definition sees while it loads (only those that are on). */
function loadFlags(
  args: CliArgs,
  modes: { development?: string | boolean; localSources?: Record<string, string> },
): Record<string, string> {
  const out: Record<string, string> = {};
  if (args.debug) out.RELENG_DEBUG = '1';
  if (args.verbose) out.RELENG_VERBOSE = '1';
  if (args.force || args.action === 'punch') out.RELENG_FORCE = '1';
  if (args.release) out.RELENG_RELEASE = '1';
  if (args.profiles.length > 0) out.RELENG_PROFILES = args.profiles.join(';');
  if (modes.development) out.RELENG_DEVMODE = modes.development === true ? '1' : modes.development;
  if (modes.localSources) out.RELENG_LOCALSRCS = '1';
  if (args.action?.endsWith('-exec')) out.RELENG_EXEC = '1';
  Object.assign(out, actionLoadFlags(args.action));
  return out;
}

/**
 * The flags an action sets while definitions load, as releng-tool sets them
 * before it reads any: clean modes, restage modes and the target package.
 * Package names are not known yet, so `<pkg>-<op>` is read by its op suffix.
 */
function actionLoadFlags(action: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!action) return out;
  const on = (...keys: string[]) => {
    for (const k of keys) out[k] = '1';
  };
  if ((GLOBAL_ACTIONS as readonly string[]).includes(action)) {
    if (action === 'clean') on('RELENG_CLEAN');
    if (action === 'mrproper') on('RELENG_CLEAN', 'RELENG_MRPROPER');
    if (action === 'distclean') on('RELENG_CLEAN', 'RELENG_DISTCLEAN', 'RELENG_MRPROPER');
    return out;
  }
  const target = packageAction(action);
  if (!target) return out;
  out.RELENG_TARGET_PKG = target.name;
  const { op } = target;
  if (op === 'clean' || op === 'fresh') on('RELENG_CLEAN');
  if (op === 'distclean') on('RELENG_CLEAN', 'RELENG_DISTCLEAN', 'RELENG_MRPROPER');
  if (op === 'reconfigure') on('RELENG_REBUILD', 'RELENG_RECONFIGURE', 'RELENG_REINSTALL');
  if (op === 'reconfigure-only') on('RELENG_RECONFIGURE');
  if (op === 'rebuild') on('RELENG_REBUILD', 'RELENG_REINSTALL');
  if (op === 'rebuild-only') on('RELENG_REBUILD');
  if (op === 'reinstall') on('RELENG_REINSTALL');
  return out;
}

/** Package operations, longest first (so `-rebuild-only` is not read as `-only`). */
const OPS_LONGEST_FIRST = [...PACKAGE_OPS].sort((a, b) => b.length - a.length);

/**
 * The package a package action names, and its operation, read as
 * releng-tool reads them before the packages are known: the word less a
 * trailing `-<op>` (`package/<name>` also names a package).
 */
function packageAction(word: string): { name: string; op?: string } | undefined {
  if ((GLOBAL_ACTIONS as readonly string[]).includes(word) || CLI_ACTIONS.includes(word))
    return undefined;
  const name = word.replace(/^(?:\.\/)?package\/([^/]+)\/?$/, '$1');
  const op = OPS_LONGEST_FIRST.find((o) => name.endsWith(`-${o}`) && name.length > o.length + 1);
  return op ? { name: name.slice(0, -op.length - 1), op } : { name };
}

/**
 * The run's quirks, as releng-tool gathers them: `--quirk`, RELENG_QUIRKS
 * (split at spaces, commas and semicolons), then the project's `quirks`;
 * each once. The project's are listed in verbose output, all in debug output.
 */
function runQuirks(
  given: readonly string[],
  fromProject: unknown,
  sink: (e: RelengEvent) => void,
): string[] {
  const env = (process.env.RELENG_QUIRKS ?? '').split(/[ ,;]+/);
  const project = fromProject === undefined ? [] : [fromProject].flat().map(String);
  for (const q of project)
    sink({ type: 'log', level: 'verbose', message: `configuration quirk applied: ${q}` });
  const all = [...new Set([...given, ...env, ...project].map((q) => q.trim()).filter(Boolean))];
  if (all.length > 0)
    sink({ type: 'log', level: 'debug', message: `configured quirks: ${all.join(', ')}` });
  return all;
}

/**
 * releng-tool's release check: a `--release` run refuses development and
 * local-sources modes, a single action, and a forced revision given on the
 * command line (the `releng.ignore_release_check` quirk makes them warnings).
 */
function releaseCheck(
  args: CliArgs,
  action: Action,
  modes: { development?: string | boolean; localSources?: Record<string, string> },
  quirks: readonly string[],
  sink: (e: RelengEvent) => void,
): void {
  const issues: string[] = [];
  if (modes.development) issues.push('detected development mode');
  if (modes.localSources) issues.push('detected local-sources mode');
  if (action.kind === 'global') issues.push(`action detected: ${action.action}`);
  if (action.kind === 'package')
    issues.push(`action detected: ${action.pkg}${action.op === 'all' ? '' : `-${action.op}`}`);
  for (const key of Object.keys(forceRevisions(args.variables, {})))
    issues.push(`${key.toLowerCase()}: detected a forced revision`);
  if (issues.length === 0) return;
  const message = `release check failure:\n  - ${issues.join('\n  - ')}`;
  if (quirks.includes('releng.ignore_release_check')) {
    sink({
      type: 'log',
      level: 'warn',
      message: `${message}\n(ignored: releng.ignore_release_check)`,
    });
    return;
  }
  throw new RelengError(message, {
    hint: 'a --release build runs without development or local-sources mode (releng -D unset / -L unset), as a full build, and without <PKG>_FORCE_REVISION',
  });
}

/** RELENG_PARALLEL_LEVEL gives the jobs when -j does not (a value that is no whole number is ignored). */
function withEnvironment(given: CliArgs): CliArgs {
  let args = given;
  // As releng-tool: a CI job re-run in its debug mode debugs releng too
  // (unless RELENG_IGNORE_RUNNER_DEBUG), and debugging is verbose.
  if (!args.debug && !process.env.RELENG_IGNORE_RUNNER_DEBUG) {
    if (RUNNER_DEBUG_HINTS.some((name) => name in process.env))
      args = { ...args, debug: true, verbose: true };
  }
  const level = process.env.RELENG_PARALLEL_LEVEL;
  if (args.jobs !== 0 || level === undefined || !/^-?\d+$/.test(level.trim())) return args;
  return { ...args, jobs: Number(level.trim()) };
}

/** Variables CI services set on a debug re-run: GitHub Actions (and its old name), GitLab. */
const RUNNER_DEBUG_HINTS = ['ACTIONS_RUNNER_DEBUG', 'CI_DEBUG_TRACE', 'RUNNER_DEBUG'];

/** `--help-quirks`: the quirks releng-tool 4.x knows (accepted with --quirk). */
const QUIRKS_HELP = `releng-tool quirks (--quirk NAME):
  releng.cmake.disable_default_prefix
  releng.cmake.disable_direct_includes
  releng.disable_devmode_ignore_cache
  releng.disable_prerequisites_check
  releng.disable_remote_configs
  releng.disable_remote_scripts
  releng.disable_verbose_patch
  releng.git.no_depth
  releng.git.no_quick_fetch
  releng.git.replicate_cache
  releng.ignore_failed_extensions
  releng.ignore_release_check
  releng.log.execute_args
  releng.log.execute_env
  releng.stats.no_pdf
  releng.xmake.disable_arch_detection
  releng.xmake.disable_deps_init
`;

/** Words the CLI handles before the engine sees the action, offered as suggestions too. */
const CLI_ACTIONS = ['help', 'repo', 'key'];

/**
 * The action word read against the project's packages. An unknown word, or
 * words after an action that takes none, are usage errors: exit 2, but an
 * unknown word in a releng-tool project exits 1, as releng-tool's does.
 */
function actionOf(
  args: CliArgs,
  packages: ReadonlySet<string>,
  format: 'native' | 'releng-tool',
): Action {
  let action: Action;
  // releng-tool also takes a package's folder, `package/<pkg>`, as its name
  const word = args.action?.replace(/^(?:\.\/)?package\/([^/]+)\/?$/, '$1');
  try {
    action = parseAction(word, packages);
  } catch (err) {
    if (!(err instanceof RelengError) || args.action === undefined) throw err;
    const word = args.action;
    const matches = suggestActions(word, packages);
    throw new UsageError(
      `unknown action or package: ${word}${
        matches.length > 0
          ? ` (did you mean ${matches.map((m) => `"${m}"`).join(' or ')}?)`
          : didYouMean(word, [...GLOBAL_ACTIONS, ...CLI_ACTIONS, ...packages])
      }`,
      { hint: 'run "releng printpkgs" to list the packages, "releng --help" for the actions' },
      format === 'releng-tool' ? 1 : 2,
    );
  }
  if (action.kind === 'package' && action.op === 'exec') {
    // Known now, before the dependencies are built for nothing.
    if (args.extra.length === 0 && args.rest.length === 0) {
      throw new UsageError(`nothing to run for ${action.pkg}-exec`, {
        hint: `give the command: releng ${action.pkg}-exec "make check"`,
      });
    }
  } else noExtraWords(args, args.action ?? '');
  return action;
}

/**
 * releng-tool's suggestions for an unknown action word: for `<name>-<op>`
 * with a known op, packages close to the name; for `<pkg>-<typo>` of a known
 * package, its close actions; otherwise close actions and packages.
 */
function suggestActions(word: string, packages: ReadonlySet<string>): string[] {
  const pkgs = [...packages];
  const op = [...PACKAGE_OPS]
    .sort((a, b) => b.length - a.length)
    .find((o) => word.endsWith(`-${o}`) && word.length > o.length + 1);
  if (op) {
    return closeMatches(word.slice(0, -op.length - 1), pkgs).map((m) => `${m}-${op}`);
  }
  const dash = word.lastIndexOf('-');
  if (dash >= 0) {
    const [name, rest] = [word.slice(0, dash), word.slice(dash + 1)];
    if (packages.has(name)) return closeMatches(rest, PACKAGE_OPS).map((m) => `${name}-${m}`);
    const whole = closeMatches(word, pkgs);
    return whole.length > 0 ? whole : closeMatches(name, pkgs);
  }
  // releng-tool looks at packages only when no action is close; releng's own
  // commands (help, repo, key) are actions too
  return closeMatches(word, [...GLOBAL_ACTIONS, ...CLI_ACTIONS, ...pkgs]);
}

/** Only `<pkg>-exec` and `package` take words after the action. */
function noExtraWords(args: CliArgs, action: string): void {
  if (args.extra.length === 0) return;
  throw new UsageError(
    `${action ? `"${action}"` : 'a full build'} takes no further words (got ${args.extra.map((w) => `"${w}"`).join(' ')})`,
    { hint: 'one action per run; KEY=VALUE words set variables, and words after -- go to scripts' },
  );
}

/**
 * releng-tool's check before a run: root on a host (not in a container,
 * where pid 2 is not the kernel's kthreadd) may let an ill-formed project
 * change the machine. RELENG_IGNORE_RUNNING_AS_ROOT turns it off.
 */
function runningAsHostRoot(): boolean {
  if (process.getuid?.() !== 0 || 'RELENG_IGNORE_RUNNING_AS_ROOT' in process.env) return false;
  try {
    return readFileSync('/proc/2/status', 'utf8').includes('kthreadd');
  } catch {
    return false; // no /proc/2: most likely a container
  }
}
