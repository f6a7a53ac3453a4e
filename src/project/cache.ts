import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import { removeDeadProcessEntries, temporaryPid } from '../util/pid.ts';
import { hasCredentials } from '../util/redact.ts';
import type { HookStage, PackageModel, ProjectModel } from './model.ts';

/**
 * The loaded project without its functions, so a re-run whose inputs did not
 * change skips evaluating every definition (the dominant cost of a no-op run).
 * Inputs are the config, every definition, every package folder (a new stage
 * script changes its mtime), what native definitions imported, releng's own
 * version, the load options and the whole environment.
 */
export interface CachedProject {
  key: string;
  inputs: Array<[path: string, stamp: string]>;
  project: SerializedProject;
  /** The warnings the load emitted, shown again (and failing under -W) on every cached run. */
  warnings?: LoadWarning[];
}

/** A warning emitted while the project was loaded. */
export interface LoadWarning {
  message: string;
  file?: string;
}

export type HookRef = { kind: 'native' | 'python'; file: string };
export type SerializedPackage = Omit<PackageModel, 'hooks'> & {
  hooks: Partial<Record<HookStage, HookRef>>;
};
export type SerializedProject = Omit<
  ProjectModel,
  'packageDefs' | 'postBuild' | 'cacheExt' | 'relengToolRemote'
> & {
  packageDefs: SerializedPackage[];
  postBuild?: HookRef;
  hasCacheExt: boolean;
};

// CLICOLOR_FORCE: set by releng itself in releng-tool projects from the run's
// colour choice (run-cli.ts), so --nocolorout does not throw the model away
const VOLATILE_ENV = new Set([
  '_',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'TERM',
  'COLUMNS',
  'LINES',
  'CLICOLOR_FORCE',
]);

/**
 * The shape of the cached project model. Raise it when the loaders start
 * recording something new (PackageModel fields such as `dlFile`): a cache
 * from the same releng version but older code would otherwise be taken
 * without it.
 */
const MODEL_FORMAT = 2;

export function cacheKey(parts: unknown): string {
  const env = Object.entries(process.env)
    .filter(([k]) => !VOLATILE_ENV.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return changeHash(JSON.stringify({ format: MODEL_FORMAT, parts, env }));
}

/**
 * A 128-bit change-detection hash (four 32-bit FNV-1a-style lanes with
 * different seeds and a final avalanche). Not for security: it only tells
 * whether the inputs changed, and it keeps node:crypto (about 20 internal
 * modules) out of a no-op run's start-up.
 */
export function changeHash(text: string): string {
  const seeds = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  return seeds
    .map((seed) => {
      let h = seed >>> 0;
      for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) ^ (h >>> 15);
        h = Math.imul(h ^ seed, 0x5bd1e995);
      }
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return (h >>> 0).toString(16).padStart(8, '0');
    })
    .join('');
}

/**
 * A file's change stamp (mtime, ctime, size, inode), or `missing`.
 * Synchronous: thousands of tiny stats are far faster without async round trips.
 */
export function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.ctimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

export function cacheFile(outputDir: string): string {
  return join(outputDir, '.releng', 'project-cache.json');
}

/**
 * Removes what killed runs left of their writes into `output/.releng/`
 * (temporary siblings of the project cache and the no-op record: the
 * folder is releng's alone), before writing there again.
 */
export async function removeStaleReleng(dir: string): Promise<void> {
  await removeDeadProcessEntries(dir, temporaryPid);
}

/** The cached project and its load warnings, if every input is unchanged. */
export async function readProjectCache(
  file: string,
  key: string,
): Promise<
  | { project: SerializedProject; warnings: LoadWarning[]; inputs: Array<[string, string]> }
  | undefined
> {
  let cached: CachedProject;
  try {
    // synchronous, like the stamps below: nothing else runs meanwhile
    cached = JSON.parse(readFileSync(file, 'utf8')) as CachedProject;
  } catch {
    return undefined;
  }
  if (cached.key !== key) return undefined;
  for (const [path, recorded] of cached.inputs) if (stamp(path) !== recorded) return undefined;
  return {
    project: cached.project,
    warnings: cached.warnings ?? [],
    // with their stamps, just checked (the cache file's own first)
    inputs: [[file, stamp(file)], ...cached.inputs],
  };
}

/**
 * Writes the cache; returns false (and removes an older cache) when the model
 * holds URL credentials, which must not be stored in clear text.
 */
export async function writeProjectCache(
  file: string,
  key: string,
  inputs: string[],
  project: ProjectModel,
  warnings: readonly LoadWarning[] = [],
): Promise<boolean> {
  const unique = [...new Set(inputs)];
  const stamps = unique.map(stamp);
  const data: CachedProject = {
    key,
    inputs: unique.map((p, i) => [p, stamps[i]!]),
    project: serialize(project),
    warnings: [...warnings],
  };
  const text = JSON.stringify(data);
  // The fetch needs a site's credentials, and a masked copy could not give them
  // back: a model holding any is not cached at all (and an older cache goes).
  if (hasCredentials(text)) {
    await rm(file, { force: true });
    return false;
  }
  await removeStaleReleng(dirname(file));
  await writeFileAtomic(file, text);
  return true;
}

function ref(action: { kind: 'native' | 'python'; file: string }): HookRef {
  return { kind: action.kind, file: action.file };
}

function serialize(project: ProjectModel): SerializedProject {
  const { packageDefs, postBuild, cacheExt, relengToolRemote, ...rest } = project;
  void relengToolRemote; // functions: revived for every releng-tool project
  return {
    ...rest,
    hasCacheExt: cacheExt !== undefined,
    postBuild: postBuild ? ref(postBuild) : undefined,
    packageDefs: [...packageDefs.values()].map((pkg) => ({
      ...pkg,
      hooks: Object.fromEntries(
        Object.entries(pkg.hooks).map(([stage, action]) => [stage, ref(action)]),
      ),
    })),
  };
}
