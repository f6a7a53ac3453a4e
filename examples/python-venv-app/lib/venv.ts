/**
 * Helpers for building a Python virtual environment inside a sysroot and
 * making it relocatable to where the package installs it.
 *
 * Everything runs offline: pip never sees an index (`--no-index`), only the
 * wheel directories it is given, and its user/site configuration and `PIP_*`
 * variables from the caller's environment are ignored, so a developer's
 * pip.conf cannot change what ends up in the package.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { StageContext } from 'releng';

/** The interpreter used when VENV_PYTHON is not set: the distribution's own. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The interpreter of a stage: VENV_PYTHON, which releng.config.ts always sets. */
export function venvPython(ctx: StageContext): string {
  return ctx.env.VENV_PYTHON ?? DEFAULT_PYTHON;
}

/** The interpreter a venv is built with, as probed when the project loads. */
export interface PythonInfo {
  /** The command given (e.g. `/usr/bin/python3`). */
  command: string;
  /** `major.minor`, e.g. `3.11`. */
  version: string;
  /** The next minor version, e.g. `3.12` (the upper bound of the dependency). */
  next: string;
}

/**
 * Asks `python` for its version. Runs when releng.config.ts is loaded, since
 * the package's `depends` need it.
 */
export function probePython(python: string): PythonInfo {
  let out: string;
  try {
    out = execFileSync(python, ['-c', 'import sys; print(*sys.version_info[:2])'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    throw new Error(
      `cannot run the venv interpreter '${python}' (set VENV_PYTHON to another one): ${(err as Error).message}`,
    );
  }
  const [major, minor] = out.trim().split(' ').map(Number);
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) {
    throw new Error(`'${python}' printed an unexpected version: ${JSON.stringify(out)}`);
  }
  return { command: python, version: `${major}.${minor}`, next: `${major}.${minor + 1}` };
}

/**
 * Environment overrides for every Python/pip command: no `PIP_*` variable or
 * pip.conf from the caller, no user site, no `PYTHONPATH`, no byte-code
 * written while building (nothing to purge in the source trees either).
 */
export function pythonEnv(
  env: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(env)) if (key.startsWith('PIP_')) out[key] = undefined;
  return {
    ...out,
    PYTHONPATH: undefined,
    PYTHONHOME: undefined,
    PYTHONUSERBASE: undefined,
    PYTHONSTARTUP: undefined,
    VIRTUAL_ENV: undefined,
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
  };
}

/**
 * Builds a wheel of the project in `ctx.buildDir` into `outDir` with the
 * interpreter's own setuptools/wheel (no build isolation: that would need an
 * index to fetch the build backend).
 */
export async function buildWheel(ctx: StageContext, python: string, outDir: string): Promise<void> {
  await ctx.exec(
    python,
    [
      '-m',
      'pip',
      'wheel',
      '--no-deps',
      '--no-build-isolation',
      '--no-index',
      '--no-cache-dir',
      '--wheel-dir',
      outDir,
      '.',
    ],
    { env: pythonEnv(ctx.env) },
  );
}

/**
 * Creates an empty venv (no pip, no setuptools: nothing the application does
 * not need ships in the package) at `dir`, replacing any earlier one.
 */
export async function createVenv(ctx: StageContext, python: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await ctx.exec(python, ['-m', 'venv', '--without-pip', dir], { env: pythonEnv(ctx.env) });
}

/**
 * Installs `requirements` into the venv at `venv` from the given wheel
 * directories only. The build interpreter's pip installs into the venv
 * (`pip --python`, pip >= 22.3), so the venv itself needs no pip. Nothing is
 * byte-compiled (`--no-compile`), so RECORD lists no .pyc files.
 */
export async function pipInstall(
  ctx: StageContext,
  python: string,
  venv: string,
  wheelDirs: readonly string[],
  requirements: readonly string[],
): Promise<void> {
  await ctx.exec(
    python,
    [
      '-m',
      'pip',
      '--python',
      join(venv, 'bin', 'python'),
      'install',
      '--no-index',
      '--no-cache-dir',
      '--no-compile',
      ...wheelDirs.flatMap((d) => ['--find-links', d]),
      ...requirements,
    ],
    { env: pythonEnv(ctx.env) },
  );
}

/** Every entry below `dir` (not following symlinks), sorted. */
async function walk(dir: string): Promise<Array<{ path: string; kind: 'file' | 'dir' | 'link' }>> {
  const out: Array<{ path: string; kind: 'file' | 'dir' | 'link' }> = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isSymbolicLink()) out.push({ path, kind: 'link' });
    else if (e.isDirectory()) out.push({ path, kind: 'dir' }, ...(await walk(path)));
    else if (e.isFile()) out.push({ path, kind: 'file' });
  }
  return out;
}

/**
 * Removes byte-code caches: every `__pycache__` directory and stray
 * `*.pyc`/`*.pyo` file. They depend on the build's timestamps and paths, and
 * files Python writes at run time must not be owned by the package (the
 * maintainer scripts compile after install and clean before removal).
 * Returns the removed paths, relative to `dir`.
 */
export async function purgeBytecode(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const { path, kind } of await walk(dir)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const inRemoved = removed.some((r) => path.startsWith(`${join(dir, r)}/`));
    if (inRemoved) continue;
    if ((kind === 'dir' && name === '__pycache__') || (kind === 'file' && /\.py[co]$/.test(name))) {
      await rm(path, { recursive: true, force: true });
      removed.push(relative(dir, path));
    }
  }
  return removed;
}

/** Linux's shebang limit as pip (distlib) applies it: `#!` + interpreter + newline. */
const MAX_SHEBANG = 127;
/** distlib's launcher for interpreters whose path is too long or has spaces. */
const SH_TRAMPOLINE = /^#!\/bin\/sh\n'''exec' (\S+) "\$0" "\$@"\n' '''\n?/;

/**
 * Makes a venv built at `built` (inside the build tree) valid at `final`
 * (where the package installs it). Python itself finds its venv from the
 * location of `bin/python` (pyvenv.cfg next to `bin/`), so `bin/python -m
 * app` already works wherever the tree is; what hard-codes the build
 * location is:
 *
 * - `bin/*` console scripts written by pip: the `#!<built>/bin/python`
 *   shebang (or distlib's `/bin/sh` exec trampoline, used when that path is
 *   longer than 127 bytes, turned back into a plain shebang when the final
 *   path is short enough);
 * - `bin/activate`, `activate.csh`, `activate.fish`: `VIRTUAL_ENV=<built>`;
 * - `pyvenv.cfg`: the `command = … -m venv … <built>` line (Python >= 3.11),
 *   informational only.
 *
 * Each occurrence of `built` in those files becomes `final`, and the
 * `sha256=`/size columns of `*.dist-info/RECORD` entries of rewritten files
 * are recomputed, so RECORD still describes the installed files. `home` and
 * `executable` in pyvenv.cfg and the `bin/python*` symlinks are left alone:
 * they name the build machine's interpreter (e.g. `/usr/bin/python3`), which
 * the target must have at the same path and minor version.
 *
 * Returns the rewritten files, relative to `built`.
 */
export async function relocateVenv(built: string, final: string): Promise<string[]> {
  const candidates = [join(built, 'pyvenv.cfg')];
  for (const e of await readdir(join(built, 'bin'), { withFileTypes: true })) {
    if (e.isFile()) candidates.push(join(built, 'bin', e.name));
  }
  const rewritten = new Set<string>();
  const report: string[] = [];
  for (const file of candidates.sort()) {
    const text = await readFile(file, 'utf8');
    if (!text.includes(built)) continue;
    let out = text.split(built).join(final);
    const tramp = SH_TRAMPOLINE.exec(out);
    const untrampolined = tramp !== null && tramp[1]!.length + 3 <= MAX_SHEBANG;
    if (untrampolined) out = `#!${tramp[1]}\n${out.slice(tramp[0].length)}`;
    await writeFile(file, out);
    rewritten.add(file);
    report.push(relative(built, file) + (untrampolined ? ' (sh trampoline -> shebang)' : ''));
  }
  await updateRecords(built, rewritten);
  return report;
}

/** RECORD's hash format: `sha256=` + unpadded URL-safe base64 (PEP 376/627). */
function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/** Splits one RECORD (CSV) line into fields, honouring double quotes. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Recomputes hash and size of RECORD entries naming one of `changed` (absolute paths). */
async function updateRecords(venv: string, changed: ReadonlySet<string>): Promise<void> {
  if (changed.size === 0) return;
  for (const { path, kind } of await walk(join(venv, 'lib'))) {
    if (kind !== 'file' || !/\.dist-info\/RECORD$/.test(path)) continue;
    const base = dirname(dirname(path)); // site-packages: RECORD paths are relative to it
    const text = await readFile(path, 'utf8');
    const eol = text.includes('\r\n') ? '\r\n' : '\n'; // pip's csv module writes CRLF
    const lines = text.split(eol);
    let touched = false;
    for (const [i, line] of lines.entries()) {
      if (!line) continue;
      const [name, hash, size] = csvFields(line);
      if (name === undefined || !hash) continue;
      const abs = resolve(base, name);
      if (!changed.has(abs)) continue;
      const data = await readFile(abs);
      const next = [csvField(name), recordHash(data), String(data.length)].join(',');
      if (next !== line || size !== String(data.length)) {
        lines[i] = next;
        touched = true;
      }
    }
    if (touched) await writeFile(path, lines.join(eol));
  }
}

/**
 * Files and symlink targets below `dir` that contain one of `needles` (e.g.
 * the project root): what would leak the build machine's tree into the
 * package. Returns `relative path: needle` lines, empty when clean.
 */
export async function findPaths(dir: string, needles: readonly string[]): Promise<string[]> {
  const hits: string[] = [];
  const bufs = needles.filter(Boolean).map((n) => Buffer.from(n));
  for (const { path, kind } of await walk(dir)) {
    let data: Buffer;
    if (kind === 'file') data = await readFile(path);
    else if (kind === 'link') data = Buffer.from(await readlink(path));
    else continue;
    for (const b of bufs) {
      if (data.includes(b)) hits.push(`${relative(dir, path)}: ${b.toString()}`);
    }
  }
  return hits;
}

/** Whether a path exists (without following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
