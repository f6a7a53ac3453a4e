/**
 * .deb origin signatures in the debsigs format: an `_gpgorigin` ar member
 * holding a binary detached OpenPGP signature over `debian-binary`,
 * `control.tar.*` and `data.tar.*` concatenated (the member contents, in
 * archive order). debsig-verify checks it against a policy naming the
 * signer's key ID and a keyring; {@link writeDebsigPolicy} writes both.
 *
 * apt never looks at these signatures (its chain is Release → Packages
 * hash → .deb); they serve `debsig-verify` and dpkg's `--debsig-verify`.
 */
import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AR_MAGIC, arHeader, arPad } from '../outputs/lib/ar.ts';
import { reproducibleSigning } from '../util/epoch.ts';
import { replaceVia } from '../util/fs.ts';
import {
  checkSignature,
  type DetachedSigner,
  PackageSignError,
  signatureBytes,
} from './rpmsign.ts';
import type { SignOptions } from './signing/index.ts';

/** Name of the origin signature member (debsigs). */
export const ORIGIN_MEMBER = '_gpgorigin';

/** One member of an ar archive. */
export interface ArMember {
  name: string;
  /** Offset of the 60-byte member header. */
  headerOffset: number;
  /** Offset of the content. */
  offset: number;
  size: number;
  mtime: number;
}

/** Lists the members of an ar archive (.deb). */
export function arMembers(buf: Buffer, file: string): ArMember[] {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(AR_MAGIC)) {
    throw new PackageSignError(file, 'not a .deb (no ar archive magic)');
  }
  const out: ArMember[] = [];
  let p = 8;
  while (p < buf.length) {
    if (p + 60 > buf.length) throw new PackageSignError(file, 'truncated ar member header');
    const h = buf.toString('latin1', p, p + 60);
    if (h.slice(58, 60) !== '`\n') throw new PackageSignError(file, `bad ar member header at ${p}`);
    const name = h.slice(0, 16).trimEnd().replace(/\/$/, '');
    const size = Number.parseInt(h.slice(48, 58).trim(), 10);
    const mtime = Number.parseInt(h.slice(16, 28).trim(), 10) || 0;
    if (!Number.isFinite(size) || size < 0 || p + 60 + size > buf.length) {
      throw new PackageSignError(file, `ar member '${name}' is truncated`);
    }
    out.push({ name, headerOffset: p, offset: p + 60, size, mtime });
    p += 60 + size + (size % 2);
  }
  return out;
}

/** The members a debsigs origin signature covers, checked for the deb(5) layout. */
function signedMembers(members: readonly ArMember[], file: string): ArMember[] {
  const names = members.map((m) => m.name);
  if (names[0] !== 'debian-binary') {
    throw new PackageSignError(file, `first member is '${names[0] ?? ''}', not debian-binary`);
  }
  const control = members.find((m) => /^control\.tar(\.\w+)?$/.test(m.name));
  const data = members.find((m) => /^data\.tar(\.\w+)?$/.test(m.name));
  if (!control || !data) throw new PackageSignError(file, 'no control.tar.* or data.tar.* member');
  return [members[0]!, control, data];
}

/** Options of {@link signDeb}. */
export interface SignDebOptions {
  /** Write the signed package here instead of replacing `file`. */
  out?: string;
  /** The signature's time and determinism (default: from SOURCE_DATE_EPOCH, else now). */
  signing?: SignOptions;
}

/** What {@link signDeb} added. */
export interface SignDebResult {
  file: string;
  algorithm: number;
  hash: number;
  issuer?: string;
}

/**
 * Adds (or replaces) the `_gpgorigin` origin signature of a .deb, rewriting
 * the file atomically. The member is appended after data.tar, as debsigs
 * does; dpkg ignores members after data.tar.
 */
export async function signDeb(
  file: string,
  signer: DetachedSigner,
  opts: SignDebOptions = {},
): Promise<SignDebResult> {
  const src = path.resolve(file);
  const dest = path.resolve(opts.out ?? file);
  let buf: Buffer;
  let mode: number;
  try {
    const fh = await open(src, 'r');
    try {
      mode = (await fh.stat()).mode & 0o7777;
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PackageSignError(src, 'no such file');
    throw err;
  }
  const members = arMembers(buf, src);
  const covered = signedMembers(members, src);
  const message = Buffer.concat(covered.map((m) => buf.subarray(m.offset, m.offset + m.size)));
  const how = opts.signing ?? reproducibleSigning();
  const sig = signatureBytes(
    await signer.detachSign(new Uint8Array(message), { ...how, armor: false }),
  );
  const info = checkSignature(src, sig, 'origin');

  // Everything but an old origin signature, then the new one.
  const parts: Buffer[] = [AR_MAGIC];
  for (const m of members) {
    if (m.name === ORIGIN_MEMBER) continue;
    parts.push(buf.subarray(m.headerOffset, m.offset + m.size + (m.size % 2)));
  }
  parts.push(arHeader(ORIGIN_MEMBER, sig.length, members[0]!.mtime), sig, arPad(sig.length));

  await replaceVia(
    dest,
    async (tmp) => {
      await writeFile(tmp, Buffer.concat(parts), { flag: 'wx' });
      await chmod(tmp, mode);
    },
    'releng-tmp',
  );
  return {
    file: dest,
    algorithm: info.pubkeyAlgorithm,
    hash: info.hashAlgorithm,
    issuer: info.issuer,
  };
}

/** Escapes an XML attribute value. */
function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** A debsig-verify policy accepting origin signatures of `keyId` found in `keyring`. */
export function debsigPolicy(opts: {
  keyId: string;
  name: string;
  keyring?: string;
  description?: string;
}): string {
  const id = opts.keyId.toUpperCase();
  const keyring = attr(opts.keyring ?? 'debsig.gpg');
  return `<?xml version="1.0"?>
<!DOCTYPE Policy SYSTEM "https://www.debian.org/debsig/1.0/policy.dtd">
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="${attr(opts.name)}" id="${id}" Description="${attr(opts.description ?? opts.name)}"/>
  <Selection>
    <Required Type="origin" File="${keyring}" id="${id}"/>
  </Selection>
  <Verification MinOptional="0">
    <Required Type="origin" File="${keyring}" id="${id}"/>
  </Verification>
</Policy>
`;
}

/** Where {@link writeDebsigPolicy} put things. */
export interface DebsigLayout {
  /** For `debsig-verify --policies-dir`. */
  policiesDir: string;
  /** For `debsig-verify --keyrings-dir`. */
  keyringsDir: string;
  policyFile: string;
  keyringFile: string;
}

/**
 * Writes what debsig-verify needs to accept packages signed by `signer`:
 * `<root>/policies/<KEYID>/<name>.pol` and `<root>/keyrings/<KEYID>/debsig.gpg`
 * (the binary public key). With `root` = `/` this is the system layout
 * (/etc/debsig/policies, /usr/share/debsig/keyrings) — pass
 * `{ policiesDir, keyringsDir }` for those.
 */
export async function writeDebsigPolicy(
  root: string,
  signer: { keyId: string; publicKeyBinary(): Promise<Uint8Array> },
  opts: { name?: string; policiesDir?: string; keyringsDir?: string } = {},
): Promise<DebsigLayout> {
  const id = signer.keyId.toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(id)) {
    throw new PackageSignError(root, `'${signer.keyId}' is not a 16-digit OpenPGP key ID`);
  }
  const name = opts.name ?? 'releng';
  const policiesDir = path.resolve(opts.policiesDir ?? path.join(root, 'policies'));
  const keyringsDir = path.resolve(opts.keyringsDir ?? path.join(root, 'keyrings'));
  const policyFile = path.join(policiesDir, id, `${name}.pol`);
  const keyringFile = path.join(keyringsDir, id, 'debsig.gpg');
  await mkdir(path.dirname(policyFile), { recursive: true });
  await mkdir(path.dirname(keyringFile), { recursive: true });
  await writeFile(policyFile, debsigPolicy({ keyId: id, name }));
  await writeFile(keyringFile, await signer.publicKeyBinary());
  return { policiesDir, keyringsDir, policyFile, keyringFile };
}
