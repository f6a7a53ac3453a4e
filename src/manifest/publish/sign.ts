/**
 * pkg(5) manifest signatures, as `pkgsign` adds them (pkg(5)'s
 * `actions/signature.py`, signature version 0):
 *
 * - `signature algorithm=sha256 value=HEX version=0`: a hash only, of the
 *   manifest's actions (detects changes; the `verify` policy checks it);
 * - `signature CERTHASH algorithm=rsa-sha256 chash=… pkg.content-hash=gzip:sha256:…
 *   pkg.csize=… pkg.size=… value=HEX version=0` (plus `chain…` attributes for
 *   intermediate certificates): an RSA PKCS#1 v1.5 signature made with a
 *   private key whose certificate is the action's payload, stored in the
 *   repository like a file's; the `require-signatures` policy demands one.
 *
 * What is signed (or hashed) is every action of the manifest as the client
 * reads it back, each in pkg(5)'s stable form (`sig_str`: name, hash,
 * attributes sorted, list values sorted), other signature actions left out,
 * the signature itself with an empty value; the lines sorted and joined by
 * newlines. RSA PKCS#1 v1.5 is deterministic, so the same manifest and key
 * give the same bytes.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  X509Certificate,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readPassphraseFile, readSecretFile } from '../../repository/signing/keyfile.ts';
import { RelengError } from '../../util/errors.ts';
import { type Action, type AttrValue, cmpStr } from '../action.ts';

const HASHES = ['sha256', 'sha384', 'sha512'];

/** How to sign: the algorithm, and for `rsa-*` the key and its certificate chain. */
export interface IpsSigner {
  /** `sha256`, `sha384`, `sha512` (hash only) or `rsa-sha256`, `rsa-sha384`, `rsa-sha512`. */
  algorithm: string;
  key?: KeyObject;
  /** The signing certificate, PEM as pkg(5) stores it. */
  cert?: Buffer;
  /** Intermediate certificates (PEM), from the signer's towards the trust anchor. */
  chain: Buffer[];
}

/** Where the signing material comes from (files; the passphrase from a file or a variable). */
export interface SignerFiles {
  algorithm?: string;
  keyFile?: string;
  certFile?: string;
  chainFiles?: readonly string[];
  passphraseFile?: string;
  /** The passphrase itself (from an environment variable the caller named). */
  passphrase?: string;
}

/** The algorithm split as pkg(5) does: `rsa-sha256` → rsa + sha256, `sha256` → hash only. */
function decompose(alg: string): { rsa: boolean; hash: string } | undefined {
  if (HASHES.includes(alg)) return { rsa: false, hash: alg };
  const m = /^rsa-(sha256|sha384|sha512)$/.exec(alg);
  return m ? { rsa: true, hash: m[1] as string } : undefined;
}

async function readCert(file: string, what: string): Promise<Buffer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RelengError(
      `${what} ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? e}`,
      {
        file,
      },
    );
  }
  try {
    // pkgsign stores the certificate re-encoded as PEM: one canonical form.
    return Buffer.from(new X509Certificate(text).toString());
  } catch {
    throw new RelengError(
      `${what} ${file} was expected to be a PEM certificate but could not be read`,
      {
        file,
        hint: 'give the certificate in PEM form (-----BEGIN CERTIFICATE-----)',
      },
    );
  }
}

/** Reads and checks the signing material as pkgsign checks its options. */
export async function loadSigner(f: SignerFiles): Promise<IpsSigner> {
  const usage = (m: string, hint?: string) => new RelengError(m, hint ? { hint } : {});
  if (f.keyFile && !f.certFile) throw usage('a key to sign with needs its certificate (-c CERT)');
  if (f.certFile && !f.keyFile) throw usage('a certificate needs its private key (-k KEY)');
  if ((f.chainFiles ?? []).length > 0 && !f.certFile)
    throw usage('intermediate certificates (-i) need a key and certificate (-k, -c)');
  const algorithm = f.algorithm ?? (f.keyFile ? 'rsa-sha256' : 'sha256');
  const d = decompose(algorithm);
  if (!d)
    throw usage(
      `${algorithm} is not a signature algorithm pkg(5) knows`,
      'use sha256, sha384, sha512, rsa-sha256, rsa-sha384 or rsa-sha512',
    );
  if (d.rsa && !f.keyFile)
    throw usage(`signing with ${algorithm} needs a key and certificate (-k KEY -c CERT)`);
  if (!d.rsa && f.keyFile)
    throw usage(`${algorithm} is a hash only: it takes no key or certificate (drop -k and -c)`);
  if (!d.rsa) return { algorithm, chain: [] };

  const keyFile = f.keyFile as string;
  const pem = Buffer.from(await readSecretFile(keyFile, 'private key'));
  const passphrase =
    f.passphrase ?? (f.passphraseFile ? await readPassphraseFile(f.passphraseFile) : undefined);
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(
    pem.toString('latin1'),
  );
  const hint = 'pass --passphrase-file FILE or --passphrase-env VAR for a protected key';
  if (encrypted && passphrase === undefined)
    throw new RelengError(
      `private key ${keyFile} is protected by a passphrase, and none was given`,
      {
        file: keyFile,
        hint,
      },
    );
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase });
  } catch {
    // Our own words: the library's error text is not needed, and the passphrase never shown.
    throw new RelengError(
      encrypted
        ? `private key ${keyFile} could not be opened with the passphrase given`
        : `private key ${keyFile} was expected to be a PEM RSA key but could not be read`,
      { file: keyFile, hint: encrypted ? hint : 'give the RSA private key in PEM form' },
    );
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new RelengError(
      `private key ${keyFile} is a ${key.asymmetricKeyType} key; pkg(5) signatures are RSA`,
      { file: keyFile },
    );
  const certFile = f.certFile as string;
  const cert = await readCert(certFile, 'certificate');
  const pub = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  if (pub(new X509Certificate(cert).publicKey) !== pub(createPublicKey(key)))
    throw new RelengError(`certificate ${certFile} is not the certificate of key ${keyFile}`, {
      file: certFile,
      hint: 'give the certificate issued for this key',
    });
  const chain: Buffer[] = [];
  for (const c of f.chainFiles ?? []) chain.push(await readCert(c, 'intermediate certificate'));
  return { algorithm, key, cert, chain };
}

/** Python's quoting of one value in pkg(5)'s stable action form. */
function q(s: string): string {
  if (s.includes(' ') || s.includes("'") || s.includes('"') || s === '' || s.includes('$(')) {
    if (!s.includes('"')) return `"${s}"`;
    if (!s.includes("'")) return `'${s}'`;
    return `"${s.replaceAll('"', '\\"')}"`;
  }
  return s;
}

/** pkg(5)'s `sig_str` of an action: name, hash, attributes sorted, list values sorted. */
export function sigStr(a: Action): string {
  let out = a.name;
  if (a.hash) out += ` ${a.hash}`;
  for (const k of [...a.attrs.keys()].sort(cmpStr)) {
    const v = a.attrs.get(k) as AttrValue;
    if (Array.isArray(v))
      out += ` ${[...v]
        .sort(cmpStr)
        .map((x) => `${k}=${q(x)}`)
        .join(' ')}`;
    else out += ` ${k}=${q(v)}`;
  }
  return out;
}

/** The text a signature action signs: the other actions and itself (value empty), sorted. */
export function signedText(actions: readonly Action[], self: Action): string {
  const lines = actions.filter((a) => a.name !== 'signature').map(sigStr);
  const me: Action = { name: self.name, attrs: new Map(self.attrs) };
  if (self.hash !== undefined) me.hash = self.hash;
  me.attrs.set('value', '');
  lines.push(sigStr(me));
  return lines.sort(cmpStr).join('\n');
}

/** A payload stored in the repository: what the action then records about it. */
export interface StoredPayload {
  /** SHA-1 of the content (the repository file name). */
  hash: string;
  /** SHA-1 of the gzip form. */
  chash: string;
  /** SHA-256 of the gzip form. */
  chash256: string;
  size: number;
  csize: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * The signature action for a manifest's final actions (the FMRI and payload
 * hashes as published); `store` keeps a certificate in the repository.
 */
export async function signatureAction(
  actions: readonly Action[],
  signer: IpsSigner,
  store: (data: Buffer) => Promise<StoredPayload>,
): Promise<Action> {
  const d = decompose(signer.algorithm) as { rsa: boolean; hash: string };
  const attrs = new Map<string, AttrValue>([
    ['algorithm', signer.algorithm],
    ['value', ''],
    ['version', '0'],
  ]);
  const a: Action = { name: 'signature', attrs };
  if (!d.rsa) {
    attrs.set('value', createHash(d.hash).update(signedText(actions, a), 'utf8').digest('hex'));
    return a;
  }
  const cert = await store(signer.cert as Buffer);
  a.hash = cert.hash;
  // What the repository records on publication (pkg(5)'s transaction: chash and gzip content hash).
  attrs.set('chash', cert.chash);
  attrs.set('pkg.content-hash', `gzip:sha256:${cert.chash256}`);
  attrs.set('pkg.csize', String(cert.csize));
  attrs.set('pkg.size', String(cert.size));
  if (signer.chain.length > 0) {
    const chain = await Promise.all(signer.chain.map((c) => store(c)));
    // Single values with spaces, as pkg(5) writes them (a list's order is not kept).
    attrs.set('chain', chain.map((c) => c.hash).join(' '));
    attrs.set('chain.chashes', chain.map((c) => c.chash).join(' '));
    attrs.set('chain.csizes', chain.map((c) => String(c.csize)).join(' '));
    attrs.set('chain.sizes', chain.map((c) => String(c.size)).join(' '));
    attrs.set('pkg.chain.sha256', signer.chain.map((c) => sha256(c)).join(' '));
    attrs.set('pkg.chain.chashes.sha256', chain.map((c) => c.chash256).join(' '));
  }
  const text = Buffer.from(signedText(actions, a), 'utf8');
  attrs.set('value', sign(d.hash, text, signer.key as KeyObject).toString('hex'));
  return a;
}

/** What identifies a signer in a build's state (never the key or passphrase): algorithm and certificates. */
export function signerKey(s: IpsSigner | undefined): string {
  if (!s) return 'unsigned';
  return [s.algorithm, ...[s.cert, ...s.chain].map((c) => (c ? sha256(c) : ''))].join(' ');
}
