/** `releng root build NAME SOURCE…`: one source layout built in a fresh root. */
import path from 'node:path';
import { UsageError } from '../cli/args.ts';
import { one, type RootArgs, type RootCliIo } from '../roots/cli.ts';
import type { RootBackend } from '../roots/types.ts';
import { reproducibleSigning } from '../util/epoch.ts';
import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { detectLayout, LAYOUTS } from './detect.ts';
import { recipeFor } from './index.ts';
import { signArtifacts } from './sign.ts';
import type { Layout } from './types.ts';

/** Runs the build; prints the artifacts (and notes) and resolves to 0. */
export async function rootBuildCommand(
  backend: RootBackend,
  a: RootArgs,
  io: RootCliIo & { env: NodeJS.ProcessEnv; cwd: string },
  print: (text: string, value: unknown) => void,
  log: (line: string) => void,
): Promise<number> {
  const [name, ...rawSources] = a.positionals;
  if (!name || rawSources.length === 0)
    throw new UsageError('root build needs a root NAME and a SOURCE', {
      hint: 'releng root build NAME SOURCE [--layout L] [--out DIR]',
    });
  // The passphrase variable leaves the environment before anything is spawned
  // (mmdebstrap, git, flock inherit releng's); only the signer reads it.
  const passEnv = one(a, '--passphrase-env');
  let passphrase: string | undefined;
  if (passEnv) {
    passphrase = io.env[passEnv];
    if (passphrase === undefined)
      throw new UsageError(`--passphrase-env ${passEnv}: the variable is not set`);
    delete process.env[passEnv];
    delete io.env[passEnv];
  }
  const sources = rawSources.map((s) => path.resolve(io.cwd, s));
  const named = one(a, '--layout');
  if (named !== undefined && !LAYOUTS.includes(named as Layout))
    throw new UsageError(`unknown layout "${named}"${didYouMean(named, LAYOUTS)}`, {
      hint: `layouts: ${LAYOUTS.join(', ')}`,
    });
  const layout = (named as Layout | undefined) ?? detectLayout(sources);
  const recipe = await recipeFor(layout);
  if (!recipe) throw new RelengError(`no recipe builds the ${layout} layout yet`);
  const root = await backend.info(name);
  const outDir = path.resolve(io.cwd, one(a, '--out') ?? path.join('output', 'images'));
  const cacheDir = path.dirname(path.dirname(root.basePath));
  log(`building ${sources.map((s) => shortPath(io.cwd, s)).join(' ')} (${layout}) in root ${name}`);
  const result = await recipe.build(
    {
      layout,
      sources,
      ...(one(a, '--target') ? { target: one(a, '--target') } : {}),
      ...(one(a, '--spec') ? { spec: one(a, '--spec') } : {}),
    },
    {
      backend,
      root,
      cacheDir,
      outDir,
      log,
      onOutput: (c) => io.stderr.write(c),
      ...(io.env.SOURCE_DATE_EPOCH ? { sourceDateEpoch: io.env.SOURCE_DATE_EPOCH } : {}),
      networkBuild: a.flags.has('--network-build'),
    },
  );
  const key = one(a, '--key');
  let signed: string[] = [];
  if (key) {
    const { openSigner } = await import('../repository/signing/index.ts');
    const signer = await openSigner({
      keyFile: path.resolve(io.cwd, key),
      ...(one(a, '--passphrase-file')
        ? { passphraseFile: path.resolve(io.cwd, one(a, '--passphrase-file')!) }
        : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      warn: (m) => log(`(warn) ${m}`),
    });
    signed = await signArtifacts(result.artifacts, signer, reproducibleSigning(io.env));
    for (const s of signed) log(`signed ${s}`);
  }
  const publishTo = one(a, '--publish');
  let published: string[] = [];
  if (publishTo) published = await publish(publishTo, result.artifacts, a, io, log, passphrase);
  for (const note of result.notes) io.stderr.write(`(note) ${note}\n`);
  print(result.artifacts.map((f) => shortPath(io.cwd, f)).join('\n'), {
    layout,
    root: name,
    artifacts: result.artifacts,
    notes: result.notes,
    signed,
    published,
    log: result.logFile,
  });
  return 0;
}

/** `file` relative to `cwd` when inside it, else absolute. */
function shortPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' ? '.' : rel.startsWith('..') ? file : rel;
}

/**
 * Adds the built packages to a releng APT or YUM repository through `releng
 * repo add` (the repository's own checks, indexes and signing): .deb files
 * into an APT repository, binary .rpm files into a YUM one. The same --key
 * and passphrase options sign the indexes; without --key the repository must
 * be unsigned (--unsigned is passed).
 */
async function publish(
  dir: string,
  artifacts: readonly string[],
  a: RootArgs,
  io: RootCliIo & { env: NodeJS.ProcessEnv; cwd: string },
  log: (line: string) => void,
  passphrase: string | undefined,
): Promise<string[]> {
  const { detectRepoType } = await import('../repository/index-store.ts');
  const repoDir = path.resolve(io.cwd, dir);
  const type = await detectRepoType(repoDir);
  if (!type)
    throw new RelengError(`${repoDir} is not a releng repository`, {
      file: repoDir,
      hint: 'create it first: releng repo create DIR --type apt|yum',
    });
  const files = artifacts.filter((f) =>
    type === 'apt' ? /\.d?deb$/.test(f) : f.endsWith('.rpm') && !f.endsWith('.src.rpm'),
  );
  if (files.length === 0)
    throw new RelengError(`the build made no packages for a ${type} repository`, {
      file: repoDir,
      hint:
        type === 'apt'
          ? 'publish .deb builds into an APT repository'
          : 'publish .rpm builds into a YUM repository',
    });
  const signing: string[] = [];
  const key = one(a, '--key');
  const pe = one(a, '--passphrase-env');
  if (key) {
    signing.push('--key', path.resolve(io.cwd, key));
    const pf = one(a, '--passphrase-file');
    if (pf) signing.push('--passphrase-file', path.resolve(io.cwd, pf));
    if (pe) signing.push('--passphrase-env', pe);
  } else signing.push('--unsigned');
  const component = one(a, '--component');
  const { runRepoCommand } = await import('../repository/cli.ts');
  const lines: string[] = [];
  const code = await runRepoCommand(
    [
      'repo',
      'add',
      repoDir,
      ...files,
      '--replace',
      ...(component ? ['--component', component] : []),
      ...signing,
    ],
    {
      stdout: { write: (s: string | Uint8Array) => lines.push(String(s)) },
      stderr: { write: (s: string) => io.stderr.write(s) },
      // The withheld passphrase, for the repository command alone (it runs in this process).
      env: pe && passphrase !== undefined ? { ...io.env, [pe]: passphrase } : io.env,
      cwd: io.cwd,
    },
  );
  if (code !== 0)
    throw new RelengError(
      `publishing into ${repoDir} failed (the packages are in the output folder)`,
      {
        file: repoDir,
      },
    );
  const out = lines.join('').split('\n').filter(Boolean);
  for (const l of out) log(l);
  return out;
}
