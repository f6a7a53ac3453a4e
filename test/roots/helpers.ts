/**
 * Shared by the roots tests: ONE base root, made once into a cache folder
 * every test file uses (later files and re-runs reuse it), and the real GNU
 * hello source package from Debian's archive, downloaded once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ownerAlive } from '../../src/roots/cache.ts';
import { releng } from '../helpers.ts';

/** The cache every roots test shares (RELENG_TEST_ROOTS_DIR moves it). */
export const CACHE = process.env.RELENG_TEST_ROOTS_DIR ?? path.join(tmpdir(), 'releng-test-roots');
/** The shared root's name: bookworm buildd + rpm and file (rpm's brp scripts run file). */
export const ROOT = 'test-bookworm';
/** Environment for the CLI. */
export const ENV = { RELENG_ROOTS_DIR: CACHE };

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Why the roots tests cannot run here (false when they can). */
export function rootsUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'build roots need root (overlayfs in a mount namespace)';
  for (const t of ['mmdebstrap', 'bwrap', 'unshare', 'flock'])
    if (!has(t)) return `${t} is not installed (scripts/apt-packages.txt)`;
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']);
  if (probe.status !== 0) return 'no mount namespaces here';
  return false;
}

/**
 * debian/rules of a one-script package NAME (NAME.sh installed as /usr/bin/NAME):
 * no debhelper, so the base's dpkg-dev alone builds it (no build-dependency layer).
 */
export function debianRules(name: string): string {
  return `#!/usr/bin/make -f
build build-arch build-indep:
binary binary-arch binary-indep:
\tinstall -D -m 0755 ${name}.sh debian/tmp/usr/bin/${name}
\tmkdir -p debian/tmp/DEBIAN
\tdpkg-gencontrol -p${name}
\tdpkg-deb --build debian/tmp ..
clean:
\trm -rf debian/tmp debian/files
`;
}

/** A signing key for the tests: the secret key at `key`, the public one at `pub`. */
export async function generateKey(key: string, pub: string): Promise<void> {
  const k = await releng([
    'key',
    'generate',
    '--name',
    'Roots Test',
    '--email',
    'roots@example.org',
    '--out',
    key,
    '--public-out',
    pub,
  ]);
  if (k.code !== 0) throw new Error(`releng key generate failed:\n${k.stderr}`);
}

/** Makes (or reuses) the shared root. */
export async function ensureRoot(): Promise<void> {
  const r = await releng(['root', 'create', ROOT, '--include', 'rpm,file'], { env: ENV });
  if (r.code !== 0) throw new Error(`root create failed:\n${r.stderr}`);
}

/** The hello source package (.dsc and its files), downloaded once into the cache. */
export async function helloSource(): Promise<{ dsc: string; dir: string; orig: string }> {
  const dir = path.join(CACHE, 'test-sources', 'hello');
  const find = () => {
    if (!existsSync(dir)) return undefined;
    const names = readFileSync(path.join(dir, 'files'), 'utf8').trim().split('\n');
    const dsc = names.find((n) => n.endsWith('.dsc'));
    const orig = names.find((n) => /\.orig\.tar\.[a-z]+$/.test(n));
    return dsc && orig ? { dsc: path.join(dir, dsc), dir, orig: path.join(dir, orig) } : undefined;
  };
  const found = find();
  if (found) return found;
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = await mkdtemp(`${dir}.tmp-`);
  const apt = [
    '-q',
    `-o=Dir::Etc::SourceList=${tmp}/sources.list`,
    '-o=Dir::Etc::SourceParts=/dev/null',
    `-o=Dir::State::Lists=${tmp}/lists`,
    `-o=Dir::Cache=${tmp}/cache`,
  ];
  execFileSync('sh', [
    '-c',
    `mkdir -p "$1/lists/partial" "$1/cache/archives/partial" && echo 'deb-src http://deb.debian.org/debian bookworm main' > "$1/sources.list"`,
    'sh',
    tmp,
  ]);
  execFileSync('apt-get', [...apt, 'update'], { stdio: 'ignore' });
  execFileSync('apt-get', [...apt, 'source', '--download-only', 'hello'], {
    cwd: tmp,
    stdio: 'ignore',
  });
  await rm(path.join(tmp, 'lists'), { recursive: true });
  await rm(path.join(tmp, 'cache'), { recursive: true });
  await rm(path.join(tmp, 'sources.list'));
  execFileSync('sh', ['-c', 'ls > files', 'sh'], { cwd: tmp });
  try {
    await rename(tmp, dir);
  } catch {
    await rm(tmp, { recursive: true, force: true }); // another test file won the race
  }
  const done = find();
  if (!done) throw new Error('apt-get source hello gave no .dsc and orig tarball');
  return done;
}

/** A checksum of a base tree's metadata (path, size, mtime, mode, owner): any write changes it. */
export function treeChecksum(dir: string): string {
  return execFileSync(
    'sh',
    [
      '-c',
      'cd "$1" && find . -printf "%P %s %T@ %m %U %y\\n" | LC_ALL=C sort | sha256sum',
      'sh',
      dir,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  ).split(' ')[0]!;
}

/** The base folder the shared root points at now. */
export function basePath(): string {
  const p = JSON.parse(readFileSync(path.join(CACHE, 'names', `${ROOT}.json`), 'utf8'));
  return path.join(CACHE, 'bases', p.key);
}

/** Mounts in this namespace that involve the cache (should be none between commands). */
export function cacheMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(CACHE));
}

/**
 * Leftovers of commands that are gone: build and tmp folders whose owner
 * process is dead (other test files' running builds share the cache and are
 * not leftovers).
 */
export function leftovers(): string[] {
  const out: string[] = [];
  for (const area of ['builds', 'tmp']) {
    const dir = path.join(CACHE, area);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir)) {
      const owner = path.join(dir, e, 'owner');
      if (existsSync(owner) && ownerAlive(readFileSync(owner, 'utf8'))) continue;
      out.push(`${area}/${e}`);
    }
  }
  return out;
}
