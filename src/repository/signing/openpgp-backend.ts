/**
 * The in-process signer: openpgp.js with OpenPGP v4 keys (Ed25519 "legacy"
 * EdDSA, or RSA ≥ 2048 bits), which apt 2.6 (gpgv) and dnf accept. v6 keys
 * and the RFC 9580 Ed25519 algorithm are refused: apt cannot verify them.
 */
import * as openpgp from 'openpgp';
import { RelengError } from '../../util/errors.ts';
import type { Signer, SigningAlgorithm, SignOptions } from './index.ts';
import { isArmored, readPassphraseFile, readSecretFile, type SecretFileChecks } from './keyfile.ts';

/** Hash algorithms never used nor accepted: MD5, RIPEMD-160, SHA-1, SHA-224. */
const WEAK_HASHES = new Set([
  openpgp.enums.hash.md5,
  openpgp.enums.hash.sha1,
  openpgp.enums.hash.ripemd,
  openpgp.enums.hash.sha224,
]);

/** openpgp.js configuration: SHA-512 signatures, v4 keys, nothing weaker than SHA-256 accepted. */
export const PGP_CONFIG: openpgp.PartialConfig = {
  preferredHashAlgorithm: openpgp.enums.hash.sha512,
  v6Keys: false,
  minRSABits: 2048,
  rejectHashAlgorithms: new Set([
    openpgp.enums.hash.md5,
    openpgp.enums.hash.ripemd,
    openpgp.enums.hash.sha1,
  ]),
  rejectMessageHashAlgorithms: WEAK_HASHES,
  showVersion: false,
  showComment: false,
};

/** {@link PGP_CONFIG} over openpgp.js's defaults (for calls that need a full Config). */
export const FULL_CONFIG = { ...openpgp.config, ...PGP_CONFIG } as openpgp.Config;

/** Human name of an OpenPGP hash algorithm id. */
export function hashName(id: number | null | undefined): string {
  if (id == null) return 'unknown';
  try {
    return openpgp.enums.read(openpgp.enums.hash, id as openpgp.enums.hash).toUpperCase();
  } catch {
    return `hash#${id}`;
  }
}

/** Throws when a signature uses a hash weaker than SHA-256 (a last check on what was produced). */
export function assertStrongHash(id: number | null | undefined, what: string): void {
  if (id == null || WEAK_HASHES.has(id) || hashName(id).startsWith('HASH#'))
    throw new RelengError(
      `${what} was made with ${hashName(id)}; releng only uses SHA-256 or stronger`,
    );
}

/** Maps an openpgp.js key algorithm to the Signer's algorithm, refusing what apt cannot verify. */
export function signerAlgorithm(info: openpgp.AlgorithmInfo, label: string): SigningAlgorithm {
  if (info.algorithm === 'rsaSign' || info.algorithm === 'rsaEncryptSign') {
    if ((info.bits ?? 0) < 2048)
      throw new RelengError(`${label}: RSA key of ${info.bits} bits is too weak (2048 at least)`);
    return 'rsa';
  }
  if (info.algorithm === 'eddsaLegacy' && info.curve === 'ed25519Legacy') return 'ed25519';
  if (info.algorithm === 'ed25519')
    throw new RelengError(
      `${label}: the key uses the RFC 9580 Ed25519 algorithm, which apt (gpgv 2.2) cannot verify`,
      { hint: 'generate a v4 Ed25519 (EdDSA legacy) or RSA key: releng key generate' },
    );
  throw new RelengError(
    `${label}: unsupported signing key algorithm ${info.algorithm}${info.curve ? ` (${info.curve})` : ''}`,
    { hint: 'use an Ed25519 or RSA (≥ 2048 bits) OpenPGP v4 key' },
  );
}

/** Upper-case hex fingerprint and key id of a key. */
export function keyIds(key: openpgp.Key): { fingerprint: string; keyId: string } {
  const fingerprint = key.getFingerprint().toUpperCase();
  return { fingerprint, keyId: fingerprint.slice(-16) };
}

/** Reads one private key from armored or binary bytes. */
async function parsePrivateKey(data: Uint8Array, label: string): Promise<openpgp.PrivateKey> {
  let keys: openpgp.PrivateKey[];
  try {
    keys = isArmored(data)
      ? await openpgp.readPrivateKeys({ armoredKeys: Buffer.from(data).toString('utf8') })
      : await openpgp.readPrivateKeys({ binaryKeys: data });
  } catch (err) {
    const msg = (err as Error).message;
    if (/public key|Armored text not of type private key/i.test(msg) || isPublicOnly(data))
      throw new RelengError(`${label} holds a public key, not a private key`, {
        hint: 'sign with the private key file written by `releng key generate`',
      });
    throw new RelengError(`${label} is not an OpenPGP private key (${firstLine(msg)})`);
  }
  if (keys.length !== 1)
    throw new RelengError(
      `${label} holds ${keys.length} private keys; give a file with exactly one`,
    );
  const key = keys[0]!;
  if (key.keyPacket.version !== 4)
    throw new RelengError(
      `${label}: OpenPGP v${key.keyPacket.version} key; apt 2.6 only verifies v4 keys`,
      { hint: 'generate a v4 key: releng key generate' },
    );
  return key;
}

function isPublicOnly(data: Uint8Array): boolean {
  return Buffer.from(data.subarray(0, 200)).toString('latin1').includes('PUBLIC KEY BLOCK');
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/^Error[^:]*:\s*/, '');
}

/**
 * The earliest time (ms) at which openpgp.js sees the key as it is now: the
 * signing (sub)key's creation, its binding signatures and the user ids'
 * self-signatures (a key whose expiry was extended last week has no valid
 * self-signature before then). A dated signature is moved up to it: still a
 * fixed time, given the key.
 */
function validSince(key: openpgp.PrivateKey, signing: openpgp.PrivateKey | openpgp.Subkey): number {
  const now = Date.now();
  let t = signing.getCreationTime().getTime();
  const sigs = [
    ...key.users.flatMap((u) => u.selfCertifications),
    ...('bindingSignatures' in signing ? signing.bindingSignatures : []),
  ];
  for (const sig of sigs) {
    const c = sig.created?.getTime();
    if (c !== undefined && c <= now && c > t) t = c;
  }
  return t;
}

/** Options of {@link openOpenpgpSigner}. */
export interface OpenpgpSignerOptions extends SecretFileChecks {
  keyFile: string;
  passphrase?: string;
  passphraseFile?: string;
  /** Asks for the passphrase when the key is protected and none was given (a TTY prompt). */
  askPassphrase?: (label: string) => Promise<string | undefined>;
}

/** Opens a key file (decrypting it with the passphrase when it is protected). */
export async function openOpenpgpSigner(opts: OpenpgpSignerOptions): Promise<Signer> {
  const label = `signing key '${opts.keyFile}'`;
  const data = await readSecretFile(opts.keyFile, 'signing key', opts);
  let key = await parsePrivateKey(data, label);
  let passphrase =
    opts.passphrase ??
    (opts.passphraseFile !== undefined
      ? await readPassphraseFile(opts.passphraseFile, opts)
      : undefined);
  if (!key.isDecrypted()) {
    if (passphrase === undefined && opts.askPassphrase)
      passphrase = await opts.askPassphrase(label);
    if (passphrase === undefined)
      throw new RelengError(`${label} is protected by a passphrase, and none was given`, {
        hint: 'pass --passphrase-file FILE (or --passphrase-env VAR)',
      });
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase, config: PGP_CONFIG });
    } catch (err) {
      const msg = (err as Error).message;
      if (/passphrase|decrypt|checksum/i.test(msg))
        throw new RelengError(`wrong passphrase for ${label}`);
      throw new RelengError(`cannot unlock ${label}: ${firstLine(msg)}`);
    }
  }
  let signingKey: openpgp.PrivateKey | openpgp.Subkey;
  try {
    signingKey = await key.getSigningKey(undefined, new Date(), undefined, FULL_CONFIG);
  } catch (err) {
    const msg = firstLine((err as Error).message);
    throw new RelengError(`${label} cannot sign: ${msg}`, {
      hint: /sha1|hash/i.test(msg)
        ? 'its self-signatures use SHA-1; re-certify it with SHA-256 or stronger'
        : undefined,
    });
  }
  const algorithm = signerAlgorithm(signingKey.getAlgorithmInfo(), label);
  const { fingerprint, keyId } = keyIds(key);
  const publicKey = key.toPublic();
  const since = validSince(key, signingKey);
  const signOpts = (o: SignOptions = {}) => ({
    signingKeys: key,
    date: o.date ? new Date(Math.max(o.date.getTime(), since)) : undefined,
    config: o.deterministic
      ? { ...PGP_CONFIG, nonDeterministicSignaturesViaNotation: false }
      : PGP_CONFIG,
  });
  return {
    fingerprint,
    keyId,
    algorithm,
    keyFile: opts.keyFile,
    backend: 'openpgp',
    async publicKeyArmored() {
      return publicKey.armor(FULL_CONFIG);
    },
    async publicKeyBinary() {
      return publicKey.write();
    },
    async clearsign(text: string, options?: SignOptions) {
      const message = await openpgp.createCleartextMessage({ text });
      const signed = await openpgp.sign({ message, ...signOpts(options) });
      const check = await openpgp.readCleartextMessage({ cleartextMessage: signed });
      const sig = (check as unknown as { signature: openpgp.Signature }).signature;
      for (const p of sig.packets) assertStrongHash(p.hashAlgorithm, 'the signature');
      // openpgp.js writes the text with CRLF; the signature covers the canonical
      // (CRLF) form either way, and apt and gpg expect plain LF files.
      return signed.replace(/\r\n/g, '\n');
    },
    async detachSign(data: Uint8Array, options: { armor?: boolean } & SignOptions = {}) {
      const message = await openpgp.createMessage({ binary: data });
      const binary = await openpgp.sign({
        message,
        detached: true,
        format: 'binary',
        ...signOpts(options),
      });
      const sig = await openpgp.readSignature({ binarySignature: binary });
      for (const p of sig.packets) assertStrongHash(p.hashAlgorithm, 'the signature');
      return options.armor === false ? binary : sig.armor(FULL_CONFIG);
    },
  };
}
