/**
 * The `bwrap-overlay` root backend: bases made by mmdebstrap (`--variant=buildd`
 * plus the spec's packages, APT lists kept so build dependencies resolve
 * offline), stored content-addressed in the cache; each command gets a
 * fresh overlayfs upper folder over the read-only base inside a private
 * mount namespace, under bubblewrap ({@link sandboxArgv}).
 *
 * Locks: only making a base is exclusive (`create.lock`); builds take the
 * base's lock shared, which never waits on another build; an old base is
 * removed only when its lock can be had exclusively, i.e. no build uses it.
 * `update` makes the new base beside the old one and switches the name's
 * pointer with one rename(2), so builds that started before keep theirs.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { faultPoint } from '../../repository/recovery.ts';
import { asRelengError, RelengError } from '../../util/errors.ts';
import { writeFileAtomic } from '../../util/fs.ts';
import { baseKey, sourceText, specSources } from '../archive.ts';
import {
  cleanStale,
  mountsUnder,
  ownerStamp,
  type RootPointer,
  RootsCache,
  runningBuilds,
} from '../cache.ts';
import { flockFile } from '../flock.ts';
import { BASE_GONE_EXIT, defaultRootEnv, sandboxArgv } from '../sandbox.ts';
import type { RootBackend, RootExecRequest, RootInfo, RootSpec } from '../types.ts';

/** Options of the backend. */
export interface BwrapOverlayOptions {
  /** The cache folder (see {@link rootsCacheDir}). */
  cacheDir: string;
  /** The environment tools are looked up in. */
  env?: NodeJS.ProcessEnv;
}

/** Runs a host command, streaming its output; rejects naming it on failure. */
function run(
  argv: readonly string[],
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  /** The tool named in errors (the argv may start with wrappers). */
  tool?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv as [string, ...string[]];
    const cmd = tool ?? program;
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    const tail: string[] = [];
    const take = (c: Buffer, keep: boolean) => {
      const text = c.toString();
      if (keep) out += text;
      for (const line of text.split('\n'))
        if (line) {
          log(line);
          tail.push(line);
          if (tail.length > 20) tail.shift();
        }
    };
    child.stdout.on('data', (c: Buffer) => take(c, true));
    child.stderr.on('data', (c: Buffer) => take(c, false));
    child.on('error', (err) =>
      reject(
        new RelengError(`cannot run ${cmd}: ${err.message}`, {
          hint: `install ${cmd === 'bwrap' ? 'bubblewrap' : cmd} (scripts/apt-packages.txt lists what roots need)`,
        }),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(
          new RelengError(`${cmd} failed${signal ? ` (${signal})` : ` (exit ${code})`}`, {
            exitCode: code ?? 128,
            logTail: tail,
          }),
        );
    });
  });
}

/** The host's Debian architecture. */
async function hostArch(): Promise<string> {
  return (await run(['dpkg', '--print-architecture'], () => {})).trim();
}

/** Throws a clear error unless this process can mount (root). */
function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new RelengError('build roots need root (overlayfs mounts in a private mount namespace)', {
      hint: 'run releng root … as root (sudo), or in a container that has CAP_SYS_ADMIN',
    });
}

/** Debian packages that provide the tools, for the hint. */
const PROVIDERS: Record<string, string> = {
  bwrap: 'bubblewrap',
  mmdebstrap: 'mmdebstrap',
  unshare: 'util-linux',
  flock: 'util-linux',
  setpriv: 'util-linux',
};

/** Throws naming the first tool not on PATH. */
function requireTools(tools: readonly string[], env: NodeJS.ProcessEnv): void {
  const dirs = (env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean);
  for (const t of tools)
    if (!dirs.some((d) => existsSync(path.join(d, t))))
      throw new RelengError(`build roots need ${t}, which is not installed`, {
        hint: `install it: apt-get install ${PROVIDERS[t] ?? t}`,
      });
}

/** Makes the backend over one cache folder. */
export function bwrapOverlayBackend(options: BwrapOverlayOptions): RootBackend {
  const cache = new RootsCache(options.cacheDir);
  const env = options.env ?? process.env;

  async function ready(): Promise<void> {
    requireRoot();
    requireTools(['unshare', 'flock', 'setpriv', 'bwrap'], env);
    await cache.init();
    await cleanStale(cache);
  }

  async function toInfo(p: RootPointer, running: Map<string, number>): Promise<RootInfo> {
    return {
      name: p.name,
      key: p.key,
      spec: p.spec,
      created: p.created,
      basePath: cache.base(p.key),
      running: running.get(p.key) ?? 0,
    };
  }

  /** Makes the base for `key` unless the cache has it; exclusive with other creations. */
  async function ensureBase(
    key: string,
    spec: RootSpec,
    arch: string,
    log: (line: string) => void,
  ): Promise<string> {
    const created = () => readFile(cache.baseMeta(key), 'utf8').then((t) => JSON.parse(t).created);
    if (existsSync(cache.base(key))) return created();
    requireTools(['mmdebstrap'], env);
    const lock = await flockFile(cache.createLock);
    try {
      // Another process may have made it while we waited.
      if (existsSync(cache.base(key))) return created();
      const tmp = path.join(cache.tmpDir, `base-${randomBytes(6).toString('hex')}`);
      await mkdir(tmp);
      await writeFile(path.join(tmp, 'owner'), ownerStamp());
      const tree = path.join(tmp, 'tree');
      const packages = [...new Set(spec.packages)].sort();
      log(
        `making base ${key} (mmdebstrap ${spec.suite}, buildd${packages.length ? ` + ${packages.join(' ')}` : ''})`,
      );
      await run(
        [
          // Dies with releng, kill -9 included, with every process it started: unshare
          // gets the parent-death signal, --kill-child then ends the pid namespace.
          // So nothing writes into a folder the next command removes as stale, and
          // mmdebstrap's own mounts live only in the private mount namespace.
          'setpriv',
          '--pdeathsig',
          'KILL',
          'unshare',
          '--pid',
          '--fork',
          '--kill-child',
          '--mount',
          '--propagation',
          'private',
          '--',
          'mmdebstrap',
          '--variant=buildd',
          '--mode=root',
          '--format=directory',
          `--architectures=${arch}`,
          // Kept so build dependencies resolve without the network, against
          // the archive state the key names.
          '--skip=cleanup/apt/lists',
          ...(packages.length ? [`--include=${packages.join(',')}`] : []),
          spec.suite,
          tree,
          ...specSources(spec).map(sourceText),
        ],
        log,
        env,
        'mmdebstrap',
      ).catch(async (err: unknown) => {
        await rm(tmp, { recursive: true, force: true });
        throw asRelengError(err).with({
          hint: `check the suite "${spec.suite}", the mirror and the --include package names (mmdebstrap's last lines above)`,
        });
      });
      const when = new Date().toISOString();
      await writeFileAtomic(
        cache.baseMeta(key),
        `${JSON.stringify({ key, spec, arch, created: when }, null, 2)}\n`,
      );
      await writeFile(cache.baseLock(key), '');
      // Complete: from here the base exists under its key.
      await rename(tree, cache.base(key));
      await rm(tmp, { recursive: true, force: true });
      return when;
    } finally {
      await lock?.release();
    }
  }

  /** Removes bases no name points at and no build uses (skips busy ones). */
  async function collectGarbage(): Promise<void> {
    const wanted = new Set((await cache.pointers()).map((p) => p.key));
    let entries: string[] = [];
    try {
      entries = readdirSync(path.join(cache.dir, 'bases'));
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.includes('.') || wanted.has(e)) continue;
      const lock = await flockFile(cache.baseLock(e), { wait: false });
      if (!lock) continue; // builds still use it; the last of them removes it
      try {
        // Another command's collection may have removed it while we waited for the lock.
        if (!existsSync(cache.base(e)) || mountsUnder(cache.base(e)).length) continue;
        const trash = path.join(cache.tmpDir, `gone-${e}`);
        await mkdir(trash, { recursive: true });
        await writeFile(path.join(trash, 'owner'), ownerStamp());
        await rename(cache.base(e), path.join(trash, 'tree'));
        await rm(trash, { recursive: true, force: true });
        await rm(cache.baseMeta(e), { force: true });
        await removeLayersOf(e);
      } finally {
        await lock.release();
      }
      await rm(cache.baseLock(e), { force: true });
    }
  }

  /** Removes the build-dependency layers made over base `key` (called with its lock held). */
  async function removeLayersOf(key: string): Promise<void> {
    const dir = path.join(cache.dir, 'layers');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.base'))) {
      const owner = await readFile(path.join(dir, f), 'utf8').catch(() => '');
      if (owner.trim() !== key) continue;
      await rm(path.join(dir, f.slice(0, -5)), { recursive: true, force: true });
      await rm(path.join(dir, f), { force: true });
    }
  }

  const backend: RootBackend = {
    async create(name, spec, log) {
      await ready();
      cache.pointer(name); // checks the name first
      const arch = spec.arch ?? (await hostArch());
      const key = await baseKey(spec, arch);
      const created = await ensureBase(key, spec, arch, log);
      const pointer: RootPointer = { name, key, spec: { ...spec, arch }, created };
      await cache.writePointer(pointer);
      await collectGarbage();
      return toInfo(pointer, runningBuilds(cache));
    },

    async update(name, log) {
      const old = await backend.info(name);
      const info = await backend.create(name, old.spec, log);
      log(
        info.key === old.key
          ? `${name}: the archive has not changed; base ${info.key} kept`
          : `${name}: now base ${info.key} (was ${old.key}${old.running ? `, still used by ${old.running} running build(s)` : ''})`,
      );
      return info;
    },

    async info(name) {
      await ready();
      const p = await cache.readPointer(name);
      if (!p || !existsSync(cache.base(p.key)))
        throw new RelengError(`no root named "${name}" in ${cache.dir}`, {
          hint: `create it first: releng root create ${name} [--include rpm]`,
        });
      return toInfo(p, runningBuilds(cache));
    },

    async list() {
      await ready();
      const running = runningBuilds(cache);
      return Promise.all((await cache.pointers()).map((p) => toInfo(p, running)));
    },

    async destroy(name) {
      await ready();
      if (!(await cache.readPointer(name)))
        throw new RelengError(`no root named "${name}" in ${cache.dir}`, {
          hint: 'releng root list shows the roots there are',
        });
      await rm(cache.pointer(name), { force: true });
      await collectGarbage();
    },

    async exec(name, request) {
      for (let attempt = 0; ; attempt++) {
        const info = await backend.info(name);
        const code = await execOnBase(info.key, request);
        // The name moved on (update/remove) while this ran: its old base may now be unused.
        if ((await cache.readPointer(name))?.key !== info.key) await collectGarbage();
        // The base was switched and removed between reading the pointer and
        // locking it: run again on the new one (nothing ran yet).
        if (code !== BASE_GONE_EXIT || attempt > 2 || existsSync(cache.base(info.key))) return code;
      }
    },
  };

  async function execOnBase(key: string, request: RootExecRequest): Promise<number> {
    const id = randomBytes(8).toString('hex');
    const dir = path.join(cache.buildsDir, id);
    await mkdir(dir);
    // Owner first: a build killed from here on is recognised as stale.
    await writeFile(path.join(dir, 'owner'), ownerStamp());
    await writeFile(path.join(dir, 'base'), `${key}\n`);
    const upper = path.join(dir, 'upper');
    const work = path.join(dir, 'work');
    const mountpoint = path.join(dir, 'root');
    try {
      await Promise.all([mkdir(upper), mkdir(work), mkdir(mountpoint)]);
      if (request.prepare) await request.prepare(upper);
      const network = request.network ?? false;
      const argv = sandboxArgv({
        baseLock: cache.baseLock(key),
        base: cache.base(key),
        layers: request.layers ?? [],
        upper,
        work,
        mountpoint,
        command: request.command,
        network,
        cwd: request.cwd ?? '/',
        roBinds:
          network && existsSync('/etc/resolv.conf')
            ? [['/etc/resolv.conf', '/etc/resolv.conf']]
            : [],
        hostname: 'releng-root',
        parentPid: process.pid,
        interactive: request.interactive,
      });
      const code = await spawnRoot(argv, request);
      if (code === 0 && request.collect) await request.collect(upper);
      if (code === 0 && request.keepUpperAs) {
        try {
          await rename(upper, request.keepUpperAs);
        } catch (err) {
          // Another build made the same layer meanwhile: theirs is as good.
          const c = (err as NodeJS.ErrnoException).code;
          if (c !== 'ENOTEMPTY' && c !== 'EEXIST') throw err;
        }
      }
      return code;
    } finally {
      // The kernel lets go of the overlay when the root's mount namespace is
      // freed, which can trail the last process's exit by a moment (seen under
      // load as ENOTEMPTY on work/): rm retries those errors.
      await removeBuildDir(dir);
    }
  }

  /**
   * Removes a finished build's folder. Still held after the retries (a
   * loaded machine): the build itself is done, and the next command's
   * cleanStale removes the folder once this process, its owner, has gone.
   */
  async function removeBuildDir(dir: string): Promise<void> {
    try {
      await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch (err) {
      const c = (err as NodeJS.ErrnoException).code;
      if (c !== 'ENOTEMPTY' && c !== 'EBUSY') throw err;
    }
  }

  function spawnRoot(argv: string[], request: RootExecRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      const [cmd, ...args] = argv as [string, ...string[]];
      const child = spawn(cmd, args, {
        env: request.env ?? defaultRootEnv(),
        stdio: request.interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      });
      // Fault tests: die the instant the root's process exists (before it is set up).
      faultPoint('root-started');
      if (!request.interactive) {
        const out =
          request.onOutput ??
          ((c: Buffer, s: 'stdout' | 'stderr') =>
            (s === 'stdout' ? process.stdout : process.stderr).write(c));
        child.stdout?.on('data', (c: Buffer) => out(c, 'stdout'));
        child.stderr?.on('data', (c: Buffer) => out(c, 'stderr'));
      }
      child.on('error', (err) =>
        reject(
          new RelengError(`cannot start a root: ${err.message}`, {
            hint: 'install util-linux and bubblewrap',
          }),
        ),
      );
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
    });
  }

  return backend;
}
