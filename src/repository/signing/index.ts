/**
 * Signing for repositories and packages: one {@link Signer} interface over two
 * backends, openpgp.js (a key file; in-process, ~1 ms a signature) and the
 * user's gpg / gpg-agent (smartcards, HSMs). OpenPGP v4 keys only (apt 2.6
 * rejects v6), Ed25519 or RSA; every signature uses SHA-512 (never anything
 * weaker than SHA-256). Private key material is never printed, logged or
 * written anywhere but the file the user names.
 *
 * Users: APT (InRelease, Release.gpg), YUM (repomd.xml.asc, rpm header
 * signatures with `detachSign(header, { armor: false })`), .deb origin signatures.
 */
import * as openpgp from 'openpgp';
import { RelengError } from '../../util/errors.ts';
import { openGpgSigner } from './gpg-backend.ts';
import { isArmored, readKeyFile, type SecretFileChecks, writeSecretFile } from './keyfile.ts';
import {
  assertStrongHash,
  FULL_CONFIG,
  hashName,
  keyIds,
  openOpenpgpSigner,
  PGP_CONFIG,
} from './openpgp-backend.ts';

export type SigningAlgorithm = 'rsa' | 'ed25519';
export type SigningBackend = 'openpgp' | 'gpg';

/** Something that signs with one OpenPGP v4 key. */
export interface Signer {
  /** Fingerprint of the primary key, upper-case hex (40 digits). */
  readonly fingerprint: string;
  /** Long key id: the last 16 hex digits of the fingerprint. */
  readonly keyId: string;
  /** Algorithm of the (sub)key that makes the signatures. */
  readonly algorithm: SigningAlgorithm;
  /** Which backend signs (informational). */
  readonly backend?: SigningBackend;
  /** The private key file, for the openpgp backend (so callers can refuse to publish it). */
  readonly keyFile?: string;
  /** The public key (transferable public key, minimal), ASCII-armored. */
  publicKeyArmored(): Promise<string>;
  /** The same, binary (what `signed-by=` accepts as a `.gpg` keyring file). */
  publicKeyBinary(): Promise<Uint8Array>;
  /** A clear-signed text (InRelease). */
  clearsign(text: string, options?: SignOptions): Promise<string>;
  /**
   * A detached signature over bytes (a binary-document signature, class 0x00):
   * armored text by default (Release.gpg, repomd.xml.asc), binary packets with
   * `{ armor: false }` (rpm header signatures, .deb `_gpgorigin`).
   */
  detachSign(
    data: Uint8Array,
    options?: { armor?: boolean } & SignOptions,
  ): Promise<Uint8Array | string>;
}

/**
 * How one signature is made. Both options together make a reproducible
 * signature: the same key, time and data give the same bytes (Ed25519 and
 * RSA PKCS#1 v1.5 signatures are deterministic once nothing random is added).
 */
export interface SignOptions {
  /**
   * The signature's creation time (default now). A time before the signing
   * (sub)key was created is moved up to that creation time (a signature
   * older than its key is refused by gpg and openpgp.js); with openpgp.js
   * also to the key's newest self-signature (an extended expiry), before
   * which openpgp.js finds no valid self-signature.
   */
  date?: Date;
  /**
   * Leave out the random salt notation openpgp.js adds by default (a guard
   * against fault attacks on EdDSA; gpg adds none). Only for reproducible
   * output (SOURCE_DATE_EPOCH set).
   */
  deterministic?: boolean;
}

/** Options of {@link openSigner}. `warn`/`werror`: what a key or passphrase file readable by others does. */
export interface OpenSignerOptions extends SecretFileChecks {
  /** Default: 'gpg' when `gpgKey` is given, else 'openpgp'. */
  backend?: SigningBackend;
  /** openpgp backend: the private key file (armored or binary). */
  keyFile?: string;
  /** Passphrase of the key (prefer `passphraseFile`). */
  passphrase?: string;
  /** File whose first line is the passphrase. */
  passphraseFile?: string;
  /** gpg backend: key id, fingerprint or user id. */
  gpgKey?: string;
  /** gpg backend: gpg's home directory. */
  gpgHome?: string;
  /** openpgp backend: asks for the passphrase of a protected key when none was given. */
  askPassphrase?: (label: string) => Promise<string | undefined>;
}

/** Opens a signer; fails with a clear RelengError (missing key, wrong passphrase, weak key). */
export async function openSigner(opts: OpenSignerOptions): Promise<Signer> {
  const backend = opts.backend ?? (opts.gpgKey !== undefined && !opts.keyFile ? 'gpg' : 'openpgp');
  if (backend === 'gpg') {
    if (opts.keyFile)
      throw new RelengError('the gpg backend takes a key id (--gpg-key), not a key file');
    return openGpgSigner(opts);
  }
  if (backend !== 'openpgp') throw new RelengError(`unknown signing backend '${backend}'`);
  if (!opts.keyFile)
    throw new RelengError('no signing key given', {
      hint: 'pass --key FILE (make one with `releng key generate`), or --gpg-key ID for gpg',
    });
  return openOpenpgpSigner({
    keyFile: opts.keyFile,
    passphrase: opts.passphrase,
    passphraseFile: opts.passphraseFile,
    askPassphrase: opts.askPassphrase,
    warn: opts.warn,
    werror: opts.werror,
  });
}

/** Options of {@link generateKey}. */
export interface GenerateKeyOptions {
  name: string;
  email: string;
  /** Default 'ed25519'. */
  algorithm?: SigningAlgorithm;
  /** RSA only; default 4096, at least 2048. */
  rsaBits?: number;
  /** Protects the private key (AES-256, iterated S2K). */
  passphrase?: string;
  /** Key expiry in seconds from now (default: none). */
  expiresIn?: number;
  /** The private key file: written 0600, atomically; an existing file is never replaced. */
  out: string;
}

/** Generates an OpenPGP v4 signing key; writes only the private key file, returns the public key. */
export async function generateKey(opts: GenerateKeyOptions): Promise<{
  fingerprint: string;
  keyId: string;
  publicKeyArmored: string;
  revocationCertificate: string;
}> {
  const algorithm = opts.algorithm ?? 'ed25519';
  if (!opts.name.trim()) throw new RelengError('a key needs a name (--name)');
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(opts.email))
    throw new RelengError(`'${opts.email}' is not an e-mail address (--email)`);
  const rsaBits = opts.rsaBits ?? 4096;
  if (algorithm === 'rsa' && (!Number.isInteger(rsaBits) || rsaBits < 2048 || rsaBits > 8192))
    throw new RelengError(`RSA key size ${rsaBits} is out of range (2048-8192)`);
  if (algorithm !== 'rsa' && algorithm !== 'ed25519')
    throw new RelengError(`unknown key algorithm '${algorithm}' (ed25519 or rsa)`);
  const common = {
    userIDs: [{ name: opts.name, email: opts.email }],
    passphrase: opts.passphrase || undefined,
    keyExpirationTime: opts.expiresIn ?? 0,
    format: 'object' as const,
    config: PGP_CONFIG,
  };
  const generated =
    algorithm === 'rsa'
      ? await openpgp.generateKey({ ...common, type: 'rsa', rsaBits })
      : await openpgp.generateKey({ ...common, type: 'ecc', curve: 'ed25519Legacy' });
  const { privateKey, publicKey, revocationCertificate } = generated;
  if (privateKey.keyPacket.version !== 4) throw new RelengError('internal: generated a non-v4 key');
  await writeSecretFile(opts.out, privateKey.armor(FULL_CONFIG));
  const ids = keyIds(publicKey);
  return {
    ...ids,
    publicKeyArmored: publicKey.armor(FULL_CONFIG),
    revocationCertificate,
  };
}

/** Public keys from armored text or binary keyring bytes (several keys allowed). */
async function readPublicKeys(publicKey: string | Uint8Array): Promise<openpgp.Key[]> {
  try {
    if (typeof publicKey === 'string') return await openpgp.readKeys({ armoredKeys: publicKey });
    if (isArmored(publicKey))
      return await openpgp.readKeys({ armoredKeys: Buffer.from(publicKey).toString('utf8') });
    return await openpgp.readKeys({ binaryKeys: publicKey });
  } catch (err) {
    throw new RelengError(`not an OpenPGP public key: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Reads a public key file (armored `.asc` or binary `.gpg` keyring). */
export async function readPublicKeyFile(file: string): Promise<Uint8Array> {
  return readKeyFile(file, 'public key');
}

/** What a verification found. `valid` is the only thing to act on. */
export interface VerifyResult {
  valid: boolean;
  /** Fingerprint of the key that made the signature (when it is one of the given keys). */
  fingerprint?: string;
  keyId?: string;
  /** Hash algorithm of the signature, e.g. 'SHA512'. */
  hashAlgorithm?: string;
  created?: Date;
  /** Why it is not valid. */
  error?: string;
}

async function checkSignatures(
  results: openpgp.VerifyMessageResult['signatures'],
  keys: openpgp.Key[],
): Promise<VerifyResult> {
  if (results.length === 0) return { valid: false, error: 'no signature found' };
  let firstError = 'no signature by the given key';
  for (const r of results) {
    const keyId = r.keyID.toHex().toUpperCase();
    const key = keys.find((k) => k.getKeyIDs().some((id) => id.equals(r.keyID)));
    try {
      await r.verified;
      const sig = await r.signature;
      const packet = sig.packets[0]!;
      assertStrongHash(packet.hashAlgorithm, 'the signature');
      return {
        valid: true,
        keyId: key ? keyIds(key).keyId : keyId,
        fingerprint: key ? keyIds(key).fingerprint : undefined,
        hashAlgorithm: hashName(packet.hashAlgorithm),
        created: packet.created ?? undefined,
      };
    } catch (err) {
      const msg = (err as Error).message.split('\n')[0]!;
      firstError = key ? msg : `signed by an unknown key ${keyId}`;
    }
  }
  return { valid: false, error: firstError };
}

/** Verifies a detached signature (armored or binary) over bytes with the given public key(s). */
export async function verifyDetached(opts: {
  data: Uint8Array;
  signature: Uint8Array | string;
  publicKey: string | Uint8Array;
}): Promise<VerifyResult> {
  const keys = await readPublicKeys(opts.publicKey);
  let signature: openpgp.Signature;
  try {
    signature =
      typeof opts.signature === 'string'
        ? await openpgp.readSignature({ armoredSignature: opts.signature, config: PGP_CONFIG })
        : isArmored(opts.signature)
          ? await openpgp.readSignature({
              armoredSignature: Buffer.from(opts.signature).toString('utf8'),
              config: PGP_CONFIG,
            })
          : await openpgp.readSignature({ binarySignature: opts.signature, config: PGP_CONFIG });
  } catch (err) {
    return {
      valid: false,
      error: `unreadable signature: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  const message = await openpgp.createMessage({ binary: opts.data });
  try {
    const { signatures } = await openpgp.verify({
      message,
      signature,
      verificationKeys: keys,
      format: 'binary',
      config: PGP_CONFIG,
    });
    return await checkSignatures(signatures, keys);
  } catch (err) {
    return { valid: false, error: (err as Error).message.split('\n')[0] };
  }
}

const CLEAR_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const CLEAR_END = '-----END PGP SIGNATURE-----';

/**
 * Verifies a clear-signed text (InRelease) and returns the signed text. As
 * strict as apt: nothing may come before the armor header or after the
 * signature.
 */
export async function verifyClearsigned(opts: {
  text: string;
  publicKey: string | Uint8Array;
}): Promise<VerifyResult & { text?: string }> {
  const keys = await readPublicKeys(opts.publicKey);
  const body = opts.text.replace(/\r\n/g, '\n');
  if (!body.startsWith(`${CLEAR_BEGIN}\n`))
    return { valid: false, error: 'does not start with a clear-signed message header' };
  if (
    !/-----END PGP SIGNATURE-----\n?$/.test(body) ||
    body.indexOf(CLEAR_END) !== body.lastIndexOf(CLEAR_END)
  )
    return { valid: false, error: 'text after the signature' };
  if (body.split(CLEAR_BEGIN).length !== 2)
    return { valid: false, error: 'more than one signed message' };
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: body, config: PGP_CONFIG });
  } catch (err) {
    return { valid: false, error: `malformed: ${(err as Error).message.split('\n')[0]}` };
  }
  try {
    const { signatures, data } = await openpgp.verify({
      message,
      verificationKeys: keys,
      config: PGP_CONFIG,
    });
    const r = await checkSignatures(signatures, keys);
    return r.valid ? { ...r, text: data } : r;
  } catch (err) {
    return { valid: false, error: (err as Error).message.split('\n')[0] };
  }
}

/** Fingerprints (upper-case) of the keys in a public key file's contents. */
export async function publicKeyFingerprints(publicKey: string | Uint8Array): Promise<string[]> {
  return (await readPublicKeys(publicKey)).map((k) => keyIds(k).fingerprint);
}

/** Armors binary public key bytes (or returns armored input unchanged, normalised). */
export async function armorPublicKey(publicKey: string | Uint8Array): Promise<string> {
  const keys = await readPublicKeys(publicKey);
  return keys.map((k) => k.toPublic().armor(FULL_CONFIG)).join('');
}

/** Binary form of public key bytes (armored or binary in). */
export async function binaryPublicKey(publicKey: string | Uint8Array): Promise<Uint8Array> {
  const keys = await readPublicKeys(publicKey);
  return Buffer.concat(keys.map((k) => k.toPublic().write()));
}
