/**
 * The release folder `<outputDir>/<version>/`: artifacts, bundles, SBOM,
 * SHA256SUMS with its detached signature, and the provenance statement.
 * Assembled in a temporary sibling and renamed into place, so a killed run
 * leaves no half-made release folder; a complete one is kept as it is.
 */
import { copyFile, glob, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { assertInside } from '../../engine/contain.ts';
import type { SbomPackage } from '../../licenses/sbom.ts';
import { faultPoint, isStaleTemporary } from '../../repository/recovery.ts';
import type { Signer } from '../../repository/signing/index.ts';
import { RelengError } from '../../util/errors.ts';
import { pathExists, tmpSibling } from '../../util/fs.ts';
import { maskCredentials } from '../../util/redact.ts';
import { BUNDLERS } from '../bundle/index.ts';
import type { ResolvedReleaseConfig } from '../config.ts';
import type { Git } from '../vcs.ts';
import { type Digested, parseSha256sums, sha256File, sha256sums } from './checksums.ts';
import { provenanceStatement } from './provenance.ts';
import { releaseSbom } from './sbom.ts';

/** What making the release folder needs. */
export interface DistContext {
  git: Git;
  /** Project root. */
  root: string;
  /** The project root relative to the top of the git tree. */
  subdir: string;
  config: ResolvedReleaseConfig;
  version: string;
  tag: string;
  commit: string;
  relengVersion: string;
  /** The project's packages for the SBOM (empty outside a releng project). */
  packages: readonly SbomPackage[];
  dl: string;
  cache: string;
  sourceDateEpoch: number;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Signs SHA256SUMS; undefined: unsigned. */
  signer?: () => Promise<Signer>;
}

/** The made release folder and its files. */
export interface DistResult {
  dir: string;
  /** Every file of SHA256SUMS with its digest. */
  files: Digested[];
  /** The extra files (SHA256SUMS, its signature, provenance). */
  meta: string[];
}

export const SUMS = 'SHA256SUMS';

/** Reads a complete release folder back. */
export async function readDist(dir: string): Promise<DistResult> {
  const files = parseSha256sums(await readFile(join(dir, SUMS), 'utf8'));
  const meta = (await readdir(dir)).filter((f) => !files.some((d) => d.name === f)).sort();
  return { dir, files, meta };
}

/** The release folder of a version. */
export function distDir(root: string, config: ResolvedReleaseConfig, version: string): string {
  return join(root, config.outputDir, version);
}

/** Makes (or finds, when complete) the release folder. */
export async function buildDist(ctx: DistContext): Promise<DistResult> {
  const started = new Date(ctx.sourceDateEpoch * 1000);
  const final = distDir(ctx.root, ctx.config, ctx.version);
  assertInside(final, ctx.root, { action: 'write to', area: 'project' });
  const parent = dirname(final);
  await mkdir(parent, { recursive: true });
  for (const e of await readdir(parent))
    if (isStaleTemporary(e)) await rm(join(parent, e), { recursive: true, force: true });
  if (await pathExists(join(final, SUMS))) {
    ctx.log(`release folder ${relative(ctx.root, final)} is complete already`);
    return readDist(final);
  }
  const tmp = tmpSibling(final);
  // Named like every temporary (`….tmp-<pid>-…`), so a later run sees it is stale.
  const scratch = tmpSibling(join(parent, `.scratch-${ctx.version}`));
  await mkdir(tmp, { recursive: true });
  await mkdir(scratch, { recursive: true });
  try {
    const names: string[] = [];
    const add = (name: string) => {
      if (names.includes(name))
        throw new RelengError(`two release artifacts are named ${name}`, {
          hint: 'rename one of them',
        });
      names.push(name);
    };
    // Artifacts the project built (outputs, images): copied by name.
    for (const pattern of ctx.config.artifacts) {
      let matched = 0;
      for await (const rel of glob(pattern, { cwd: ctx.root })) {
        const abs = join(ctx.root, rel);
        assertInside(abs, ctx.root, { action: 'read', area: 'project' });
        add(basename(rel));
        await copyFile(abs, join(tmp, basename(rel)));
        matched++;
      }
      if (matched === 0)
        throw new RelengError(`release artifact "${pattern}" matches no file`, {
          hint: 'build the project first (releng), or fix release.artifacts',
        });
    }
    for (const b of ctx.config.bundles) {
      const bundler = BUNDLERS[b.type];
      if (!bundler)
        throw new RelengError(`release: unknown bundle type "${b.type}"`, {
          hint: `one of ${Object.keys(BUNDLERS).join(', ')}`,
        });
      const written = await bundler.write(
        {
          git: ctx.git,
          root: ctx.root,
          subdir: ctx.subdir,
          commit: ctx.commit,
          name: ctx.config.name,
          version: ctx.version,
          outDir: tmp,
          scratch,
          dl: ctx.dl,
          cache: ctx.cache,
          sourceDateEpoch: ctx.sourceDateEpoch,
          env: ctx.env,
          log: ctx.log,
        },
        b,
      );
      for (const w of written) add(w);
    }
    const digested = async (ns: readonly string[]) =>
      Promise.all(ns.map(async (name) => ({ name, sha256: await sha256File(join(tmp, name)) })));
    const artifacts = await digested(names);
    const sbomName = `${ctx.config.name}-${ctx.version}.spdx.json`;
    await writeFile(
      join(tmp, sbomName),
      releaseSbom(
        { root: ctx.root },
        ctx.config.name,
        ctx.version,
        ctx.packages,
        artifacts,
        started,
      ),
    );
    const subjects = [...artifacts, ...(await digested([sbomName]))];
    const remote = (await ctx.git.config('remote.origin.url')) ?? `file://${ctx.root}`;
    const statement = provenanceStatement({
      subjects,
      repository: maskCredentials(remote),
      commit: ctx.commit,
      tag: ctx.tag,
      version: ctx.version,
      relengVersion: ctx.relengVersion,
      parameters: {
        bundles: ctx.config.bundles.map((b) => b.type),
        artifacts: ctx.config.artifacts,
        signed: ctx.signer !== undefined,
      },
      materials: ctx.packages.flatMap((p) =>
        p.hashes.map((h) => ({ name: `dl/${h.file}`, sha256: h.sha256, uri: p.downloadLocation })),
      ),
      startedOn: started,
      finishedOn: started,
    });
    // A bare statement (not a DSSE envelope): it is authenticated by being in the signed SHA256SUMS.
    const provName = `${ctx.config.name}-${ctx.version}.provenance.json`;
    await writeFile(join(tmp, provName), `${JSON.stringify(statement, null, 2)}\n`);
    const files = [...subjects, ...(await digested([provName]))];
    const sums = sha256sums(files);
    await writeFile(join(tmp, SUMS), sums);
    const meta = [SUMS];
    if (ctx.signer) {
      const signer = await ctx.signer();
      // Dated like every other file of the folder, and unsalted: the same
      // commit gives the same SHA256SUMS.asc.
      const sig = await signer.detachSign(Buffer.from(sums), {
        armor: true,
        date: started,
        deterministic: true,
      });
      await writeFile(join(tmp, `${SUMS}.asc`), sig);
      meta.push(`${SUMS}.asc`);
    }
    faultPoint('release-dist-before-rename');
    await rename(tmp, final);
    ctx.log(
      `release folder ${relative(ctx.root, final)}: ${files.length} files, ${meta.join(', ')}`,
    );
    return { dir: final, files, meta: meta.sort() };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
