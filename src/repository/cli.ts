/**
 * `releng repo …` and `releng key …`: repositories and signing keys from the
 * command line. The main CLI hands the words after `releng` to
 * {@link runRepoCommand} when the first one is `repo` or `key`.
 *
 * ```
 * releng repo create DIR [--type apt|yum] [--flat] [--suite S] [--codename C]
 *                        [--component C]... [--arch A]... [--origin O] [--label L]
 *                        [--description D] [--valid-for 7d] [--no-by-hash]
 *                        [--by-hash-keep N] [SIGNING]
 * releng repo add DIR FILE... [--component C] [--replace] [SIGNING]
 * releng repo remove DIR SPEC... [--component C] [SIGNING]
 * releng repo index DIR [--full] [SIGNING]
 * releng repo sign DIR SIGNING
 * releng repo rotate-key DIR SIGNING --new-key FILE | --new-gpg-key ID [NEW-PASSPHRASE]
 * releng repo retire-key DIR FINGERPRINT SIGNING
 * releng repo verify DIR --public-key FILE [--suite S (apt)] [--no-pool]
 * releng repo export-key [DIR] KEY [--out FILE] [--binary] [--force]
 * releng repo list DIR
 * releng key generate --name N --email E --out FILE [--algorithm ed25519|rsa]
 *                     [--rsa-bits N] [--expires 2y] [--public-out FILE] [PASSPHRASE]
 * releng key export KEY [--out FILE] [--binary] [--force]
 *
 * SIGNING:    KEY... [PASSPHRASE...] | --unsigned
 * KEY:        --key FILE | --gpg-key ID [--gpg-home DIR]   (repeated during a key rotation)
 * PASSPHRASE: --passphrase-file FILE | --passphrase-env VAR (one for all keys, or one per key)
 * ```
 *
 * A protected key with no passphrase given is asked for on the terminal
 * when there is one. `-W`/`--werror` turns warnings (a key file others can
 * read) into errors; `--json` prints results, and errors as the main CLI's
 * `error` event, as JSON on stdout.
 *
 * Repository types: `--type` or, for an existing repository, what it is.
 * APT is handled here; YUM goes to {@link yumCommand}, which uses the YUM
 * module's public API (`src/repository/yum/index.ts`).
 */
import path from 'node:path';
import { jsonErrorLine } from '../cli/errors.ts';
import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { type AptRepositoryConfig, aptRepository, verifyAptRepository } from './apt/index.ts';
import { detectRepoType, type RepoType, readRepoConfig } from './index-store.ts';
import type { KeyChange } from './key-pins.ts';
import type { OpenSignerOptions, Signer } from './signing/index.ts';

/** The signing module, imported on use (it loads openpgp.js: ~35 ms). */
const signing = () => import('./signing/index.ts');

import { canPrompt, promptHidden } from './prompt.ts';
import { writePublicFile } from './signing/keyfile.ts';

/** Where the command writes (tests pass their own). */
export interface RepoCliIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown };
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where a passphrase is asked for when it is a terminal (default process.stdin). */
  stdin?: NodeJS.ReadStream;
}

export const REPO_HELP = `releng repo — APT and YUM repositories; releng key — signing keys

  releng repo create DIR [--type apt|yum] [--flat] [--suite S] [--codename C]
                         [--component C]... [--arch A]... [--origin O] [--label L]
                         [--description D] [--valid-for 7d] [--no-by-hash] [--by-hash-keep N]
                         [--package-hashes sha256[,sha512]] [SIGNING]
  releng repo add DIR FILE... [--component C] [--replace] [SIGNING]
  releng repo remove DIR SPEC... [--component C] [SIGNING]   (SPEC: name[:arch][=version] or file)
  releng repo index DIR [--full] [SIGNING]      re-read the folder (only new or changed files)
  releng repo sign DIR SIGNING                  re-sign (fresh Date and Valid-Until)
  releng repo rotate-key DIR SIGNING --new-key FILE | --new-gpg-key ID [--new-passphrase-file F]
                                                sign with the old and the new key from now on
  releng repo retire-key DIR FINGERPRINT SIGNING
                                                stop signing with a key (end of a rotation)
  releng repo verify DIR --public-key FILE [--suite S (apt)] [--no-pool]
  releng repo list DIR
  releng repo export-key [DIR] KEY [--out FILE] [--binary] [--force]
  releng key generate --name NAME --email ADDR --out FILE [--algorithm ed25519|rsa]
                      [--rsa-bits N] [--expires 2y] [--public-out FILE] [PASSPHRASE]
  releng key export KEY [--out FILE] [--binary] [--force]

  SIGNING:    KEY... [PASSPHRASE...] | --unsigned   (every key the repository is pinned to)
  KEY:        --key FILE (OpenPGP private key) | --gpg-key ID [--gpg-home DIR] (gpg / gpg-agent)
  PASSPHRASE: --passphrase-file FILE | --passphrase-env VAR (one for all keys, or one per key);
              asked for on the terminal when a key is protected and none is given
  SOURCE_DATE_EPOCH: dates Release / repomd.xml and the signatures, which are then
              deterministic: the same packages and key give the same bytes
  Options: --json (results and errors as JSON), -W/--werror (warnings are errors), --help
`;

/** Parsed words: positionals plus options (repeatable ones as lists). */
export interface RepoCliArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
  /** Key options in command-line order (`--key`, `--gpg-key`), for pairing passphrases. */
  keys: Array<{ option: '--key' | '--gpg-key'; value: string }>;
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
  '--werror',
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
  '--new-key',
  '--new-gpg-key',
  '--new-passphrase-file',
  '--new-passphrase-env',
  '--public-key',
  '--out',
  '--public-out',
  '--name',
  '--email',
  '--algorithm',
  '--rsa-bits',
  '--expires',
  '--package-hashes',
  '--by-hash-keep',
]);
const ALIASES: Record<string, string> = {
  '--components': '--component',
  '--architectures': '--arch',
  '--architecture': '--arch',
  '--signed-by': '--public-key',
  '--pubkey': '--public-key',
  '-W': '--werror',
};
/** Options that may be given several times. */
const REPEATABLE = new Set([
  '--component',
  '--arch',
  '--key',
  '--gpg-key',
  '--passphrase-file',
  '--passphrase-env',
]);

const REPO_COMMANDS = [
  'create',
  'add',
  'remove',
  'index',
  'sign',
  'rotate-key',
  'retire-key',
  'verify',
  'list',
  'export-key',
];
const KEY_COMMANDS = ['generate', 'export'];

/** A command line releng cannot run (exit code 2). */
class UsageError extends Error {}

/** Parses `--opt value`, `--opt=value`, flags and positionals. */
export function parseRepoArgs(argv: readonly string[]): RepoCliArgs {
  const out: RepoCliArgs = { positionals: [], flags: new Set(), values: new Map(), keys: [] };
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
      if (word === '--key' || word === '--gpg-key') out.keys.push({ option: word, value });
    } else {
      throw new UsageError(
        `unknown option ${word}${didYouMean(word, [...FLAG_OPTIONS, ...VALUE_OPTIONS, ...Object.keys(ALIASES)])}`,
      );
    }
  }
  for (const [name, list] of out.values)
    if (list.length > 1 && !REPEATABLE.has(name))
      throw new UsageError(`${name} is given more than once`);
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

/** How secrets are handled: file-mode warnings, `--werror`, the terminal prompt. */
export interface SecretOptions {
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
  werror: boolean;
  /** Asks for a passphrase on the terminal (undefined when there is none). */
  ask?: (label: string) => Promise<string | undefined>;
}

/** Passphrases from --passphrase-env (the variables' values) or --passphrase-file, in order. */
function passphraseList(
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv,
  prefix = '--',
): Array<{ passphrase?: string; passphraseFile?: string }> {
  const files = many(a, `${prefix}passphrase-file`) ?? [];
  const envs = many(a, `${prefix}passphrase-env`) ?? [];
  if (files.length > 0 && envs.length > 0)
    throw new UsageError(`give ${prefix}passphrase-file or ${prefix}passphrase-env, not both`);
  if (envs.length > 0)
    return envs.map((name) => {
      const value = env[name];
      if (value === undefined)
        throw new RelengError(
          `the environment variable ${name} (${prefix}passphrase-env) is not set`,
        );
      return { passphrase: value };
    });
  return files.map((f) => ({ passphraseFile: f }));
}

/** One passphrase (key generate). */
function passphraseOptions(
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv,
): { passphrase?: string; passphraseFile?: string } {
  const list = passphraseList(a, env);
  if (list.length > 1) throw new UsageError('give one passphrase');
  return list[0] ?? {};
}

/** Opens one signer. */
async function openOne(
  spec: { option: '--key' | '--gpg-key'; value: string },
  pass: { passphrase?: string; passphraseFile?: string },
  a: RepoCliArgs,
  secrets: SecretOptions,
): Promise<Signer> {
  const backend = one(a, '--backend');
  if (backend !== undefined && backend !== 'openpgp' && backend !== 'gpg')
    throw new UsageError(`--backend must be openpgp or gpg, not '${backend}'`);
  const isGpg = spec.option === '--gpg-key';
  const options: OpenSignerOptions = {
    backend: isGpg ? 'gpg' : ((backend as 'openpgp' | 'gpg' | undefined) ?? 'openpgp'),
    keyFile: isGpg ? undefined : spec.value,
    gpgKey: isGpg ? spec.value : undefined,
    gpgHome: one(a, '--gpg-home'),
    ...pass,
    warn: secrets.warn,
    werror: secrets.werror,
    askPassphrase: secrets.ask,
  };
  return (await signing()).openSigner(options);
}

/**
 * Opens the signers the options name (empty when none). Passphrases pair
 * with the keys in command-line order; a single one serves every key.
 */
export async function signersFromArgs(a: RepoCliArgs, secrets: SecretOptions): Promise<Signer[]> {
  if (a.flags.has('--unsigned') && a.keys.length > 0)
    throw new UsageError('--unsigned and a signing key contradict each other');
  const passes = passphraseList(a, secrets.env);
  if (a.keys.length === 0) {
    if (passes.length > 0)
      throw new UsageError('a passphrase was given without --key or --gpg-key');
    return [];
  }
  if (passes.length > 1 && passes.length !== a.keys.length)
    throw new UsageError(
      `${passes.length} passphrases for ${a.keys.length} keys: give one for all, or one per key (in the same order)`,
    );
  const out: Signer[] = [];
  for (const [i, spec] of a.keys.entries())
    out.push(await openOne(spec, passes.length > 1 ? passes[i]! : (passes[0] ?? {}), a, secrets));
  const seen = new Set<string>();
  for (const x of out) {
    if (seen.has(x.fingerprint)) throw new UsageError(`the key ${x.fingerprint} is given twice`);
    seen.add(x.fingerprint);
  }
  return out;
}

/** The one signer of commands that take one key (export-key, key export); undefined when none. */
export async function signerFromArgs(
  a: RepoCliArgs,
  env: NodeJS.ProcessEnv = process.env,
  secrets?: SecretOptions,
): Promise<Signer | undefined> {
  if (a.keys.length > 1) throw new UsageError('give one key (--key FILE or --gpg-key ID)');
  const list = await signersFromArgs(
    a,
    secrets ?? { env, warn: (m) => process.stderr.write(`(warn) ${m}\n`), werror: false },
  );
  return list[0];
}

/** The new key of `repo rotate-key` (--new-key FILE or --new-gpg-key ID). */
async function newSignerFromArgs(a: RepoCliArgs, secrets: SecretOptions): Promise<Signer> {
  const file = one(a, '--new-key');
  const gpg = one(a, '--new-gpg-key');
  if ((file ? 1 : 0) + (gpg ? 1 : 0) !== 1)
    throw new UsageError('repo rotate-key needs the new key: --new-key FILE or --new-gpg-key ID');
  const passes = passphraseList(a, secrets.env, '--new-');
  return openOne(
    file ? { option: '--key', value: file } : { option: '--gpg-key', value: gpg! },
    passes[0] ?? {},
    a,
    secrets,
  );
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
  const keep = one(a, '--by-hash-keep');
  if (keep !== undefined) {
    if (!/^\d+$/.test(keep)) throw new UsageError(`--by-hash-keep takes a number, not '${keep}'`);
    config.byHashKeep = Number(keep);
  }
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
    'byHashKeep',
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
  // --json is honoured even when the rest of the line cannot be parsed.
  let json = rest.includes('--json');
  /** An error: `(error) …` on stderr, or under --json the main CLI's `error` event on stdout. */
  const report = (message: string, details: RelengError['details'], usage: boolean): void => {
    if (json) {
      io.stdout.write(jsonErrorLine(message, details));
      return;
    }
    io.stderr.write(`(error) ${message}\n`);
    if (details.file) io.stderr.write(`  file: ${details.file}\n`);
    if (details.hint) io.stderr.write(`(hint) ${details.hint}\n`);
    for (const l of details.logTail ?? []) io.stderr.write(`  ${l}\n`);
    if (usage)
      io.stderr.write(
        `run \`releng ${group === 'key' ? 'key' : 'repo'} --help\` for the commands and options\n`,
      );
  };
  try {
    if (group !== 'repo' && group !== 'key') {
      io.stderr.write(REPO_HELP);
      return 2;
    }
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout.write(REPO_HELP);
      return 0;
    }
    const commands = group === 'key' ? KEY_COMMANDS : [...REPO_COMMANDS, 'reindex', 'publish'];
    if (!commands.includes(cmd))
      throw new UsageError(
        cmd.startsWith('-')
          ? `\`releng ${group}\` needs a command before options (${(group === 'key' ? KEY_COMMANDS : REPO_COMMANDS).join(', ')})`
          : `unknown command '${group} ${cmd}'${didYouMean(cmd, group === 'key' ? KEY_COMMANDS : REPO_COMMANDS)}`,
      );
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
    const stdin = io.stdin ?? (io.stdout === process.stdout ? process.stdin : undefined);
    const secrets: SecretOptions = {
      env,
      werror: a.flags.has('--werror'),
      warn: (m) => {
        io.stderr.write(`(warn) ${m}\n`);
      },
      ask: canPrompt(stdin)
        ? (label) => promptHidden(`passphrase for ${label}: `, { input: stdin, output: io.stderr })
        : undefined,
    };
    if (group === 'key') return await keyCommand(cmd, a, secrets, io, print);
    return await repoCommand(cmd, a, secrets, io, print);
  } catch (err) {
    if (err instanceof UsageError) {
      report(err.message, {}, true);
      return 2;
    }
    if (err instanceof RelengError) {
      report(err.message, err.details, false);
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
  secrets: SecretOptions,
  io: RepoCliIo,
  print: Print,
): Promise<number> {
  const env = secrets.env;
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
        ? await (await import('./signing/keyfile.ts')).readPassphraseFile(
            pass.passphraseFile,
            secrets,
          )
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
    const signer = await signerFromArgs(a, env, secrets);
    if (!signer) throw new UsageError('key export needs --key FILE or --gpg-key ID');
    return writeKeyOut(a, signer, undefined, io, print);
  }
  throw new UsageError(`unknown command 'key ${cmd}'`);
}

async function repoCommand(
  cmd: string,
  a: RepoCliArgs,
  secrets: SecretOptions,
  io: RepoCliIo,
  print: Print,
): Promise<number> {
  if (cmd === 'export-key') {
    const signer = await signerFromArgs(a, secrets.env, secrets);
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
    if (type === 'yum') return yumCommand(cmd, a, secrets, io, print);
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
  if (type === 'yum') return yumCommand(cmd, a, secrets, io, print);
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
  const { signers, keyChange, positionals } = await signingPlan(cmd, a, secrets);
  const signer = signers[0];
  const unsigned = a.flags.has('--unsigned');
  // SOURCE_DATE_EPOCH from the command's environment, not only process.env.
  const env = secrets.env;
  if (cmd === 'create') {
    if (await readRepoConfig(dir))
      throw new RelengError(`'${dir}' already holds a repository`, {
        hint: 'change its packages with `releng repo add/remove`',
      });
    const repo = await aptRepository(dir, aptConfigFromArgs(a));
    const result = await repo.publish({ signers, unsigned, env });
    const c = repo.config;
    print(
      [
        `created ${c.layout === 'flat' ? 'flat ' : ''}APT repository ${path.resolve(dir)}`,
        c.layout === 'flat'
          ? `  deb [signed-by=KEY] URI ./`
          : `  suite ${c.suite}, codename ${c.codename}, components ${c.components.join(' ')}, architectures ${c.architectures.join(' ')}`,
        signer
          ? `  signed by ${signers.map((x) => x.fingerprint).join(', ')} (pinned: other keys are refused)`
          : '  unsigned (apt needs [trusted=yes]; pass --key to sign)',
      ].join('\n'),
      { config: c, ...result },
    );
    return 0;
  }
  const repo = await aptRepository(dir, releaseSettingsFromArgs(a), { create: false });
  const publish = async (force = false) =>
    repo.publish({ signers, unsigned, keyChange, force, env });
  if (cmd === 'add') {
    const files = positionals.slice(1);
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
    const specs = positionals.slice(1);
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
  if (cmd === 'sign' || cmd === 'publish' || cmd === 'rotate-key' || cmd === 'retire-key') {
    if (cmd === 'sign' && !signer)
      throw new UsageError('repo sign needs --key FILE or --gpg-key ID');
    const p = await publish(cmd !== 'publish');
    print(`${keyChangeLine(cmd, p.signers, keyChange)}${published(p)}`, p);
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

function published(p: {
  release?: string;
  repomd?: string;
  signers: string[];
  packages: number;
  noop: boolean;
  recovered: string[];
}): string {
  const where = p.release ?? p.repomd;
  const signed = p.signers.length > 0 ? `, signed by ${p.signers.join(' and ')}` : ', unsigned';
  const recovered =
    p.recovered.length > 0
      ? `recovered from an interrupted publish: removed ${p.recovered.join(', ')}\n`
      : '';
  return p.noop
    ? `${recovered}unchanged: nothing to publish (${where}, ${p.packages} packages${signed})`
    : `${recovered}published ${where} (${p.packages} packages${signed})`;
}

/** The first line of rotate-key / retire-key output. */
function keyChangeLine(cmd: string, signers: string[], change: KeyChange | undefined): string {
  if (cmd === 'rotate-key')
    return `rotation started: signing with ${signers.join(' and ')} until \`releng repo retire-key\` retires the old key\n`;
  if (cmd === 'retire-key')
    return `retired ${change?.retire?.join(', ')}; signing with ${signers.join(' and ')} only\n`;
  return '';
}

/**
 * The keys a changing command signs with, and the key change it asks for:
 * `rotate-key` adds `--new-key`, `retire-key` takes the fingerprint to
 * retire as its second word.
 */
async function signingPlan(
  cmd: string,
  a: RepoCliArgs,
  secrets: SecretOptions,
): Promise<{ signers: Signer[]; keyChange?: KeyChange; positionals: string[] }> {
  const signers = await signersFromArgs(a, secrets);
  if (cmd === 'rotate-key') {
    if (signers.length === 0)
      throw new UsageError('repo rotate-key needs the current key(s): --key FILE or --gpg-key ID');
    if (a.positionals.length > 1) throw new UsageError('repo rotate-key takes only the folder');
    const next = await newSignerFromArgs(a, secrets);
    if (signers.some((x) => x.fingerprint === next.fingerprint))
      throw new UsageError('the new key is also given as a current key');
    return {
      signers: [...signers, next],
      keyChange: { add: [next.fingerprint] },
      positionals: a.positionals,
    };
  }
  if (one(a, '--new-key') || one(a, '--new-gpg-key'))
    throw new UsageError('--new-key is for `releng repo rotate-key`');
  if (cmd === 'retire-key') {
    const retire = a.positionals.slice(1);
    if (retire.length === 0)
      throw new UsageError('repo retire-key needs the fingerprint of the key to retire');
    if (signers.length === 0)
      throw new UsageError(
        'repo retire-key needs the key(s) that stay: --key FILE or --gpg-key ID',
      );
    return { signers, keyChange: { retire }, positionals: a.positionals.slice(0, 1) };
  }
  return { signers, positionals: a.positionals };
}

/**
 * YUM repositories, through the YUM module's public API
 * (`yumRepository` / `updateYumRepository` in src/repository/yum/index.ts).
 * This is the hook for `--type yum`; the YUM module owns what it does.
 */
async function yumCommand(
  cmd: string,
  a: RepoCliArgs,
  secrets: SecretOptions,
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
  if (
    ![
      'create',
      'add',
      'remove',
      'index',
      'reindex',
      'sign',
      'publish',
      'rotate-key',
      'retire-key',
    ].includes(cmd)
  )
    throw new UsageError(`unknown command 'repo ${cmd}'${didYouMean(cmd, REPO_COMMANDS)}`);
  if (cmd === 'create' && (await readRepoConfig(dir)))
    throw new RelengError(`'${dir}' already holds a repository`, {
      hint: 'change its packages with `releng repo add/remove`',
    });
  const { signers, keyChange, positionals } = await signingPlan(cmd, a, secrets);
  const signer = signers[0];
  if (cmd === 'sign' && !signer) throw new UsageError('repo sign needs --key FILE or --gpg-key ID');
  const files = positionals.slice(1);
  const result = await yum.updateYumRepository(dir, {
    add: cmd === 'add' ? files : undefined,
    remove: cmd === 'remove' ? files : undefined,
    replace: a.flags.has('--replace'),
    reindex:
      cmd === 'index' || cmd === 'reindex' ? (a.flags.has('--full') ? 'full' : true) : undefined,
    signers,
    keyChange,
    force: cmd === 'sign' || cmd === 'rotate-key' || cmd === 'retire-key',
    unsigned: a.flags.has('--unsigned'),
    env: secrets.env,
  });
  print(
    [
      ...result.added.map((p) => `added ${p.nevra}`),
      ...result.removed.map((p) => `removed ${p.nevra}`),
      `${keyChangeLine(cmd, result.signers, keyChange)}${published(result)}`,
    ].join('\n'),
    result,
  );
  return 0;
}
