/**
 * The `release` section of `releng.config.ts` (and what the CLI flags
 * override). These types are the user's documentation in their editor.
 */
import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import type { BundleConfig } from './bundle/types.ts';
import type { UploadConfig } from './upload/types.ts';

export type { PythonBundleConfig, PythonPlatform } from './bundle/python.ts';
export type { BundleConfig } from './bundle/types.ts';
export type { UploadConfig } from './upload/types.ts';

/** One file whose version a release rewrites. */
export interface BumpFileConfig {
  /** The file, relative to the project root. */
  path: string;
  /**
   * How the version is found: `package.json`, `pyproject.toml`, `setup.cfg`,
   * `releng.config.ts`, `debian/changelog`, `rpm-spec` (native formats), or
   * `pattern` (the `search` text). Default: from the file name, else `pattern`.
   */
  format?: string;
  /**
   * `pattern` only: the exact text around the version, with `{version}`
   * where it stands, e.g. `__version__ = "{version}"`. Only this text is
   * replaced, never another occurrence of the bare version.
   */
  search?: string;
  /** `pattern` only: the replacement, with `{version}` (default: `search`). */
  replace?: string;
  /** How many occurrences must match (default 1); fewer or more is an error. */
  count?: number;
}

/** How the release commit and tag are signed. */
export type ReleaseSigning =
  | false
  /** git's own signing: `git commit -S`, `git tag -s` with the user's gpg (`user.signingkey`, or `gpgKey`). */
  | { gpg: true; gpgKey?: string; gpgHome?: string }
  /** releng's OpenPGP key file (`releng key generate`), passphrase from an environment variable. */
  | { key: string; passphraseEnv?: string };

/** The `release` section of the project configuration. */
export interface ReleaseConfig {
  /** Branches a release may be made from (default `main` and `master`). */
  branches?: string[];
  /** Tag name, with `{version}` (default `v{version}`). */
  tagFormat?: string;
  /** Commit message, with `{version}` (default `release: {version}`). */
  commitMessage?: string;
  /** The files whose version is bumped. */
  files?: BumpFileConfig[];
  /** Markdown changelog written from the commits (default `CHANGELOG.md`; `false`: none). */
  changelog?: string | false;
  /** Who signs Debian/rpm changelog entries (default: git's user.name and user.email). */
  maintainer?: string;
  /** Signing of the commit, the tag and the release checksums (default: none). */
  sign?: ReleaseSigning;
  /** Where release folders are made: `<outputDir>/<version>/` (default `output/release`). */
  outputDir?: string;
  /** Names the release's files (default: the project folder's name). */
  name?: string;
  /** Files the release ships, as globs relative to the project root (e.g. `output/images/*.deb`). */
  artifacts?: string[];
  /**
   * Offline bundles: `{ type: 'sources' }` (sources, dl/ and cache/ with
   * hashes) and `{ type: 'python', … }` (sdists and every dependency as a
   * wheel, per platform, with an offline install script).
   */
  bundles?: BundleConfig[];
  /** Where the release folder is uploaded after the tag (see docs/release.md#uploads). */
  uploads?: UploadConfig[];
}

/** The configuration with defaults filled in. */
export interface ResolvedReleaseConfig {
  branches: string[];
  tagFormat: string;
  commitMessage: string;
  files: Array<Required<Pick<BumpFileConfig, 'path' | 'format' | 'count'>> & BumpFileConfig>;
  changelog: string | false;
  maintainer?: string;
  sign: ReleaseSigning;
  outputDir: string;
  name: string;
  artifacts: string[];
  bundles: BundleConfig[];
  uploads: UploadConfig[];
}

const NATIVE_BY_NAME: Record<string, string> = {
  'package.json': 'package.json',
  'pyproject.toml': 'pyproject.toml',
  'setup.cfg': 'setup.cfg',
  'releng.config.ts': 'releng.config.ts',
  'releng.config.mts': 'releng.config.ts',
  'releng.config.js': 'releng.config.ts',
  'releng.config.mjs': 'releng.config.ts',
  changelog: 'debian/changelog',
};

/** Fills in defaults and checks the shape; `file` names the config in errors, `name` is the default release name. */
export function resolveReleaseConfig(
  raw: unknown,
  file?: string,
  defaultName = 'release',
): ResolvedReleaseConfig {
  const fail = (message: string, hint?: string): never => {
    throw new RelengError(`release: ${message}`, { file, hint });
  };
  const c = (raw ?? {}) as ReleaseConfig;
  if (typeof c !== 'object' || Array.isArray(c)) fail('must be an object');
  for (const key of Object.keys(c))
    if (!RELEASE_KEYS.includes(key)) fail(`unknown key "${key}"${didYouMean(key, RELEASE_KEYS)}`);
  const str = (v: unknown, name: string) => {
    if (v !== undefined && typeof v !== 'string') fail(`${name} must be a string`);
    return v as string | undefined;
  };
  const tagFormat = str(c.tagFormat, 'tagFormat') ?? 'v{version}';
  if (!tagFormat.includes('{version}')) fail('tagFormat must contain {version}');
  const files = (c.files ?? []).map((f, i) => {
    if (typeof f !== 'object' || f === null || typeof f.path !== 'string')
      fail(`files[${i}] needs a "path"`, "e.g. { path: 'package.json' }");
    const base = f.path.split('/').pop() as string;
    const format =
      f.format ??
      NATIVE_BY_NAME[f.path] ??
      NATIVE_BY_NAME[base] ??
      (/\.spec$/.test(base) ? 'rpm-spec' : 'pattern');
    if (format === 'pattern' && (typeof f.search !== 'string' || !f.search.includes('{version}')))
      fail(
        `files[${i}] (${f.path}) needs a "search" text containing {version}`,
        'e.g. search: \'__version__ = "{version}"\' — only that text is replaced',
      );
    const count = f.count ?? 1;
    if (!Number.isInteger(count) || count < 1) fail(`files[${i}].count must be a whole number ≥ 1`);
    return { ...f, format, count };
  });
  const sign = c.sign ?? false;
  if (sign !== false && !('gpg' in sign) && !('key' in sign))
    fail('sign must be false, { gpg: true } or { key: FILE }');
  return {
    branches: c.branches ?? ['main', 'master'],
    tagFormat,
    commitMessage: str(c.commitMessage, 'commitMessage') ?? 'release: {version}',
    files,
    changelog: c.changelog === false ? false : (str(c.changelog, 'changelog') ?? 'CHANGELOG.md'),
    maintainer: str(c.maintainer, 'maintainer'),
    sign,
    outputDir: str(c.outputDir, 'outputDir') ?? 'output/release',
    name: checkName(str(c.name, 'name') ?? defaultName, fail),
    artifacts: list(c.artifacts, 'artifacts', fail),
    bundles: objects<BundleConfig>(c.bundles, 'bundles', fail),
    uploads: objects<UploadConfig>(c.uploads, 'uploads', fail),
  };
}

/** The keys of {@link ReleaseConfig}, to catch a misspelt one. */
const RELEASE_KEYS = [
  'branches',
  'tagFormat',
  'commitMessage',
  'files',
  'changelog',
  'maintainer',
  'sign',
  'outputDir',
  'name',
  'artifacts',
  'bundles',
  'uploads',
];

/** Replaces `{version}` in a template. */
export function fill(template: string, version: string): string {
  return template.replaceAll('{version}', version);
}

/** A release name goes into file names: letters, digits, `.`, `_`, `+`, `-` only. */
function checkName(name: string, fail: (m: string, h?: string) => never): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name))
    fail(`name "${name}" cannot name files`, 'use letters, digits, ".", "_", "+" and "-"');
  return name;
}

function list(v: unknown, name: string, fail: (m: string) => never): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    fail(`${name} must be a list of strings`);
  return v as string[];
}

function objects<T extends { type: string }>(
  v: unknown,
  name: string,
  fail: (m: string) => never,
): T[] {
  if (v === undefined) return [];
  if (
    !Array.isArray(v) ||
    v.some((x) => typeof x !== 'object' || x === null || typeof x.type !== 'string')
  )
    fail(`${name} must be a list of objects with a "type"`);
  return v as T[];
}
