import { join } from 'node:path';
import { loadClosure } from '../engine/graph.ts';
import { RelengError } from '../util/errors.ts';
import {
  cacheFile,
  cacheKey,
  type LoadWarning,
  readProjectCache,
  type SerializedProject,
  writeProjectCache,
} from './cache.ts';
import { directoryVariables } from './dirs.ts';
import { loadExtensions } from './extensions.ts';
import { findConfig } from './find-config.ts';
import type { HookStage, PackageModel, ProjectDirs, ProjectModel, StageAction } from './model.ts';
import {
  findNativeDefinition,
  loadNativeConfig,
  loadNativePackage,
  nativeAction,
  nativeCacheExt,
  nativeImportedFiles,
  packageFolderNames,
  projectPostAction,
} from './native/load.ts';
import type { PackageDefaults } from './normalize.ts';
import type { PythonRuntime } from './releng-tool/load.ts';
import { POST_BUILD_NAMES } from './releng-tool/names.ts';

export interface LoadOptions {
  root: string;
  /** `--config FILE`: the configuration file, instead of looking for one in the root. */
  configFile?: string;
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
  warn: (message: string, file?: string) => void;
  /** Output printed by definitions while they are evaluated. */
  output?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Reuse the loaded model when no input changed (default true). */
  useCache?: boolean;
  python?: string;
}

export interface LoadedProject {
  project: ProjectModel;
  /** True when the model came from the cache (no definition was evaluated). */
  fromCache: boolean;
  /** Releases the Python workers; `force` kills running scripts (interrupts). */
  close(force?: boolean): Promise<void>;
}

/** Loads a project of either format into the normalised model. */
export async function loadProject(options: LoadOptions): Promise<LoadedProject> {
  const { file, format } = await findConfig(options.root, options.configFile);
  // Every load-time warning is recorded with the model, so a cached run shows
  // it again (and -W fails on it) instead of only the run that evaluated it.
  const warnings: LoadWarning[] = [];
  const warn = (message: string, file?: string): void => {
    warnings.push(file === undefined ? { message } : { message, file });
    options.warn(message, file);
  };
  // The Python machinery loads only for releng-tool projects.
  const legacy = format === 'releng-tool' ? await import('./releng-tool/load.ts') : undefined;
  const runtime = legacy
    ? new legacy.PythonRuntime({
        python: options.python,
        workers: Math.max(1, options.jobs),
        debug: options.debug,
        verbose: options.verbose,
        version: options.version,
        variables: { ...options.variables, ...directoryVariables(options.dirs) },
        args: options.args,
        warn,
        output: options.output,
      })
    : undefined;
  const close = async (force = false) => runtime?.close(force);
  const key = cacheKey({
    releng: options.version,
    format,
    file,
    devmode: options.devmode ?? null,
    dirs: options.dirs,
    args: options.args,
    variables: options.variables ?? {},
    forceRevisions: options.forceRevisions ?? {},
  });
  const cachePath = cacheFile(options.dirs.output);
  try {
    if (options.useCache !== false) {
      const hit = await readProjectCache(cachePath, key);
      if (hit) {
        const cached = hit.project;
        for (const w of hit.warnings) options.warn(w.message, w.file);
        await activateExtensions(cached.root, cached.extensions, cached.format, cached.configFile);
        return {
          project: revive(cached, runtime, legacy?.relengToolCacheExt),
          fromCache: true,
          close,
        };
      }
    }
    const defaults = (
      settings: Pick<ProjectModel, 'defaultInternal' | 'overrideSites' | 'overrideRevisions'>,
    ): PackageDefaults => ({
      defaultInternal: settings.defaultInternal,
      overrideSites: settings.overrideSites,
      overrideRevisions: settings.overrideRevisions,
      devmode: options.devmode,
      forceRevisions: options.forceRevisions,
    });
    let project: ProjectModel;
    // Absent candidates are recorded as missing, so adding one invalidates the cache.
    const inputs = [file, ...POST_BUILD_NAMES.map((n) => join(options.root, n))];
    if (format === 'native') {
      const { packageDirs, ...settings } = await loadNativeConfig(options.root, file);
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
      const rt = runtime!;
      const { packageDirs, ...settings } = await legacy!.loadRelengToolConfig(
        options.root,
        file,
        rt,
      );
      await activateExtensions(options.root, settings.extensions, 'releng-tool', file);
      const d = defaults(settings);
      const packageDefs = await loadClosure(
        settings.packages,
        (names) => legacy!.loadRelengToolPackages(names, packageDirs, d, rt),
        () => packageFolderNames(packageDirs),
        file,
      );
      project = { ...settings, packageDefs };
    }
    for (const pkg of project.packageDefs.values()) inputs.push(pkg.definitionFile, pkg.defDir);
    if (options.useCache !== false)
      await writeProjectCache(cachePath, key, inputs, project, warnings);
    return { project, fromCache: false, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Extensions: native modules are activated; releng-tool's Python extensions cannot be. */
async function activateExtensions(
  root: string,
  extensions: readonly string[],
  format: 'native' | 'releng-tool',
  configFile: string,
): Promise<void> {
  if (extensions.length === 0) return;
  if (format === 'releng-tool') {
    throw new RelengError(`releng-tool extensions cannot be loaded: ${extensions.join(', ')}`, {
      file: configFile,
      hint: 'releng runs releng-tool projects without its Python extension API; port the extension to a native releng extension (see docs/architecture.md)',
    });
  }
  await loadExtensions(root, extensions, configFile);
}

/** Rebuilds a model from the cache; hooks load their code on first use. */
function revive(
  cached: SerializedProject,
  runtime: PythonRuntime | undefined,
  relengToolCacheExt: typeof import('./releng-tool/load.ts').relengToolCacheExt | undefined,
): ProjectModel {
  const { packageDefs, postBuild, hasCacheExt, ...rest } = cached;
  const action = (ref: { kind: 'native' | 'python'; file: string }, stage: string): StageAction =>
    ref.kind === 'python' ? runtime!.action(ref.file) : nativeAction(ref.file, stage);
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
        ? projectPostAction(postBuild.file)
        : runtime!.action(postBuild.file)
      : undefined,
    cacheExt: hasCacheExt
      ? native
        ? nativeCacheExt(rest.configFile)
        : relengToolCacheExt!(rest.configFile, rest.root, runtime!)
      : undefined,
  };
}
