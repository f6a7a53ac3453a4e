import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
  RelengToolRemote,
  StageAction,
  StageIO,
  StageRunContext,
} from '../model.ts';
import { packageKey } from '../model.ts';
import { normalizePackage, type PackageDefaults } from '../normalize.ts';
import { type PyFunctionRef, PythonBridge, PythonError } from '../python/bridge.ts';
import { type Kind, matches, toList } from '../schema.ts';
import { checkDefinition, checkKeyValue, interimValues, KEY_TYPES, type PyKinds } from './keys.ts';
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
  /** The command line's `KEY=VALUE` words (releng-tool: they replace a definition's `<PKG>_<OPTION>`). */
  cliVariables?: Record<string, string>;
  args: readonly string[];
  warn: (message: string, file?: string) => void;
  /** Where output printed while evaluating definitions goes (default: this process's stdout/stderr). */
  output?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** A lint run: no warning for project options `releng_config(...)` overrides (see LoadOptions). */
  linting?: boolean;
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
    items: ReadonlyArray<{
      file: string;
      cwd: string;
      globals?: Record<string, unknown>;
      kindsPrefix?: string;
    }>,
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
      if (key in values && !runtime.options.linting)
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
    'urlopenContext',
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
    relengToolRemote: relengToolRemote(runtime),
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
    found.map(({ name, file }) => ({
      file,
      cwd: join(file, '..'),
      // releng-tool's names for the `*` (any mode) key of site and revision dicts
      globals: {
        PKG_DEFDIR: join(file, '..'),
        DEFAULT_REVISION: '*',
        DEFAULT_SITE: '*',
        ...interimValues(packageKey(name)),
      },
      kindsPrefix: `${packageKey(name)}_`,
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
  definitionValues: Record<string, unknown>,
  defaults: PackageDefaults,
  runtime: PythonRuntime,
): Promise<PackageModel> {
  const defDir = join(file, '..');
  const key = packageKey(name);
  let values = definitionValues;
  const raw: Record<string, unknown> = {};
  const passthrough: Record<string, unknown> = {};
  const prefix = `${key}_`;
  // releng-tool's value types first, with what JSON lost of each value
  const kinds = (values.__pykinds__ ?? {}) as Record<string, PyKinds>;
  // as releng-tool: `<PKG>_<OPTION>=value` on the command line replaces the definition's value
  // (only the package's own options: `TEST_A_VERSION` is not an option of `test`)
  const injected = Object.entries(runtime.options.cliVariables ?? {}).filter(
    ([k]) => k.startsWith(prefix) && k.slice(prefix.length) in KEY_TYPES,
  );
  if (injected.length > 0) {
    values = { ...values, ...Object.fromEntries(injected) };
    for (const [k] of injected) delete kinds[k];
  }
  const given: Record<string, unknown> = {};
  for (const variable of new Set([...Object.keys(values), ...Object.keys(kinds)])) {
    const value = values[variable];
    if (!variable.startsWith(prefix) || value === null) continue;
    const option = variable.slice(prefix.length);
    checkKeyValue(name, variable, option, value, kinds[variable] ?? [], file);
    given[option] = value;
  }
  const nonStringKeys = new Set((values.__releng_nonstr_keys__ as string[] | undefined) ?? []);
  for (const [variable, value] of Object.entries(values)) {
    if (!variable.startsWith(prefix) || value === null || value === undefined) continue;
    const option = variable.slice(prefix.length);
    const mapping = PACKAGE_OPTIONS[option];
    // EXTOPT is free-form; every other dict option is string-keyed in releng-tool
    if (mapping && option !== 'EXTOPT' && nonStringKeys.has(variable)) {
      throw new RelengError(`option "${variable}" has a key that is not a string`, {
        file,
        pkg: name,
        hint: "quote the keys: {'key': 'value'}",
      });
    }
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
    v = relengToolForm(KEY_TYPES[option], v);
    if (option === 'LICENSE') v = licenseExpression(v, (kinds[variable] ?? []).includes('tuple'));
    // Numbers are taken for versions and revisions only; any other string
    // option given a number is refused, as releng-tool does (EXTRACT_TYPE = 123).
    if (mapping.kind === 'string' && typeof v === 'number' && NUMERIC_OK.has(mapping.key))
      v = String(v);
    checkKind(v, mapping.byMode ? 'stringOrModeMap' : mapping.kind, variable, file, name);
    if (option === 'GIT_DEPTH' && (v as number) < 0) {
      throw new RelengError(`option "${variable}" may not be negative (${String(v)})`, {
        file,
        pkg: name,
        hint: 'a depth of commits to fetch: 0 for the whole history, or more',
      });
    }
    const [top, sub] = mapping.key.split('.') as [string, string | undefined];
    if (sub) raw[top] = { ...((raw[top] as Record<string, unknown>) ?? {}), [sub]: v };
    else raw[top] = v;
  }
  if (Object.keys(passthrough).length > 0) raw.relengTool = passthrough;
  // which options the definition set (printvars marks them)
  raw.relengToolSet = Object.keys(given).sort();
  const picked = releaseValues(given, key, defDir, defaults.devmode);
  raw.version = picked.version;
  // a revision only when the definition gave one (the project's `revisions`
  // fill in, or are ignored with a warning naming VERSION, otherwise)
  if (picked.ownRevision) raw.revision = picked.revision;
  else delete raw.revision;
  delete raw.devmodeRevision;
  if (picked.site === undefined) delete raw.site;
  else raw.site = picked.site;
  // A remote configuration only fills in what the definition left unset.
  if (passthrough.REMOTE_CONFIG === true) raw.definedOptions = Object.keys(raw);
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
  const model = normalizePackage(name, defDir, file, raw, hooks, defaults, 'releng-tool');
  checkDefinition(model, given, file);
  // as releng-tool: a site whose type came from its `<type>+` prefix is the rest
  // (PKG_SITE, what the fetch is given); an explicit VCS_TYPE keeps the site whole
  const prefixed = /^(brz|cvs|file|git|hg|lore|p4|perforce|rsync|scp|svn)\+/i.exec(
    model.site ?? '',
  );
  const site =
    given.VCS_TYPE === undefined && prefixed ? model.site!.slice(prefixed[0].length) : model.site;
  return { ...model, site, devmodeSources: picked.devmode };
}

/** Model keys a `.releng-tool` may set that are fields of PackageModel itself, not of its options. */
const MODEL_FIELDS = new Set([
  'fixedJobs',
  'maxJobs',
  'installType',
  'license',
  'licenseFiles',
  'prefix',
]);

/**
 * The model keys a package's `.releng-tool` may set: releng-tool's
 * "post-init" options (jobs, install type, licenses, prefix, stage options,
 * type-specific build settings). Where sources come from, the version and
 * the build folder are the definition's alone, and every one of these only
 * changes how the package builds into the output folders.
 */
const REMOTE_KEYS = new Set([
  ...MODEL_FIELDS,
  'extopt',
  'fetchOpts',
  'env',
  'configureOptions',
  'buildOptions',
  'installOptions',
  'autotoolsAutoreconf',
  'cargoName',
  'cmakeBuildType',
  'mesonBuildType',
  'makeConfigure',
  'noInstall',
  'pythonSetupType',
  'pythonInterpreter',
]);
const REMOTE_PASSTHROUGH = new Set([
  'PYTHON_DIST_PATH',
  'PYTHON_INSTALLER_INTERPRETER',
  'PYTHON_INSTALLER_LAUNCHER_KIND',
  'PYTHON_INSTALLER_SCHEME',
]);
/**
 * Environment names a remote configuration's ENV / *_ENV may not set: the
 * folder variables (TARGET_DIR, PKG_BUILD_DIR, DESTDIR, …), prefixes, package
 * and releng variables and job counts. The project's own scripts read them;
 * a package's sources must not be able to point them elsewhere.
 */
const SHADOWED_VARIABLE = /DIR$|^PREFIX$|_PREFIX$|^PKG_|^RELENG_|^NJOBS(CONF)?$/i;

/** REMOTE_CONFIG and REMOTE_SCRIPTS for a loaded releng-tool project. */
export function relengToolRemote(runtime: PythonRuntime): RelengToolRemote {
  return {
    action: (file) => runtime.action(file),
    async config(pkg, file) {
      const values = await runtime.evaluate(file, dirname(file));
      return applyRemoteConfig(pkg, values, file);
    },
  };
}

/**
 * The package with the options of its `.releng-tool` file (`values`) that
 * its definition left unset, as releng-tool's finalize_package applies them.
 */
export function applyRemoteConfig(
  pkg: PackageModel,
  values: Record<string, unknown>,
  file: string,
): PackageModel {
  const prefix = `${pkg.key}_`;
  const defined = new Set((pkg.options.definedOptions as string[] | undefined) ?? []);
  const out: PackageModel = { ...pkg, options: { ...pkg.options } };
  const fields = out as unknown as Record<string, unknown>;
  const passthrough = { ...((pkg.options.relengTool as Record<string, unknown>) ?? {}) };
  for (const [variable, value] of Object.entries(values)) {
    if (!variable.startsWith(prefix) || value === null || value === undefined) continue;
    const option = variable.slice(prefix.length);
    if (REMOTE_PASSTHROUGH.has(option)) {
      if (passthrough[option] === undefined) passthrough[option] = value;
      continue;
    }
    const mapping = PACKAGE_OPTIONS[option];
    if (!mapping) continue;
    const [top, sub] = mapping.key.split('.') as [string, string | undefined];
    // releng-tool reads only its post-init options from a remote configuration
    if (!REMOTE_KEYS.has(top) || (defined.has(top) && !sub)) continue;
    let v: unknown = value;
    if (mapping.kind === 'string' && typeof v === 'number') v = String(v);
    checkKind(v, mapping.kind, variable, file, pkg.name);
    if (top === 'prefix' && (v as string).split(/[/\\]/).includes('..')) {
      throw new RelengError(
        `${variable} ${JSON.stringify(v)} in the package's sources has a ".." component`,
        {
          file,
          pkg: pkg.name,
          hint: "a prefix is a folder inside each sysroot (such as /usr): fix the package's .releng-tool file, or leave REMOTE_CONFIG off",
        },
      );
    }
    if ((top === 'env' || sub === 'env') && v && typeof v === 'object') {
      const shadowing = Object.keys(v).filter((k) => SHADOWED_VARIABLE.test(k));
      if (shadowing.length > 0) {
        throw new RelengError(
          `${variable} in the package's sources sets ${shadowing.join(', ')}, which releng sets itself`,
          {
            file,
            pkg: pkg.name,
            hint: "folder and package variables are the project's (a remote configuration could point them outside output/): set them in the package definition, or leave REMOTE_CONFIG off",
          },
        );
      }
    }
    if (MODEL_FIELDS.has(top)) {
      fields[top] = top === 'license' || top === 'licenseFiles' ? toList(v) : v;
      defined.add(top);
    } else if (sub) {
      const stage = { ...((out.options[top] as Record<string, unknown>) ?? {}) };
      if (stage[sub] !== undefined) continue;
      stage[sub] = v;
      out.options[top] = stage;
    } else {
      out.options[top] = v;
      defined.add(top);
    }
  }
  if (Object.keys(passthrough).length > 0) out.options.relengTool = passthrough;
  return out;
}

/**
 * An option value as releng-tool hands it to tools: options are arguments
 * (one string is a list of one; a dict gives `key value` pairs), and a
 * None value in a dict of options, definitions or environment leaves the
 * entry out.
 */
function relengToolForm(type: string | undefined, v: unknown): unknown {
  const isDict = typeof v === 'object' && v !== null && !Array.isArray(v);
  if (type === 'opts') {
    if (typeof v === 'string') return [v];
    if (isDict) {
      return Object.entries(v).flatMap(([k, x]) => (x === null ? [] : x === '' ? [k] : [k, x]));
    }
  }
  if (type === 'dictStrPstr' && isDict)
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
  return v;
}

/**
 * releng-tool's license lists: a list is a choice (`OR`), a tuple applies
 * together (`AND`); entries holding the other operator are parenthesised.
 */
function licenseExpression(v: unknown, tuple: boolean): unknown {
  if (!Array.isArray(v) || v.length < 2) return v;
  const other = tuple ? / OR /i : / AND /i;
  const parts = v.map((x) => (other.test(String(x)) ? `(${x})` : String(x)));
  return [parts.join(tuple ? ' AND ' : ' OR ')];
}

/** releng-tool's `expand`: `$NAME`/`${NAME}` from the environment and `extra`; unknown names expand to nothing. */
function rtExpand(value: unknown, extra: Record<string, string>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    const vars = { ...processEnv(), ...extra };
    return value.replace(
      /\$(?:\{([^}]*)\}|([A-Za-z0-9_]+))/g,
      (_m, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '',
    );
  }
  if (Array.isArray(value)) return value.map((v) => rtExpand(v, extra));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [rtExpand(k, extra) as string, rtExpand(v, extra)]),
    );
  }
  return value;
}

/**
 * The version, revision and site releng-tool's package manager picks for
 * the development mode (`devmode`: the mode's revision also becomes the
 * version, and marks the package as built from development sources), with
 * `$VARIABLES` expanded and `file://` sites' extra slashes dropped.
 */
function releaseValues(
  given: Record<string, unknown>,
  key: string,
  defDir: string,
  devmode: string | boolean | undefined,
): { version: string; revision: string; ownRevision: boolean; site?: string; devmode: boolean } {
  const mode = typeof devmode === 'string' ? devmode : undefined;
  let version = (given.VERSION as string | undefined) ?? '';
  const extra: Record<string, string> = { PKG_DEFDIR: defDir, [`${key}_VERSION`]: version };
  const devRevision = rtExpand(given.DEVMODE_REVISION, extra) as string | undefined;
  const revisionRaw = rtExpand(given.REVISION, extra) as
    | string
    | Record<string, string>
    | undefined;
  let revision: string | undefined;
  let isDev = false;
  if (revisionRaw && typeof revisionRaw === 'object') {
    revision = mode === undefined ? undefined : revisionRaw[mode];
    isDev = Boolean(revision);
    revision ||= revisionRaw['*'];
    if (!revision && devmode && devRevision) {
      revision = devRevision;
      isDev = true;
    }
    revision ||= version;
  } else if (revisionRaw) {
    if (devmode && devRevision) {
      revision = devRevision;
      isDev = true;
    } else revision = revisionRaw;
  } else if (devmode && devRevision) {
    revision = devRevision;
    isDev = true;
  }
  revision ||= version;
  extra[`${key}_REVISION`] = revision;
  if (isDev) {
    version = revision;
    extra[`${key}_VERSION`] = version;
  }
  const siteRaw = rtExpand(given.SITE, extra) as string | Record<string, string> | undefined;
  let site: string | undefined;
  if (siteRaw && typeof siteRaw === 'object') {
    site = (mode === undefined ? undefined : siteRaw[mode]) || siteRaw['*'];
  } else site = siteRaw || undefined;
  if (site?.startsWith('file://')) site = `file://${site.slice(7).replace(/^\/+/, '/')}`;
  const ownRevision = Boolean(revisionRaw) || Boolean(devmode && devRevision);
  return { version, revision, ownRevision, site, devmode: isDev };
}
