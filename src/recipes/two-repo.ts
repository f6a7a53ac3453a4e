/**
 * The OpenStack two-repository layout converted to the standard one: the
 * spec project's `TARGET/rpm/SPECS/*.spec` and `TARGET/rpm/SOURCES/*`, plus
 * the spec's Source0 tarball made from the source project with `git archive`
 * (prefix `NAME-VERSION/`, as %setup expects). git archive stamps entries
 * with the commit time and gzip -n leaves out names and times, so the same
 * commit gives the same bytes.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RelengError } from '../util/errors.ts';
import { checkFileName } from './common.ts';
import { twoRepoTargets } from './detect.ts';
import { readSpec } from './spec-file.ts';

/** A standard-layout folder made from the two repositories. */
export interface StandardLayout {
  dir: string;
  spec: string;
  cleanup: () => Promise<void>;
}

/** Compressors by tarball suffix; `git archive` writes tar.gz itself. */
const COMPRESSORS: Array<[RegExp, string[] | 'git']> = [
  [/\.(tar\.gz|tgz)$/, 'git'],
  [/\.tar\.xz$/, ['xz', '-c', '-6', '-T1']],
  [/\.tar\.bz2$/, ['bzip2', '-c', '-9']],
  [/\.tar$/, ['cat']],
];

/**
 * Writes `out` from `git archive` of `repo`'s `ref` under `prefix`;
 * compressed by the suffix of `out`.
 */
export async function gitArchive(
  repo: string,
  ref: string,
  prefix: string,
  out: string,
): Promise<void> {
  const entry = COMPRESSORS.find(([re]) => re.test(out));
  if (!entry)
    throw new RelengError(`cannot make ${path.basename(out)} with git archive`, {
      hint: 'name Source0 NAME-VERSION.tar.gz, .tgz, .tar.xz, .tar.bz2 or .tar',
    });
  const git = spawn(
    'git',
    [
      '-C',
      repo,
      '-c',
      'tar.tar.gz.command=gzip -cn',
      'archive',
      `--format=${entry[1] === 'git' ? 'tar.gz' : 'tar'}`,
      `--prefix=${prefix}`,
      ref,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  git.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const gitDone = new Promise<number>((r) => git.on('close', (c) => r(c ?? 1)));
  const file = createWriteStream(out);
  if (entry[1] === 'git') await pipeline(git.stdout, file);
  else {
    const [cmd, ...args] = entry[1];
    const z = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    await Promise.all([pipeline(git.stdout, z.stdin), pipeline(z.stdout, file)]);
  }
  if ((await gitDone) !== 0)
    throw new RelengError(`git archive of ${repo} failed: ${stderr.trim()}`, {
      file: repo,
      hint: 'the source project must be a git repository with at least one commit',
    });
}

/** Converts the two repositories into a temporary standard-layout folder. */
export async function twoRepoToStandard(
  sourceRepo: string,
  specRepo: string,
  target: string | undefined,
  log: (line: string) => void,
): Promise<StandardLayout> {
  const targets = twoRepoTargets(specRepo);
  const chosen = target ?? (targets.length === 1 ? targets[0] : undefined);
  if (!chosen || !targets.includes(chosen))
    throw new RelengError(
      target
        ? `${specRepo} has no ${target}/rpm/SPECS`
        : `${specRepo} has several build targets: ${targets.join(', ')}`,
      { file: specRepo, hint: `name one with --target (${targets.join(', ')})` },
    );
  checkFileName(chosen, specRepo);
  if (!existsSync(path.join(sourceRepo, '.git')))
    throw new RelengError(`${sourceRepo} is not a git repository`, {
      file: sourceRepo,
      hint: 'the OpenStack layout makes the tarball with git archive from the source project',
    });
  const rpmDir = path.join(specRepo, chosen, 'rpm');
  const specs = (await readdir(path.join(rpmDir, 'SPECS'))).filter((f) => f.endsWith('.spec'));
  if (specs.length !== 1)
    throw new RelengError(`${rpmDir}/SPECS must hold one .spec (found ${specs.length})`, {
      file: rpmDir,
    });
  const specPath = path.join(rpmDir, 'SPECS', specs[0]!);
  const info = readSpec(await readFile(specPath, 'utf8'), specPath);
  const tarball = info.sources[0];
  if (!tarball)
    throw new RelengError(`${specPath} has no Source0`, {
      file: specPath,
      hint: 'name the tarball git archive should make',
    });
  const dir = await mkdtemp(path.join(tmpdir(), 'releng-two-repo-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const spec = path.join(dir, specs[0]!);
    await copyFile(specPath, spec);
    const sourcesDir = path.join(rpmDir, 'SOURCES');
    for (const f of existsSync(sourcesDir)
      ? await readdir(sourcesDir, { withFileTypes: true })
      : [])
      if (f.isFile())
        await copyFile(
          path.join(sourcesDir, f.name),
          path.join(dir, checkFileName(f.name, sourcesDir)),
        );
    log(`${info.name} ${info.version}: ${tarball} from git archive of ${sourceRepo} (HEAD)`);
    await gitArchive(sourceRepo, 'HEAD', `${info.name}-${info.version}/`, path.join(dir, tarball));
    return { dir, spec, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
