import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expandVariables } from '../../builders/common.ts';
import { SBOM_FORMATS } from '../../licenses/sbom-formats.ts';
import { RelengError } from '../../util/errors.ts';
import { firstFile } from '../../util/fs.ts';
import { didYouMean } from '../../util/suggest.ts';
import type {
  ExtensionCallContext,
  ExtensionHost,
  ExtensionTypeNames,
  HookStage,
  PackageModel,
  ProjectModel,
  StageAction,
  StageIO,
  StageRunContext,
} from '../model.ts';
import { packageKey } from '../model.ts';
import { normalizePackage, type PackageDefaults } from '../normalize.ts';
import { type PyFunctionRef, PythonBridge, PythonError } from '../python/bridge.ts';
import { type Kind, matches, toList } from '../schema.ts';
import { lintVersionProblem } from './lint-version.ts';
import { POST_BUILD_NAMES } from './names.ts';
import { PACKAGE_OPTIONS, PASSTHROUGH_OPTIONS, PROJECT_OPTIONS } from './options.ts';

export { POST_BUILD_NAMES, RELENG_TOOL_CONFIG_NAMES } from './names.ts';

/** The releng-tool release whose project format and script API releng implements. */
export const RELENG_TOOL_COMPAT_VERSION = '4.2.0';

const SCRIPT_EXTENSIONS = ['.rt', '.py', ''];
const HOOK_STAGES: HookStage[] = ['bootstrap', 'patch', 'configure', 'build', 'install', 'post'];

export interface PythonRuntimeOptions {
  python?: string;
  workers: number;
  debug: boolean;
  verbose: boolean;
  version: string;
  /** Directory variables (ROOT_DIR, TARGET_DIR, ...) given to configs and definitions. */
  variables: Record<string, string>;
  args: readonly string[];
  warn: (message: string, file?: string) => void;
  /** Where output printed while evaluating definitions goes (default: this process's stdout/stderr). */
  output?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
}

/**
 * The Python side of a releng-tool project: one bridge, started on first
 * use, shared by definitions and scripts.
 */
export class PythonRuntime {
  readonly options: PythonRuntimeOptions;
  #bridge: Promise<PythonBridge> | undefined;

  constructor(options: PythonRuntimeOptions) {
    this.options = options;
  }

  bridge(): Promise<PythonBridge> {
    this.#bridge ??= PythonBridge.start({
      python: this.options.python,
      workers: this.options.workers,
      debug: this.options.debug,
      verbose: this.options.verbose,
    });
    return this.#bridge;
  }

  globals(extra: Record<string, unknown> = {}): Record<string, unknown> {
    // Scripts see the releng-tool release whose behaviour releng implements, so
    // `releng_require_version(...)` checks in existing projects keep passing.
    return {
      releng_args: [...this.options.args],
      releng_version: RELENG_TOOL_COMPAT_VERSION,
      ...extra,
    };
  }

  /** Evaluates a definition or config file and returns its variables. */
  async evaluate(file: string, cwd: string): Promise<Record<string, unknown>> {
    const env = { ...processEnv(), ...this.options.variables };
    try {
      return await (await this.bridge()).evalFile(file, {
        globals: this.globals(this.options.variables),
        env,
        cwd,
        onOutput: this.options.output,
      });
    } catch (err) {
      throw fromPythonError(err, file);
    }
  }

  /**
   * Evaluates many definitions at once (one request per worker instead of
   * one per file); a failure throws for the first failing file, in order.
   */
  async evaluateMany(
    items: ReadonlyArray<{ file: string; cwd: string; globals?: Record<string, unknown> }>,
  ): Promise<Array<Record<string, unknown>>> {
    if (items.length === 0) return [];
    const env = { ...processEnv(), ...this.options.variables };
    let results: Awaited<ReturnType<PythonBridge['evalFiles']>>;
    try {
      results = await (await this.bridge()).evalFiles(items, {
        globals: this.globals(this.options.variables),
        env,
        onOutput: this.options.output,
      });
    } catch (err) {
      throw fromPythonError(err, items[0]!.file);
    }
    return results.map((r, i) => {
      if (!r.ok) throw fromPythonError(r.error, items[i]!.file);
      return r.value;
    });
  }

  /**
   * Runs a package's consecutive stage scripts in one bridge request: the
   * engine gives every script of one package the same environment and
   * working directory, so only the file and the output handlers differ.
   */
  readonly #runChain = (
    steps: ReadonlyArray<{ action: StageAction; ctx: StageRunContext }>,
  ): Array<Promise<void>> => {
    const first = steps[0]!.ctx;
    const started = this.bridge().then((bridge) =>
      bridge.runScripts(
        steps.map(({ action, ctx }) => ({
          file: action.file,
          cwd: ctx.cwd,
          onOutput: (chunk, stream) => ctx.io.output(chunk, stream),
          onLog: (level, message) => ctx.io.log(level === 'err' ? 'error' : level, message),
        })),
        { env: first.env, globals: this.globals() },
      ),
    );
    return steps.map(({ action }, i) =>
      started
        .then((promises) => promises[i]!)
        .catch((err: unknown) => {
          throw fromPythonError(err, action.file);
        }),
    );
  };

  /** A stage script as a StageAction. */
  action(file: string): StageAction {
    return {
      kind: 'python',
      file,
      runChain: this.#runChain,
      run: async (ctx) => {
        try {
          await (await this.bridge()).runScript(file, {
            // The bridge exposes env as globals itself; sending it twice doubled each request.
            globals: this.globals(),
            env: ctx.env,
            cwd: ctx.cwd,
            onOutput: (chunk, stream) => ctx.io.output(chunk, stream),
            onLog: (level, message) => ctx.io.log(level === 'err' ? 'error' : level, message),
          });
        } catch (err) {
          throw fromPythonError(err, file);
        }
      },
    };
  }

  /**
   * The project's Python extensions (releng-tool's `extensions = [...]`).
   * Loading them pins every later request to one worker, where their
   * listeners and what they add to the script environment live.
   */
  extensionHost(names: readonly string[], root: string, configFile: string): ExtensionHost {
    let loaded: Promise<ExtensionTypeNames> | undefined;
    const load = async (quirks: readonly string[]) => {
      const bridge = await this.bridge();
      bridge.pinToOneWorker();
      const { errors: failures, types } = await bridge.loadExtensions(names, {
        version: RELENG_TOOL_COMPAT_VERSION,
        root,
        env: { ...processEnv(), ...this.options.variables },
        cwd: root,
      });
      if (failures.length === 0) return types;
      if (quirks.includes('releng.ignore_failed_extensions')) {
        for (const f of failures) this.options.warn(f, configFile);
        return types;
      }
      throw new RelengError(failures.join('\n'), {
        file: configFile,
        hint: 'install the extension for the Python releng runs (or put it in the project root), or add the quirk releng.ignore_failed_extensions',
      });
    };
    const request = (ctx: ExtensionCallContext) => ({
      globals: this.globals(),
      env: ctx.env,
      cwd: ctx.cwd,
      onOutput: ctx.io
        ? (chunk: Buffer, stream: 'stdout' | 'stderr') => ctx.io!.output(chunk, stream)
        : undefined,
      onLog: ctx.io
        ? (level: string, message: string) =>
            ctx.io!.log(
              (level === 'err' ? 'error' : level) as Parameters<StageIO['log']>[0],
              message,
            )
        : undefined,
    });
    return {
      load: (quirks) => (loaded ??= load(quirks)),
      emit: async (event, ctx) => {
        loaded ??= load([]);
        await loaded;
        try {
          await (await this.bridge()).emitEvent(event, request(ctx));
        } catch (err) {
          throw fromPythonError(err, configFile);
        }
      },
      call: async (kind, type, method, opts, ctx) => {
        loaded ??= load([]);
        await loaded;
        try {
          return await (await this.bridge()).callExtension(kind, type, method, opts, request(ctx));
        } catch (err) {
          throw fromPythonError(err, configFile);
        }
      },
    };
  }

  /** Ends the workers; `force` kills them even mid-script (interrupts). */
  async close(force = false): Promise<void> {
    const bridge = this.#bridge;
    this.#bridge = undefined;
    // Idle workers exit on their own: the run does not wait for Python's teardown.
    if (bridge) await (await bridge.catch(() => undefined))?.close({ force, leaveIdle: true });
  }
}

let processEnvCopy: Record<string, string> | undefined;
/** The process environment as plain strings (copied once: hundreds of definitions read it). */
function processEnv(): Record<string, string> {
  if (!processEnvCopy) {
    processEnvCopy = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) processEnvCopy[k] = v;
  }
  return processEnvCopy;
}

/** A Python failure as a RelengError naming the file and line. */
export function fromPythonError(err: unknown, file: string): RelengError {
  if (err instanceof PythonError) {
    return new RelengError(err.message, {
      file: err.file ?? file,
      line: err.line,
      exitCode: err.exitCode,
      // as releng-tool: a script's own exit (releng_exit(msg, 3), sys.exit(3))
      // is the process's exit code; a failing releng_execute is not
      processExit:
        err.pythonType === 'SystemExit' || err.pythonType === 'RelengExit'
          ? err.exitCode
          : undefined,
    });
  }
  if (err instanceof RelengError) return err;
  return new RelengError(err instanceof Error ? err.message : String(err), { file });
}

/** Loads `releng.py` / `releng-tool.rt` into the project settings. */
export async function loadRelengToolConfig(
  root: string,
  configFile: string,
  runtime: PythonRuntime,
): Promise<Omit<ProjectModel, 'packageDefs'> & { packageDirs: string[] }> {
  const values = await runtime.evaluate(configFile, root);
  if (values.releng_setup && typeof values.releng_setup === 'object') {
    // releng-tool calls it with the extension registry; releng loads
    // extensions only from modules (their state lives on one worker)
    runtime.options.warn(
      'releng_setup(app) in the project configuration is not run: move it into an extension module (a folder in the project root) and list it in extensions = [...]',
      configFile,
    );
  }
  let settings: Record<string, unknown> = values;
  const call = values.__releng_config__;
  if (call && typeof call === 'object') {
    settings = call as Record<string, unknown>;
    for (const key of Object.keys(PROJECT_OPTIONS)) {
      if (key in values)
        runtime.options.warn(
          `project option \`${key}\` ignored since this project uses \`releng_config\``,
          configFile,
        );
    }
    for (const key of Object.keys(settings)) {
      if (!(key in PROJECT_OPTIONS)) {
        throw new RelengError(
          `unknown releng_config option "${key}"${didYouMean(key, Object.keys(PROJECT_OPTIONS))}`,
          { file: configFile, hint: 'remove it or fix its name' },
        );
      }
    }
  }
  const project: Record<string, unknown> = {};
  for (const [name, { key, kind }] of Object.entries(PROJECT_OPTIONS)) {
    let value = settings[name];
    if (value === undefined || value === null) continue;
    // releng-tool also takes extra licenses as a dict of identifier → name
    if (
      (name === 'extra_licenses' || name === 'extra_license_exceptions') &&
      typeof value === 'object' &&
      !Array.isArray(value)
    )
      value = Object.keys(value);
    checkKind(value, kind, name, configFile);
    project[key] = value;
  }
  const badLintVersion = lintVersionProblem(project.lintMaxVersion, process.env);
  if (badLintVersion) {
    throw new RelengError(badLintVersion, {
      file: configFile,
      hint: "e.g. lint_max_version = '4.2'",
    });
  }
  checkProjectValues(project, configFile);
  if (project.packages === undefined) {
    throw new RelengError('the project configuration has no "packages" list', {
      file: configFile,
      hint: "add packages = ['my-package']",
    });
  }
  if (toList(project.packages).length === 0) {
    // releng-tool refuses a project without packages
    throw new RelengError('the project configuration lists no packages', {
      file: configFile,
      hint: "add the packages to build: packages = ['my-package']",
    });
  }
  // an absolute folder (releng-tool's tests use one outside the project) stays as is
  const externalPackages = toList(project.externalPackages).map((p) => resolve(root, p));
  const options: Record<string, unknown> = {};
  for (const key of [
    'sbomFormat',
    'defaultCmakeBuildType',
    'defaultMesonBuildType',
    'extraLicenses',
    'extraLicenseExceptions',
    'overrideExtractTools',
    'quirks',
    'networkIsolation',
    'revisions',
    'defaultXmakeBuildType',
    'defaultDevmodeIgnoreCache',
    'lintMaxVersion',
  ]) {
    if (project[key] !== undefined) options[key] = project[key];
  }
  // releng-tool's extras are SPDX id → name; the checks need the ids
  for (const key of ['extraLicenses', 'extraLicenseExceptions']) {
    const v = options[key];
    if (v && typeof v === 'object' && !Array.isArray(v)) options[key] = Object.keys(v);
    else if (typeof v === 'string') options[key] = [v];
  }
  const postFile = await firstFile(POST_BUILD_NAMES.map((n) => join(root, n)));
  return {
    root,
    format: 'releng-tool',
    configFile,
    packages: toList(project.packages),
    // releng-tool roots a relative prefix: Path('myprefix') is /myprefix
    sysrootPrefix: project.sysrootPrefix
      ? `${String(project.sysrootPrefix).startsWith('/') ? '' : '/'}${project.sysrootPrefix}`
      : '/usr',
    defaultInternal: (project.defaultInternal as boolean | undefined) ?? false,
    licenseHeader: project.licenseHeader as string | undefined,
    externalPackages,
    extensions: toList(project.extensions),
    environment: (project.environment as Record<string, string> | undefined) ?? {},
    prerequisites: toList(project.prerequisites),
    urlMirror: project.urlMirror as string | undefined,
    overrideSites: (project.overrideSites as Record<string, string> | undefined) ?? {},
    overrideRevisions: (project.overrideRevisions as Record<string, string> | undefined) ?? {},
    overrideTools: (project.overrideTools as Record<string, string> | undefined) ?? {},
    cacheExt: project.cacheExt ? relengToolCacheExt(configFile, root, runtime) : undefined,
    postBuild: postFile ? runtime.action(postFile) : undefined,
    options,
    packageDirs: [join(root, 'package'), ...externalPackages],
  };
}

/** Values releng-tool refuses beyond their type: an unknown SBOM format. */
function checkProjectValues(project: Record<string, unknown>, configFile: string): void {
  for (const format of toList(project.sbomFormat)) {
    if (format !== 'all' && !(SBOM_FORMATS as readonly string[]).includes(format)) {
      throw new RelengError(
        `option "sbom_format" has an unknown value "${format}"${didYouMean(format, SBOM_FORMATS)}`,
        { file: configFile, hint: `use one or more of: ${SBOM_FORMATS.join(', ')}` },
      );
    }
  }
}

/** `cache_ext` is a Python function of the config; evaluated again on first use. */
export function relengToolCacheExt(configFile: string, root: string, runtime: PythonRuntime) {
  let fn: Promise<unknown> | undefined;
  return async (site: string): Promise<string | undefined> => {
    fn ??= runtime.evaluate(configFile, root).then((v) => {
      const call = v.__releng_config__ as Record<string, unknown> | undefined;
      return call?.cache_ext ?? v.cache_ext;
    });
    const result = await (await runtime.bridge()).callFunction((await fn) as PyFunctionRef, [site]);
    return typeof result === 'string' ? result : undefined;
  };
}

function checkKind(value: unknown, kind: Kind, name: string, file: string, pkg?: string): void {
  if (matches(kind, value)) return;
  throw new RelengError(
    `option "${name}" has the wrong type (${JSON.stringify(value)?.slice(0, 60)})`,
    {
      file,
      pkg,
      hint: typeof kind === 'object' ? `use one of: ${kind.oneOf.join(', ')}` : `expected ${kind}`,
    },
  );
}

/** Finds a releng-tool package definition: `<pkg>.rt`, `<pkg>.py` or `<pkg>`. */
export async function findRelengToolDefinition(
  packageDirs: readonly string[],
  name: string,
): Promise<string | undefined> {
  for (const dir of packageDirs) {
    const found = await firstFile(SCRIPT_EXTENSIONS.map((ext) => join(dir, name, `${name}${ext}`)));
    if (found) return found;
  }
  return undefined;
}

/**
 * A package folder without a definition file but with at least one stage
 * script (`<pkg>-build.rt`, …): the path its definition would have
 * (`<dir>/<pkg>/<pkg>.rt`), or undefined.
 */
async function bareRelengToolPackage(
  packageDirs: readonly string[],
  name: string,
): Promise<string | undefined> {
  for (const dir of packageDirs) {
    const entries = await readdir(join(dir, name)).catch(() => undefined);
    if (!entries) continue;
    const scripts = HOOK_STAGES.flatMap((stage) =>
      SCRIPT_EXTENSIONS.map((ext) => `${name}-${stage}${ext}`),
    );
    if (entries.some((e) => scripts.includes(e))) return join(dir, name, `${name}.rt`);
  }
  return undefined;
}

/**
 * Loads releng-tool packages by name (a frontier of the package graph): finds
 * the definitions, evaluates them together, and finds their stage scripts.
 * Undefined for a name without a definition.
 */
export async function loadRelengToolPackages(
  names: readonly string[],
  packageDirs: readonly string[],
  defaults: PackageDefaults,
  runtime: PythonRuntime,
): Promise<Array<PackageModel | undefined>> {
  const files = await Promise.all(names.map((n) => findRelengToolDefinition(packageDirs, n)));
  const found = names.flatMap((name, i) => (files[i] ? [{ name, file: files[i]! }] : []));
  // releng-tool: a package folder with stage scripts and no definition is a
  // package with every option at its default
  const bare = await Promise.all(
    names.map((n, i) => (files[i] ? undefined : bareRelengToolPackage(packageDirs, n))),
  );
  const values = await runtime.evaluateMany(
    found.map(({ file }) => ({
      file,
      cwd: join(file, '..'),
      globals: { PKG_DEFDIR: join(file, '..') },
    })),
  );
  const models = await Promise.all([
    ...found.map(({ name, file }, i) =>
      relengToolPackage(name, file, values[i]!, defaults, runtime),
    ),
    ...names.flatMap((name, i) =>
      bare[i] ? [relengToolPackage(name, bare[i]!, {}, defaults, runtime)] : [],
    ),
  ]);
  found.push(...names.flatMap((name, i) => (bare[i] ? [{ name, file: bare[i]! }] : [])));
  const byName = new Map(found.map(({ name }, i) => [name, models[i]!]));
  return names.map((name) => byName.get(name));
}

/** String options that may be written as numbers (`<PKG>_VERSION = 1.2`). */
const NUMERIC_OK = new Set(['version', 'revision', 'devmodeRevision']);

/** A package model from a definition's evaluated variables. */
async function relengToolPackage(
  name: string,
  file: string,
  values: Record<string, unknown>,
  defaults: PackageDefaults,
  runtime: PythonRuntime,
): Promise<PackageModel> {
  const defDir = join(file, '..');
  const key = packageKey(name);
  const raw: Record<string, unknown> = {};
  const passthrough: Record<string, unknown> = {};
  const prefix = `${key}_`;
  for (const [variable, value] of Object.entries(values)) {
    if (!variable.startsWith(prefix) || value === null || value === undefined) continue;
    const option = variable.slice(prefix.length);
    const mapping = PACKAGE_OPTIONS[option];
    if (!mapping) {
      if (PASSTHROUGH_OPTIONS.has(option)) passthrough[option] = value;
      else {
        runtime.options.warn(
          `unknown package option ${variable}${didYouMean(
            variable,
            Object.keys(PACKAGE_OPTIONS).map((o) => prefix + o),
          )}`,
          file,
        );
      }
      continue;
    }
    // Mode-keyed dicts stay as they are: normalizePackage picks the active mode's value.
    let v: unknown = value;
    if (v === undefined || v === null) continue;
    // Numbers are taken for versions and revisions only; any other string
    // option given a number is refused, as releng-tool does (EXTRACT_TYPE = 123).
    if (mapping.kind === 'string' && typeof v === 'number' && NUMERIC_OK.has(mapping.key))
      v = String(v);
    checkKind(v, mapping.byMode ? 'stringOrModeMap' : mapping.kind, variable, file, name);
    const [top, sub] = mapping.key.split('.') as [string, string | undefined];
    if (sub) raw[top] = { ...((raw[top] as Record<string, unknown>) ?? {}), [sub]: v };
    else raw[top] = v;
  }
  if (Object.keys(passthrough).length > 0) raw.relengTool = passthrough;
  expandPackageValues(key, defDir, raw);
  // <PKG>_FORCE_REVISION (environment or KEY=VALUE) wins over every revision, devmode's too
  const forced = defaults.forceRevisions?.[key];
  if (forced !== undefined && forced !== '') {
    raw.revision = forced;
    delete raw.devmodeRevision;
  }
  // One listing of the package folder instead of a stat per stage and extension.
  const entries = await readdir(defDir, { withFileTypes: true });
  const files = new Set(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name));
  // releng-tool prints no "patching" line for a package with nothing to patch
  raw.hasPatchFiles = [...files].some((f) => f.endsWith('.patch'));
  const hooks: Partial<Record<HookStage, StageAction>> = {};
  for (const stage of HOOK_STAGES) {
    const script = SCRIPT_EXTENSIONS.map((ext) => `${name}-${stage}${ext}`).find((f) =>
      files.has(f),
    );
    if (!script) continue;
    hooks[stage] = runtime.action(join(defDir, script));
    // releng-tool still runs an extension-less script, with a warning
    if (script === `${name}-${stage}`)
      runtime.options.warn(
        `detected use of deprecated file: ${join(defDir, script)} (consider renaming to \`${script}.rt\`)`,
      );
  }
  return normalizePackage(name, defDir, file, raw, hooks, defaults);
}

/**
 * As releng-tool: `$VAR`/`${VAR}` in a package's revisions and site are
 * expanded from the environment, `PKG_DEFDIR` and the package's version (the
 * site its revision too), e.g. `file://$PKG_DEFDIR/srcs.tar` or
 * `https://example.com/foo-${FOO_VERSION}.tgz`; unknown names stay.
 */
function expandPackageValues(key: string, defDir: string, raw: Record<string, unknown>): void {
  const vars: Record<string, string | undefined> = { ...process.env, PKG_DEFDIR: defDir };
  if (typeof raw.version === 'string') vars[`${key}_VERSION`] = raw.version;
  const expand = (v: unknown): unknown => {
    if (typeof v === 'string') return expandVariables(v, vars);
    // a mode-keyed value ({'*': ..., 'mode': ...})
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
    return v;
  };
  for (const k of ['revision', 'devmodeRevision'] as const) if (k in raw) raw[k] = expand(raw[k]);
  const revision = typeof raw.revision === 'string' ? raw.revision : raw.version;
  if (typeof revision === 'string') vars[`${key}_REVISION`] = revision;
  if ('site' in raw) raw.site = expand(raw.site);
}
