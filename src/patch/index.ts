/**
 * The patch stage's `*.patch` files: every `*.patch` file in the package's
 * definition folder, applied in natural ascending order of file name
 * (`2-x.patch` before `10-x.patch`), each with
 *
 *     patch -p1 -N --batch --ignore-whitespace --no-backup-if-mismatch
 *           --reject-file=<buildDir>/<patch>.rej -d <dir> -i <patch>
 *
 * where `<dir>` is the top of the extracted sources, or PATCH_SUBDIR inside
 * it. `--ignore-whitespace` is kept from releng-tool, so patches that apply
 * there apply here. No `.orig` backups are made, and no `.rej` files are
 * scattered beside the sources: the rejected hunks of all files go to one
 * file named after the patch at the top of the build directory
 * (`<buildDir>/0002-fix.patch.rej`), which the error names; a stale one is
 * removed before the patch is tried again.
 *
 * A patch that does not apply throws a RelengError naming the patch, the
 * rejected hunks (and files not found), the reject file and its first lines.
 * patch leaves the hunks that did apply in place, so the sources are then
 * partly patched: the stage must not be marked done, and the way back is to
 * extract again (`releng <pkg>-fresh`). Whether to run at all (stage flags,
 * IGNORE_PATCHES, development and local-sources modes) is the caller's call.
 */
import { readdirSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { PackageModel } from '../project/model.ts';
import type { SiteContext } from '../sources/types.ts';
import { RelengError } from '../util/errors.ts';
import { isFile, pathExists } from '../util/fs.ts';

export interface ApplyPatchesOptions {
  pkg: PackageModel;
  /** Top of the extracted sources (`paths.buildBaseDir`, not BUILD_SUBDIR, as in releng-tool). */
  buildDir: string;
  /** PATCH_SUBDIR: where to apply, relative to `buildDir` (must stay inside it). */
  patchSubdir?: string;
  exec: SiteContext['exec'];
  log: (line: string) => void;
  /** Which patch files apply (patchFilter); all of them without one. */
  filter?: (name: string) => boolean;
}

/**
 * Which patch files apply, as releng-tool filters them: outside a package's
 * development mode IGNORE_PATCHES (True: none; patterns: those not matching);
 * in it DEVMODE_PATCHES (unset or False: none; True: all; patterns, or a
 * dict of them (or True) by development mode: those matching). Patterns are
 * regular expressions searched for in the file name. Undefined: all apply.
 */
export function patchFilter(
  pkg: PackageModel,
  devmode: string | true | undefined,
): ((name: string) => boolean) | undefined {
  const none = () => false;
  const matching = (patterns: unknown, keep: boolean) => {
    const list = typeof patterns === 'string' ? [patterns] : (patterns as string[]);
    let re: RegExp;
    try {
      re = new RegExp(list.join('|'));
    } catch (err) {
      throw new RelengError(
        `package "${pkg.name}": a patch pattern is not a valid regular expression (${(err as Error).message})`,
        { pkg: pkg.name, file: pkg.definitionFile, hint: 'fix IGNORE_PATCHES / DEVMODE_PATCHES' },
      );
    }
    return (name: string) => re.test(name) === keep;
  };
  // a package built from its development revision (releng-tool's pkg.devmode)
  if (!(devmode && (pkg.devmodeSources ?? Boolean(pkg.devmodeRevision)))) {
    const ignore = pkg.options.ignorePatches;
    if (ignore === true) return none;
    if (typeof ignore === 'string' || (Array.isArray(ignore) && ignore.length > 0))
      return matching(ignore, false);
    return undefined;
  }
  let wanted = (pkg.options.relengTool as Record<string, unknown> | undefined)?.DEVMODE_PATCHES;
  if (wanted !== null && typeof wanted === 'object' && !Array.isArray(wanted))
    wanted = (wanted as Record<string, unknown>)[devmode === true ? 'develop' : devmode];
  if (wanted === true) return undefined;
  if (typeof wanted === 'string' ? wanted !== '' : Array.isArray(wanted) && wanted.length > 0)
    return matching(wanted, true);
  return none;
}

/** Variables that change how GNU patch behaves (releng-tool clears them too). */
const PATCH_ENV: Record<string, undefined> = {
  PATCH_GET: undefined,
  PATCH_VERSION_CONTROL: undefined,
  POSIXLY_CORRECT: undefined,
  QUOTING_STYLE: undefined,
  SIMPLE_BACKUP_SUFFIX: undefined,
  VERSION_CONTROL: undefined,
};

/** Lines of a reject file quoted in an error. */
const REJECT_EXCERPT = 20;

/**
 * Orders strings with runs of digits compared by value: `2-x` < `10-x`,
 * `0002` < `0010`, `a9` < `a10`. Other characters compare by code unit, as
 * a plain comparison would (`a.patch` < `a9.patch`). When everything compares
 * equal (`02` and `2`), the plain comparison decides, so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ie = i;
      while (ie < a.length && isDigit(a.charCodeAt(ie))) ie++;
      let je = j;
      while (je < b.length && isDigit(b.charCodeAt(je))) je++;
      const na = a.slice(i, ie).replace(/^0+/, '');
      const nb = b.slice(j, je).replace(/^0+/, '');
      if (na.length !== nb.length) return na.length < nb.length ? -1 : 1;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ie;
      j = je;
      continue;
    }
    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The `*.patch` files of a definition folder (no hidden ones), in the order they apply. */
export async function listPatches(defDir: string): Promise<string[]> {
  const names: string[] = [];
  // Synchronous: a definition folder holds a handful of entries, and a
  // thread-pool round trip per package cost more than the listing itself.
  for (const entry of readdirSync(defDir, { withFileTypes: true })) {
    if (!entry.name.endsWith('.patch') || entry.name.startsWith('.')) continue;
    if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(join(defDir, entry.name)))))
      names.push(entry.name);
  }
  return names.sort(naturalCompare);
}

/**
 * Applies the package's patches; returns the file names applied, in order
 * (empty when there are none). Throws on the first one that does not apply.
 */
export async function applyPatches(opts: ApplyPatchesOptions): Promise<string[]> {
  const { pkg } = opts;
  const defDir = resolve(pkg.defDir);
  const patches = (await listPatches(defDir)).filter(opts.filter ?? (() => true));
  if (patches.length === 0) return [];
  const buildDir = resolve(opts.buildDir);
  const dir = await patchDir(pkg, buildDir, opts.patchSubdir);

  const applied: string[] = [];
  for (const name of patches) {
    const patchFile = join(defDir, name);
    const rejectFile = join(buildDir, `${name}.rej`);
    await rm(rejectFile, { force: true });
    opts.log(`applying ${name}`);
    const args = ['-p1', '-N', '--batch', '--ignore-whitespace', '--no-backup-if-mismatch'];
    try {
      await opts.exec(
        'patch',
        [...args, `--reject-file=${rejectFile}`, '-d', dir, '-i', patchFile],
        { cwd: dir, env: PATCH_ENV },
      );
    } catch (err) {
      throw await patchFailure(opts, { name, patchFile, rejectFile, dir, buildDir, applied }, err);
    }
    applied.push(name);
  }
  return applied;
}

async function patchDir(
  pkg: PackageModel,
  buildDir: string,
  sub: string | undefined,
): Promise<string> {
  const dir = sub ? resolve(buildDir, sub) : buildDir;
  const rel = relative(buildDir, dir);
  if (sub && (rel.startsWith('..') || isAbsolute(rel))) {
    throw new RelengError(
      `PATCH_SUBDIR "${sub}" of package "${pkg.name}" points outside its build directory`,
      {
        pkg: pkg.name,
        file: pkg.definitionFile,
        stage: 'patch',
        hint: 'PATCH_SUBDIR is a folder inside the extracted sources, relative to their top',
      },
    );
  }
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new RelengError(
      sub
        ? `PATCH_SUBDIR "${sub}" of package "${pkg.name}" does not exist: ${dir}`
        : `cannot patch package "${pkg.name}": ${dir} does not exist`,
      {
        pkg: pkg.name,
        file: pkg.definitionFile,
        stage: 'patch',
        hint: sub
          ? `check PATCH_SUBDIR against the extracted sources in ${buildDir}`
          : 'the sources must be extracted before they are patched',
      },
    );
  }
  return dir;
}

interface FailedPatch {
  name: string;
  patchFile: string;
  rejectFile: string;
  dir: string;
  buildDir: string;
  /** Patches applied before this one. */
  applied: readonly string[];
}

/** Builds the error for a patch that did not apply, from the patch and its reject file. */
async function patchFailure(
  opts: ApplyPatchesOptions,
  failed: FailedPatch,
  cause: unknown,
): Promise<RelengError> {
  const { pkg } = opts;
  const causeError = cause instanceof RelengError ? cause : undefined;
  // patch itself missing or not startable: that error says it best.
  if (causeError && causeError.details.exitCode === undefined) {
    return causeError.with({ pkg: pkg.name, stage: 'patch', file: failed.patchFile });
  }
  const patchText = await readFile(failed.patchFile, 'utf8').catch(() => '');
  const patch = parseUnifiedDiff(patchText);
  const rejectText = await readFile(failed.rejectFile, 'utf8').catch(() => undefined);
  const rejects = rejectText === undefined ? [] : parseUnifiedDiff(rejectText);

  const lines = [`patch ${failed.name} does not apply to ${failed.dir}`];
  let firstLine: number | undefined;
  let rejectedHunks = 0;
  for (const section of rejects) {
    const target = section.newPath !== '/dev/null' ? section.newPath : section.oldPath;
    const source = patch.find((p) =>
      [strip1(p.newPath), strip1(p.oldPath), p.newPath, p.oldPath].includes(target),
    );
    for (const hunk of section.hunks) {
      rejectedHunks++;
      const index = source?.hunks.findIndex(
        (h) => h.oldStart === hunk.oldStart && h.oldLen === hunk.oldLen,
      );
      const original = index !== undefined && index >= 0 ? source!.hunks[index] : undefined;
      firstLine ??= original?.line;
      lines.push(
        `  rejected: ${original ? `hunk #${index! + 1}` : 'hunk'} of ${target} (${hunk.header}${original ? `, line ${original.line} of the patch` : ''})`,
      );
    }
  }
  const missing: string[] = [];
  let ignoredHunks = 0;
  for (const section of patch) {
    if (section.oldPath === '/dev/null') continue;
    const candidates = [strip1(section.oldPath), strip1(section.newPath)].filter(
      (p) => p !== '' && p !== 'dev/null',
    );
    let found = false;
    for (const c of candidates) if (await pathExists(join(failed.dir, c))) found = true;
    if (!found && candidates[0]) {
      missing.push(candidates[0]);
      ignoredHunks += section.hunks.length;
    }
  }
  for (const m of missing)
    lines.push(`  not found: ${m} (patches apply with -p1 in ${failed.dir})`);
  if (rejectText !== undefined) {
    const rl = rejectText.replace(/\n$/, '').split('\n');
    lines.push(`  rejected hunks saved to ${failed.rejectFile}:`);
    for (const l of rl.slice(0, REJECT_EXCERPT)) lines.push(`    ${l}`);
    if (rl.length > REJECT_EXCERPT)
      lines.push(`    ... (${rl.length - REJECT_EXCERPT} more lines)`);
  }

  const alreadyApplied = await appliesInReverse(opts, failed);
  const totalHunks = patch.reduce((n, s) => n + s.hunks.length, 0);
  const appliedHunks = totalHunks - rejectedHunks - ignoredHunks;
  if (!alreadyApplied && appliedHunks > 0 && rejectedHunks + ignoredHunks > 0)
    lines.push(
      `  the other ${appliedHunks} hunk(s) of ${failed.name} were applied: the sources are partly patched`,
    );
  if (failed.applied.length > 0) lines.push(`  applied before it: ${failed.applied.join(', ')}`);
  if (rejectedHunks === 0 && missing.length === 0)
    lines.push(
      `  ${causeError?.message ?? String(cause)} (see the package log for patch's output)`,
    );

  const fresh = `run "releng ${pkg.name}-fresh" to extract and patch again from clean sources`;
  const hint = alreadyApplied
    ? `${failed.name} is already applied to these sources (patched by an earlier, interrupted run?): ${fresh}`
    : missing.length > 0 && rejectedHunks === 0
      ? `the files the patch names are not in ${failed.dir}: patches are applied with -p1 (paths start with a/ or b/) from the top of the sources${opts.patchSubdir ? ` (PATCH_SUBDIR "${opts.patchSubdir}")` : ' (set PATCH_SUBDIR if they are relative to a subfolder)'}`
      : `refresh ${failed.name} against this version of ${pkg.name} (the rejected hunks are in ${failed.rejectFile}), then ${fresh}`;
  return new RelengError(lines.join('\n'), {
    pkg: pkg.name,
    stage: 'patch',
    file: failed.patchFile,
    line: firstLine,
    exitCode: causeError?.details.exitCode,
    hint,
  });
}

/** True when the patch reverses cleanly, i.e. it is already applied. */
async function appliesInReverse(opts: ApplyPatchesOptions, failed: FailedPatch): Promise<boolean> {
  opts.log(`checking whether ${failed.name} is already applied (a reverse dry run)`);
  try {
    await opts.exec(
      'patch',
      [
        '-p1',
        '-R',
        '-f',
        '--dry-run',
        '--ignore-whitespace',
        '-d',
        failed.dir,
        '-i',
        failed.patchFile,
      ],
      { cwd: failed.dir, env: PATCH_ENV },
    );
    return true;
  } catch {
    return false;
  }
}

interface DiffHunk {
  oldStart: number;
  oldLen: number;
  /** The `@@ ... @@` line. */
  header: string;
  /** 1-based line of the header in the file. */
  line: number;
}

interface DiffSection {
  oldPath: string;
  newPath: string;
  hunks: DiffHunk[];
}

/** The files and hunks of a unified diff (other formats yield nothing). */
function parseUnifiedDiff(text: string): DiffSection[] {
  const sections: DiffSection[] = [];
  const lines = text.split('\n');
  let current: DiffSection | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (oldLeft > 0 || newLeft > 0) {
      const c = line[0];
      if (c === '\\') continue; // "\ No newline at end of file"
      if (c === '-') {
        oldLeft--;
        continue;
      }
      if (c === '+') {
        newLeft--;
        continue;
      }
      if (c === ' ' || line === '') {
        oldLeft--;
        newLeft--;
        continue;
      }
      // Not hunk content: the counts were wrong; read it as a header.
      oldLeft = 0;
      newLeft = 0;
    }
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      current = {
        oldPath: diffPath(line),
        newPath: diffPath(lines[i + 1]!.replace(/\r$/, '')),
        hunks: [],
      };
      sections.push(current);
      i++;
      continue;
    }
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h && current) {
      oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      newLeft = h[4] === undefined ? 1 : Number(h[4]);
      current.hunks.push({
        oldStart: Number(h[1]),
        oldLen: oldLeft,
        header: h[0],
        line: i + 1,
      });
    }
  }
  return sections;
}

/** The path of a `--- `/`+++ ` line, without timestamp or quotes. */
function diffPath(line: string): string {
  const path = line.slice(4).split('\t')[0]!.trim();
  return path.startsWith('"') && path.endsWith('"') ? path.slice(1, -1) : path;
}

/** A diff path with its first component removed (`-p1`). */
function strip1(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(slash + 1).replace(/^\/+/, '');
}
