/**
 * The git site type (`git+<remote>` or a site ending in `.git`).
 *
 * Each package keeps a bare mirror in `cache/<pkg>`: branches under
 * `refs/heads/*`, tags under `refs/tags/*`, extra GIT_REFSPECS under their own
 * names. The fetch stage contacts the remote only when the wanted revision
 * (tag, branch or commit) is not in the mirror yet, so once fetched, builds
 * work offline. A branch or tag already in the mirror is not refreshed on its
 * own: the `fetch` action (`releng fetch`), `--force` (`<pkg>-fetch -F`) or `punch`
 * fetches it again, and a tag that moved on the remote moves in the mirror.
 *
 * As releng-tool, a new mirror is shallow: history is fetched `--depth 1`
 * (GIT_DEPTH sets another depth, 0 the whole history, as does the quirk
 * `releng.git.no_depth`), and deepened to the whole history when the wanted
 * commit is not among what was fetched. A mirror that already holds the whole
 * history stays whole. A commit that no branch or tag reaches is found only
 * through GIT_REFSPECS naming the refs that do (as releng-tool).
 *
 * GIT_CONFIG entries are written into the mirror's config (as releng-tool
 * does, so git run by hand in the cache sees them) and passed as `-c` to every
 * command; an entry that looks like a secret (a password, token or extra
 * header, or a value holding URL credentials) is never written and reaches git
 * through its environment (GIT_CONFIG_COUNT), so no log or command line shows it.
 *
 * Safety: a new mirror is created and fetched under a temporary name and
 * renamed into place only when the fetch succeeded; later fetches use
 * `git fetch --atomic`, so an interrupted fetch never moves a ref. A cache
 * directory git does not recognise is removed and created again.
 *
 * Submodules (GIT_SUBMODULES) get their own bare mirrors, keyed by URL, inside
 * `cache/<pkg>/releng-modules/`, fetched at the commit the superproject
 * records, recursively. The extract stage checks the exact commit out into the
 * build directory (modes and symlinks kept, no `.git`), then each submodule
 * into its path.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { hasCredentials, maskCredentials } from '../util/redact.ts';
import { partialPath, removeStalePartials } from './download.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import { fetchOptions } from './vcs-archive.ts';

const MODULES_DIR = 'releng-modules';

/** The package's GIT_CONFIG entries. */
function configEntries(ctx: SiteContext): Array<[string, string]> {
  const config = ctx.pkg.options.gitConfig;
  if (!config || typeof config !== 'object') return [];
  return Object.entries(config as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, String(v)]);
}

/** `-c key=value` for every git command of the package (GIT_CONFIG, secrets excepted). */
function configArgs(ctx: SiteContext): string[] {
  return configEntries(ctx)
    .filter(([k, v]) => !secretConfigEntry(k, v))
    .flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

/**
 * Secret-looking GIT_CONFIG entries, given to git through its environment
 * (GIT_CONFIG_COUNT, git >= 2.31) so they are on no command line and in no log.
 */
function configEnv(ctx: SiteContext): Record<string, string> {
  const secret = configEntries(ctx).filter(([k, v]) => secretConfigEntry(k, v));
  if (secret.length === 0) return {};
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(secret.length) };
  secret.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

/** GIT_CONFIG entries that could hold a secret stay out of files under cache/. */
function secretConfigEntry(key: string, value: string): boolean {
  return /password|token|secret|credential|extraheader|cookie/i.test(key) || hasCredentials(value);
}

/** Writes the package's GIT_CONFIG into the mirror's config (secret-looking entries excepted). */
async function syncConfig(ctx: SiteContext, gitDir: string): Promise<void> {
  for (const [key, value] of configEntries(ctx)) {
    if (secretConfigEntry(key, value)) continue;
    try {
      await git(ctx, gitDir, ['config', key, value]);
    } catch (err) {
      throw new RelengError(
        `cannot apply git configuration "${key}" of package "${ctx.pkg.name}"`,
        {
          pkg: ctx.pkg.name,
          file: ctx.pkg.definitionFile,
          hint: `check the GIT_CONFIG key and value (git config failed: ${(err as Error).message})`,
        },
      );
    }
  }
}

/** Environment that keeps the user's GIT_DIR and friends out of our commands. */
const GIT_ENV: Record<string, string | undefined> = {
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
  GIT_OBJECT_DIRECTORY: undefined,
  GIT_ALTERNATE_OBJECT_DIRECTORIES: undefined,
  GIT_NAMESPACE: undefined,
};

function git(
  ctx: SiteContext,
  gitDir: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<void> {
  return ctx.exec('git', [...configArgs(ctx), `--git-dir=${gitDir}`, ...args], {
    env: { ...GIT_ENV, ...configEnv(ctx), ...env },
  });
}

async function gitOut(ctx: SiteContext, gitDir: string, args: readonly string[]): Promise<string> {
  return (
    await ctx.capture('git', [...configArgs(ctx), `--git-dir=${gitDir}`, ...args], {
      env: { ...GIT_ENV, ...configEnv(ctx) },
    })
  ).trim();
}

/** Output of a git command that may fail (undefined then); a missing git is still an error. */
async function gitTry(
  ctx: SiteContext,
  gitDir: string,
  args: readonly string[],
): Promise<string | undefined> {
  try {
    return await gitOut(ctx, gitDir, args);
  } catch (err) {
    if (/command not found/.test((err as Error).message)) throw err;
    return undefined;
  }
}

/** The commit a revision names in a repository, if it is there. */
function resolveCommit(ctx: SiteContext, gitDir: string, rev: string): Promise<string | undefined> {
  return gitTry(ctx, gitDir, ['rev-parse', '--quiet', '--verify', `${rev}^{commit}`]).then(
    (out) => out || undefined,
  );
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** The remote of a git site: without `git+`, a relative local path made absolute. */
export function gitRemote(ctx: SiteContext): string {
  let site = ctx.pkg.site?.trim();
  if (!site) {
    throw new RelengError(`package "${ctx.pkg.name}" has site type "git" but no site`, {
      pkg: ctx.pkg.name,
      file: ctx.pkg.definitionFile,
    });
  }
  if (site.startsWith('git+')) site = site.slice(4);
  return isLocalPath(site) && !isAbsolute(site) ? resolve(ctx.project.root, site) : site;
}

/** Not a URL (`scheme://`) and not scp-like (`host:path`, `user@host:path`). */
function isLocalPath(remote: string): boolean {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(remote)) return false;
  const colon = remote.indexOf(':');
  const slash = remote.indexOf('/');
  return colon < 0 || (slash >= 0 && slash < colon);
}

/** A submodule URL: relative ones (`./x`, `../x`) are relative to the superproject's remote. */
export function submoduleUrl(parent: string, url: string): string {
  if (!url.startsWith('./') && !url.startsWith('../')) return url;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*)(.*)$/.exec(parent);
  if (scheme) return `${scheme[1]}${posix.join(scheme[2] || '/', url)}`;
  const scp = /^([^/:]+:)(.*)$/.exec(parent);
  if (scp && !isLocalPath(parent)) return `${scp[1]}${posix.join(scp[2] ?? '', url)}`;
  return posix.join(parent, url);
}

interface Submodule {
  name: string;
  path: string;
  url: string;
}

/** The submodules `.gitmodules` declares at a commit. */
async function submodulesAt(
  ctx: SiteContext,
  gitDir: string,
  commit: string,
): Promise<Submodule[]> {
  const listed = await gitOut(ctx, gitDir, ['ls-tree', '--name-only', commit, '--', '.gitmodules']);
  if (!listed) return [];
  const raw = await gitOut(ctx, gitDir, [
    'config',
    '--blob',
    `${commit}:.gitmodules`,
    '--null',
    '--list',
  ]);
  const byName = new Map<string, Partial<Submodule>>();
  for (const entry of raw.split('\0')) {
    const nl = entry.indexOf('\n');
    if (nl < 0) continue;
    const key = entry.slice(0, nl);
    const value = entry.slice(nl + 1);
    const m = /^submodule\.(.+)\.(path|url)$/.exec(key);
    if (!m) continue;
    const name = m[1]!;
    const mod = byName.get(name) ?? { name };
    mod[m[2] as 'path' | 'url'] = value;
    byName.set(name, mod);
  }
  return [...byName.values()].filter((m): m is Submodule => !!m.path && !!m.url);
}

/** The commit a submodule path records at a superproject commit (a gitlink), if any. */
async function gitlink(
  ctx: SiteContext,
  gitDir: string,
  commit: string,
  path: string,
): Promise<string | undefined> {
  const out = await gitOut(ctx, gitDir, ['ls-tree', '-z', commit, '--', path]);
  const m = /^160000 commit ([0-9a-f]+)\t/.exec(out);
  return m?.[1];
}

/** Where a submodule's mirror lives: one per URL, shared by every level. */
function moduleCache(ctx: SiteContext, url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const name = basename(url.replace(/\/+$/, ''))
    .replace(/\.git$/, '')
    .replace(/[^\w.-]/g, '_');
  return join(ctx.paths.cacheDir, MODULES_DIR, `${name || 'module'}-${hash}`);
}

/**
 * Makes sure `gitDir` is a mirror of `remote` holding `rev`, fetching only
 * when it does not (or, for a branch, with `refresh`).
 */
async function ensureRevision(
  ctx: SiteContext,
  gitDir: string,
  remote: string,
  rev: string,
  refresh: boolean | 'branch',
): Promise<string> {
  await removeStalePartials(gitDir);
  if (await isDir(gitDir)) {
    const valid = await gitTry(ctx, gitDir, ['rev-parse', '--git-dir']);
    if (valid === undefined) {
      ctx.log.write(`${gitDir} is not a usable git repository (interrupted?); creating it again\n`);
      await rm(gitDir, { recursive: true, force: true });
    }
  }
  if (await isDir(gitDir)) {
    await syncConfig(ctx, gitDir);
    const have = await resolveCommit(ctx, gitDir, rev);
    if (have) {
      // A commit id cannot change; a branch or tag can (a tag moved on the remote).
      let ref = refresh ? await namedRef(ctx, gitDir, rev) : undefined;
      if (refresh === 'branch' && !ref?.startsWith('refs/heads/')) ref = undefined;
      if (!ref) {
        ctx.log.write(`revision ${rev} (${have.slice(0, 12)}) is in the cache\n`);
        return have;
      }
      ctx.log.write(
        `refreshing ${ref} (${refresh === true && ctx.options.force ? 'fetch action or --force' : 'development mode ignores the cache'})\n`,
      );
    }
    return fetchRevision(ctx, gitDir, remote, rev);
  }
  // A new mirror: built under a temporary name, renamed once complete.
  const tmp = partialPath(gitDir);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(dirname(gitDir), { recursive: true });
  await git(ctx, tmp, ['init', '--bare', '--quiet']);
  await git(ctx, tmp, ['config', 'gc.auto', '0']);
  try {
    await syncConfig(ctx, tmp);
    await fetchRevision(ctx, tmp, remote, rev);
    await rename(tmp, gitDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return (await resolveCommit(ctx, gitDir, rev))!;
}

/** The branch or tag `rev` names in the mirror, if it names one. */
async function namedRef(
  ctx: SiteContext,
  gitDir: string,
  rev: string,
): Promise<string | undefined> {
  for (const ref of [`refs/heads/${rev}`, `refs/tags/${rev}`]) {
    if ((await gitTry(ctx, gitDir, ['show-ref', '--verify', '--quiet', ref])) !== undefined) {
      return ref;
    }
  }
  return undefined;
}

/**
 * `--depth N` for a fetch: 1 unless GIT_DEPTH says otherwise (0: the whole
 * history) or the quirk `releng.git.no_depth` is on; none into a mirror that
 * already holds the whole history (it stays whole).
 */
async function depthArgs(ctx: SiteContext, gitDir: string): Promise<string[]> {
  const configured = ctx.pkg.options.gitDepth;
  const depth = typeof configured === 'number' ? configured : 1;
  if (depth <= 0 || ctx.options.quirks?.includes('releng.git.no_depth')) return [];
  const populated =
    (await gitTry(ctx, gitDir, ['for-each-ref', '--count=1', '--format=%(refname)'])) ?? '';
  if (populated !== '' && !(await isShallow(gitDir))) return [];
  return ['--depth', String(depth)];
}

/** Fetches branches, tags and GIT_REFSPECS of `remote` into a mirror, then checks `rev` is there. */
async function fetchRevision(
  ctx: SiteContext,
  gitDir: string,
  remote: string,
  rev: string,
): Promise<string> {
  ctx.log.write(`fetching ${remote} into ${gitDir}\n`);
  // A remote with credentials is fetched by URL and recorded masked: the
  // mirror's config under cache/ never holds the password.
  const secret = hasCredentials(remote);
  await git(ctx, gitDir, ['config', 'remote.origin.url', maskCredentials(remote)]);
  const origin = secret ? remote : 'origin';
  const refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
  const extra = ctx.pkg.options.gitRefspecs;
  for (const spec of Array.isArray(extra) ? extra : typeof extra === 'string' ? [extra] : []) {
    const s = String(spec);
    if (s.includes(':')) refspecs.push(s);
    else {
      const ref = s.replace(/^\+/, '').replace(/^refs\//, '');
      refspecs.push(`+refs/${ref}:refs/${ref}`);
    }
  }
  const depth = await depthArgs(ctx, gitDir);
  const base = ['fetch', '--atomic', '--prune', '--no-write-fetch-head', ...fetchOptions(ctx)];
  try {
    try {
      await git(ctx, gitDir, [...base, ...depth, origin, ...refspecs]);
    } catch (err) {
      // Not every remote can serve a shallow history (git's dumb HTTP
      // transport cannot): then the whole history, as before depths existed.
      if (depth.length === 0) throw err;
      ctx.log.write('the shallow fetch failed; fetching the full history\n');
      await git(ctx, gitDir, [...base, origin, ...refspecs]);
    }
  } catch (err) {
    throw new RelengError(`cannot fetch ${remote} for package "${ctx.pkg.name}"`, {
      pkg: ctx.pkg.name,
      file: ctx.pkg.definitionFile,
      exitCode: (err as RelengError).details?.exitCode,
      hint: `check the site and your access to it (git fetch failed: ${(err as Error).message})`,
    });
  }
  let commit = await resolveCommit(ctx, gitDir, rev);
  if (!commit && (await isShallow(gitDir))) {
    ctx.log.write(`revision ${rev} is beyond the fetched depth; fetching the full history\n`);
    await git(ctx, gitDir, [...base, '--unshallow', origin, ...refspecs]);
    commit = await resolveCommit(ctx, gitDir, rev);
  }
  if (!commit) {
    // As releng-tool, a commit is not fetched by its id: only what the
    // branches, tags and GIT_REFSPECS reach is looked at.
    const id = /^[0-9a-f]{7,40}$/i.test(rev);
    throw new RelengError(`revision "${rev}" of package "${ctx.pkg.name}" is not in ${remote}`, {
      pkg: ctx.pkg.name,
      file: ctx.pkg.definitionFile,
      hint: id
        ? 'check the commit; if no branch or tag reaches it, name the refs that do in GIT_REFSPECS (gitRefspecs), e.g. pull/*'
        : 'check the package revision (a tag, branch or commit of the repository)',
    });
  }
  return commit;
}

async function isShallow(gitDir: string): Promise<boolean> {
  return (await stat(join(gitDir, 'shallow')).catch(() => undefined)) !== undefined;
}

/** GIT_VERIFY_REVISION: the tag's (or else the commit's) signature must be valid. */
async function verifyRevision(
  ctx: SiteContext,
  gitDir: string,
  rev: string,
  commit: string,
): Promise<void> {
  const isTag =
    (await gitTry(ctx, gitDir, ['rev-parse', '--quiet', '--verify', `refs/tags/${rev}^{tag}`])) !==
    undefined;
  try {
    if (isTag) await git(ctx, gitDir, ['verify-tag', rev]);
    else await git(ctx, gitDir, ['verify-commit', commit]);
  } catch {
    throw new RelengError(
      `the ${isTag ? `tag "${rev}"` : `commit ${commit.slice(0, 12)}`} of package "${ctx.pkg.name}" has no valid signature`,
      {
        pkg: ctx.pkg.name,
        file: ctx.pkg.definitionFile,
        hint: "import the signer's public key into gpg (gpg --import), or unset gitVerifyRevision",
      },
    );
  }
}

/** Fetches the submodules a commit records, recursively; `seen` stops cycles. */
async function fetchSubmodules(
  ctx: SiteContext,
  gitDir: string,
  commit: string,
  remote: string,
  refresh: boolean,
  seen: Set<string>,
): Promise<void> {
  for (const mod of await submodulesAt(ctx, gitDir, commit)) {
    const sha = await gitlink(ctx, gitDir, commit, mod.path);
    if (!sha) {
      ctx.log.write(`submodule ${mod.path}: not recorded at ${commit.slice(0, 12)}; skipped\n`);
      continue;
    }
    const key = `${mod.url}@${sha}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const url = submoduleUrl(remote, mod.url);
    const dir = moduleCache(ctx, url);
    ctx.log.write(`submodule ${mod.path}: ${url} at ${sha.slice(0, 12)}\n`);
    await ensureRevision(ctx, dir, url, sha, refresh);
    await fetchSubmodules(ctx, dir, sha, url, refresh, seen);
  }
}

/** git's empty tree object. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Writes the tree of `commit` into `dest`: file modes and symlinks kept, no `.git`. */
async function checkout(
  ctx: SiteContext,
  gitDir: string,
  commit: string,
  dest: string,
): Promise<void> {
  await mkdir(dest, { recursive: true });
  // A commit with an empty tree (releng-tool's tests use them) has nothing to
  // write, and `checkout -- .` would fail on it.
  if ((await gitOut(ctx, gitDir, ['rev-parse', `${commit}^{tree}`])) === EMPTY_TREE) return;
  const tmp = await mkdtemp(join(tmpdir(), 'releng-git-'));
  try {
    await git(ctx, gitDir, [`--work-tree=${dest}`, 'checkout', '--force', commit, '--', '.'], {
      GIT_INDEX_FILE: join(tmp, 'index'),
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function checkoutSubmodules(
  ctx: SiteContext,
  gitDir: string,
  commit: string,
  remote: string,
  dest: string,
): Promise<void> {
  for (const mod of await submodulesAt(ctx, gitDir, commit)) {
    const sha = await gitlink(ctx, gitDir, commit, mod.path);
    if (!sha) continue;
    const url = submoduleUrl(remote, mod.url);
    const dir = moduleCache(ctx, url);
    const target = resolve(dest, mod.path);
    if (!target.startsWith(`${dest}/`)) {
      throw new RelengError(`submodule path "${mod.path}" leaves the build directory`, {
        pkg: ctx.pkg.name,
      });
    }
    if (!(await resolveCommit(ctx, dir, sha))) {
      throw new RelengError(
        `submodule ${mod.path} of package "${ctx.pkg.name}" is not in the cache (commit ${sha.slice(0, 12)})`,
        { pkg: ctx.pkg.name, hint: `run "releng ${ctx.pkg.name}-fetch --force"` },
      );
    }
    await checkout(ctx, dir, sha, target);
    await checkoutSubmodules(ctx, dir, sha, url, target);
  }
}

/**
 * Whether a named revision in the mirror is fetched again: always for the
 * fetch action or --force; in a releng-tool project's development mode as
 * releng-tool does, after DEVMODE_IGNORE_CACHE (else the project's
 * default_devmode_ignore_cache, unless the quirk
 * releng.disable_devmode_ignore_cache): True every branch and tag, False
 * none, unset the branches.
 */
function refreshing(ctx: SiteContext): boolean | 'branch' {
  if (ctx.options.force) return true;
  if (!ctx.options.devmode || ctx.project.format !== 'releng-tool') return false;
  let ignore = (ctx.pkg.options.relengTool as Record<string, unknown> | undefined)
    ?.DEVMODE_IGNORE_CACHE;
  if (
    ignore === undefined &&
    !(ctx.options.quirks ?? []).includes('releng.disable_devmode_ignore_cache')
  )
    ignore = ctx.project.options.defaultDevmodeIgnoreCache;
  if (ignore === true) return true;
  if (ignore === false) return false;
  return 'branch';
}

function requireRevision(ctx: SiteContext): string {
  const rev = ctx.pkg.revision?.trim();
  if (!rev) {
    throw new RelengError(`package "${ctx.pkg.name}" has a git site but no revision or version`, {
      pkg: ctx.pkg.name,
      file: ctx.pkg.definitionFile,
      hint: 'set revision (a tag, branch or commit) or version',
    });
  }
  return rev;
}

export const gitSite: SiteOperations = {
  async fetch(ctx) {
    const remote = gitRemote(ctx);
    const rev = requireRevision(ctx);
    const gitDir = ctx.paths.cacheDir;
    const commit = await ensureRevision(ctx, gitDir, remote, rev, refreshing(ctx));
    if (ctx.pkg.options.gitVerifyRevision === true) await verifyRevision(ctx, gitDir, rev, commit);
    if (ctx.pkg.options.gitSubmodules === true) {
      await fetchSubmodules(ctx, gitDir, commit, remote, ctx.options.force, new Set());
    }
  },
  async extract(ctx) {
    const remote = gitRemote(ctx);
    const rev = requireRevision(ctx);
    const gitDir = ctx.paths.cacheDir;
    const commit = (await isDir(gitDir)) ? await resolveCommit(ctx, gitDir, rev) : undefined;
    if (!commit) {
      throw new RelengError(`revision "${rev}" of package "${ctx.pkg.name}" is not in the cache`, {
        pkg: ctx.pkg.name,
        hint: `run "releng ${ctx.pkg.name}-fetch" first`,
      });
    }
    const dest = ctx.paths.buildBaseDir;
    await checkout(ctx, gitDir, commit, dest);
    // as releng-tool: the cache's HEAD is the revision last extracted
    await git(ctx, gitDir, ['update-ref', '--no-deref', 'HEAD', commit]);
    if (ctx.pkg.options.gitSubmodules === true) {
      await checkoutSubmodules(ctx, gitDir, commit, remote, dest);
    }
  },
};
