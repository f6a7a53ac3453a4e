/**
 * APT repositories: a pool layout (`pool/<component>/<l>/<source>/…`,
 * `dists/<codename>/<component>/binary-<arch>/Packages{,.gz,.xz}` with
 * `by-hash/`, `Release`, `InRelease`, `Release.gpg`) or a flat one (all in
 * one folder, `deb … ./`).
 *
 * Usage:
 * ```ts
 * const repo = await aptRepository('repo', { suite: 'stable', architectures: ['amd64'] });
 * await repo.add(['hello_1.0-1_amd64.deb']);          // read, validated, staged
 * await repo.remove(['old-tool']);                   // staged
 * await repo.publish({ signer });                    // written, switched atomically
 * ```
 *
 * State lives in `.releng-repo/` (see index-store.ts): the configuration,
 * an index with one entry per .deb (its Packages stanza, digests and file
 * stamp, so a package is read once, when it is added), the published index
 * files' digests and a cache of compressed Packages.xz blocks.
 *
 * Publishing writes new pool files, index files and `by-hash/` copies first,
 * signs, saves the state, and only then renames the index files and
 * Release/InRelease/Release.gpg into place. Any error before that leaves the
 * published repository exactly as it was (what was written is removed).
 */
import { createHash } from 'node:crypto';
import {
  type Dirent,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {
  access,
  constants,
  copyFile,
  link,
  mkdir,
  readFile,
  readlink,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { sourceDateEpoch } from '../../util/epoch.ts';
import { RelengError } from '../../util/errors.ts';
import { tmpSibling, writeFileAtomic } from '../../util/fs.ts';
import { definedOnly } from '../../util/object.ts';
import {
  asWriteError,
  type IndexedFile,
  IndexStore,
  lockRepository,
  openRepoDir,
  type RepoConfigFile,
  readRepoConfig,
  STATE_DIR,
  sameStamp,
  stampOf,
  statePath,
  writeRepoConfig,
} from '../index-store.ts';
import {
  checkLegacySigners,
  checkSigningKeys,
  type KeyChange,
  pinnedKeys,
  signatureIssuers,
} from '../key-pins.ts';
import {
  beginJournal,
  endJournal,
  faultPoint,
  readJournal,
  recoverInterrupted,
  removeStaleTemporaries,
} from '../recovery.ts';
import type { Signer } from '../signing/index.ts';
import { clearsignAll, detachSignAll } from '../signing/multi.ts';
import { ChunkCache, renderPackages, type Stanza } from './compress.ts';
import { compareVersions, debFileName, formatFields, PACKAGE_NAME, poolDir } from './control.ts';
import { type DebInfo, digestFile, readDeb } from './deb.ts';
import { type ReadJob, readDebs } from './read-pool.ts';
import {
  parseDuration,
  parseRelease,
  type ReleaseFile,
  releaseDate,
  renderRelease,
} from './release.ts';

export { compareVersions, parseControl } from './control.ts';
export { type DebInfo, parseDeb, readDeb } from './deb.ts';
export { parseRelease, renderRelease } from './release.ts';
export type { AptVerifyReport } from './verify.ts';

/**
 * Checks a published repository: signatures, index files, packages (see
 * verify.ts). Imported on use: it needs openpgp.js, which commands that
 * only add or remove packages should not load on their main thread.
 */
export async function verifyAptRepository(
  ...args: Parameters<typeof import('./verify.ts').verifyAptRepository>
): ReturnType<typeof import('./verify.ts').verifyAptRepository> {
  const verify = await import('./verify.ts');
  return verify.verifyAptRepository(...args);
}

/** Settings of an APT repository (stored in `.releng-repo/config.json`). */
export interface AptRepositoryConfig {
  /** `pool` (default): `dists/` + `pool/`; `flat`: everything in the root (`deb URI ./`). */
  layout?: 'pool' | 'flat';
  /** Suite (`stable`, `testing`, …); default `stable`. */
  suite?: string;
  /** Codename; default the suite. `dists/<codename>/` holds the index, `dists/<suite>` links to it. */
  codename?: string;
  /** Components (pool layout); default `['main']`. */
  components?: string[];
  /** Architectures (pool layout); default `['amd64']`. `all` packages go into every one. */
  architectures?: string[];
  origin?: string;
  label?: string;
  description?: string;
  version?: string;
  /** Valid-Until = Date + this (seconds, or `7d`, `12h`, …). Re-sign before it passes. */
  validFor?: number | string;
  /** Write `by-hash/` copies and `Acquire-By-Hash: yes` (pool layout); default true. */
  byHash?: boolean;
  /**
   * by-hash files of this many earlier publications are kept besides the
   * current one (default 3), so a client that fetched an older InRelease
   * still finds the index files it names. Only publications that changed
   * something count.
   */
  byHashKeep?: number;
  notAutomatic?: boolean;
  butAutomaticUpgrades?: boolean;
  /**
   * Digests in Packages stanzas: `['sha256']` (default, like Debian's own
   * archive; apt checks .debs with it) or `['sha256', 'sha512']` (each .deb
   * is then hashed twice, ~2.5× the hashing time).
   */
  packageHashes?: Array<'sha256' | 'sha512'>;
}

/** The configuration with defaults applied. */
export interface ResolvedAptConfig {
  layout: 'pool' | 'flat';
  suite: string;
  codename: string;
  components: string[];
  architectures: string[];
  origin?: string;
  label?: string;
  description?: string;
  version?: string;
  validFor?: number | string;
  byHash: boolean;
  byHashKeep: number;
  notAutomatic: boolean;
  butAutomaticUpgrades: boolean;
  packageHashes: Array<'sha256' | 'sha512'>;
}

/** What the index keeps per .deb. */
export interface AptMeta {
  component: string;
  package: string;
  version: string;
  architecture: string;
  source: string;
  /** The control fields as published (Package first), ending with a newline. */
  stanza: string;
  size: number;
}

/** A package of the repository. */
export interface AptPackage {
  package: string;
  version: string;
  architecture: string;
  component: string;
  /** Path relative to the repository root. */
  filename: string;
  size: number;
  sha256: string;
}

export interface AptAddOptions {
  /** Component to add to (pool layout); default the first one. */
  component?: string;
  /** Replace a package with the same name, version and architecture but different content. */
  replace?: boolean;
}

export interface AptAddResult {
  added: AptPackage[];
  replaced: AptPackage[];
  /** Already present with identical content. */
  unchanged: AptPackage[];
}

export interface AptScanResult {
  added: AptPackage[];
  changed: AptPackage[];
  removed: AptPackage[];
  unchanged: number;
}

export interface AptPublishOptions {
  signer?: Signer;
  /**
   * Several keys (a key rotation): InRelease and Release.gpg carry one
   * signature per key. Must be the repository's pinned keys (see key-pins.ts).
   */
  signers?: Signer[];
  /** An explicit change of the pinned signing keys (rotate-key, retire-key). */
  keyChange?: KeyChange;
  /** Write and sign even when nothing changed (`repo sign`: a fresh Date and Valid-Until). */
  force?: boolean;
  /** Publish without signatures even though the repository was signed before. */
  unsigned?: boolean;
  /**
   * The Release Date and the signatures' time (default `$SOURCE_DATE_EPOCH`,
   * else now). With a fixed time (given here or by SOURCE_DATE_EPOCH) the
   * signatures are deterministic too: the same packages, configuration, key
   * and time give the same Release, InRelease and Release.gpg bytes.
   * SOURCE_DATE_EPOCH is refused when apt would refuse or ignore the result
   * (a future Date, a past Valid-Until, a Date older than the published one);
   * a `date` given here is the caller's own (tests, a chosen clock).
   */
  date?: Date;
  /** Where SOURCE_DATE_EPOCH is read (default process.env; the CLI passes its own). */
  env?: NodeJS.ProcessEnv;
}

export interface AptPublishResult {
  /** Absolute path of the Release file. */
  release: string;
  /** Absolute path of InRelease, when signed. */
  inRelease?: string;
  signedBy?: string;
  /** Fingerprints of every key that signed (several during a key rotation). */
  signers: string[];
  /** True when nothing changed and nothing was written (not even a new signature). */
  noop: boolean;
  /** Files a killed publish had left, deleted first (relative to the root). */
  recovered: string[];
  /** Index files written or rewritten, relative to the root. */
  written: string[];
  /** Index files left as they were (unchanged content). */
  unchanged: string[];
  /** Pool files deleted (removed packages). */
  deleted: string[];
  packages: number;
}

/** Reads a .deb (injectable, e.g. to count reads in tests). */
export type DebReader = (
  file: string,
  label: string,
  opts?: { sha512?: boolean },
) => Promise<DebInfo>;

/** Options of {@link aptRepository} that are not stored settings. */
export interface AptRepositoryOptions {
  /** How .deb files are read (default {@link readDeb}). */
  reader?: DebReader;
  /** Files read in parallel (default 8). */
  concurrency?: number;
  /** Create the repository when `dir` holds none (default true). */
  create?: boolean;
}

const INDEX_NAME = 'apt-index';
const PUBLISHED = 'apt-published.json';
/** Cached compressed chunks of the Packages files (see compress.ts). */
const CHUNK_CACHE = 'index-chunks';
/** by-hash files of this many previous publications are kept for clients mid-update (default of byHashKeep). */
const KEEP_GENERATIONS = 3;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export class AptRepositoryError extends RelengError {}

/**
 * A fixed Release Date (SOURCE_DATE_EPOCH) must still give a repository apt
 * takes: apt 2.6 refuses a Release whose Date is in the future ("not valid
 * yet") or whose Valid-Until has passed ("expired"), and ignores one older
 * than the Release it has (`previous`, ms; NaN when there is none). Checked
 * before anything is written.
 */
function checkFixedDate(
  dir: string,
  date: Date,
  validUntil: Date | undefined,
  previous: number,
): void {
  const what = `SOURCE_DATE_EPOCH (${releaseDate(date)})`;
  const now = Date.now();
  if (date.getTime() > now)
    throw new AptRepositoryError(
      `${what} is in the future: apt refuses the Release of '${dir}' until then ("not valid yet"); nothing was written`,
      { hint: 'set SOURCE_DATE_EPOCH to a past time, e.g. $(git log -1 --format=%ct)' },
    );
  if (validUntil && validUntil.getTime() <= now)
    throw new AptRepositoryError(
      `${what} plus valid-for gives Valid-Until ${releaseDate(validUntil)}, already past: apt would refuse '${dir}' as expired; nothing was written`,
      {
        hint: 'unset SOURCE_DATE_EPOCH to date and re-sign it now (`releng repo sign`), or lengthen --valid-for',
      },
    );
  // apt 2.6 keeps the lists it has, without a word, when a Release is older
  // than the one it fetched last: such a publish would never reach anyone.
  if (date.getTime() < previous)
    throw new AptRepositoryError(
      `${what} is older than the Date of the Release '${dir}' already has (${releaseDate(new Date(previous))}): apt would keep its old lists and never see this publish; nothing was written`,
      {
        hint: 'publish with a SOURCE_DATE_EPOCH at least as recent as the last one (the newest release commit), or unset it',
      },
    );
}

function resolveConfig(c: AptRepositoryConfig): ResolvedAptConfig {
  const layout = c.layout ?? 'pool';
  if (layout !== 'pool' && layout !== 'flat')
    throw new AptRepositoryError(`layout must be 'pool' or 'flat', not '${layout}'`);
  const suite = c.suite ?? 'stable';
  const codename = c.codename ?? suite;
  const components = c.components?.length ? [...c.components] : ['main'];
  const architectures = c.architectures?.length ? [...c.architectures] : ['amd64'];
  for (const [what, v] of [
    ['suite', suite],
    ['codename', codename],
    ...components.map((x) => ['component', x]),
  ] as Array<[string, string]>)
    if (!NAME_RE.test(v) || v.includes('..') || (what === 'component' && v.includes('/')))
      throw new AptRepositoryError(`invalid ${what} '${v}'`);
  for (const a of architectures)
    if (!/^[a-z0-9][a-z0-9-]*$/.test(a) || a === 'all' || a === 'any' || a === 'source')
      throw new AptRepositoryError(
        `invalid architecture '${a}'${a === 'all' ? " ('all' packages go into every architecture)" : ''}`,
      );
  if (new Set(components).size !== components.length)
    throw new AptRepositoryError('components are listed twice');
  if (new Set(architectures).size !== architectures.length)
    throw new AptRepositoryError('architectures are listed twice');
  if (c.validFor !== undefined) {
    try {
      parseDuration(c.validFor);
    } catch (err) {
      throw new AptRepositoryError(`validFor: ${(err as Error).message}`);
    }
  }
  for (const [name, v] of Object.entries({
    origin: c.origin,
    label: c.label,
    description: c.description,
    version: c.version,
  }))
    if (v !== undefined && /[\r\n]/.test(v))
      throw new AptRepositoryError(`${name} must be a single line`);
  return {
    layout,
    suite,
    codename,
    components,
    architectures,
    origin: c.origin,
    label: c.label,
    description: c.description,
    version: c.version,
    validFor: c.validFor,
    byHash: layout === 'pool' && c.byHash !== false,
    byHashKeep: byHashKeep(c.byHashKeep),
    notAutomatic: c.notAutomatic === true,
    butAutomaticUpgrades: c.butAutomaticUpgrades === true,
    packageHashes: packageHashes(c.packageHashes),
  };
}

function byHashKeep(n: number | undefined): number {
  const v = n ?? KEEP_GENERATIONS;
  if (!Number.isInteger(v) || v < 1 || v > 100)
    throw new AptRepositoryError(`byHashKeep must be a whole number from 1 to 100, not ${n}`);
  return v;
}

function packageHashes(h: AptRepositoryConfig['packageHashes']): Array<'sha256' | 'sha512'> {
  const list = h?.length ? [...new Set(h)] : ['sha256' as const];
  for (const x of list)
    if (x !== 'sha256' && x !== 'sha512')
      throw new AptRepositoryError(`packageHashes: '${x}' is not sha256 or sha512`);
  if (!list.includes('sha256')) throw new AptRepositoryError('packageHashes must include sha256');
  return list.sort();
}

function configFromFile(f: RepoConfigFile): AptRepositoryConfig {
  const { type: _t, format: _f, ...rest } = f;
  return rest as AptRepositoryConfig;
}

function toFile(c: ResolvedAptConfig, signingKeys: string[] | undefined): RepoConfigFile {
  const out: RepoConfigFile = { type: 'apt', format: 1 };
  for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
  if (signingKeys) out.signingKeys = signingKeys;
  return out;
}

function toPackage(e: IndexedFile<AptMeta>): AptPackage {
  return {
    package: e.meta.package,
    version: e.meta.version,
    architecture: e.meta.architecture,
    component: e.meta.component,
    filename: e.path,
    size: e.meta.size,
    sha256: e.sha256,
  };
}

function keyOf(m: { component: string; package: string; version: string; architecture: string }) {
  return `${m.component}\0${m.package}\0${m.version}\0${m.architecture}`;
}

function label(p: { package: string; version: string; architecture: string }): string {
  return `${p.package} ${p.version} (${p.architecture})`;
}

function compareEntries(a: IndexedFile<AptMeta>, b: IndexedFile<AptMeta>): number {
  const x = a.meta;
  const y = b.meta;
  if (x.package !== y.package) return x.package < y.package ? -1 : 1;
  const v = compareVersions(x.version, y.version);
  if (v !== 0) return v;
  if (x.architecture !== y.architecture) return x.architecture < y.architecture ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Runs `fn` over items with bounded concurrency, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface PendingCopy {
  source: string;
  stamp: { size: number; mtimeMs: number; ino: number };
  /** The file at the destination is replaced (a package replaced in place). */
  replaces: boolean;
}

interface PublishedState {
  format: 1;
  /** Index file path → its digests as last published. */
  files: Record<string, ReleaseFile>;
  /** by-hash paths of the last publications, newest first. */
  generations: string[][];
  signed: boolean;
  /** SHA-256 of the Release text published (tells an unchanged repository apart). */
  release?: string;
}

function isSigner(x: unknown): x is Signer {
  return typeof x === 'object' && x !== null && typeof (x as Signer).clearsign === 'function';
}

/** An APT repository. Open one with {@link aptRepository}. */
export class AptRepository {
  /** Absolute path of the repository root. */
  readonly dir: string;
  #config: ResolvedAptConfig;
  #configChanged: boolean;
  #store: IndexStore<AptMeta>;
  #byKey = new Map<string, IndexedFile<AptMeta>>();
  #copies = new Map<string, PendingCopy>();
  #dirty = false;
  #indexStamp: string;
  /**
   * Paths in the index as it is on disk (as opened, then as last published):
   * publish deletes the files of those no longer listed. Kept here instead
   * of re-reading the index, which publish has just checked is unchanged.
   */
  #committed: Set<string>;
  #reader: DebReader;
  #concurrency: number;
  #busy = false;
  /** Fingerprints of the keys that sign the repository (config.json `signingKeys`). */
  #pins: string[] | undefined;

  /** @internal use {@link aptRepository} */
  constructor(
    dir: string,
    config: ResolvedAptConfig,
    configChanged: boolean,
    store: IndexStore<AptMeta>,
    indexStamp: string,
    opts: AptRepositoryOptions,
    pins?: string[],
  ) {
    this.dir = dir;
    this.#pins = pins;
    this.#config = config;
    this.#configChanged = configChanged;
    this.#store = store;
    this.#indexStamp = indexStamp;
    this.#committed = new Set(store.entries().map((e) => e.path));
    this.#reader = opts.reader ?? readDeb;
    this.#concurrency = opts.concurrency ?? 8;
    for (const e of store.entries()) this.#byKey.set(keyOf(e.meta), e);
  }

  /** The settings in force (with defaults). */
  get config(): ResolvedAptConfig {
    return this.#config;
  }

  /** Fingerprints of the keys the repository is signed with (pinned), if it was ever signed. */
  get signingKeys(): string[] | undefined {
    return this.#pins ? [...this.#pins] : undefined;
  }

  /** Whether there are staged changes not yet published. */
  get pending(): boolean {
    return this.#dirty || this.#configChanged;
  }

  /** Folder of the suite's index (`dists/<codename>`), or the root for a flat repository. */
  get distDir(): string {
    return this.#config.layout === 'flat'
      ? this.dir
      : path.join(this.dir, 'dists', this.#config.codename);
  }

  /** Packages, staged changes included, sorted by name, version and architecture. */
  packages(): AptPackage[] {
    return this.#store.entries().sort(compareEntries).map(toPackage);
  }

  /** Reads .deb files: an injected reader one by one, the default one on every core. */
  async #read(jobs: ReadJob[], sha512: boolean): Promise<DebInfo[]> {
    if (this.#reader !== readDeb)
      return mapLimit(jobs, this.#concurrency, (j) => this.#reader(j.file, j.label, { sha512 }));
    return readDebs(jobs, sha512);
  }

  #enter(): void {
    if (this.#busy) throw new AptRepositoryError('another operation on this repository is running');
    this.#busy = true;
  }

  #leave(): void {
    this.#busy = false;
  }

  /** The path a package gets in the repository. */
  #canonicalPath(m: { component: string; source: string } & Parameters<typeof debFileName>[0]) {
    const name = debFileName(m);
    return this.#config.layout === 'flat' ? name : `${poolDir(m.component, m.source)}/${name}`;
  }

  /** The index data of a package read from `label`; refuses an architecture the repository lacks. */
  #metaOf(label: string, info: DebInfo, component: string): AptMeta {
    const c = info.control;
    if (
      this.#config.layout === 'pool' &&
      c.architecture !== 'all' &&
      !this.#config.architectures.includes(c.architecture)
    )
      throw new AptRepositoryError(
        `${label}: architecture '${c.architecture}' is not one of the repository's (${this.#config.architectures.join(', ')})`,
        { hint: 'add it with --arch when creating the repository, or in its configuration' },
      );
    return {
      component,
      package: c.package,
      version: c.version,
      architecture: c.architecture,
      source: c.source,
      stanza: formatFields(c.fields),
      size: info.size,
    };
  }

  /** Relative path of a file inside the repository, or undefined when outside. */
  #inside(abs: string): string | undefined {
    const rel = path.relative(this.dir, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  #component(c: string | undefined): string {
    const component = c ?? this.#config.components[0]!;
    if (this.#config.layout === 'flat') return c ?? 'main';
    if (!this.#config.components.includes(component))
      throw new AptRepositoryError(
        `unknown component '${component}' (the repository has ${this.#config.components.join(', ')})`,
        { hint: 'add it to the repository configuration: releng repo create … --component NAME' },
      );
    return component;
  }

  /**
   * Stages .deb files: each is read once (control data, SHA-256, SHA-512) and
   * validated. A package already present with the same name, version and
   * architecture is skipped when identical and refused when different, unless
   * `replace`. On any error nothing is staged.
   */
  async add(files: readonly string[], opts: AptAddOptions = {}): Promise<AptAddResult> {
    this.#enter();
    try {
      const component = this.#component(opts.component);
      const abs = files.map((f) => path.resolve(f));
      const sha512 = this.#config.packageHashes.includes('sha512');
      const infos = await this.#read(
        abs.map((f) => ({ file: f, label: path.relative(process.cwd(), f) || f })),
        sha512,
      );
      const result: AptAddResult = { added: [], replaced: [], unchanged: [] };
      const batch = new Map<string, { file: string; info: DebInfo }>();
      const plan: Array<{ file: string; entry: IndexedFile<AptMeta>; old?: IndexedFile<AptMeta> }> =
        [];
      for (let i = 0; i < abs.length; i++) {
        const file = abs[i]!;
        const info = infos[i]!;
        const meta = this.#metaOf(files[i]!, info, component);
        const key = keyOf(meta);
        const twin = batch.get(key);
        if (twin) {
          if (twin.info.sha256 === info.sha256) continue;
          throw new AptRepositoryError(
            `${files[i]} and ${path.relative(process.cwd(), twin.file)} are both ${label(meta)} with different contents`,
          );
        }
        batch.set(key, { file, info });
        const inside = this.#inside(file);
        const canonical = this.#canonicalPath(meta);
        const old = this.#byKey.get(key);
        if (old && old.sha256 === info.sha256) {
          result.unchanged.push(toPackage(old));
          continue;
        }
        if (old && !opts.replace)
          throw new AptRepositoryError(
            `${files[i]}: ${label(meta)} is already in the repository with different contents`,
            { hint: 'a new build needs a new version; or pass --replace to replace it' },
          );
        if (inside?.startsWith(`${STATE_DIR}/`) || inside?.startsWith('dists/'))
          throw new AptRepositoryError(
            `${files[i]}: packages cannot live in ${inside.split('/')[0]}/`,
          );
        // Files already inside the repository stay where they are; others are copied to the pool.
        const relPath = inside ?? (old ? old.path : canonical);
        const holder = this.#store.get(relPath);
        if (holder && holder !== old && keyOf(holder.meta) !== key)
          throw new AptRepositoryError(
            `${files[i]}: ${relPath} already holds ${label(holder.meta)}`,
            { hint: 'two versions that differ only in their epoch cannot share a pool' },
          );
        const entry: IndexedFile<AptMeta> = {
          path: relPath,
          stamp: info.stamp,
          sha256: info.sha256,
          sha512: info.sha512,
          meta,
        };
        plan.push({ file, entry, old });
      }
      for (const { file, entry, old } of plan) {
        if (old) {
          this.#store.delete(old.path);
          this.#copies.delete(old.path);
          result.replaced.push(toPackage(old));
        }
        this.#store.set(entry);
        this.#byKey.set(keyOf(entry.meta), entry);
        if (this.#inside(file) !== entry.path)
          this.#copies.set(entry.path, {
            source: file,
            stamp: entry.stamp,
            replaces: old !== undefined && old.path === entry.path,
          });
        result.added.push(toPackage(entry));
        this.#dirty = true;
      }
      return result;
    } finally {
      this.#leave();
    }
  }

  /**
   * Stages removals. A spec is `name`, `name=version`, `name:arch`,
   * `name:arch=version` or a path/file name of a package in the repository;
   * a spec that matches nothing is an error (and nothing is staged).
   */
  remove(specs: readonly string[], opts: { component?: string } = {}): AptPackage[] {
    this.#enter();
    try {
      const component = opts.component !== undefined ? this.#component(opts.component) : undefined;
      const doomed = new Set<IndexedFile<AptMeta>>();
      for (const spec of specs) {
        const hits = this.#match(spec).filter(
          (e) => component === undefined || e.meta.component === component,
        );
        if (hits.length === 0)
          throw new AptRepositoryError(
            `no package matches '${spec}'${component ? ` in ${component}` : ''}`,
          );
        for (const h of hits) doomed.add(h);
      }
      for (const e of doomed) {
        this.#store.delete(e.path);
        this.#byKey.delete(keyOf(e.meta));
        this.#copies.delete(e.path);
        this.#dirty = true;
      }
      return [...doomed].sort(compareEntries).map(toPackage);
    } finally {
      this.#leave();
    }
  }

  #match(spec: string): Array<IndexedFile<AptMeta>> {
    const byPath = this.#store.get(spec.replace(/^\.?\/+/, ''));
    if (byPath) return [byPath];
    if (spec.endsWith('.deb'))
      return this.#store.entries().filter((e) => path.posix.basename(e.path) === spec);
    const m = /^([^:=\s]+)(?::([a-z0-9-]+))?(?:=(\S+))?$/.exec(spec);
    if (!m || !PACKAGE_NAME.test(m[1]!))
      throw new AptRepositoryError(`'${spec}' is not a package (name[:arch][=version])`);
    const [, name, arch, version] = m;
    return this.#store
      .entries()
      .filter(
        (e) =>
          e.meta.package === name &&
          (arch === undefined || e.meta.architecture === arch) &&
          (version === undefined || e.meta.version === version),
      );
  }

  /**
   * Re-reads the repository folder: .deb files added, changed or deleted by
   * hand are found by their stamps (size, mtime, inode), and only those are
   * read. `full` re-reads every file.
   */
  async reindex(opts: { full?: boolean } = {}): Promise<AptScanResult> {
    this.#enter();
    try {
      const found = await this.#scanFiles();
      const result: AptScanResult = { added: [], changed: [], removed: [], unchanged: 0 };
      const toRead: Array<{ rel: string; stamp: PendingCopy['stamp'] }> = [];
      for (const [rel, stamp] of found) {
        const e = this.#store.get(rel);
        if (e && !opts.full && sameStamp(e.stamp, stamp)) result.unchanged++;
        else toRead.push({ rel, stamp });
      }
      const gone = this.#store
        .entries()
        .filter((e) => !found.has(e.path) && !this.#copies.has(e.path));
      const sha512 = this.#config.packageHashes.includes('sha512');
      const infos = await this.#read(
        toRead.map(({ rel }) => ({ file: path.join(this.dir, rel), label: rel })),
        sha512,
      );
      const next = this.#store.clone();
      const byKey = new Map<string, IndexedFile<AptMeta>>();
      for (const e of gone) next.delete(e.path);
      for (let i = 0; i < toRead.length; i++) {
        const { rel } = toRead[i]!;
        const info = infos[i]!;
        const component =
          this.#config.layout === 'flat'
            ? 'main'
            : ((rel.startsWith('pool/') ? rel.split('/')[1] : undefined) ??
              this.#config.components[0]!);
        if (this.#config.layout === 'pool' && !this.#config.components.includes(component))
          throw new AptRepositoryError(
            `${rel}: in pool/${component}/, which is not a component of the repository`,
          );
        const meta = this.#metaOf(rel, info, component);
        const old = next.get(rel);
        next.set({
          path: rel,
          stamp: info.stamp,
          sha256: info.sha256,
          sha512: info.sha512,
          meta,
        });
        (old ? result.changed : result.added).push(toPackage(next.get(rel)!));
      }
      for (const e of next.entries()) {
        const k = keyOf(e.meta);
        const twin = byKey.get(k);
        if (twin)
          throw new AptRepositoryError(
            `${e.path} and ${twin.path} are both ${label(e.meta)}${twin.sha256 === e.sha256 ? '' : ' with different contents'}`,
            { hint: 'remove one of them' },
          );
        byKey.set(k, e);
      }
      result.removed = gone.map(toPackage);
      this.#store = next;
      this.#byKey = byKey;
      if (toRead.length > 0 || gone.length > 0) this.#dirty = true;
      return result;
    } finally {
      this.#leave();
    }
  }

  /** .deb files under the repository (pool/ or, for flat ones, anywhere but the state folder). */
  async #scanFiles(): Promise<Map<string, PendingCopy['stamp']>> {
    // Blocking readdir/stat: one folder walk, microseconds a call.
    const found = new Map<string, PendingCopy['stamp']>();
    const walk = (rel: string): void => {
      let entries: Dirent[];
      try {
        entries = readdirSync(path.join(this.dir, rel), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const d of entries) {
        const childRel = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (childRel === STATE_DIR || childRel === 'dists' || d.name === 'by-hash') continue;
          walk(childRel);
        } else if (d.isFile() && d.name.endsWith('.deb')) {
          found.set(childRel, stampOf(statSync(path.join(this.dir, childRel))));
        }
      }
    };
    walk(this.#config.layout === 'pool' ? 'pool' : '');
    return found;
  }

  /** Changes settings (applied at the next publish). Layout cannot change. */
  configure(change: AptRepositoryConfig): void {
    const next = resolveConfig({ ...this.#config, ...change });
    if (next.layout !== this.#config.layout)
      throw new AptRepositoryError('the layout of an existing repository cannot change');
    for (const e of this.#store.entries()) {
      if (next.layout === 'pool' && !next.components.includes(e.meta.component))
        throw new AptRepositoryError(
          `component '${e.meta.component}' still holds packages (${e.meta.package})`,
        );
      if (
        next.layout === 'pool' &&
        e.meta.architecture !== 'all' &&
        !next.architectures.includes(e.meta.architecture)
      )
        throw new AptRepositoryError(
          `architecture '${e.meta.architecture}' still has packages (${e.meta.package})`,
        );
    }
    if (JSON.stringify(next) !== JSON.stringify(this.#config)) {
      this.#config = next;
      this.#configChanged = true;
    }
  }

  /**
   * Writes the repository: pool files, Packages files (+ by-hash), Release,
   * and with a signer InRelease and Release.gpg. Readers see the old
   * repository or the new one, never a Release naming files not yet written.
   */
  async publish(arg: Signer | AptPublishOptions = {}): Promise<AptPublishResult> {
    const opts: AptPublishOptions = isSigner(arg) ? { signer: arg } : arg;
    const fixedDate = opts.date ?? sourceDateEpoch(opts.env);
    this.#enter();
    let lock: Awaited<ReturnType<typeof lockRepository>> | undefined;
    const created: string[] = [];
    const renames: Array<[string, string]> = [];
    try {
      await this.#checkWritable();
      lock = await lockRepository(this.dir);
      if ((await indexStamp(this.dir)) !== this.#indexStamp)
        throw new AptRepositoryError(
          'the repository was changed by another process since it was opened; nothing was written',
          { hint: 'run the command again' },
        );
      const signers = opts.signers ?? (opts.signer ? [opts.signer] : []);
      const signer = signers[0];
      for (const sg of signers)
        if (sg.keyFile && this.#inside(path.resolve(sg.keyFile)) !== undefined)
          throw new AptRepositoryError(
            `the signing key ${sg.keyFile} is inside the repository; it would be published`,
            { hint: 'keep private keys outside the repository folder' },
          );
      const previous = await readPublished(this.dir);
      if (!signer && previous?.signed && !opts.unsigned)
        throw new AptRepositoryError(
          'this repository is signed; publishing needs the signing key',
          {
            hint: 'pass --key FILE or --gpg-key ID (or --unsigned to drop the signatures)',
          },
        );
      const label = `APT repository '${this.dir}'`;
      const fprs = signers.map((x) => x.fingerprint);
      if (!this.#pins && previous?.signed && signers.length > 0 && !opts.keyChange) {
        const old = await readFile(path.join(this.distDir, 'InRelease'), 'utf8').catch(() => '');
        checkLegacySigners(label, this.dir, await signatureIssuers(old), fprs);
      }
      const pins = checkSigningKeys(label, this.dir, this.#pins, fprs, opts.keyChange);
      const pinsChanged = JSON.stringify(pins) !== JSON.stringify(this.#pins);

      // A killed publish left a journal: repair first, and write everything again.
      const journal = await readJournal(this.dir);
      const recovered = journal
        ? recoverInterrupted(
            this.dir,
            journal,
            (rel) => this.#committed.has(rel),
            ['dists'],
            (rel) => this.#store.get(rel)?.stamp.ino,
          )
        : removeStaleTemporaries(this.dir, [STATE_DIR], false);

      // Nothing changed: write nothing (no new Date, no signature, no by-hash generation).
      const releasePath = path.join(this.distDir, 'Release');
      if (
        !opts.force &&
        !journal &&
        !this.#dirty &&
        !this.#configChanged &&
        !pinsChanged &&
        this.#copies.size === 0 &&
        previous?.release !== undefined &&
        previous.signed === (signer !== undefined) &&
        (await this.#publishedIntact(previous, signer !== undefined))
      ) {
        return {
          release: releasePath,
          inRelease: signer ? path.join(this.distDir, 'InRelease') : undefined,
          signedBy: signer?.fingerprint,
          signers: fprs,
          noop: true,
          recovered,
          written: [],
          unchanged: Object.keys(previous.files),
          deleted: [],
          packages: this.#store.size,
        };
      }
      const date = fixedDate ?? new Date();
      const validUntil =
        this.#config.validFor !== undefined
          ? new Date(date.getTime() + parseDuration(this.#config.validFor) * 1000)
          : undefined;
      if (fixedDate && opts.date === undefined) {
        const old = await readFile(releasePath, 'utf8').catch(() => '');
        const oldDate = Date.parse(parseRelease(old).fields.get('Date') ?? '');
        checkFixedDate(this.dir, fixedDate, validUntil, oldDate);
      }

      // The journal, before the first file is created (see recovery.ts).
      const doomed = [...this.#committed].filter((p) => !this.#store.has(p));
      const newPool = [...this.#copies].filter(([, c]) => !c.replaces).map(([rel]) => rel);
      await beginJournal(this.dir, {
        created: newPool,
        doomed,
        replaced: [...this.#copies].filter(([, c]) => c.replaces).map(([rel]) => rel),
        dirs: [...new Set([...this.#copies.keys()].map((r) => path.posix.dirname(r)))],
      });
      faultPoint('apt-journal');

      // 1. Pool files (new names only; replacements go to a temporary name).
      for (const [rel, copy] of this.#copies) {
        const dest = path.join(this.dir, rel);
        const st = await stat(copy.source).catch(() => undefined);
        if (!st || !sameStamp(stampOf(st), copy.stamp))
          throw new AptRepositoryError(`${copy.source} changed or disappeared after it was added`);
        const entry = this.#store.get(rel)!;
        if (!copy.replaces && (await this.#adopt(rel, entry, copy.source))) continue;
        await mkdir(path.dirname(dest), { recursive: true });
        const tmp = tmpSibling(dest);
        await copyFile(copy.source, tmp);
        created.push(tmp);
        faultPoint('apt-pool-copied');
        entry.stamp = stampOf(await stat(tmp));
        if (copy.replaces) renames.push([tmp, dest]);
        else {
          await link(tmp, dest).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'EEXIST')
              throw new AptRepositoryError(`${rel} appeared while publishing`, {
                hint: 'another program writes into the pool; run the command again',
              });
            throw err;
          });
          created.push(dest);
          faultPoint('apt-pool-linked');
          await unlink(tmp);
          created.splice(created.indexOf(tmp), 1);
        }
      }

      // SHA-512 asked for after packages were indexed without it: hash those files once.
      if (this.#config.packageHashes.includes('sha512'))
        for (const e of this.#store.entries())
          if (!e.sha512) {
            const d = await digestFile(path.join(this.dir, e.path));
            if (d.sha256 !== e.sha256)
              throw new AptRepositoryError(`${e.path} changed since it was indexed`, {
                hint: 'run `releng repo index`',
              });
            e.sha512 = d.sha512;
          }

      // 2. Index files. Blocking calls: a few dozen small writes and links,
      //    each far cheaper than a trip through the thread pool.
      const cache = new ChunkCache(statePath(this.dir, CHUNK_CACHE));
      const groups = this.#indexGroups();
      const files: ReleaseFile[] = [];
      const written: string[] = [];
      const unchanged: string[] = [];
      const byHashPaths: string[] = [];
      const distRel = path.relative(this.dir, this.distDir).split(path.sep).join('/');
      for (const [dirRel, stanzas] of groups) {
        const rendered = await renderPackages(stanzas, cache);
        for (const [suffix, data] of [
          ['', rendered.plain],
          ['.gz', rendered.gz],
          ['.xz', rendered.xz],
        ] as Array<[string, Buffer]>) {
          const relToDist = `${dirRel ? `${dirRel}/` : ''}Packages${suffix}`;
          const abs = path.join(this.distDir, relToDist);
          const relRoot = distRel ? `${distRel}/${relToDist}` : relToDist;
          const f: ReleaseFile = {
            path: relToDist,
            size: data.length,
            sha256: sha('sha256', data),
            sha512: sha('sha512', data),
          };
          files.push(f);
          const before = previous?.files[relRoot];
          // After a killed publish the state may be ahead of the files: rewrite them all.
          const same =
            !journal &&
            before?.sha256 === f.sha256 &&
            statSync(abs, { throwIfNoEntry: false })?.size === f.size;
          if (same) unchanged.push(relRoot);
          else {
            mkdirSync(path.dirname(abs), { recursive: true });
            const tmp = tmpSibling(abs);
            writeNewSync(tmp, data);
            created.push(tmp);
            renames.push([tmp, abs]);
            written.push(relRoot);
          }
          if (this.#config.byHash) {
            for (const [algo, digest] of [
              ['SHA256', f.sha256],
              ['SHA512', f.sha512],
            ] as const) {
              const rel = `${dirRel ? `${dirRel}/` : ''}by-hash/${algo}/${digest}`;
              const target = path.join(this.distDir, rel);
              byHashPaths.push(distRel ? `${distRel}/${rel}` : rel);
              if (existsSync(target)) continue;
              mkdirSync(path.dirname(target), { recursive: true });
              const tmp = tmpSibling(target);
              writeNewSync(tmp, data);
              created.push(tmp);
              try {
                linkSync(tmp, target);
              } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
              }
              created.push(target);
              unlinkSync(tmp);
              created.splice(created.indexOf(tmp), 1);
            }
          }
        }
      }

      // 3. Release, signatures.
      const c = this.#config;
      const flat = c.layout === 'flat';
      const release = renderRelease({
        origin: c.origin,
        label: c.label,
        suite: c.suite,
        codename: c.codename,
        version: c.version,
        date,
        validUntil,
        architectures: flat ? undefined : c.architectures,
        components: flat ? undefined : c.components,
        description: c.description,
        notAutomatic: c.notAutomatic,
        butAutomaticUpgrades: c.butAutomaticUpgrades,
        acquireByHash: c.byHash,
        noSupportForArchitectureAll: !flat,
        files,
      });
      let inRelease: string | undefined;
      let releaseGpg: string | undefined;
      if (signer) {
        const how = fixedDate ? { date: fixedDate, deterministic: true } : {};
        inRelease = await clearsignAll(signers, release, how);
        releaseGpg = await detachSignAll(signers, Buffer.from(release, 'utf8'), how);
      }
      faultPoint('apt-signed');
      await mkdir(this.distDir, { recursive: true });
      const finals: Array<[string, string]> = [];
      for (const [name, text] of [
        ['InRelease', inRelease],
        ['Release.gpg', releaseGpg],
        ['Release', release],
      ] as Array<[string, string | undefined]>) {
        if (text === undefined) continue;
        const abs = path.join(this.distDir, name);
        const tmp = tmpSibling(abs);
        await writeNew(tmp, text);
        created.push(tmp);
        finals.push([tmp, abs]);
      }

      // 4. State (before the switch: a crash after it is repaired by the next publish).
      if (this.#configChanged || pinsChanged || !(await readRepoConfig(this.dir)))
        await writeRepoConfig(this.dir, toFile(this.#config, pins));
      faultPoint('apt-config-saved');
      await this.#store.save();
      faultPoint('apt-index-saved');
      // A publication that lists the same index files as the last one is not a new generation.
      const same = previous?.generations[0]?.join('\n') === byHashPaths.join('\n');
      const generations = (
        same ? previous!.generations : [byHashPaths, ...(previous?.generations ?? [])]
      ).slice(0, this.#config.byHashKeep + 1);
      const fileMap: Record<string, ReleaseFile> = {};
      for (const f of files) fileMap[distRel ? `${distRel}/${f.path}` : f.path] = f;
      await writeFileAtomic(
        statePath(this.dir, PUBLISHED),
        `${JSON.stringify({ format: 1, files: fileMap, generations, signed: signer !== undefined, release: sha('sha256', Buffer.from(release, 'utf8')) } satisfies PublishedState)}\n`,
      );
      faultPoint('apt-state-saved');

      // 5. The switch: index files, then the Release files.
      for (const [from, to] of renames) {
        await rename(from, to);
        created.splice(created.indexOf(from), 1);
        faultPoint('apt-index-renamed');
      }
      if (!signer) {
        await rm(path.join(this.distDir, 'InRelease'), { force: true });
        await rm(path.join(this.distDir, 'Release.gpg'), { force: true });
      }
      for (const [from, to] of finals) {
        await rename(from, to);
        created.splice(created.indexOf(from), 1);
      }
      created.length = 0;
      this.#indexStamp = await indexStamp(this.dir);
      faultPoint('apt-switched');

      // 6. Clean-up: removed pool files, old by-hash files, unused xz blocks, suite link.
      const deleted = await this.#deleteUnreferenced(this.#committed);
      this.#committed = new Set(this.#store.entries().map((e) => e.path));
      await this.#pruneByHash(generations, previous);
      await cache.prune();
      // The cache of releng 0.1 (xz blocks only) is no longer read.
      await rm(statePath(this.dir, 'xz-blocks'), { recursive: true, force: true });
      await this.#suiteLink();
      await endJournal(this.dir);
      this.#copies.clear();
      this.#dirty = false;
      this.#configChanged = false;
      this.#pins = pins;
      return {
        release: releasePath,
        inRelease: signer ? path.join(this.distDir, 'InRelease') : undefined,
        signedBy: signer?.fingerprint,
        signers: fprs,
        noop: false,
        recovered,
        written,
        unchanged,
        deleted,
        packages: this.#store.size,
      };
    } catch (err) {
      await Promise.all(created.map((f) => rm(f, { force: true }).catch(() => {})));
      // Everything written was removed: the journal has nothing left to repair.
      if (lock) await endJournal(this.dir).catch(() => {});
      if (err instanceof RelengError) throw err;
      throw asWriteError(err, this.dir);
    } finally {
      await lock?.release().catch(() => {});
      this.#leave();
    }
  }

  /**
   * A package file already at its pool path but not in the index (left by a
   * killed publish, or copied by hand): adopted when it is the same file,
   * refused clearly when it is not. Returns true when adopted.
   */
  async #adopt(rel: string, entry: IndexedFile<AptMeta>, source: string): Promise<boolean> {
    const dest = path.join(this.dir, rel);
    const st = await stat(dest).catch(() => undefined);
    if (!st) return false;
    const d = st.size === entry.meta.size ? await digestFile(dest) : undefined;
    if (d?.sha256 === entry.sha256) {
      entry.stamp = stampOf(st);
      return true;
    }
    throw new AptRepositoryError(
      `${rel} exists but is not in the index, and it is not ${path.relative(process.cwd(), source) || source} (${d ? `sha256 ${d.sha256.slice(0, 12)}… vs ${entry.sha256.slice(0, 12)}…` : `${st.size} bytes vs ${entry.meta.size}`})`,
      {
        hint: `it may be left from an interrupted publish or copied by hand: delete it, or take it in with \`releng repo index ${this.dir}\``,
      },
    );
  }

  /** Whether the published Release (and its signatures) are what the state says was published. */
  async #publishedIntact(previous: PublishedState, signed: boolean): Promise<boolean> {
    const release = await readFile(path.join(this.distDir, 'Release')).catch(() => undefined);
    if (!release || sha('sha256', release) !== previous.release) return false;
    if (!signed) return true;
    for (const name of ['InRelease', 'Release.gpg'])
      if (!(await stat(path.join(this.distDir, name)).catch(() => undefined))) return false;
    return true;
  }

  /**
   * The uncompressed Packages files publish would write, by path relative to
   * the suite folder (`main/binary-amd64/Packages`, or `Packages` when flat).
   */
  packagesFiles(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [dirRel, stanzas] of this.#indexGroups())
      out.set(`${dirRel ? `${dirRel}/` : ''}Packages`, stanzas.map((x) => x.text).join('\n'));
    return out;
  }

  /** Packages files to write: folder (relative to the dist folder) → sorted stanzas. */
  #indexGroups(): Map<string, Stanza[]> {
    const entries = this.#store.entries().sort(compareEntries);
    const withSha512 = this.#config.packageHashes.includes('sha512');
    const stanzaOf = (e: IndexedFile<AptMeta>): Stanza => ({
      name: e.meta.package,
      text: `${e.meta.stanza}Filename: ${e.path}\nSize: ${e.meta.size}\nSHA256: ${e.sha256}\n${withSha512 && e.sha512 ? `SHA512: ${e.sha512}\n` : ''}`,
    });
    const groups = new Map<string, Stanza[]>();
    if (this.#config.layout === 'flat') {
      groups.set('', entries.map(stanzaOf));
      return groups;
    }
    for (const comp of this.#config.components)
      for (const arch of this.#config.architectures) groups.set(`${comp}/binary-${arch}`, []);
    for (const e of entries) {
      const stanza = stanzaOf(e);
      const archs =
        e.meta.architecture === 'all' ? this.#config.architectures : [e.meta.architecture];
      for (const arch of archs) groups.get(`${e.meta.component}/binary-${arch}`)?.push(stanza);
    }
    return groups;
  }

  async #checkWritable(): Promise<void> {
    for (const d of [this.dir, path.join(this.dir, STATE_DIR)]) {
      try {
        await access(d, constants.W_OK);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw asWriteError(err, this.dir);
      }
    }
  }

  /** Deletes the files of packages that were in the committed index and are no longer. */
  async #deleteUnreferenced(committed: ReadonlySet<string>): Promise<string[]> {
    const known = [...committed].filter((p) => !this.#store.has(p));
    const deleted: string[] = [];
    for (const rel of known) {
      const abs = path.join(this.dir, rel);
      try {
        await unlink(abs);
        deleted.push(rel);
      } catch {
        continue;
      }
      // Remove emptied pool folders up to pool/<component>.
      let dir = path.dirname(abs);
      for (;;) {
        const rel = this.#inside(dir);
        if (!rel?.startsWith('pool/') || rel.split('/').length <= 2) break;
        try {
          await rmdir(dir);
        } catch {
          break;
        }
        dir = path.dirname(dir);
      }
    }
    return deleted;
  }

  async #pruneByHash(generations: string[][], previous: PublishedState | undefined): Promise<void> {
    const keep = new Set(generations.flat());
    const all = new Set((previous?.generations ?? []).flat());
    for (const rel of all) if (!keep.has(rel)) await rm(path.join(this.dir, rel), { force: true });
  }

  async #suiteLink(): Promise<void> {
    const c = this.#config;
    if (c.layout === 'flat' || c.suite === c.codename) return;
    const linkPath = path.join(this.dir, 'dists', c.suite);
    const current = await readlink(linkPath).catch(() => undefined);
    if (current === c.codename) return;
    const st = await stat(linkPath).catch(() => undefined);
    if (st && current === undefined) return; // a real folder: leave it alone
    const tmp = tmpSibling(linkPath);
    await symlink(c.codename, tmp);
    await rename(tmp, linkPath);
  }
}

function sha(algo: string, data: Buffer): string {
  return createHash(algo).update(data).digest('hex');
}

async function writeNew(file: string, data: string | Buffer): Promise<void> {
  await writeFile(file, data, { flag: 'wx', mode: 0o644 });
}

function writeNewSync(file: string, data: string | Buffer): void {
  writeFileSync(file, data, { flag: 'wx', mode: 0o644 });
}

async function readPublished(dir: string): Promise<PublishedState | undefined> {
  try {
    const p = JSON.parse(await readFile(statePath(dir, PUBLISHED), 'utf8')) as PublishedState;
    return p.format === 1 ? p : undefined;
  } catch {
    return undefined;
  }
}

/** A token that changes whenever the index file is replaced. */
async function indexStamp(dir: string): Promise<string> {
  try {
    const st = await stat(statePath(dir, `${INDEX_NAME}.json`));
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'none';
  }
}

/**
 * Opens the APT repository in `dir`, creating it (with `config`, defaults
 * otherwise) when the folder holds none. Settings given for an existing
 * repository change it at the next publish. Reads only the state files.
 */
export async function aptRepository(
  dir: string,
  config: AptRepositoryConfig = {},
  opts: AptRepositoryOptions = {},
): Promise<AptRepository> {
  const { root, existing } = await openRepoDir(
    dir,
    'apt',
    opts.create !== false,
    (message, hint) => new AptRepositoryError(message, hint ? { hint } : {}),
  );
  const stored = existing ? configFromFile(existing) : {};
  const given = definedOnly(config);
  const initial = resolveConfig(existing ? stored : given);
  const stamp = await indexStamp(root);
  const store = await IndexStore.open<AptMeta>(root, INDEX_NAME);
  const repo = new AptRepository(
    root,
    initial,
    !existing,
    store,
    stamp,
    opts,
    pinnedKeys(existing),
  );
  // Settings given for an existing repository: checked against its packages, applied at publish.
  if (existing && Object.keys(given).length > 0) repo.configure(given);
  return repo;
}
