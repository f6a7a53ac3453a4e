/**
 * YUM/DNF repositories: `repodata/repomd.xml` (+ `repomd.xml.asc`) with
 * primary, filelists and other, built natively from the .rpm headers.
 *
 * Usage:
 * ```ts
 * const repo = await yumRepository('repo');            // Packages/ + repodata/
 * await repo.add(['hello-1.0-1.x86_64.rpm']);          // read (headers + SHA-256), staged
 * repo.remove(['old-tool-0.9-1.noarch']);              // staged
 * await repo.publish({ signer });                      // written, switched atomically
 * ```
 *
 * State lives in `.releng-repo/` (shared with the APT writer, see
 * ../index-store.ts): `config.json` (type `yum`, settings) and
 * `yum-index.json`, one entry per .rpm with its file stamp, SHA-256 and its
 * pre-rendered primary/filelists/other elements (kept in
 * `yum-fragments/`), so adding or removing one package reads only that
 * package. The index is trusted as it is; {@link YumRepository.reindex}
 * finds files added, changed or deleted by hand (one stat each).
 *
 * Publishing writes new package files and `repodata/<sha256>-*.xml.gz`
 * first, signs, saves the state, then switches repomd.xml.asc and
 * repomd.xml, and removes the data files and packages no longer referenced.
 * Any error before the switch leaves the published repository exactly as it
 * was (what was written is removed).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, type Stats, statSync } from 'node:fs';
import {
  access,
  constants,
  copyFile,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  utimes,
} from 'node:fs/promises';
import path from 'node:path';
import { sourceDateEpoch } from '../../util/epoch.ts';
import { RelengError } from '../../util/errors.ts';
import { tmpSibling, writeFileAtomic } from '../../util/fs.ts';
import { definedOnly } from '../../util/object.ts';
import {
  asWriteError,
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
import { detachSignAll } from '../signing/multi.ts';
import { nevra, readPackage, type YumEntry, type YumMeta } from './package.ts';
import {
  DATA_TYPES,
  type DataFile,
  DeflateBlockCache,
  type ExistingRepomd,
  parseRepomd,
  RENDER_VERSION,
  renderData,
  repomdXml,
} from './repodata.ts';

export { nevra, readPackage, type YumEntry, type YumMeta } from './package.ts';
export { parseRpm, RpmFormatError } from './rpmfile.ts';
export { verifyYumRepository, type YumVerifyOptions, type YumVerifyReport } from './verify.ts';

/** Raised for anything wrong with a repository operation; nothing was changed. */
export class YumRepositoryError extends RelengError {}

/** Settings stored in `.releng-repo/config.json`. */
export interface YumRepositoryConfig {
  /**
   * Folder (relative to the root) that {@link YumRepository.add} copies
   * packages from outside the repository into. Default `Packages`; `''` for
   * the root itself.
   */
  packagesDir?: string;
  /** gzip level of the metadata files, 1–9 (default 6). */
  compressionLevel?: number;
  /**
   * The data files of this many earlier publications are kept besides the
   * current ones (default 3), so a client that fetched an older repomd.xml
   * still finds what it names (like createrepo_c --retain-old-md).
   */
  keepOldMetadata?: number;
}

/** Reads one .rpm into an index entry (injectable, e.g. to count reads in tests). */
export type RpmReader = (file: string, location: string) => Promise<YumEntry>;

/** Options of {@link yumRepository} that are not stored settings. */
export interface YumRepositoryOptions {
  /** How .rpm files are read (default {@link readPackage}). */
  reader?: RpmReader;
  /** Files read at once (default 16). */
  concurrency?: number;
  /** Create the repository when `dir` holds none (default true). */
  create?: boolean;
}

/** A package of the repository. */
export interface YumPackage {
  /** `name-[epoch:]version-release.arch`. */
  nevra: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  /** Path relative to the repository root. */
  location: string;
  /** SHA-256 of the file (its pkgid). */
  sha256: string;
  size: number;
}

/** Options of {@link YumRepository.add}. */
export interface YumAddOptions {
  /**
   * Replace a package with the same name-epoch-version-release-arch (or one
   * at the same location) whose content differs. Without it that is an error.
   */
  replace?: boolean;
}

/** What {@link YumRepository.add} did. */
export interface YumAddResult {
  added: YumPackage[];
  /** The packages that were replaced. */
  replaced: YumPackage[];
  /** Already present with identical content. */
  unchanged: YumPackage[];
}

/** What {@link YumRepository.reindex} found. */
export interface YumScanResult {
  added: YumPackage[];
  changed: YumPackage[];
  removed: YumPackage[];
  unchanged: number;
}

/** What signing repomd.xml needs: the signing API's {@link Signer} (only detachSign is called). */
export type RepoSigner = Pick<Signer, 'detachSign'> &
  Partial<Pick<Signer, 'fingerprint' | 'keyFile'>>;

/** Options of {@link YumRepository.publish}. */
export interface YumPublishOptions {
  /** Signs repomd.xml into repomd.xml.asc (armored, detached). */
  signer?: RepoSigner;
  /** Several keys (a key rotation): repomd.xml.asc holds one signature per key. */
  signers?: Signer[];
  /** An explicit change of the pinned signing keys (rotate-key, retire-key). */
  keyChange?: KeyChange;
  /** Write and sign even when nothing changed (`repo sign`). */
  force?: boolean;
  /** Publish without a signature even though the repository was signed before. */
  unsigned?: boolean;
  /**
   * The publish time: the default revision and timestamps, and the
   * signature's time (default `$SOURCE_DATE_EPOCH`, else now). With a fixed
   * time (given here or by SOURCE_DATE_EPOCH) the signature is deterministic
   * too: the same packages, key and time give the same repomd.xml and
   * repomd.xml.asc bytes.
   */
  date?: Date;
  /** Where SOURCE_DATE_EPOCH is read (default process.env; the CLI passes its own). */
  env?: NodeJS.ProcessEnv;
  /** `<revision>`; default the publish time in seconds (kept increasing). */
  revision?: string | number;
  /** `<timestamp>` of the data entries, in seconds (default: the revision when numeric, else now). */
  timestamp?: number;
}

/** What {@link YumRepository.publish} wrote. */
export interface YumPublishResult {
  revision: string;
  /** Absolute path of repomd.xml. */
  repomd: string;
  /** Absolute path of repomd.xml.asc, when signed. */
  signature?: string;
  signedBy?: string;
  /** Fingerprints of every key that signed. */
  signers: string[];
  /** True when nothing changed and nothing was written. */
  noop: boolean;
  /** Files a killed publish had left, deleted first (relative to the root). */
  recovered: string[];
  /** The data files, relative to the root. */
  dataFiles: string[];
  /** Package files deleted (removed or replaced at another location), relative to the root. */
  deleted: string[];
  packages: number;
}

const INDEX_NAME = 'yum-index';
/** `.releng-repo/yum-published.json`: SHA-256 of the repomd.xml the index describes. */
const PUBLISHED = 'yum-published.json';
/** `.releng-repo/yum-fragments/<id>.xml`: the entries' XML fragments (see serializeIndex). */
const FRAGMENTS_DIR = 'yum-fragments';
/** `.releng-repo/yum-blocks.pack`: compressed blocks of the data files (see repodata.ts). */
const BLOCKS_PACK = 'yum-blocks.pack';

function toPackage(e: YumEntry): YumPackage {
  return {
    nevra: nevra(e.meta),
    name: e.meta.name,
    epoch: e.meta.epoch,
    version: e.meta.version,
    release: e.meta.release,
    arch: e.meta.arch,
    location: e.path,
    sha256: e.sha256,
    size: e.stamp.size,
  };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the order of results. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
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

function compareEntries(a: YumEntry, b: YumEntry): number {
  const x = a.meta;
  const y = b.meta;
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  if (x.arch !== y.arch) return x.arch < y.arch ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function statIfFile(file: string): Stats | undefined {
  try {
    const st = statSync(file);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

async function writeNew(file: string, data: string | Buffer): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

/** A package waiting to be copied into the repository at publish time. */
interface PendingCopy {
  source: string;
  stamp: { size: number; mtimeMs: number; ino: number };
}

/** A YUM/DNF repository rooted at a directory. Open one with {@link yumRepository}. */
export class YumRepository {
  /** Absolute path of the repository root. */
  readonly dir: string;
  readonly #config: Required<YumRepositoryConfig>;
  #configChanged: boolean;
  readonly #reader: RpmReader;
  readonly #concurrency: number;
  /** The staged state (what the next publish writes). */
  readonly #store: IndexStore<YumMeta>;
  readonly #byNevra = new Map<string, YumEntry>();
  /** Packages to copy in at publish, by location. */
  readonly #copies = new Map<string, PendingCopy>();
  /** Locations of the last published state (their files are deleted when no longer indexed). */
  #committed: Set<string>;
  /** SHA-256 of repomd.xml as read when opened (none: no repomd.xml). */
  #repomdStamp: string;
  #existing: ExistingRepomd | undefined;
  #dirty = false;
  #busy = false;
  readonly #blocks: DeflateBlockCache;
  /** Fingerprints of the keys that sign the repository (config.json `signingKeys`). */
  #pins: string[] | undefined;
  /** Whether the state describes the published repomd.xml (set by {@link yumRepository}). */
  #inSync = false;

  /** @internal use {@link yumRepository} */
  constructor(
    dir: string,
    config: Required<YumRepositoryConfig>,
    configChanged: boolean,
    store: IndexStore<YumMeta>,
    repomd: string | undefined,
    opts: YumRepositoryOptions,
  ) {
    this.dir = dir;
    this.#config = config;
    this.#configChanged = configChanged;
    this.#reader = opts.reader ?? readPackage;
    this.#concurrency = opts.concurrency ?? 16;
    this.#store = store;
    this.#blocks = new DeflateBlockCache(statePath(dir, BLOCKS_PACK));
    for (const e of store.entries()) this.#byNevra.set(nevra(e.meta), e);
    this.#committed = new Set(store.entries().map((e) => e.path));
    this.#repomdStamp = repomd === undefined ? 'none' : sha256(repomd);
    this.#existing = repomd === undefined ? undefined : parseRepomd(repomd);
  }

  /** The stored settings. */
  get config(): Readonly<Required<YumRepositoryConfig>> {
    return this.#config;
  }

  /** Fingerprints of the keys the repository is signed with (pinned), if it was ever signed. */
  get signingKeys(): string[] | undefined {
    return this.#pins ? [...this.#pins] : undefined;
  }

  /** @internal set by {@link yumRepository}: the stored pins and whether the state matches repomd.xml. */
  restoreState(pins: string[] | undefined, inSync: boolean): void {
    this.#pins = pins;
    this.#inSync = inSync;
  }

  /** Whether there are changes that {@link publish} has not written yet. */
  get pending(): boolean {
    return this.#dirty || this.#configChanged;
  }

  /** The packages (including staged changes), sorted by name, arch, location. */
  packages(): YumPackage[] {
    return this.#store.entries().sort(compareEntries).map(toPackage);
  }

  /** Packages matching a NEVRA (`name-[epoch:]version-release.arch`), a location or a file name. */
  find(spec: string): YumPackage[] {
    return this.#match(spec).map(toPackage);
  }

  #match(spec: string): YumEntry[] {
    const exact = this.#byNevra.get(spec) ?? this.#byNevra.get(spec.replace(/-0:/, '-'));
    if (exact) return [exact];
    const loc = this.#store.get(spec.replace(/^\.?\/+/, ''));
    if (loc) return [loc];
    return this.#store.entries().filter((e) => path.posix.basename(e.path) === spec);
  }

  #put(e: YumEntry): void {
    this.#store.set(e);
    this.#byNevra.set(nevra(e.meta), e);
  }

  #drop(e: YumEntry): void {
    this.#store.delete(e.path);
    this.#byNevra.delete(nevra(e.meta));
    this.#copies.delete(e.path);
  }

  #enter(): void {
    if (this.#busy) {
      throw new YumRepositoryError(`${this.dir}: another operation on this repository is running`);
    }
    this.#busy = true;
  }

  #leave(): void {
    this.#busy = false;
  }

  /** The location (relative, `/`-separated) of a path inside the repository, else undefined. */
  #inside(abs: string): string | undefined {
    const rel = path.relative(this.dir, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  /** Location for a file: in place when inside the repository, else in packagesDir. */
  #locationFor(abs: string): string {
    const inside = this.#inside(abs);
    if (inside !== undefined) {
      const top = inside.split('/')[0]!;
      if (top === 'repodata' || top === STATE_DIR) {
        throw new YumRepositoryError(`${abs}: packages cannot live in ${top}/`);
      }
      return inside;
    }
    const dir = this.#config.packagesDir;
    return dir ? `${dir}/${path.basename(abs)}` : path.basename(abs);
  }

  /**
   * Stages packages: reads each file (headers and SHA-256). Files outside
   * the repository are copied into `packagesDir` at publish; files inside it
   * are indexed where they are. A package whose name-epoch-version-release-arch
   * (or location) is already taken by different content is refused unless
   * `replace` is set; the same content again is a no-op. On any error
   * nothing is staged.
   */
  async add(files: readonly string[], opts: YumAddOptions = {}): Promise<YumAddResult> {
    this.#enter();
    try {
      const abs = files.map((f) => path.resolve(f));
      const read = await pool(abs, this.#concurrency, async (file) => {
        if (!existsSync(file)) throw new YumRepositoryError(`${file}: no such file`);
        if (!file.endsWith('.rpm')) {
          throw new YumRepositoryError(`${file}: not an .rpm file name`);
        }
        const entry = await this.#reader(file, this.#locationFor(file));
        return { file, entry };
      });

      // Decide everything before changing anything.
      const result: YumAddResult = { added: [], replaced: [], unchanged: [] };
      const batch = new Map<string, { file: string; entry: YumEntry }>();
      const plan: Array<{ file: string; entry: YumEntry; drop: YumEntry[] }> = [];
      for (const item of read) {
        const { file, entry } = item;
        const key = nevra(entry.meta);
        const twin = batch.get(key) ?? batch.get(`@${entry.path}`);
        if (twin) {
          if (twin.entry.sha256 === entry.sha256 && twin.entry.path === entry.path) continue;
          throw new YumRepositoryError(
            `${file} and ${twin.file} are both ${nevra(twin.entry.meta) === key ? key : `stored as ${entry.path}`}, with different content`,
          );
        }
        batch.set(key, item);
        batch.set(`@${entry.path}`, item);

        const same = this.#byNevra.get(key);
        const atLoc = this.#store.get(entry.path);
        if (same && same.sha256 === entry.sha256) {
          result.unchanged.push(toPackage(same));
          continue;
        }
        const conflicts = [same, atLoc].filter(
          (e, i, list): e is YumEntry => e !== undefined && list.indexOf(e) === i,
        );
        if (conflicts.length > 0 && !opts.replace) {
          const c = conflicts[0]!;
          throw new YumRepositoryError(
            c === same
              ? `${key} is already in the repository (${c.path}) with different content (sha256 ${c.sha256.slice(0, 12)}… vs ${entry.sha256.slice(0, 12)}…)`
              : `${entry.path} is already in the repository as ${nevra(c.meta)}`,
            { hint: 'pass replace (--replace) to replace it, or raise the release' },
          );
        }
        const inPlace = path.resolve(this.dir, entry.path) === file;
        if (!inPlace && !atLoc && !this.#committed.has(entry.path)) {
          // A file at that location that no index lists: left by a killed
          // publish (the journal says so; it is replaced), the same package
          // (adopted), or something else (refused).
          const dest = path.join(this.dir, entry.path);
          const st = statIfFile(dest);
          if (st) {
            const same =
              st.size === entry.stamp.size &&
              createHash('sha256')
                .update(await readFile(dest))
                .digest('hex') === entry.sha256;
            if (same) {
              entry.stamp = stampOf(st);
              plan.push({ file: dest, entry, drop: conflicts });
              continue;
            }
            if (!(await readJournal(this.dir))?.created.includes(entry.path))
              throw new YumRepositoryError(
                `${entry.path} exists in the repository but is not indexed, and it is not ${file}`,
                {
                  hint: 'it may be left from an interrupted publish or copied by hand: delete it, or take it in with `releng repo index`',
                },
              );
          }
        }
        plan.push({ file, entry, drop: conflicts });
      }

      for (const { file, entry, drop } of plan) {
        for (const d of drop) {
          this.#drop(d);
          result.replaced.push(toPackage(d));
        }
        if (path.resolve(this.dir, entry.path) !== file) {
          this.#copies.set(entry.path, { source: file, stamp: entry.stamp });
        }
        this.#put(entry);
        result.added.push(toPackage(entry));
        this.#dirty = true;
      }
      return result;
    } finally {
      this.#leave();
    }
  }

  /**
   * Stages the removal of packages given by NEVRA (`name-[epoch:]version-release.arch`),
   * location or file name; their files are deleted at publish. An unknown
   * one is an error and nothing is removed.
   */
  remove(specs: readonly string[]): YumPackage[] {
    this.#enter();
    try {
      const found: YumEntry[] = [];
      for (const spec of specs) {
        const m = this.#match(spec);
        if (m.length === 0) {
          throw new YumRepositoryError(`${spec}: no such package in ${this.dir}`, {
            hint: 'give name-version-release.arch (name-epoch:version-release.arch with an epoch), or the file name',
          });
        }
        for (const e of m) if (!found.includes(e)) found.push(e);
      }
      for (const e of found) this.#drop(e);
      if (found.length > 0) this.#dirty = true;
      return found.map(toPackage);
    } finally {
      this.#leave();
    }
  }

  /**
   * Re-reads the repository folder, like `createrepo_c --update`: .rpm files
   * added, changed (e.g. signed in place) or deleted by hand are found by
   * their stamps (size, mtime, inode), and only those are read; `full`
   * re-reads every file. Staged copies are kept.
   */
  async reindex(opts: { full?: boolean } = {}): Promise<YumScanResult> {
    this.#enter();
    try {
      const found = await listRpms(this.dir);
      return await this.#refresh(found, true, opts.full ? new Set(found) : undefined);
    } finally {
      this.#leave();
    }
  }

  /** Brings the index up to date with the files at `locations` (all known ones when not `full`). */
  async #refresh(
    locations: readonly string[],
    full: boolean,
    force: ReadonlySet<string> = new Set(),
  ): Promise<YumScanResult> {
    const result: YumScanResult = { added: [], changed: [], removed: [], unchanged: 0 };
    const toRead: string[] = [];
    // Staged copies are not on disk yet: they stay.
    const present = new Set<string>(this.#copies.keys());
    for (const loc of locations) {
      const e = this.#store.get(loc);
      if (this.#copies.has(loc)) continue;
      if (!e && !full) continue;
      // Synchronous: a stat takes microseconds, a thread-pool round trip much longer.
      const st = statIfFile(`${this.dir}${path.sep}${loc}`);
      if (!st) continue;
      present.add(loc);
      if (e && !force.has(loc) && sameStamp(e.stamp, stampOf(st))) result.unchanged++;
      else toRead.push(loc);
    }
    const fresh = await pool(toRead, this.#concurrency, (loc) =>
      this.#reader(path.join(this.dir, loc), loc),
    );
    // The new state must not hold one NEVRA twice: check before applying.
    const next = new Map<string, YumEntry>();
    for (const e of this.#store.entries()) if (present.has(e.path)) next.set(e.path, e);
    for (const e of fresh) next.set(e.path, e);
    const seen = new Map<string, YumEntry>();
    for (const e of next.values()) {
      const key = nevra(e.meta);
      const other = seen.get(key);
      if (other) {
        throw new YumRepositoryError(`${other.path} and ${e.path} are both ${key}`, {
          hint: 'delete one of the two files',
        });
      }
      seen.set(key, e);
    }
    for (const e of this.#store.entries()) {
      if (!next.has(e.path)) {
        result.removed.push(toPackage(e));
        this.#drop(e);
      }
    }
    for (const e of fresh) {
      (this.#store.has(e.path) ? result.changed : result.added).push(toPackage(e));
      const old = this.#store.get(e.path);
      if (old) this.#byNevra.delete(nevra(old.meta));
      this.#put(e);
    }
    if (result.added.length + result.changed.length + result.removed.length > 0) this.#dirty = true;
    return result;
  }

  /** @internal After opening: re-reads the packages whose stored fragments were lost. */
  async reread(paths: ReadonlySet<string>): Promise<void> {
    if (paths.size > 0) await this.#refresh([...paths], false, paths);
  }

  /**
   * Writes the metadata for the current state: new package files and
   * `repodata/<sha256>-*.xml.gz` first, then repomd.xml.asc and repomd.xml,
   * then removes the data files and packages no longer referenced. Takes
   * the signer directly (`publish(signer)`) or options.
   */
  async publish(arg: RepoSigner | YumPublishOptions = {}): Promise<YumPublishResult> {
    const opts: YumPublishOptions = 'detachSign' in arg ? { signer: arg } : arg;
    const fixedDate = opts.date ?? sourceDateEpoch(opts.env);
    this.#enter();
    const repodata = path.join(this.dir, 'repodata');
    const repomdPath = path.join(repodata, 'repomd.xml');
    const ascPath = `${repomdPath}.asc`;
    const created: string[] = [];
    let lock: Awaited<ReturnType<typeof lockRepository>> | undefined;
    try {
      await this.#checkWritable();
      lock = await lockRepository(this.dir);
      const current = await readFile(repomdPath, 'utf8').catch(() => undefined);
      if ((current === undefined ? 'none' : sha256(current)) !== this.#repomdStamp) {
        throw new YumRepositoryError(
          'the repository was changed by another process since it was opened; nothing was written',
          { hint: 'run the command again' },
        );
      }
      const signers: RepoSigner[] = opts.signers ?? (opts.signer ? [opts.signer] : []);
      const signer = signers[0];
      for (const sg of signers)
        if (sg.keyFile && this.#inside(path.resolve(sg.keyFile)) !== undefined) {
          throw new YumRepositoryError(
            `the signing key ${sg.keyFile} is inside the repository; it would be published`,
            { hint: 'keep private keys outside the repository folder' },
          );
        }
      const wasSigned = existsSync(ascPath);
      if (!signer && !opts.unsigned && wasSigned) {
        throw new YumRepositoryError(
          'this repository is signed; publishing needs the signing key',
          {
            hint: 'pass --key FILE or --gpg-key ID (or --unsigned to drop the signature)',
          },
        );
      }
      const label = `YUM repository '${this.dir}'`;
      const fprs = signers.map((x) => x.fingerprint ?? '');
      if (signers.length > 0 && fprs.includes('') && (this.#pins || opts.keyChange))
        throw new YumRepositoryError(
          'a signer without a fingerprint cannot be checked against the pinned keys',
        );
      const known = fprs.filter(Boolean);
      if (!this.#pins && wasSigned && known.length > 0 && !opts.keyChange) {
        const old = await readFile(ascPath, 'utf8').catch(() => '');
        checkLegacySigners(label, this.dir, await signatureIssuers(old), known);
      }
      const pins =
        known.length > 0 || this.#pins
          ? checkSigningKeys(label, this.dir, this.#pins, known, opts.keyChange)
          : undefined;
      const pinsChanged = JSON.stringify(pins) !== JSON.stringify(this.#pins);

      // A killed publish left a journal: repair first, and write everything again.
      const journal = await readJournal(this.dir);
      const recovered = journal
        ? recoverInterrupted(
            this.dir,
            journal,
            // Indexed, or adopted in place by add() (staged without a copy).
            (rel) => this.#committed.has(rel) || (this.#store.has(rel) && !this.#copies.has(rel)),
            ['repodata'],
            (rel) => this.#store.get(rel)?.stamp.ino,
          )
        : removeStaleTemporaries(this.dir, [STATE_DIR], false);

      // Nothing changed: write nothing (no new revision, no signature).
      if (
        !opts.force &&
        !journal &&
        this.#inSync &&
        current !== undefined &&
        !this.#dirty &&
        !this.#configChanged &&
        !pinsChanged &&
        this.#copies.size === 0 &&
        wasSigned === (signer !== undefined) &&
        opts.revision === undefined
      ) {
        const existing = this.#existing!;
        return {
          revision: existing.revision ?? '',
          repomd: repomdPath,
          signature: signer ? ascPath : undefined,
          signedBy: signer?.fingerprint,
          signers: known,
          noop: true,
          recovered,
          dataFiles: existing.hrefs,
          deleted: [],
          packages: this.#store.size,
        };
      }
      await mkdir(repodata, { recursive: true });
      await beginJournal(this.dir, {
        created: [...this.#copies.keys()].filter((loc) => !this.#committed.has(loc)),
        doomed: [...this.#committed].filter((loc) => !this.#store.has(loc)),
        replaced: [...this.#copies.keys()].filter((loc) => this.#committed.has(loc)),
        dirs: [...new Set([...this.#copies.keys()].map((r) => path.posix.dirname(r)))],
      });
      faultPoint('yum-journal');

      // 1. Package files from outside: new names are linked in (never over an
      //    unknown file); replacements wait for the switch under a temporary name.
      const renames: Array<[string, string]> = [];
      for (const [loc, c] of this.#copies) {
        const st = await stat(c.source).catch(() => undefined);
        if (!st || !sameStamp(stampOf(st), c.stamp)) {
          throw new YumRepositoryError(`${c.source} changed or disappeared after it was added`, {
            hint: 'add it again',
          });
        }
        const dest = path.join(this.dir, loc);
        await mkdir(path.dirname(dest), { recursive: true });
        const tmp = tmpSibling(dest, 'releng-tmp');
        await copyFile(c.source, tmp);
        created.push(tmp);
        faultPoint('yum-pool-copied');
        // Keep the source's mtime: primary.xml's <time file> was taken from it.
        await utimes(tmp, st.atime, st.mtime);
        this.#store.get(loc)!.stamp = stampOf(await stat(tmp));
        if (this.#committed.has(loc)) {
          renames.push([tmp, dest]);
        } else {
          await link(tmp, dest).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'EEXIST') {
              throw new YumRepositoryError(`${loc} exists in the repository but is not indexed`, {
                hint: 'reindex the repository (releng repo index) to take it in, or delete it',
              });
            }
            throw err;
          });
          created.push(dest);
          faultPoint('yum-pool-linked');
          await unlink(tmp);
          created.splice(created.indexOf(tmp), 1);
        }
      }

      // 2. Data files (gzip runs in the thread pool while the index is serialised).
      const entries = this.#store.entries().sort(compareEntries);
      const previous = this.#existing?.revision;
      const now = Math.floor((fixedDate?.getTime() ?? Date.now()) / 1000);
      const revision =
        opts.revision !== undefined
          ? String(opts.revision)
          : String(previous && /^\d+$/.test(previous) ? Math.max(now, Number(previous) + 1) : now);
      if (!/^[\w.:+-]+$/.test(revision)) {
        throw new YumRepositoryError(
          `revision '${revision}' must be a word (digits, letters, .:+-)`,
        );
      }
      const timestamp = opts.timestamp ?? (/^\d+$/.test(revision) ? Number(revision) : now);
      const level = this.#config.compressionLevel;
      const rendering = Promise.all(
        DATA_TYPES.map((t) => renderData(t, entries, level, this.#blocks)),
      );
      const saved = serializeIndex(entries);
      const files: DataFile[] = await rendering;
      const oldHrefs = new Set(this.#existing?.hrefs ?? []);
      for (const f of files) {
        const dest = path.join(this.dir, f.href);
        if (oldHrefs.has(f.href) && existsSync(dest)) continue; // content-addressed: already there
        const tmp = tmpSibling(dest, 'releng-tmp');
        await writeNew(tmp, f.data);
        created.push(tmp);
        await rename(tmp, dest);
        created.splice(created.indexOf(tmp), 1, dest);
        faultPoint('yum-data-written');
      }

      // 3. repomd.xml and its signature, aside.
      const foreign = this.#existing?.foreign ?? [];
      const repomd = repomdXml(revision, timestamp, files, foreign);
      const repomdTmp = tmpSibling(repomdPath, 'releng-tmp');
      await writeNew(repomdTmp, repomd);
      created.push(repomdTmp);
      let ascTmp: string | undefined;
      if (signer) {
        const text = await detachSignAll(
          signers as Signer[],
          Buffer.from(repomd, 'utf8'),
          fixedDate ? { date: fixedDate, deterministic: true } : {},
        );
        if (!text.includes('-----BEGIN PGP SIGNATURE-----')) {
          throw new YumRepositoryError('the signer did not return an armored signature');
        }
        ascTmp = tmpSibling(ascPath, 'releng-tmp');
        await writeNew(ascTmp, text);
        created.push(ascTmp);
      }

      // 4. State, before the switch. The repomd.xml about to be published is
      //    recorded first: if the switch does not happen (a crash), the next
      //    open sees a different repomd.xml and re-checks every file.
      if (this.#configChanged || pinsChanged || !(await readRepoConfig(this.dir))) {
        await writeRepoConfig(this.dir, {
          type: 'yum',
          format: 1,
          ...this.#config,
          ...(pins ? { signingKeys: pins } : {}),
        });
      }
      faultPoint('yum-config-saved');
      // Data files of earlier publications stay for clients holding an older repomd.xml.
      const hrefs = files.map((f) => f.href);
      const before = await readPublishedYum(this.dir);
      const priorGenerations =
        before?.generations ?? (this.#existing ? [this.#existing.hrefs] : []);
      const generations = (
        priorGenerations[0]?.join('\n') === hrefs.join('\n')
          ? priorGenerations
          : [hrefs, ...priorGenerations]
      ).slice(0, this.#config.keepOldMetadata + 1);
      await writeFileAtomic(
        statePath(this.dir, PUBLISHED),
        `${JSON.stringify({ format: 1, repomd: sha256(repomd), generations })}\n`,
      );
      faultPoint('yum-state-saved');
      this.#blocks.save();
      const fragDir = statePath(this.dir, FRAGMENTS_DIR);
      await mkdir(fragDir, { recursive: true });
      await writeFileAtomic(path.join(fragDir, `${saved.id}.xml`), saved.fragments);
      await writeFileAtomic(statePath(this.dir, `${INDEX_NAME}.json`), saved.index);
      faultPoint('yum-index-saved');

      // 5. The switch: replaced packages, the signature, then repomd.xml.
      for (const [from, to] of renames) {
        await rename(from, to);
        created.splice(created.indexOf(from), 1);
      }
      if (ascTmp) await rename(ascTmp, ascPath);
      else await rm(ascPath, { force: true });
      await rename(repomdTmp, repomdPath);
      created.length = 0;
      faultPoint('yum-switched');

      // 6. Clean-up: data files and packages no longer referenced.
      const keep = new Set([...generations.flat(), ...foreign.map((f) => f.href)]);
      const stale = [...new Set([...oldHrefs, ...priorGenerations.flat()])].filter(
        (h) => !keep.has(h) && !h.includes('..'),
      );
      const deleted = [...this.#committed].filter((loc) => !this.#store.has(loc));
      await Promise.all(
        [...stale, ...deleted].map((rel) =>
          unlink(path.join(this.dir, rel)).catch(() => undefined),
        ),
      );
      this.#blocks.prune();
      await pruneFragments(statePath(this.dir, FRAGMENTS_DIR), saved.id);
      this.#repomdStamp = sha256(repomd);
      this.#existing = parseRepomd(repomd);
      this.#committed = new Set(entries.map((e) => e.path));
      await endJournal(this.dir);
      this.#copies.clear();
      this.#dirty = false;
      this.#configChanged = false;
      this.#pins = pins;
      this.#inSync = true;
      return {
        revision,
        repomd: repomdPath,
        signature: ascTmp ? ascPath : undefined,
        signedBy: signer?.fingerprint,
        signers: known,
        noop: false,
        recovered,
        dataFiles: files.map((f) => f.href),
        deleted,
        packages: entries.length,
      };
    } catch (err) {
      await Promise.all(created.map((f) => rm(f, { force: true }).catch(() => undefined)));
      if (lock) await endJournal(this.dir).catch(() => undefined);
      if (err instanceof RelengError) throw err;
      throw asWriteError(err, this.dir);
    } finally {
      await lock?.release().catch(() => undefined);
      this.#leave();
    }
  }

  async #checkWritable(): Promise<void> {
    for (const d of [this.dir, path.join(this.dir, STATE_DIR), path.join(this.dir, 'repodata')]) {
      try {
        await access(d, constants.W_OK);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw asWriteError(err, this.dir);
      }
    }
  }
}

/** Where each entry's XML fragments are in the fragments file: `[file id, offset, lengths…]`. */
type FragmentRef = [string, number, number, number, number];

/**
 * The index as saved: `yum-index.json` (the shared IndexStore format, with
 * each entry's XML fragments replaced by a {@link FragmentRef}) and the
 * fragments themselves, concatenated in one text file. Parsing a few MB of
 * JSON-escaped XML would cost more than the rest of adding a package.
 */
function serializeIndex(entries: readonly YumEntry[]): {
  id: string;
  index: string;
  fragments: string;
} {
  const id = `${RENDER_VERSION}-${randomBytes(6).toString('hex')}`;
  const chunks: string[] = [];
  let off = 0;
  const stored = entries.map((e) => {
    const m = e.meta;
    chunks.push(m.primary, m.filelists, m.other);
    const frag: FragmentRef = [id, off, m.primary.length, m.filelists.length, m.other.length];
    off += m.primary.length + m.filelists.length + m.other.length;
    return {
      path: e.path,
      stamp: e.stamp,
      sha256: e.sha256,
      meta: {
        name: m.name,
        epoch: m.epoch,
        version: m.version,
        release: m.release,
        arch: m.arch,
        frag,
      },
    };
  });
  return { id, index: JSON.stringify({ format: 1, entries: stored }), fragments: chunks.join('') };
}

/**
 * Puts the XML fragments back into entries loaded from `yum-index.json`;
 * returns the paths of entries whose fragments are missing (re-read them).
 */
async function hydrate(root: string, store: IndexStore<YumMeta>): Promise<Set<string>> {
  const missing = new Set<string>();
  const texts = new Map<string, string | undefined>();
  for (const e of store.entries()) {
    const m = e.meta as YumMeta & { frag?: FragmentRef };
    const f = m.frag;
    delete m.frag;
    if (typeof m.primary === 'string') continue;
    const id = Array.isArray(f) && typeof f[0] === 'string' ? f[0] : undefined;
    if (!id?.startsWith(`${RENDER_VERSION}-`) || !/^[\w-]+$/.test(id)) {
      missing.add(e.path);
      continue;
    }
    if (!texts.has(id)) {
      texts.set(
        id,
        await readFile(path.join(statePath(root, FRAGMENTS_DIR), `${id}.xml`), 'utf8').catch(
          () => undefined,
        ),
      );
    }
    const text = texts.get(id);
    const [, off, pl, fl, ol] = f!;
    if (text === undefined || off + pl + fl + ol > text.length) {
      missing.add(e.path);
      continue;
    }
    m.primary = text.slice(off, off + pl);
    m.filelists = text.slice(off + pl, off + pl + fl);
    m.other = text.slice(off + pl + fl, off + pl + fl + ol);
  }
  return missing;
}

/** Deletes fragment files other than the current one. */
async function pruneFragments(dir: string, keep: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n !== `${keep}.xml`)
      .map((n) => unlink(path.join(dir, n)).catch(() => undefined)),
  );
}

/** Every `*.rpm` under `dir` (relative, `/`-separated), skipping repodata/ and hidden folders. */
async function listRpms(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    const subdirs: string[] = [];
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name.startsWith('.') || (!rel && e.name === 'repodata')) continue;
        subdirs.push(r);
      } else if (
        (e.isFile() || e.isSymbolicLink()) &&
        e.name.endsWith('.rpm') &&
        !e.name.startsWith('.')
      ) {
        out.push(r);
      }
    }
    await Promise.all(subdirs.map(walk));
  };
  await walk('');
  return out.sort();
}

function resolveConfig(c: YumRepositoryConfig): Required<YumRepositoryConfig> {
  const packagesDir = (c.packagesDir ?? 'Packages').replace(/^\/+|\/+$/g, '');
  if (packagesDir.split('/').some((p) => p === '..' || p === '.' || p.startsWith('.'))) {
    throw new YumRepositoryError(`packagesDir '${c.packagesDir}' must be a plain relative folder`);
  }
  if (packagesDir.split('/')[0] === 'repodata') {
    throw new YumRepositoryError('packagesDir cannot be inside repodata/');
  }
  const level = c.compressionLevel ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new YumRepositoryError(`compressionLevel must be 1–9, not ${c.compressionLevel}`);
  }
  const keep = c.keepOldMetadata ?? 3;
  if (!Number.isInteger(keep) || keep < 0 || keep > 100) {
    throw new YumRepositoryError(`keepOldMetadata must be 0–100, not ${c.keepOldMetadata}`);
  }
  return { packagesDir, compressionLevel: level, keepOldMetadata: keep };
}

/** `.releng-repo/yum-published.json`. */
async function readPublishedYum(
  root: string,
): Promise<{ repomd?: string; generations?: string[][] } | undefined> {
  try {
    return JSON.parse(await readFile(statePath(root, PUBLISHED), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Opens the YUM repository in `dir`, creating it when the folder holds none
 * (the folder itself may already hold .rpm files: they are indexed, like
 * `createrepo_c DIR`). Settings given for an existing repository change it
 * at the next publish. An existing index is trusted without reading or
 * stat-ing the packages (see {@link YumRepository.reindex}); without one
 * (first use, or a repository made by another tool) every .rpm under `dir`
 * is read.
 */
export async function yumRepository(
  dir: string,
  config: YumRepositoryConfig = {},
  opts: YumRepositoryOptions = {},
): Promise<YumRepository> {
  const { root, existing } = await openRepoDir(
    dir,
    'yum',
    opts.create !== false,
    (message, hint) => new YumRepositoryError(message, hint ? { hint } : {}),
  );
  const stored = existing ? configFromFile(existing) : {};
  const resolved = resolveConfig({ ...stored, ...definedOnly(config) });
  const changed = !existing || JSON.stringify(resolveConfig(stored)) !== JSON.stringify(resolved);
  const indexFile = statePath(root, `${INDEX_NAME}.json`);
  const hasIndex = existsSync(indexFile);
  const store = await IndexStore.open<YumMeta>(root, INDEX_NAME);
  const repomd = await readFile(path.join(root, 'repodata', 'repomd.xml'), 'utf8').catch(
    () => undefined,
  );
  const lost = await hydrate(root, store);
  const repo = new YumRepository(root, resolved, changed, store, repomd, opts);
  // The index is trusted when it describes the repomd.xml that is published;
  // otherwise (an interrupted publish, another tool) every file is checked.
  const published = await readFile(statePath(root, PUBLISHED), 'utf8')
    .then((t) => (JSON.parse(t) as { repomd?: string }).repomd)
    .catch(() => undefined);
  const current = repomd === undefined ? undefined : sha256(repomd);
  const inSync = hasIndex && (current === undefined || published === current);
  if (inSync) await repo.reread(lost);
  else await repo.reindex();
  repo.restoreState(pinnedKeys(existing), inSync && current !== undefined);
  return repo;
}

function configFromFile(f: RepoConfigFile): YumRepositoryConfig {
  const out: YumRepositoryConfig = {};
  if (typeof f.packagesDir === 'string') out.packagesDir = f.packagesDir;
  if (typeof f.compressionLevel === 'number') out.compressionLevel = f.compressionLevel;
  if (typeof f.keepOldMetadata === 'number') out.keepOldMetadata = f.keepOldMetadata;
  return out;
}

/** Options of {@link updateYumRepository}. */
export interface UpdateYumOptions extends YumRepositoryConfig, YumPublishOptions {
  add?: readonly string[];
  remove?: readonly string[];
  replace?: boolean;
  /** Re-read the folder for packages copied in, changed or deleted by hand (`'full'`: every file). */
  reindex?: boolean | 'full';
}

/** Opens, changes and publishes a repository in one call (what `releng repo … --type yum` needs). */
export async function updateYumRepository(
  dir: string,
  opts: UpdateYumOptions = {},
): Promise<
  YumPublishResult & { added: YumPackage[]; replaced: YumPackage[]; removed: YumPackage[] }
> {
  const repo = await yumRepository(dir, {
    packagesDir: opts.packagesDir,
    compressionLevel: opts.compressionLevel,
    keepOldMetadata: opts.keepOldMetadata,
  });
  if (opts.reindex) await repo.reindex({ full: opts.reindex === 'full' });
  const removed = opts.remove?.length ? repo.remove(opts.remove) : [];
  const add = opts.add?.length
    ? await repo.add(opts.add, { replace: opts.replace })
    : { added: [], replaced: [], unchanged: [] };
  const published = await repo.publish({
    signer: opts.signer,
    signers: opts.signers,
    keyChange: opts.keyChange,
    force: opts.force,
    unsigned: opts.unsigned,
    date: opts.date,
    env: opts.env,
    revision: opts.revision,
    timestamp: opts.timestamp,
  });
  return { ...published, added: add.added, replaced: add.replaced, removed };
}
