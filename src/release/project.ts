/**
 * What a release reads from the releng project it is made in: the `release`
 * section of the native config (with the CLI flags over it) and, for the
 * SBOM and provenance, the project's packages with their fetched sources.
 */
import { basename, relative, resolve } from 'node:path';
import type { SbomPackage } from '../licenses/sbom.ts';
import { findConfig } from '../project/find-config.ts';
import { RelengError } from '../util/errors.ts';
import { type ReleaseConfig, type ResolvedReleaseConfig, resolveReleaseConfig } from './config.ts';

/** The command-line values that override the config. */
export interface ReleaseFlags {
  branch?: string[];
  'tag-format'?: string;
  'no-changelog'?: boolean;
  'gpg-sign'?: boolean;
  'gpg-key'?: string;
  'gpg-home'?: string;
  key?: string;
  'passphrase-env'?: string;
}

/** The `release` section of the project's native config (if any), then the flags over it; paths made relative to the git top. */
export async function loadConfig(
  root: string,
  top: string,
  values: ReleaseFlags,
): Promise<ResolvedReleaseConfig> {
  let raw: ReleaseConfig = {};
  let file: string | undefined;
  try {
    const found = await findConfig(root);
    if (found.format === 'native') {
      file = found.file;
      const { loadNativeConfig } = await import('../project/native/load.ts');
      const loaded = await loadNativeConfig(root, found.file);
      raw = (loaded.options.release as ReleaseConfig | undefined) ?? {};
    }
  } catch (err) {
    // No releng project here: a release can still be made with flags alone.
    if (!(err instanceof RelengError && /^no releng project/.test(err.message))) throw err;
  }
  const merged: ReleaseConfig = { ...raw };
  if (values.branch) merged.branches = values.branch;
  if (values['tag-format']) merged.tagFormat = values['tag-format'];
  if (values['no-changelog']) merged.changelog = false;
  if (values['gpg-sign'] || values['gpg-key'])
    merged.sign = { gpg: true, gpgKey: values['gpg-key'], gpgHome: values['gpg-home'] };
  if (values.key) merged.sign = { key: values.key, passphraseEnv: values['passphrase-env'] };
  const config = resolveReleaseConfig(merged, file, basename(root));
  // Config paths are relative to the project root; git and the plan work from the top of the tree.
  const prefix = relative(top, root);
  const under = (p: string) => {
    const rel = relative(top, resolve(root, p));
    if (rel.startsWith('..') || (resolve(root, p) === top && p !== '.'))
      throw new RelengError(`release: ${p} is outside the repository`, {
        file,
        hint: 'list files inside the project',
      });
    return rel;
  };
  if (prefix !== '') {
    config.files = config.files.map((f) => ({ ...f, path: under(f.path) }));
    if (config.changelog !== false) config.changelog = under(config.changelog);
  } else {
    for (const f of config.files) under(f.path);
  }
  return config;
}

/** The packages of the releng project at root (none outside one), with their fetched sources' hashes. */
export async function projectPackages(
  root: string,
  relengVersion: string,
): Promise<{ packages: SbomPackage[]; dl: string; cache: string }> {
  const { projectDirs } = await import('../project/dirs.ts');
  const dirs = projectDirs(root);
  let found: Awaited<ReturnType<typeof findConfig>>;
  try {
    found = await findConfig(root);
  } catch {
    return { packages: [], dl: dirs.dl, cache: dirs.cache };
  }
  const { loadProject } = await import('../project/load.ts');
  const { describePackages } = await import('../licenses/sbom.ts');
  const loaded = await loadProject({
    root,
    dirs,
    jobs: 1,
    debug: false,
    verbose: false,
    version: relengVersion,
    args: [],
    warn: () => {},
    useCache: found.format === 'native',
  });
  try {
    return {
      packages: await describePackages([...loaded.project.packageDefs.values()], dirs),
      dl: dirs.dl,
      cache: dirs.cache,
    };
  } finally {
    await loaded.close();
  }
}
