/**
 * `releng repo …` and `releng key …`: repositories and signing keys from the
 * command line. The main CLI hands the words after `releng` to
 * {@link runRepoCommand} when the first one is `repo` or `key`.
 *
 * ```
 * releng repo create DIR [--type apt|yum] [--flat] [--suite S] [--codename C]
 *                        [--component C]... [--arch A]... [--origin O] [--label L]
 *                        [--description D] [--valid-for 7d] [--no-by-hash] [SIGNING]
 * releng repo add DIR FILE... [--component C] [--replace] [SIGNING]
 * releng repo remove DIR SPEC... [--component C] [SIGNING]
 * releng repo index DIR [--full] [SIGNING]
 * releng repo sign DIR SIGNING
 * releng repo verify DIR --public-key FILE [--suite S (apt)] [--no-pool]
 * releng repo export-key [DIR] KEY [--out FILE] [--binary] [--force]
 * releng repo list DIR
 * releng key generate --name N --email E --out FILE [--algorithm ed25519|rsa]
 *                     [--rsa-bits N] [--expires 2y] [--public-out FILE] [PASSPHRASE]
 * releng key export KEY [--out FILE] [--binary] [--force]
 *
 * SIGNING:    KEY [PASSPHRASE] | --unsigned
 * KEY:        --key FILE | --gpg-key ID [--gpg-home DIR]
 * PASSPHRASE: --passphrase-file FILE | --passphrase-env VAR
 * ```
 *
 * Repository types: `--type` or, for an existing repository, what it is.
 * APT is handled here; YUM goes to {@link yumCommand}, which uses the YUM
 * module's public API (`src/repository/yum/index.ts`).
 */
import path from 'node:path';
import { RelengError } from '../util/errors.ts';
import { type AptRepositoryConfig, aptRepository, verifyAptRepository } from './apt/index.ts';
import { detectRepoType, type RepoType, readRepoConfig } from './index-store.ts';
import type { OpenSignerOptions, Signer } from './signing/index.ts';

/** The signing module, imported on use (it loads openpgp.js: ~35 ms). */
const signing = () => import('./signing/index.ts');

import { writePublicFile } from './signing/keyfile.ts';

/** Where the command writes (tests pass their own). */
export interface RepoCliIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown };
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const REPO_HELP = `releng repo — APT and YUM repositories; releng key — signing keys

  releng repo create DIR [--type apt|yum] [--flat] [--suite S] [--codename C]
                         [--component C]... [--arch A]... [--origin O] [--label L]
                         [--description D] [--valid-for 7d] [--no-by-hash]
                         [--package-hashes sha256[,sha512]] [SIGNING]
  releng repo add DIR FILE... [--component C] [--replace] [SIGNING]
  releng repo remove DIR SPEC... [--component C] [SIGNING]   (SPEC: name[:arch][=version] or file)
  releng repo index DIR [--full] [SIGNING]      re-read the folder (only new or changed files)
  releng repo sign DIR SIGNING                  re-sign (fresh Date and Valid-Until)
  releng repo verify DIR --public-key FILE [--suite S (apt)] [--no-pool]
  releng repo list DIR
  releng repo export-key [DIR] KEY [--out FILE] [--binary] [--force]
  releng key generate --name NAME --email ADDR --out FILE [--algorithm ed25519|rsa]
                      [--rsa-bits N] [--expires 2y] [--public-out FILE] [PASSPHRASE]
  releng key export KEY [--out FILE] [--binary] [--force]

  SIGNING:    KEY [PASSPHRASE] | --unsigned
  KEY:        --key FILE (OpenPGP private key) | --gpg-key ID [--gpg-home DIR] (gpg / gpg-agent)
  PASSPHRASE: --passphrase-file FILE | --passphrase-env VAR
  Options: --json (print the result as JSON), --help
`;

/** Parsed words: positionals plus options (repeatable ones as lists). */
export interface RepoCliArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

const FLAG_OPTIONS = new Set([
  '--flat',
  '--replace',
  '--full',
  '--unsigned',
  '--no-by-hash',
  '--no-pool',
  '--binary',
  '--armor',
  '--force',
  '--json',
  '--help',
  '-h',
  '--not-automatic',
  '--but-automatic-upgrades',
]);
const VALUE_OPTIONS = new Set([
  '--type',
  '--suite',
  '--codename',
  '--component',
  '--arch',
  '--origin',
  '--label',
  '--description',
  '--version',
  '--valid-for',
  '--key',
  '--gpg-key',
  '--gpg-home',
  '--backend',
  '--passphrase-file',
  '--passphrase-env',
  '--public-key',
  '--out',
  '--public-out',
  '--name',
  '--email',
  '--algorithm',
  '--rsa-bits',
  '--expires',
  '--package-hashes',
]);
const ALIASES: Record<string, string> = {
  '--components': '--component',
  '--architectures': '--arch',
  '--architecture': '--arch',
  '--signed-by': '--public-key',
  '--pubkey': '--public-key',
};

class UsageError extends Error {}

/** Parses `--opt value`, `--opt=value`, flags and positionals. */
export function parseRepoArgs(argv: readonly string[]): RepoCliArgs {
  const out: RepoCliArgs = { positionals: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    let word = argv[i]!;
    if (word === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      out.positionals.push(word);
      continue;
    }
    let inline: string | undefined;
    const eq = word.indexOf('=');
    if (word.startsWith('--') && eq !== -1) {
      inline = word.slice(eq + 1);
      word = word.slice(0, eq);
    }
    word = ALIASES[word] ?? word;
    if (FLAG_OPTIONS.has(word)) {
      if (inline !== undefined) throw new UsageError(`${word} takes no value`);
      out.flags.add(word);
    } else if (VALUE_OPTIONS.has(word)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${word} needs a value`);
      const list = out.values.get(word) ?? [];
      // Comma-separated lists for the repeatable ones.
      if (word === '--component' || word === '--arch')
        list.push(...value.split(/[\s,]+/).filter(Boolean));
      else list.push(value);
      out.values.set(word, list);
    } else {
      throw new UsageError(`unknown option ${word}`);
    }
  }
  return out;
}

function one(a: RepoCliArgs, name: string): string | undefined {
  const v = a.values.get(name);
  if (v && v.length > 1) throw new UsageError(`${name} is given more than once`);
  return v?.[0];
}

function many(a: RepoCliArgs, name: string): string[] | undefined {
  return a.values.get(name);
}

/** The passphrase from --passphrase-env (the variable's value) or --passphrase-file. */
function passphraseOptions(
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv,
): { passphrase?: string; passphraseFile?: string } {
  const file = one(a, '--passphrase-file');
  const envName = one(a, '--passphrase-env');
  if (file && envName) throw new UsageError('give --passphrase-file or --passphrase-env, not both');
  if (envName) {
    const value = env[envName];
    if (value === undefined)
      throw new RelengError(`the environment variable ${envName} (--passphrase-env) is not set`);
    return { passphrase: value };
  }
  return file ? { passphraseFile: file } : {};
}

/** Opens the signer the options name, or undefined when none is named. */
export async function signerFromArgs(
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signer | undefined> {
  const keyFile = one(a, '--key');
  const gpgKey = one(a, '--gpg-key');
  const backend = one(a, '--backend');
  if (keyFile && gpgKey) throw new UsageError('give --key or --gpg-key, not both');
  if (a.flags.has('--unsigned') && (keyFile || gpgKey))
    throw new UsageError('--unsigned and a signing key contradict each other');
  if (!keyFile && !gpgKey) {
    if (one(a, '--passphrase-file') || one(a, '--passphrase-env'))
      throw new UsageError('a passphrase was given without --key or --gpg-key');
    return undefined;
  }
  if (backend !== undefined && backend !== 'openpgp' && backend !== 'gpg')
    throw new UsageError(`--backend must be openpgp or gpg, not '${backend}'`);
  const options: OpenSignerOptions = {
    backend: (backend as 'openpgp' | 'gpg' | undefined) ?? (gpgKey ? 'gpg' : 'openpgp'),
    keyFile,
    gpgKey,
    gpgHome: one(a, '--gpg-home'),
    ...passphraseOptions(a, env),
  };
  return (await signing()).openSigner(options);
}

function needDir(a: RepoCliArgs, cmd: string): string {
  const dir = a.positionals[0];
  if (!dir) throw new UsageError(`repo ${cmd} needs the repository folder`);
  return dir;
}

/** Which kind of repository a command is for: --type, else what the folder holds, else apt. */
async function repoType(a: RepoCliArgs, dir: string | undefined): Promise<RepoType> {
  const given = one(a, '--type');
  if (given !== undefined && given !== 'apt' && given !== 'yum')
    throw new UsageError(`--type must be apt or yum, not '${given}'`);
  const found = dir ? await detectRepoType(dir) : undefined;
  if (given && found && given !== found)
    throw new RelengError(`'${dir}' is a ${found} repository, not ${given}`);
  return (given as RepoType | undefined) ?? found ?? 'apt';
}

function aptConfigFromArgs(a: RepoCliArgs): AptRepositoryConfig {
  const config: AptRepositoryConfig = {};
  if (a.flags.has('--flat')) config.layout = 'flat';
  const set = <K extends keyof AptRepositoryConfig>(
    k: K,
    v: AptRepositoryConfig[K] | undefined,
  ) => {
    if (v !== undefined) config[k] = v;
  };
  set('suite', one(a, '--suite'));
  set('codename', one(a, '--codename'));
  set('components', many(a, '--component'));
  set('architectures', many(a, '--arch'));
  set('origin', one(a, '--origin'));
  set('label', one(a, '--label'));
  set('description', one(a, '--description'));
  set('version', one(a, '--version'));
  set('validFor', one(a, '--valid-for'));
  if (a.flags.has('--no-by-hash')) config.byHash = false;
  const hashes = one(a, '--package-hashes');
  if (hashes !== undefined)
    config.packageHashes = hashes.split(/[\s,]+/).filter(Boolean) as Array<'sha256' | 'sha512'>;
  if (a.flags.has('--not-automatic')) config.notAutomatic = true;
  if (a.flags.has('--but-automatic-upgrades')) config.butAutomaticUpgrades = true;
  return config;
}

/**
 * Settings that later commands may change (Release metadata). Components
 * and architectures are set by `create`; `--component` elsewhere names the
 * component to work on.
 */
function releaseSettingsFromArgs(a: RepoCliArgs): AptRepositoryConfig {
  const all = aptConfigFromArgs(a);
  const out: AptRepositoryConfig = {};
  for (const k of [
    'origin',
    'label',
    'description',
    'version',
    'validFor',
    'notAutomatic',
    'butAutomaticUpgrades',
    'packageHashes',
  ] as const)
    if (all[k] !== undefined) (out as Record<string, unknown>)[k] = all[k];
  if (a.flags.has('--flat') || many(a, '--arch') || one(a, '--suite') || one(a, '--codename'))
    throw new UsageError(
      '--flat, --arch, --suite and --codename are set when the repository is created',
    );
  return out;
}

/** Runs `releng repo …` / `releng key …`; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function runRepoCommand(
  argv: readonly string[],
  io: RepoCliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const env = io.env ?? process.env;
  const [group, cmd, ...rest] = argv;
  let json = false;
  try {
    if ((group !== 'repo' && group !== 'key') || !cmd || cmd === '--help' || cmd === '-h') {
      io.stdout.write(REPO_HELP);
      return group === 'repo' || group === 'key' ? 0 : 2;
    }
    const a = parseRepoArgs(rest);
    json = a.flags.has('--json');
    if (a.flags.has('--help') || a.flags.has('-h')) {
      io.stdout.write(REPO_HELP);
      return 0;
    }
    const print = (text: string, value: unknown): void => {
      io.stdout.write(
        json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`,
      );
    };
    if (group === 'key') return await keyCommand(cmd, a, env, io, print);
    return await repoCommand(cmd, a, env, io, print);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`(error) ${err.message}\n${REPO_HELP}`);
      return 2;
    }
    if (err instanceof RelengError) {
      io.stderr.write(`(error) ${err.message}\n`);
      if (err.details.hint) io.stderr.write(`(hint) ${err.details.hint}\n`);
      for (const l of err.details.logTail ?? []) io.stderr.write(`  ${l}\n`);
      return 1;
    }
    throw err;
  }
}

type Print = (text: string, value: unknown) => void;

async function writeKeyOut(
  a: RepoCliArgs,
  signerOrKey: Signer | Uint8Array,
  defaultOut: string | undefined,
  io: RepoCliIo,
  print: Print,
): Promise<number> {
  const binary = a.flags.has('--binary');
  const data =
    signerOrKey instanceof Uint8Array
      ? binary
        ? await (await signing()).binaryPublicKey(signerOrKey)
        : await (await signing()).armorPublicKey(signerOrKey)
      : binary
        ? await signerOrKey.publicKeyBinary()
        : await signerOrKey.publicKeyArmored();
  const out = one(a, '--out') ?? defaultOut;
  if (!out || out === '-') {
    if (binary && !out) throw new UsageError('--binary needs --out FILE (or --out - for stdout)');
    io.stdout.write(typeof data === 'string' ? data : Buffer.from(data));
    return 0;
  }
  await writePublicFile(out, data, a.flags.has('--force'));
  print(`wrote the public key to ${out}`, { publicKey: path.resolve(out) });
  return 0;
}

async function keyCommand(
  cmd: string,
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv,
  io: RepoCliIo,
  print: Print,
): Promise<number> {
  if (cmd === 'generate') {
    const name = one(a, '--name');
    const email = one(a, '--email');
    const out = one(a, '--out') ?? a.positionals[0];
    if (!name || !email || !out)
      throw new UsageError('key generate needs --name, --email and --out FILE');
    const algorithm = one(a, '--algorithm') ?? 'ed25519';
    if (algorithm !== 'ed25519' && algorithm !== 'rsa')
      throw new UsageError(`--algorithm must be ed25519 or rsa, not '${algorithm}'`);
    const bits = one(a, '--rsa-bits');
    const expires = one(a, '--expires');
    const pass = passphraseOptions(a, env);
    const passphrase =
      pass.passphrase ??
      (pass.passphraseFile
        ? await (await import('./signing/keyfile.ts')).readPassphraseFile(pass.passphraseFile)
        : undefined);
    const { parseDuration } = await import('./apt/release.ts');
    const publicOut = one(a, '--public-out');
    const result = await (await signing()).generateKey({
      name,
      email,
      algorithm,
      rsaBits: bits !== undefined ? Number(bits) : undefined,
      passphrase,
      expiresIn: expires !== undefined ? parseExpiry(expires, parseDuration) : undefined,
      out,
    });
    if (publicOut)
      await writePublicFile(publicOut, result.publicKeyArmored, a.flags.has('--force'));
    print(
      [
        `generated ${algorithm} key ${result.fingerprint}`,
        `private key: ${out} (mode 0600${passphrase ? ', passphrase-protected' : ', no passphrase'})`,
        publicOut
          ? `public key: ${publicOut}`
          : `public key: releng key export --key ${out} --out KEY.asc`,
      ].join('\n'),
      {
        fingerprint: result.fingerprint,
        keyId: result.keyId,
        privateKey: path.resolve(out),
        publicKey: publicOut ? path.resolve(publicOut) : undefined,
      },
    );
    return 0;
  }
  if (cmd === 'export') {
    const signer = await signerFromArgs(a, env);
    if (!signer) throw new UsageError('key export needs --key FILE or --gpg-key ID');
    return writeKeyOut(a, signer, undefined, io, print);
  }
  throw new UsageError(`unknown command 'key ${cmd}'`);
}

async function repoCommand(
  cmd: string,
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv,
  io: RepoCliIo,
  print: Print,
): Promise<number> {
  if (cmd === 'export-key') {
    const signer = await signerFromArgs(a, env);
    const dir = a.positionals[0];
    if (!signer) {
      // The public key a repository was verified with, or named: --public-key FILE.
      const pub = one(a, '--public-key');
      if (!pub) throw new UsageError('repo export-key needs --key FILE or --gpg-key ID');
      return writeKeyOut(a, await (await signing()).readPublicKeyFile(pub), undefined, io, print);
    }
    return writeKeyOut(a, signer, dir ? path.join(dir, 'archive-key.asc') : undefined, io, print);
  }
  if (cmd === 'verify') {
    const dir = needDir(a, cmd);
    const type = await repoType(a, dir);
    if (type === 'yum') return yumCommand(cmd, a, env, io, print);
    const report = await verifyAptRepository(dir, {
      publicKey: await verifyKey(a),
      suite: one(a, '--suite'),
      checkPool: !a.flags.has('--no-pool'),
    });
    return printReport(
      report.releases.map(
        (r) =>
          `${r.dir}: ${r.indexFiles} index files${r.signedBy ? `, signed by ${r.signedBy}` : ''}`,
      ),
      report,
      print,
    );
  }
  const dir = needDir(a, cmd);
  const type = await repoType(a, cmd === 'create' ? undefined : dir);
  if (type === 'yum') return yumCommand(cmd, a, env, io, print);
  if (cmd === 'list') {
    const repo = await aptRepository(dir, {}, { create: false });
    const pkgs = repo.packages();
    print(
      pkgs
        .map((p) => `${p.package} ${p.version} ${p.architecture} ${p.component} ${p.filename}`)
        .join('\n') || '(no packages)',
      pkgs,
    );
    return 0;
  }
  const signer = await signerFromArgs(a, env);
  const unsigned = a.flags.has('--unsigned');
  if (cmd === 'create') {
    if (await readRepoConfig(dir))
      throw new RelengError(`'${dir}' already holds a repository`, {
        hint: 'change its packages with `releng repo add/remove`',
      });
    const repo = await aptRepository(dir, aptConfigFromArgs(a));
    const result = await repo.publish({ signer, unsigned });
    const c = repo.config;
    print(
      [
        `created ${c.layout === 'flat' ? 'flat ' : ''}APT repository ${path.resolve(dir)}`,
        c.layout === 'flat'
          ? `  deb [signed-by=KEY] URI ./`
          : `  suite ${c.suite}, codename ${c.codename}, components ${c.components.join(' ')}, architectures ${c.architectures.join(' ')}`,
        signer
          ? `  signed by ${signer.fingerprint}`
          : '  unsigned (apt needs [trusted=yes]; pass --key to sign)',
      ].join('\n'),
      { config: c, ...result },
    );
    return 0;
  }
  const repo = await aptRepository(dir, releaseSettingsFromArgs(a), { create: false });
  const publish = async () => repo.publish({ signer, unsigned });
  if (cmd === 'add') {
    const files = a.positionals.slice(1);
    if (files.length === 0) throw new UsageError('repo add needs .deb files');
    const r = await repo.add(files, {
      component: one(a, '--component'),
      replace: a.flags.has('--replace'),
    });
    const p = await publish();
    const line = (verb: string, list: typeof r.added) =>
      list.map((x) => `${verb} ${x.package} ${x.version} (${x.architecture}) → ${x.filename}`);
    print(
      [
        ...line('replaced', r.replaced),
        ...line('added', r.added),
        ...line('unchanged', r.unchanged),
        published(p),
      ].join('\n'),
      { ...r, ...p },
    );
    return 0;
  }
  if (cmd === 'remove') {
    const specs = a.positionals.slice(1);
    if (specs.length === 0) throw new UsageError('repo remove needs package names');
    const removed = repo.remove(specs, { component: one(a, '--component') });
    const p = await publish();
    print(
      [
        ...removed.map((x) => `removed ${x.package} ${x.version} (${x.architecture})`),
        published(p),
      ].join('\n'),
      { removed, ...p },
    );
    return 0;
  }
  if (cmd === 'index' || cmd === 'reindex') {
    const r = await repo.reindex({ full: a.flags.has('--full') });
    const p = await publish();
    print(
      `${r.added.length} new, ${r.changed.length} changed, ${r.removed.length} gone, ${r.unchanged} unchanged\n${published(p)}`,
      { ...r, ...p },
    );
    return 0;
  }
  if (cmd === 'sign' || cmd === 'publish') {
    if (cmd === 'sign' && !signer)
      throw new UsageError('repo sign needs --key FILE or --gpg-key ID');
    const p = await publish();
    print(published(p), p);
    return 0;
  }
  throw new UsageError(`unknown command 'repo ${cmd}'`);
}

/** The public key `repo verify` checks signatures with (none with --unsigned). */
async function verifyKey(a: RepoCliArgs): Promise<Uint8Array | undefined> {
  const pub = one(a, '--public-key');
  if (!pub && !a.flags.has('--unsigned'))
    throw new UsageError(
      'repo verify needs --public-key FILE (or --unsigned to check hashes only)',
    );
  return pub ? (await signing()).readPublicKeyFile(pub) : undefined;
}

/** Prints what a verification checked, its warnings and problems; returns the exit code. */
function printReport(
  checked: string[],
  report: { ok: boolean; packages: number; warnings: string[]; problems: string[] },
  print: Print,
): number {
  const lines = [
    ...checked,
    `${report.packages} package files checked`,
    ...report.warnings.map((w) => `(warning) ${w}`),
    ...report.problems.map((p) => `(problem) ${p}`),
    report.ok ? 'OK' : `FAILED: ${report.problems.length} problem(s)`,
  ];
  print(lines.join('\n'), report);
  return report.ok ? 0 : 1;
}

/** `2y`, `6m`… for key expiry: like parseDuration, plus `y` (365 days). */
function parseExpiry(value: string, parseDuration: (v: string) => number): number {
  const m = /^(\d+)y$/.exec(value.trim());
  return m ? Number(m[1]) * 365 * 86400 : Math.round(parseDuration(value));
}

function published(p: { release: string; signedBy?: string; packages: number }): string {
  return `published ${p.release} (${p.packages} packages${p.signedBy ? `, signed by ${p.signedBy}` : ', unsigned'})`;
}

/**
 * YUM repositories, through the YUM module's public API
 * (`yumRepository` / `updateYumRepository` in src/repository/yum/index.ts).
 * This is the hook for `--type yum`; the YUM module owns what it does.
 */
async function yumCommand(
  cmd: string,
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv,
  _io: RepoCliIo,
  print: Print,
): Promise<number> {
  const yum = await import('./yum/index.ts');
  const dir = needDir(a, cmd);
  if (cmd === 'list') {
    const repo = await yum.yumRepository(dir);
    const pkgs = repo.packages();
    print(pkgs.map((p) => `${p.nevra} ${p.location}`).join('\n') || '(no packages)', pkgs);
    return 0;
  }
  if (cmd === 'verify') {
    const report = await yum.verifyYumRepository(dir, {
      publicKey: await verifyKey(a),
      checkPackages: !a.flags.has('--no-pool'),
    });
    return printReport(
      [
        `repodata/repomd.xml: revision ${report.revision ?? '?'}, ${report.dataFiles} data files${report.signedBy ? `, signed by ${report.signedBy}` : ''}`,
      ],
      report,
      print,
    );
  }
  const signer = await signerFromArgs(a, env);
  const files = a.positionals.slice(1);
  if (!['create', 'add', 'remove', 'index', 'reindex', 'sign', 'publish'].includes(cmd))
    throw new UsageError(`unknown command 'repo ${cmd}'`);
  const result = await yum.updateYumRepository(dir, {
    add: cmd === 'add' ? files : undefined,
    remove: cmd === 'remove' ? files : undefined,
    replace: a.flags.has('--replace'),
    reindex:
      cmd === 'index' || cmd === 'reindex' ? (a.flags.has('--full') ? 'full' : true) : undefined,
    signer,
    unsigned: a.flags.has('--unsigned'),
  });
  print(
    [
      ...result.added.map((p) => `added ${p.nevra}`),
      ...result.removed.map((p) => `removed ${p.nevra}`),
      `published ${result.repomd} (${result.packages} packages${signer ? `, signed by ${signer.fingerprint}` : ', unsigned'})`,
    ].join('\n'),
    result,
  );
  return 0;
}
