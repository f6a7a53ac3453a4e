/**
 * The Python offline bundle (the seed's release archive): the sdist of each
 * of the project's Python packages plus every dependency as a wheel, per
 * platform, with `install.sh` (and `install.bat` for Windows) running
 * `pip install --no-index --find-links wheels/`: installs with no network.
 *
 * Everything is resolved with `--no-index` from `findLinks` folders (a
 * wheelhouse, /usr/share/python-wheels, …): a release never reaches an
 * index it was not told about. Builds use the given interpreter's own
 * setuptools/wheel (`--no-isolation`), so they run offline too.
 */
import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { assertInside } from '../../engine/contain.ts';
import { RelengError } from '../../util/errors.ts';
import { type ArchiveFormat, type BundleMember, writeBundleArchive } from './archive.ts';
import { exportedSources } from './export.ts';
import { filesUnder } from './sources.ts';
import type { BundleConfig, BundleContext, Bundler } from './types.ts';

const run = promisify(execFile);

/** A platform to bundle for. */
export interface PythonPlatform {
  /** Names the archive: `<name>-<version>-<platform>` (e.g. `linux`, `windows`). */
  name: string;
  /** pip `--platform` tags (e.g. `win_amd64`); none: the running machine's. */
  platform?: string[];
  /** pip `--python-version` for the platform's interpreter (e.g. `3.11`). */
  pythonVersion?: string;
}

/** The `python` bundle's options. */
export interface PythonBundleConfig extends BundleConfig {
  type: 'python';
  /** Folders of the project's Python packages, relative to the project root (default `.`). */
  projects?: string[];
  /** Folders of wheels and sdists the dependencies are taken from (relative to the root or absolute). */
  findLinks?: string[];
  /** Platforms (default one: `linux`, the running machine's). */
  platforms?: PythonPlatform[];
  /** The interpreter that builds (default `python3`). */
  python?: string;
}

async function py(
  ctx: BundleContext,
  python: string,
  args: string[],
  cwd: string,
): Promise<string> {
  try {
    const { stdout } = await run(python, args, {
      cwd,
      env: {
        ...ctx.env,
        SOURCE_DATE_EPOCH: String(ctx.sourceDateEpoch),
        PIP_NO_INPUT: '1',
        PIP_DISABLE_PIP_VERSION_CHECK: '1',
      },
      maxBuffer: 64 << 20,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; code?: number | string };
    throw new RelengError(`${python} ${args.slice(0, 3).join(' ')} failed`, {
      exitCode: typeof e.code === 'number' ? e.code : undefined,
      logTail: (e.stderr ?? String(err)).trim().split('\n').slice(-12),
      hint:
        e.code === 'ENOENT'
          ? `install ${python} (Debian: python3, python3-pip, python3-build, python3-wheel)`
          : 'a dependency missing from findLinks is the usual cause: add the folder holding its wheel',
    });
  }
}

/**
 * setuptools writes the files it generates (PKG-INFO, *.egg-info) with the
 * current time and the gzip header with it too, so the sdist is repacked
 * with releng's archive writer: the same members, sorted, root-owned, every
 * time SOURCE_DATE_EPOCH — the same bytes from the same commit.
 */
async function repackSdist(file: string, scratch: string, epoch: number): Promise<void> {
  const dir = await mkdtemp(join(scratch, 'sdist-'));
  await run('tar', ['-xzf', file, '-C', dir]);
  const tops = await readdir(dir);
  if (tops.length !== 1) throw new RelengError(`${basename(file)} does not hold one top folder`);
  const top = tops[0] as string;
  const members: BundleMember[] = [];
  for (const rel of filesUnder(join(dir, top))) {
    const st = await lstat(join(dir, top, rel));
    if (st.isFile())
      members.push({
        name: rel,
        source: join(dir, top, rel),
        mode: st.mode & 0o111 ? 0o755 : 0o644,
      });
  }
  await writeBundleArchive(file, 'tar.gz', top, members, epoch);
  await rm(dir, { recursive: true, force: true });
}

const sorted = async (dir: string) => (await readdir(dir)).sort();

export const pythonBundler: Bundler = {
  async write(ctx, raw) {
    const config = raw as PythonBundleConfig;
    const python = config.python ?? 'python3';
    const src = await exportedSources(ctx);
    const findLinks = (config.findLinks ?? []).map((f) =>
      isAbsolute(f) ? f : resolve(ctx.root, f),
    );
    const links = findLinks.flatMap((f) => ['--find-links', f]);
    // 1. The sdists of the project's packages, built from the committed sources.
    const sdistDir = join(ctx.scratch, 'python-sdist');
    await mkdir(sdistDir, { recursive: true });
    for (const p of config.projects ?? ['.']) {
      const dir = resolve(src, ctx.subdir, p);
      assertInside(join(dir, 'x'), src, { action: 'build', area: 'project sources' });
      await py(
        ctx,
        python,
        ['-m', 'build', '--sdist', '--no-isolation', '--outdir', sdistDir, dir],
        dir,
      );
    }
    const sdists = (await sorted(sdistDir)).filter((f) => f.endsWith('.tar.gz'));
    if (sdists.length === 0) throw new RelengError('python bundle: no sdist was built');
    for (const s of sdists) await repackSdist(join(sdistDir, s), ctx.scratch, ctx.sourceDateEpoch);
    const names = sdists.map((s) => s.replace(/-[^-]+\.tar\.gz$/, ''));
    // 2. Their wheels (pure ones serve every platform).
    const ownWheels = join(ctx.scratch, 'python-own-wheels');
    await py(
      ctx,
      python,
      [
        '-m',
        'pip',
        'wheel',
        '--no-index',
        ...links,
        '--no-build-isolation',
        '--no-deps',
        '--wheel-dir',
        ownWheels,
        ...sdists.map((s) => join(sdistDir, s)),
      ],
      ctx.scratch,
    );
    const written: string[] = [];
    for (const platform of config.platforms ?? [{ name: 'linux' }]) {
      if (!/^[A-Za-z0-9._-]+$/.test(platform.name))
        throw new RelengError(
          `python bundle: platform name "${platform.name}" must be letters, digits, . _ -`,
        );
      // 3. Every dependency as a wheel for the platform, from findLinks only.
      const wheels = join(ctx.scratch, `python-wheels-${platform.name}`);
      const common = ['--no-index', ...links, '--find-links', ownWheels];
      if (platform.platform?.length || platform.pythonVersion) {
        await py(
          ctx,
          python,
          [
            '-m',
            'pip',
            'download',
            ...common,
            '--only-binary=:all:',
            ...(platform.platform ?? []).flatMap((t) => ['--platform', t]),
            ...(platform.pythonVersion ? ['--python-version', platform.pythonVersion] : []),
            '--dest',
            wheels,
            ...names,
          ],
          ctx.scratch,
        );
      } else {
        await py(
          ctx,
          python,
          [
            '-m',
            'pip',
            'wheel',
            ...common,
            '--no-build-isolation',
            '--wheel-dir',
            wheels,
            ...names,
          ],
          ctx.scratch,
        );
      }
      const top = `${ctx.name}-${ctx.version}-${platform.name}`;
      const members: BundleMember[] = [];
      for (const s of sdists) members.push({ name: `sdist/${s}`, source: join(sdistDir, s) });
      for (const w of await sorted(wheels))
        members.push({ name: `wheels/${w}`, source: join(wheels, w) });
      const windows =
        platform.name.startsWith('win') ||
        (platform.platform ?? []).some((t) => t.startsWith('win'));
      members.push({ name: 'install.sh', content: Buffer.from(installSh(names)), mode: 0o755 });
      if (windows) members.push({ name: 'install.bat', content: Buffer.from(installBat(names)) });
      for (const format of (config.formats ?? ['tar.bz2']) as ArchiveFormat[]) {
        const file = `${top}.${format}`;
        await writeBundleArchive(join(ctx.outDir, file), format, top, members, ctx.sourceDateEpoch);
        ctx.log(`bundle ${file}`);
        written.push(file);
      }
    }
    // The sdists are release artifacts of their own too (PyPI takes them).
    for (const s of sdists) {
      await copyFile(join(sdistDir, s), join(ctx.outDir, s));
      written.push(s);
    }
    for (const w of await sorted(ownWheels)) {
      await copyFile(join(ownWheels, w), join(ctx.outDir, w));
      written.push(w);
    }
    return written;
  },
};

function installSh(names: readonly string[]): string {
  return `#!/bin/sh
# Installs ${names.join(', ')} from the wheels beside this script, with no network.
# Into a virtual environment: PYTHON=/path/to/venv/bin/python ./install.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec "\${PYTHON:-python3}" -m pip install --no-index --find-links "$here/wheels" "$@" ${names.join(' ')}
`;
}

function installBat(names: readonly string[]): string {
  return `@echo off\r\nrem Installs ${names.join(', ')} from the wheels beside this script, with no network.\r\nif "%PYTHON%"=="" set PYTHON=python\r\n"%PYTHON%" -m pip install --no-index --find-links "%~dp0wheels" %* ${names.join(' ')}\r\n`;
}
