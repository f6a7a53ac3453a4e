/**
 * The gpg signer: the user's own gpg and gpg-agent (smartcards, HSMs,
 * keys that never leave the agent). Every call is
 * `gpg --batch --no-tty --status-fd 3 --digest-algo SHA512 --local-user FPR!`;
 * the outcome is read from the status lines, never from gpg's prose.
 *
 * With a passphrase, gpg runs with `--pinentry-mode loopback` and reads it from
 * file descriptor 4 (never from the command line or the environment).
 * Without one, gpg-agent asks through its own pinentry (or its cache, or the
 * smartcard), as a plain `gpg --sign` would.
 */
import { createRequire } from 'node:module';
import { RelengError } from '../../util/errors.ts';
import type { Signer, SigningAlgorithm, SignOptions } from './index.ts';
import { readPassphraseFile, type SecretFileChecks } from './keyfile.ts';

/** Options of {@link openGpgSigner}. */
export interface GpgSignerOptions extends SecretFileChecks {
  /** Key id, fingerprint or user id known to gpg (`--local-user`). */
  gpgKey?: string;
  /** gpg home directory (`--homedir`); default $GNUPGHOME or ~/.gnupg. */
  gpgHome?: string;
  passphrase?: string;
  passphraseFile?: string;
  /** The gpg program (default `gpg`). */
  gpgProgram?: string;
}

interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  status: string[];
}

/** Hash ids of the OpenPGP registry that are SHA-256 or stronger. */
const STRONG_HASH_IDS = new Set([8, 9, 10, 12, 14]);

/** Runs gpg with status lines on fd 3 and, when given, the passphrase on fd 4. */
function runGpg(
  program: string,
  args: string[],
  input: Uint8Array | undefined,
  passphrase: string | undefined,
): Promise<GpgResult> {
  return new Promise((resolve, reject) => {
    const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe', 'pipe'];
    if (passphrase !== undefined) stdio.push('pipe');
    // child_process loads with the gpg backend's first use, not with every signing command.
    const { spawn } = createRequire(import.meta.url)(
      'node:child_process',
    ) as typeof import('node:child_process');
    const child = spawn(program, args, { stdio, env: { ...process.env, LC_ALL: 'C' } });
    const out: Buffer[] = [];
    let err = '';
    let status = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      status += d.toString();
    });
    if (passphrase !== undefined) {
      const fd4 = child.stdio[4] as NodeJS.WritableStream;
      fd4.on('error', () => {});
      fd4.end(`${passphrase}\n`);
    }
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? Buffer.alloc(0));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        new RelengError(
          e.code === 'ENOENT'
            ? `the gpg backend needs '${program}' (Debian package gnupg)`
            : `cannot run ${program}: ${e.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out),
        stderr: err,
        status: status
          .split('\n')
          .filter((l) => l.startsWith('[GNUPG:] '))
          .map((l) => l.slice(9)),
      });
    });
  });
}

interface ColonKey {
  type: string;
  algo: number;
  bits: number;
  curve: string;
  caps: string;
  validity: string;
  created: number;
  fingerprint: string;
}

/** Parses `--with-colons --fixed-list-mode` output into keys (primary first, then subkeys). */
function parseColons(text: string): ColonKey[][] {
  const keys: ColonKey[][] = [];
  let last: ColonKey | undefined;
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const t = f[0]!;
    if (t === 'sec' || t === 'ssb' || t === 'pub' || t === 'sub') {
      last = {
        type: t,
        validity: f[1] ?? '',
        bits: Number(f[2] ?? 0),
        algo: Number(f[3] ?? 0),
        created: Number(f[5] ?? 0),
        caps: f[11] ?? '',
        curve: f[16] ?? '',
        fingerprint: '',
      };
      if (t === 'sec' || t === 'pub') keys.push([last]);
      else keys.at(-1)?.push(last);
    } else if (t === 'fpr' && last && last.fingerprint === '') {
      last.fingerprint = (f[9] ?? '').toUpperCase();
    }
  }
  return keys;
}

function gpgAlgorithm(k: ColonKey, label: string): SigningAlgorithm {
  if (k.algo === 1 || k.algo === 3) {
    if (k.bits < 2048) throw new RelengError(`${label}: RSA key of ${k.bits} bits is too weak`);
    return 'rsa';
  }
  if (k.algo === 22 && /^ed25519$/i.test(k.curve)) return 'ed25519';
  throw new RelengError(
    `${label}: unsupported signing key algorithm ${k.algo}${k.curve ? ` (${k.curve})` : ''}`,
    { hint: 'use an Ed25519 or RSA (≥ 2048 bits) OpenPGP v4 key' },
  );
}

/** gpg-error codes (the low 16 bits of FAILURE / ERROR status values). */
const GPG_ERR = {
  badPassphrase: 11,
  noSecretKey: 17,
  noPinentry: 85,
  canceled: 99,
  keyExpired: 153,
};

function statusError(r: GpgResult, label: string): RelengError {
  const has = (kw: string): boolean => r.status.some((s) => s.startsWith(`${kw} `) || s === kw);
  const codes = r.status
    .filter((s) => /^(FAILURE|ERROR) /.test(s))
    .map((s) => Number(s.split(' ').at(-1)) & 0xffff);
  const code = (c: number): boolean => codes.includes(c);
  if (has('BAD_PASSPHRASE') || code(GPG_ERR.badPassphrase) || /Bad passphrase/i.test(r.stderr))
    return new RelengError(`wrong passphrase for ${label}`);
  if (has('MISSING_PASSPHRASE'))
    return new RelengError(`${label} needs a passphrase, and none was given`, {
      hint: 'pass --passphrase-file FILE, or unlock the key in gpg-agent first',
    });
  if (has('KEYEXPIRED') || has('EXPKEYSIG') || code(GPG_ERR.keyExpired))
    return new RelengError(`${label} has expired`, { hint: 'gpg --quick-set-expire FPR 2y' });
  if (has('NO_SECKEY') || has('INV_SGNR') || code(GPG_ERR.noSecretKey))
    return new RelengError(`${label}: no usable secret key in gpg`, {
      hint: 'check `gpg --list-secret-keys` (and --gpg-home)',
    });
  if (
    code(GPG_ERR.noPinentry) ||
    code(GPG_ERR.canceled) ||
    codes.some((c) => c === (0x8000 | 25)) ||
    /pinentry|Inappropriate ioctl/i.test(r.stderr)
  )
    return new RelengError(`${label}: gpg-agent could not ask for the passphrase (no pinentry)`, {
      hint: 'pass --passphrase-file FILE, or preset it in gpg-agent',
    });
  const lastLines = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-3);
  return new RelengError(`gpg failed to sign with ${label} (exit ${r.code})`, {
    exitCode: r.code,
    logTail: lastLines,
  });
}

/** Opens a key held by gpg / gpg-agent. */
export async function openGpgSigner(opts: GpgSignerOptions): Promise<Signer> {
  const program = opts.gpgProgram ?? 'gpg';
  const home = opts.gpgHome !== undefined ? ['--homedir', opts.gpgHome] : [];
  const base = ['--batch', '--no-tty', '--status-fd', '3', ...home];
  const passphrase =
    opts.passphrase ??
    (opts.passphraseFile !== undefined
      ? await readPassphraseFile(opts.passphraseFile, opts)
      : undefined);
  const wanted = opts.gpgKey;
  const listing = await runGpg(
    program,
    [
      ...base,
      '--with-colons',
      '--fixed-list-mode',
      '--with-fingerprint',
      '--with-fingerprint',
      '--list-secret-keys',
      ...(wanted !== undefined ? ['--', wanted] : []),
    ],
    undefined,
    undefined,
  );
  const keys = parseColons(listing.stdout.toString('utf8')).filter((k) => k[0]!.type === 'sec');
  const label = `gpg key '${wanted ?? '(default)'}'`;
  if (listing.code !== 0 || keys.length === 0)
    throw new RelengError(
      `${label}: no such secret key in gpg${opts.gpgHome ? ` (home ${opts.gpgHome})` : ''}`,
      { hint: 'list them with `gpg --list-secret-keys`' },
    );
  if (keys.length > 1)
    throw new RelengError(`${label} matches ${keys.length} secret keys; give a fingerprint`, {
      hint: keys.map((k) => k[0]!.fingerprint).join(', '),
    });
  const key = keys[0]!;
  const primary = key[0]!;
  if (primary.fingerprint.length !== 40)
    throw new RelengError(`${label}: not an OpenPGP v4 key; apt 2.6 only verifies v4 keys`);
  const usable = (k: ColonKey): boolean => k.caps.includes('s') && !/[erd]/.test(k.validity);
  const subkeys = key.slice(1).filter(usable);
  const signing =
    subkeys.sort((a, b) => b.created - a.created)[0] ?? (usable(primary) ? primary : undefined);
  if (!signing)
    throw new RelengError(`${label} has no valid signing (sub)key (expired or revoked?)`);
  const algorithm = gpgAlgorithm(signing, label);
  const fingerprint = primary.fingerprint;
  const allFprs = new Set(key.map((k) => k.fingerprint));
  const signLabel = `gpg key ${fingerprint}`;
  const loopback =
    passphrase !== undefined ? ['--pinentry-mode', 'loopback', '--passphrase-fd', '4'] : [];
  const signArgs = [
    ...base,
    ...loopback,
    '--digest-algo',
    'SHA512',
    '--personal-digest-preferences',
    'SHA512 SHA384 SHA256',
    '--no-emit-version',
    '--local-user',
    signing === primary ? `${fingerprint}!` : fingerprint,
    '--output',
    '-',
  ];
  const sign = async (mode: string[], data: Uint8Array, o: SignOptions = {}): Promise<Buffer> => {
    // gpg takes a signature's time from its clock; --faked-system-time with `!`
    // stops that clock at the asked time (not before the signing key's creation).
    // Key validity was checked at the real time when the key was listed above.
    const at =
      o.date !== undefined
        ? [
            '--faked-system-time',
            `${Math.max(Math.floor(o.date.getTime() / 1000), signing.created)}!`,
          ]
        : [];
    const r = await runGpg(program, [...at, ...signArgs, ...mode], data, passphrase);
    const created = r.status.find((s) => s.startsWith('SIG_CREATED '));
    if (r.code !== 0 || !created) throw statusError(r, signLabel);
    // SIG_CREATED <type> <pk_algo> <hash_algo> <class> <timestamp> <fpr>
    const f = created.split(' ');
    const hashId = Number(f[3]);
    if (!STRONG_HASH_IDS.has(hashId))
      throw new RelengError(`gpg signed with hash algorithm ${hashId}; SHA-256 or stronger only`);
    const by = (f[6] ?? '').toUpperCase();
    if (by && !allFprs.has(by))
      throw new RelengError(`gpg signed with ${by}, not with ${fingerprint}`);
    return r.stdout;
  };
  const exportKey = async (armor: boolean): Promise<Buffer> => {
    const r = await runGpg(
      program,
      [
        ...base,
        '--export-options',
        'export-minimal',
        ...(armor ? ['--armor'] : []),
        '--export',
        fingerprint,
      ],
      undefined,
      undefined,
    );
    if (r.code !== 0 || r.stdout.length === 0)
      throw new RelengError(`cannot export the public key ${fingerprint} from gpg`);
    return r.stdout;
  };
  return {
    fingerprint,
    keyId: fingerprint.slice(-16),
    algorithm,
    backend: 'gpg',
    async publicKeyArmored() {
      return (await exportKey(true)).toString('utf8');
    },
    async publicKeyBinary() {
      return new Uint8Array(await exportKey(false));
    },
    // gpg adds nothing random to v4 signatures: `deterministic` needs nothing more.
    async clearsign(text: string, options?: SignOptions) {
      return (await sign(['--clearsign'], Buffer.from(text, 'utf8'), options)).toString('utf8');
    },
    async detachSign(data: Uint8Array, options: { armor?: boolean } & SignOptions = {}) {
      const armor = options.armor !== false;
      const out = await sign(['--detach-sign', ...(armor ? ['--armor'] : [])], data, options);
      return armor ? out.toString('utf8') : new Uint8Array(out);
    },
  };
}
