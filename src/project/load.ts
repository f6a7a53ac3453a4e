import { join } from 'node:path';
import { loadClosure } from '../engine/graph.ts';
import { WorkNeeded } from '../util/errors.ts';
import {
  cacheFile,
  cacheKey,
  type LoadWarning,
  readProjectCache,
  type SerializedProject,
  writeProjectCache,
} from './cache.ts';
import { directoryVariables } from './dirs.ts';
import { type FoundConfig, findConfig } from './find-config.ts';
import type {
  ExtensionHost,
  HookStage,
  PackageModel,
  ProjectDirs,
  ProjectModel,
  RelengToolRemote,
  StageAction,
} from './model.ts';
import type { PackageDefaults } from './normalize.ts';
import { packageFolderNames } from './package-folders.ts';
import type { PythonRuntime } from './releng-tool/load.ts';
import { POST_BUILD_NAMES } from './releng-tool/names.ts';

export interface LoadOptions {
  root: string;
  /** `--config FILE`: the configuration file, instead of looking for one in the root. */
  configFile?: string;
  /** The configuration already found for `root` and `configFile` (the CLI looks once per run). */
  found?: FoundConfig;
  /** Only from the project cache: without a valid one, throw WorkNeeded (evaluate nothing). */
  cachedOnly?: boolean;
  /** releng-tool's `<PKG>_FORCE_REVISION` values, by package key. */
  forceRevisions?: Record<string, string>;
  dirs: ProjectDirs;
  devmode?: string | boolean;
  /** Python workers for releng-tool projects (the run's job count). */
  jobs: number;
  debug: boolean;
  verbose: boolean;
  version: string;
  args: readonly string[];
  /** `KEY=VALUE` words from the command line (visible to definitions too). */
  variables?: Record<string, string>;
  /** The command line's `KEY=VALUE` words alone (part of `variables`). */
  cliVariables?: Record<string, string>;
  warn: (message: string, file?: string) => void;
  /** Output printed by definitions while they are evaluated. */
  output?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Reuse the loaded model when no input changed (default true). */
  useCache?: boolean;
  python?: string;
  /**
   * The run is a lint (`lint`, `<pkg>-lint`): as releng-tool, the project
   * options a `releng_config(...)` call makes ignored are not warned about
   * (the lint's RT200 reports them).
   */
  linting?: boolean;
}

export interface LoadedProject {
  project: ProjectModel;
  /** True when the model came from the cache (no definition was evaluated). */
  fromCache: boolean;
  /** From the cache: the cache file and the files it was checked against, with their stamps. */
  cacheInputs?: Array<[path: string, stamp: string]>;
  /** Releases the Python workers; `force` kills running scripts (interrupts). */
  close(force?: boolean): Promise<void>;
}

/** Loads a project of either format into the normalised model. */
export async function loadProject(options: LoadOptions): Promise<LoadedProject> {
  const { file, format } = options.found ?? (await findConfig(options.root, options.configFile));
  // Every load-time warning is recorded with the model, so a cached run shows
  // it again (and -W fails on it) instead of only the run that evaluated it.
  const warnings: LoadWarning[] = [];
  const warn = (message: string, file?: string): void => {
    warnings.push(file === undefined ? { message } : { message, file });
    options.warn(message, file);
  };
  // The Python machinery loads only for releng-tool projects, and only when
  // something needs it: a run whose model comes from the cache and runs no
  // script (a no-op) never imports the bridge.
  let legacyModule: Promise<typeof import('./releng-tool/load.ts')> | undefined;
  const legacyLoader = () => (legacyModule ??= import('./releng-tool/load.ts'));
  let runtimePromise: Promise<PythonRuntime> | undefined;
  const getRuntime = (): Promise<PythonRuntime> =>
    (runtimePromise ??= legacyLoader().then(
      (legacy) =>
        new legacy.PythonRuntime({
          python: options.python,
          workers: Math.max(1, options.jobs),
          debug: options.debug,
          verbose: options.verbose,
          version: options.version,
          variables: { ...options.variables, ...directoryVariables(options.dirs) },
          cliVariables: options.cliVariables,
          args: options.args,
          warn,
          output: options.output,
          linting: options.linting,
        }),
    ));
  const close = async (force = false) => (await runtimePromise)?.close(force);
  const key = cacheKey({
    releng: options.version,
    format,
    file,
    devmode: options.devmode ?? null,
    dirs: options.dirs,
    args: options.args,
    variables: options.variables ?? {},
    forceRevisions: options.forceRevisions ?? {},
    // a lint's load leaves out warnings a run's gives: not the same model record
    linting: options.linting === true,
  });
  const cachePath = cacheFile(options.dirs.output);
  try {
    if (options.useCache !== false) {
      const hit = await readProjectCache(cachePath, key);
      if (hit) {
        const cached = hit.project;
        for (const w of hit.warnings) options.warn(w.message, w.file);
        await activateExtensions(cached.root, cached.extensions, cached.format, cached.configFile);
        const project = revive(cached, lazyPython(getRuntime, legacyLoader));
        project.extensionHost = pythonExtensions(project, getRuntime);
        return { project, fromCache: true, cacheInputs: hit.inputs, close };
      }
    }
    if (options.cachedOnly) throw new WorkNeeded('the project cache is not valid');
    const defaults = (
      settings: Pick<
        ProjectModel,
        'defaultInternal' | 'overrideSites' | 'overrideRevisions' | 'options'
      >,
    ): PackageDefaults => ({
      defaultInternal: settings.defaultInternal,
      overrideSites: settings.overrideSites,
      overrideRevisions: settings.overrideRevisions,
      devmode: options.devmode,
      forceRevisions: options.forceRevisions,
      revisions: settings.options.revisions as Record<string, string> | undefined,
      warn,
    });
    let project: ProjectModel;
    // Absent candidates are recorded as missing, so adding one invalidates the cache.
    const inputs = [file, ...POST_BUILD_NAMES.map((n) => join(options.root, n))];
    if (format === 'native') {
      // Definitions are read only on a miss: a cached run loads none of this.
      const native = await nativeLoader();
      const { findNativeDefinition, loadNativePackage, nativeImportedFiles } = native;
      const { packageDirs, ...settings } = await native.loadNativeConfig(options.root, file);
      await activateExtensions(options.root, settings.extensions, 'native', file);
      const d = defaults(settings);
      const packageDefs = await loadClosure(
        settings.packages,
        (names) =>
          Promise.all(
            names.map(async (name) => {
              const def = await findNativeDefinition(packageDirs, name);
              return def ? loadNativePackage(name, def, d) : undefined;
            }),
          ),
        () => packageFolderNames(packageDirs),
        file,
      );
      project = { ...settings, packageDefs };
      inputs.push(...nativeImportedFiles());
    } else {
      const rt = await getRuntime();
      const legacy = await legacyLoader();
      const { packageDirs, ...settings } = await legacy.loadRelengToolConfig(
        options.root,
        file,
        rt,
      );
      await activateExtensions(options.root, settings.extensions, 'releng-tool', file);
      const d = defaults(settings);
      const packageDefs = await loadClosure(
        settings.packages,
        (names) => legacy.loadRelengToolPackages(names, packageDirs, d, rt),
        () => packageFolderNames(packageDirs),
        file,
      );
      project = { ...settings, packageDefs };
      await (await import('./releng-tool/cache-file.ts')).assignCacheFiles(project);
    }
    for (const pkg of project.packageDefs.values()) inputs.push(pkg.definitionFile, pkg.defDir);
    if (options.useCache !== false)
      await writeProjectCache(cachePath, key, inputs, project, warnings);
    project.extensionHost = pythonExtensions(project, getRuntime);
    return { project, fromCache: false, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Extensions: native modules are activated now; releng-tool's Python
 * extensions when a run starts (pythonExtensions), as releng-tool loads them.
 */
async function activateExtensions(
  root: string,
  extensions: readonly string[],
  format: 'native' | 'releng-tool',
  configFile: string,
): Promise<void> {
  if (extensions.length === 0 || format === 'releng-tool') return;
  const { loadExtensions } = await import('./extensions.ts');
  await loadExtensions(root, extensions, configFile);
}

/**
 * A releng-tool project's Python extensions, loaded through the Python
 * runtime on first use (a project without extensions gets none, and its
 * runs never touch them).
 */
function pythonExtensions(
  project: ProjectModel,
  getRuntime: () => Promise<PythonRuntime>,
): ExtensionHost | undefined {
  if (project.format !== 'releng-tool' || project.extensions.length === 0) return undefined;
  let host: Promise<ExtensionHost> | undefined;
  const get = () =>
    (host ??= getRuntime().then((rt) =>
      rt.extensionHost(project.extensions, project.root, project.configFile),
    ));
  return {
    load: async (quirks) => (await get()).load(quirks),
    emit: async (event, ctx) => (await get()).emit(event, ctx),
    call: async (kind, type, method, opts, ctx) =>
      (await get()).call(kind, type, method, opts, ctx),
  };
}

/** Rebuilds a model from the cache; hooks load their code on first use. */
/** What a revived model needs of the releng-tool machinery. */
interface PythonHooks {
  action(file: string): StageAction;
  cacheExt(configFile: string, root: string): (site: string) => Promise<string | undefined>;
  remote(): RelengToolRemote;
}

/**
 * Stage actions and `cache_ext` of a cached releng-tool model that import
 * the Python runtime on first use. Consecutive scripts still share one
 * `runChain`, so the engine keeps running them in one bridge request.
 */
function lazyPython(
  getRuntime: () => Promise<PythonRuntime>,
  legacyLoader: () => Promise<typeof import('./releng-tool/load.ts')>,
): PythonHooks {
  const runChain: NonNullable<StageAction['runChain']> = (steps) => {
    const started = getRuntime().then((rt) => {
      const real = steps.map(({ action, ctx }) => ({ action: rt.action(action.file), ctx }));
      return (real[0]!.action.runChain as NonNullable<StageAction['runChain']>)(real);
    });
    return steps.map((_, i) => started.then((promises) => promises[i]));
  };
  const action = (file: string): StageAction => ({
    kind: 'python',
    file,
    runChain,
    run: async (ctx) => (await getRuntime()).action(file).run(ctx),
  });
  return {
    action,
    remote: () => ({
      config: async (pkg, file) =>
        (await legacyLoader()).relengToolRemote(await getRuntime()).config(pkg, file),
      action,
    }),
    cacheExt: (configFile, root) => {
      let fn: Promise<(site: string) => Promise<string | undefined>> | undefined;
      return async (site) => {
        fn ??= Promise.all([legacyLoader(), getRuntime()]).then(([legacy, rt]) =>
          legacy.relengToolCacheExt(configFile, root, rt),
        );
        return (await fn)(site);
      };
    },
  };
}

/** The native definition loader, imported when a run reads definitions or runs a native hook. */
const nativeLoader = () => import('./native/load.ts');

/** A cached native hook: native/load.ts's action, made when the hook runs. */
function lazyNative(file: string, make: (native: NativeLoader) => StageAction): StageAction {
  return { kind: 'native', file, run: async (ctx) => make(await nativeLoader()).run(ctx) };
}

type NativeLoader = Awaited<ReturnType<typeof nativeLoader>>;

function revive(cached: SerializedProject, python: PythonHooks): ProjectModel {
  const { packageDefs, postBuild, hasCacheExt, ...rest } = cached;
  const action = (ref: { kind: 'native' | 'python'; file: string }, stage: string): StageAction =>
    ref.kind === 'python'
      ? python.action(ref.file)
      : lazyNative(ref.file, (n) => n.nativeAction(ref.file, stage));
  const defs = new Map<string, PackageModel>();
  for (const pkg of packageDefs) {
    const hooks: Partial<Record<HookStage, StageAction>> = {};
    for (const [stage, ref] of Object.entries(pkg.hooks))
      hooks[stage as HookStage] = action(ref!, stage);
    defs.set(pkg.name, { ...pkg, hooks });
  }
  const native = rest.format === 'native';
  return {
    ...rest,
    packageDefs: defs,
    postBuild: postBuild
      ? postBuild.kind === 'native'
        ? lazyNative(postBuild.file, (n) => n.projectPostAction(postBuild.file))
        : python.action(postBuild.file)
      : undefined,
    relengToolRemote: native ? undefined : python.remote(),
    cacheExt: hasCacheExt
      ? native
        ? async (site: string) => (await nativeLoader()).nativeCacheExt(rest.configFile)(site)
        : python.cacheExt(rest.configFile, rest.root)
      : undefined,
  };
}
