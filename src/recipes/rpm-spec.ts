/**
 * rpm packages from the three layouts of the Packetary spec, built with
 * rpmbuild inside the (Debian-based) root with the network off:
 *
 * - `srpm`: a `.src.rpm` → `rpmbuild --rebuild`;
 * - `rpm-standard`: a folder with one `.spec`, its tarball and other files
 *   (patches, init scripts) → SPECS/ and SOURCES/ → `rpmbuild -ba`;
 * - `rpm-two-repo`: a source git project plus a spec project with
 *   `TARGET/rpm/SPECS` and `TARGET/rpm/SOURCES`, converted to the standard
 *   layout with the tarball made by `git archive` (see two-repo.ts).
 *
 * A Debian root has no rpm database of its build tools, so BuildRequires
 * cannot be checked: rpmbuild runs with `--nodeps`, and the result says so.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultRootEnv } from '../roots/sandbox.ts';
import { RelengError } from '../util/errors.ts';
import { buildLog, checkFileName, collectFiles } from './common.ts';
import { readSpec } from './spec-file.ts';
import { twoRepoToStandard } from './two-repo.ts';
import type { Recipe, RecipeContext, RecipeInput, RecipeResult } from './types.ts';

/** The one .spec of a standard-layout folder (or the named one). */
export async function findSpec(dir: string, named?: string): Promise<string> {
  if (named) return path.resolve(dir, checkFileName(named, dir));
  const specs = (await readdir(dir)).filter((f) => f.endsWith('.spec'));
  if (specs.length !== 1)
    throw new RelengError(
      specs.length === 0
        ? `${dir} has no .spec file`
        : `${dir} has several .spec files: ${specs.join(', ')}`,
      { file: dir, hint: 'name the spec with --spec FILE' },
    );
  return path.join(dir, specs[0]!);
}

const RPMS = /\.rpm$/;

async function build(input: RecipeInput, ctx: RecipeContext): Promise<RecipeResult> {
  const notes: string[] = [];
  /** Host files → SOURCES, the spec → SPECS (srpm: the package itself). */
  let specFile: string | undefined;
  let sourceFiles: string[] = [];
  let srpm: string | undefined;
  let label: string;
  let cleanup: (() => Promise<void>) | undefined;
  if (input.layout === 'srpm') {
    srpm = input.sources[0]!;
    label = path.basename(srpm);
    checkFileName(label, srpm);
  } else {
    let dir: string;
    if (input.layout === 'rpm-two-repo') {
      const std = await twoRepoToStandard(
        input.sources[0]!,
        input.sources[1]!,
        input.target,
        ctx.log,
      );
      dir = std.dir;
      specFile = std.spec;
      cleanup = std.cleanup;
    } else {
      const src = input.sources[0]!;
      dir = statSync(src).isFile() ? path.dirname(src) : src;
      specFile = statSync(src).isFile() ? src : await findSpec(dir, input.spec);
    }
    const info = readSpec(await readFile(specFile, 'utf8'), specFile);
    label = `${info.name} ${info.version}`;
    for (const s of info.sources)
      if (!existsSync(path.join(dir, s)))
        throw new RelengError(`${specFile} needs ${s}, which is not in ${dir}`, {
          file: specFile,
          hint: 'put the tarball, patches and other sources next to the spec (standard layout)',
        });
    // Everything beside the spec goes to SOURCES (init scripts, configs named by %{SOURCEn}).
    sourceFiles = (await readdir(dir, { withFileTypes: true }))
      .filter(
        (d) =>
          (d.isFile() ||
            (d.isSymbolicLink() &&
              statSync(path.join(dir, d.name), { throwIfNoEntry: false })?.isFile())) &&
          d.name !== path.basename(specFile!) &&
          !d.name.startsWith('.'),
      )
      .map((d) => path.join(dir, checkFileName(d.name, dir)));
    if (info.buildRequires.length)
      notes.push(
        `BuildRequires NOT checked (rpmbuild --nodeps in a Debian root, which has no rpm database of its tools): ${info.buildRequires.join(', ')}`,
      );
  }
  if (srpm) notes.push('BuildRequires NOT checked: rpmbuild --rebuild --nodeps in a Debian root');

  await mkdir(ctx.outDir, { recursive: true });
  const logFile = path.join(
    ctx.outDir,
    `${label.replace(/ /g, '-').replace(/\.src\.rpm$/, '')}.rpmbuild.log`,
  );
  const log = buildLog(logFile, ctx.onOutput);
  const top = '/build/rpmbuild';
  const defines = ['--define', `_topdir ${top}`, '--nodeps'];
  if (ctx.sourceDateEpoch)
    defines.push(
      '--define',
      'use_source_date_epoch_as_buildtime 1',
      '--define',
      'clamp_mtime_to_source_date_epoch 1',
    );
  const command = srpm
    ? ['rpmbuild', '--rebuild', ...defines, `/build/${path.basename(srpm)}`]
    : ['rpmbuild', '-ba', ...defines, `${top}/SPECS/${path.basename(specFile!)}`];
  let artifacts: string[] = [];
  try {
    const code = await ctx.backend.exec(ctx.root.name, {
      command,
      cwd: '/build',
      env: defaultRootEnv(ctx.sourceDateEpoch ? { SOURCE_DATE_EPOCH: ctx.sourceDateEpoch } : {}),
      network: ctx.networkBuild ?? false,
      prepare: async (upper) => {
        const b = path.join(upper, 'build');
        for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS'])
          await mkdir(path.join(b, 'rpmbuild', d), { recursive: true });
        if (srpm) await copyFile(srpm, path.join(b, path.basename(srpm)));
        else {
          await copyFile(specFile!, path.join(b, 'rpmbuild', 'SPECS', path.basename(specFile!)));
          for (const f of sourceFiles)
            await copyFile(f, path.join(b, 'rpmbuild', 'SOURCES', path.basename(f)));
        }
      },
      collect: async (upper) => {
        const r = path.join(upper, 'build', 'rpmbuild');
        const dirs = [path.join(r, 'SRPMS')];
        for (const a of await readdir(path.join(r, 'RPMS')).catch(() => [] as string[]))
          dirs.push(path.join(r, 'RPMS', a));
        for (const d of dirs) artifacts.push(...(await collectFiles(d, RPMS, ctx.outDir)));
        artifacts = artifacts.sort();
      },
      onOutput: log.onOutput,
    });
    if (code !== 0)
      throw new RelengError(`${label}: rpmbuild failed (exit ${code})`, {
        exitCode: code,
        logPath: logFile,
        logTail: log.tail(),
        hint: 'rpmbuild ran offline with --nodeps in a Debian root: a BuildRequires missing from the root shows up as a failing command (add the Debian package with releng root create … --include PKG)',
      });
  } finally {
    await log.close();
    await cleanup?.();
  }
  return { artifacts, notes, logFile };
}

/** The rpm spec recipe. */
export const rpmSpec: Recipe = { layouts: ['srpm', 'rpm-standard', 'rpm-two-repo'], build };
