import { registerHooks } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configuredLimits } from '../../extract/limits.ts';
import { RelengError } from '../../util/errors.ts';
import { firstFile } from '../../util/fs.ts';
import type { HookStage, PackageModel, ProjectModel, StageAction } from '../model.ts';
import { normalizePackage, type PackageDefaults } from '../normalize.ts';
import { validate } from '../schema.ts';
import { HOOK_KEYS, PACKAGE_SPEC, PROJECT_SPEC } from './spec.ts';

export { NATIVE_CONFIG_NAMES } from '../config-names.ts';

const DEFINITION_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

// The running copy's public API: src/index.ts from a checkout, dist/index.js when installed.
const INDEX_URL = new URL(
  import.meta.url.endsWith('.ts') ? '../../index.ts' : '../../index.js',
  import.meta.url,
).href;
/** Files imported while loading definitions (for the project cache). */
const importedFiles = new Set<string>();
let hooksRegistered = false;

/**
 * Lets project files `import { definePackage } from 'releng'` without
 * installing releng in the project, records what they import, and loads
 * them as ES modules.
 */
function registerResolveHook(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'releng') return { url: INDEX_URL, shortCircuit: true };
      const result = nextResolve(specifier, context);
      if (result.url.startsWith('file:') && !result.url.includes('/node_modules/')) {
        importedFiles.add(fileURLToPath(result.url));
      }
      return result;
    },
    // Project files are ES modules whatever the nearest package.json says:
    // `npm init -y` writes "type": "commonjs", which would make Node load a
    // releng.config.ts with `import`/`export` as CommonJS and fail.
    load(url, context, nextLoad) {
      if (url.startsWith('file:') && !url.includes('/node_modules/') && /\.ts$/.test(url)) {
        return nextLoad(url, { ...context, format: 'module-typescript' });
      }
      return nextLoad(url, context);
    },
  });
}

/** The project files imported so far by definitions (the cache checks them). */
export function nativeImportedFiles(): string[] {
  return [...importedFiles];
}

/** Imports a definition module and returns its default export, with file/line on errors. */
async function importDefault(file: string, what: string): Promise<unknown> {
  registerResolveHook();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw errorWithLocation(err, file, `cannot load ${what}`);
  }
  if (mod.default === undefined) {
    throw new RelengError(`${what} has no default export`, {
      file,
      hint: 'end it with `export default definePackage({ ... })` (or defineProject)',
    });
  }
  return mod.default;
}

/** Finds `file:line` of a syntax or runtime error in the user's file. */
export function errorWithLocation(err: unknown, file: string, prefix?: string): RelengError {
  const e = err as Error & { code?: string };
  const stack = String(e?.stack ?? '');
  let line: number | undefined;
  const first = stack.split('\n', 1)[0] ?? '';
  const direct = first.match(/^(.*):(\d+)$/);
  if (direct && direct[1] === file) line = Number(direct[2]);
  if (line === undefined) {
    const url = pathToFileURL(file).href;
    for (const frame of stack.split('\n')) {
      const at = frame.indexOf(url);
      if (at >= 0) {
        const m = frame.slice(at + url.length).match(/^:(\d+)/);
        if (m) {
          line = Number(m[1]);
          break;
        }
      }
    }
  }
  const kind = e?.name && e.name !== 'Error' && !(err instanceof RelengError) ? `${e.name}: ` : '';
  const message = `${prefix ? `${prefix}: ` : ''}${kind}${e?.message ?? String(err)}`;
  const details = err instanceof RelengError ? err.details : {};
  return new RelengError(message, { ...details, file, line: line ?? details.line });
}

/** A native hook, imported on first use so a cached project needs no imports. */
export function nativeAction(file: string, hook: string): StageAction {
  return {
    kind: 'native',
    file,
    async run(ctx) {
      const def = (await importDefault(file, 'definition')) as Record<string, unknown>;
      const fn = def[hook];
      if (typeof fn !== 'function')
        throw new RelengError(`"${hook}" is no longer a function`, { file });
      try {
        await fn(ctx);
      } catch (err) {
        throw errorWithLocation(err, file);
      }
    },
  };
}

export interface NativeLoadOptions {
  devmode?: string | boolean;
}

/** Loads `releng.config.ts` and the packages it needs (implicitly, breadth first). */
export async function loadNativeConfig(
  root: string,
  configFile: string,
): Promise<Omit<ProjectModel, 'packageDefs'> & { packageDirs: string[] }> {
  registerResolveHook();
  const raw = await importDefault(configFile, 'project configuration');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RelengError('the project configuration must default-export an object', {
      file: configFile,
    });
  }
  const config = raw as Record<string, unknown>;
  validate(config, PROJECT_SPEC, { file: configFile });
  if (!Array.isArray(config.packages)) {
    throw new RelengError('the project configuration has no "packages" list', {
      file: configFile,
      hint: "add packages: ['my-package']",
    });
  }
  const externalPackages = ((config.externalPackages as string[] | undefined) ?? []).map((p) =>
    resolve(root, p),
  );
  const cacheExt = config.cacheExt as ((site: string) => unknown) | undefined;
  const options: Record<string, unknown> = {};
  for (const key of [
    'outputs',
    'repositories',
    'roots',
    'sbomFormat',
    'defaultCmakeBuildType',
    'defaultMesonBuildType',
    'defaultXmakeBuildType',
    'extraLicenses',
    'extraLicenseExceptions',
    'release',
  ]) {
    if (config[key] !== undefined) options[key] = config[key];
  }
  // Checked now, so a typo fails before anything runs; stored as bytes and ratio.
  if (config.extractLimits !== undefined)
    options.extractLimits = configuredLimits(config.extractLimits, configFile);
  return {
    root,
    format: 'native',
    configFile,
    packages: config.packages as string[],
    sysrootPrefix: (config.sysrootPrefix as string | undefined) ?? '/usr',
    defaultInternal: (config.defaultInternal as boolean | undefined) ?? false,
    licenseHeader: config.licenseHeader as string | undefined,
    externalPackages,
    extensions: (config.extensions as string[] | undefined) ?? [],
    environment: (config.environment as Record<string, string> | undefined) ?? {},
    prerequisites: (config.prerequisites as string[] | undefined) ?? [],
    urlMirror: config.urlMirror as string | undefined,
    overrideSites: (config.overrideSites as Record<string, string> | undefined) ?? {},
    overrideRevisions: (config.overrideRevisions as Record<string, string> | undefined) ?? {},
    overrideTools: (config.overrideTools as Record<string, string> | undefined) ?? {},
    cacheExt: cacheExt ? nativeCacheExt(configFile) : undefined,
    postBuild: typeof config.post === 'function' ? projectPostAction(configFile) : undefined,
    options,
    packageDirs: [join(root, 'package'), ...externalPackages],
  };
}

/** The project's `post` hook, imported on first use. */
export function projectPostAction(configFile: string): StageAction {
  return {
    kind: 'native',
    file: configFile,
    async run(ctx) {
      const config = (await importDefault(configFile, 'project configuration')) as Record<
        string,
        unknown
      >;
      try {
        await (config.post as (c: unknown) => unknown)(ctx);
      } catch (err) {
        throw errorWithLocation(err, configFile);
      }
    },
  };
}

/** The project's `cacheExt` function, imported on first use. */
export function nativeCacheExt(configFile: string): (site: string) => Promise<string | undefined> {
  return async (site) => {
    const config = (await importDefault(configFile, 'project configuration')) as Record<
      string,
      unknown
    >;
    const result = await (config.cacheExt as (s: string) => unknown)(site);
    return typeof result === 'string' ? result : undefined;
  };
}

/** Finds a native package definition file. */
export async function findNativeDefinition(
  packageDirs: string[],
  name: string,
): Promise<string | undefined> {
  for (const dir of packageDirs) {
    const found = await firstFile(
      DEFINITION_EXTENSIONS.map((ext) => join(dir, name, `${name}${ext}`)),
    );
    if (found) return found;
  }
  return undefined;
}

/** Loads one native package definition into the model. */
export async function loadNativePackage(
  name: string,
  file: string,
  defaults: PackageDefaults,
): Promise<PackageModel> {
  const raw = await importDefault(file, `definition of package "${name}"`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RelengError(`the definition of package "${name}" must default-export an object`, {
      file,
      pkg: name,
    });
  }
  const values = raw as Record<string, unknown>;
  validate(values, PACKAGE_SPEC, { file, pkg: name });
  const hooks: Partial<Record<HookStage, StageAction>> = {};
  for (const key of HOOK_KEYS)
    if (typeof values[key] === 'function') hooks[key] = nativeAction(file, key);
  return normalizePackage(name, join(file, '..'), file, values, hooks, defaults);
}
