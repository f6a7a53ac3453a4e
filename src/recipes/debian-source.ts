/**
 * Debian source packages: a `.dsc` with its files, or a folder with
 * `debian/`. The build dependencies go into a cached layer (roots/build-deps),
 * then `dpkg-buildpackage -us -uc -b` runs in a fresh root with the network
 * off, producing the .deb files (with -dbgsym), .buildinfo and .changes.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { field, parseControl } from '../repository/apt/control.ts';
import { buildDepsLayer } from '../roots/build-deps.ts';
import { defaultRootEnv } from '../roots/sandbox.ts';
import { RelengError } from '../util/errors.ts';
import { buildLog, checkFileName, collectFiles, copyTree } from './common.ts';
import type { Recipe, RecipeContext, RecipeInput, RecipeResult } from './types.ts';

/** What the build needs from a source package's description. */
export interface DebianSourceInfo {
  source: string;
  version: string;
  /** Build-Depends, -Arch and -Indep joined (a binary build needs all). */
  buildDepends: string;
  /** Files a .dsc lists (empty for a folder). */
  files: string[];
}

/** The first paragraph of a control file, without an OpenPGP clear-signature around it. */
function firstParagraph(text: string): string {
  let t = text.replace(/\r\n/g, '\n');
  if (t.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    t = t.slice(t.indexOf('\n\n') + 2);
    const end = t.indexOf('\n-----BEGIN PGP SIGNATURE-----');
    if (end >= 0) t = t.slice(0, end);
  }
  return t.trimStart().split(/\n\s*\n/)[0] ?? '';
}

function joinDepends(fields: ReturnType<typeof parseControl>): string {
  return ['Build-Depends', 'Build-Depends-Arch', 'Build-Depends-Indep']
    .map((n) => field(fields, n)?.replace(/\s*\n\s*/g, ' '))
    .filter((v): v is string => !!v && v.trim() !== '')
    .join(', ');
}

/** Reads a .dsc. */
export async function readDsc(file: string): Promise<DebianSourceInfo> {
  const fields = parseControl(firstParagraph(await readFile(file, 'utf8')), file);
  const source = field(fields, 'Source');
  const version = field(fields, 'Version');
  if (!source || !version)
    throw new RelengError(`${file}: not a Debian source control file (no Source or Version)`, {
      file,
      hint: 'give the .dsc that dpkg-source -b or apt-get source wrote',
    });
  const list = field(fields, 'Checksums-Sha256') ?? field(fields, 'Files') ?? '';
  const files = list
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[2])
    .filter((n): n is string => !!n)
    .map((n) => checkFileName(n, file));
  return { source, version, buildDepends: joinDepends(fields), files };
}

/** Reads debian/control and debian/changelog of a source folder. */
export async function readDebianTree(dir: string): Promise<DebianSourceInfo> {
  const control = path.join(dir, 'debian', 'control');
  const changelog = path.join(dir, 'debian', 'changelog');
  for (const f of [control, changelog])
    if (!existsSync(f))
      throw new RelengError(`${dir}: no ${path.relative(dir, f)}`, {
        file: f,
        hint: 'a Debian source folder needs debian/control and debian/changelog',
      });
  const fields = parseControl(firstParagraph(await readFile(control, 'utf8')), control);
  const first = (await readFile(changelog, 'utf8')).split('\n')[0] ?? '';
  const m = /^(\S+) \(([^)\s]+)\)/.exec(first);
  const source = field(fields, 'Source');
  if (!source || !m)
    throw new RelengError(`${dir}: cannot read the source name and version`, {
      file: m ? control : changelog,
      hint: 'debian/control needs a Source field; debian/changelog must start with "NAME (VERSION) …"',
    });
  return { source, version: m[2]!, buildDepends: joinDepends(fields), files: [] };
}

const OUTPUTS = /\.(deb|ddeb|udeb|buildinfo|changes)$/;

async function build(input: RecipeInput, ctx: RecipeContext): Promise<RecipeResult> {
  const src = input.sources[0]!;
  const isDsc = input.layout === 'dsc';
  const info = isDsc ? await readDsc(src) : await readDebianTree(src);
  const label = `${info.source} ${info.version}`;
  if (isDsc)
    for (const f of info.files)
      if (!existsSync(path.join(path.dirname(src), f)))
        throw new RelengError(`${src} lists ${f}, which is not next to it`, {
          file: src,
          hint: 'download every file of the source package (apt-get source --download-only)',
        });
  const deps = await buildDepsLayer(
    ctx.backend,
    ctx.root,
    ctx.cacheDir,
    info.buildDepends,
    label,
    ctx.log,
  );
  if (deps.packages.length)
    ctx.log(
      `${label}: ${deps.packages.length} build dependencies ${deps.cached ? 'from the cached layer' : 'installed'}`,
    );
  await mkdir(ctx.outDir, { recursive: true });
  const logFile = path.join(
    ctx.outDir,
    `${checkFileName(info.source, src)}_${checkFileName(info.version.replace(/^\d+:/, ''), src)}.build.log`,
  );
  const log = buildLog(logFile, ctx.onOutput);
  const script = isDsc
    ? 'set -e; cd /build; dpkg-source -x "$1" src; cd src; dpkg-buildpackage -us -uc -b'
    : 'set -e; cd /build/src; dpkg-buildpackage -us -uc -b';
  const env = defaultRootEnv(ctx.sourceDateEpoch ? { SOURCE_DATE_EPOCH: ctx.sourceDateEpoch } : {});
  let artifacts: string[] = [];
  try {
    const code = await ctx.backend.exec(ctx.root.name, {
      command: ['sh', '-c', script, 'sh', isDsc ? path.basename(src) : ''],
      env,
      network: ctx.networkBuild ?? false,
      layers: deps.layer ? [deps.layer] : [],
      prepare: async (upper) => {
        const dest = path.join(upper, 'build');
        await mkdir(dest, { recursive: true });
        if (isDsc) {
          for (const f of [path.basename(src), ...info.files])
            await copyFile(path.join(path.dirname(src), f), path.join(dest, f));
        } else await copyTree(src, path.join(dest, 'src'));
      },
      collect: async (upper) => {
        artifacts = await collectFiles(path.join(upper, 'build'), OUTPUTS, ctx.outDir);
      },
      onOutput: log.onOutput,
    });
    if (code !== 0)
      throw new RelengError(`${label}: dpkg-buildpackage failed (exit ${code})`, {
        exitCode: code,
        logPath: logFile,
        logTail: log.tail(),
        hint: 'the build ran offline in a fresh root; see the log for the first error',
      });
  } finally {
    await log.close();
  }
  return { artifacts, notes: [], logFile };
}

/** The Debian source recipe. */
export const debianSource: Recipe = { layouts: ['dsc', 'debian-tree'], build };
