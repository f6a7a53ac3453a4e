/**
 * Native .rpm header signatures: an OpenPGP signature over the main header
 * (magic included — the bytes the header SHA256 digest covers), stored in
 * the signature header the way `rpmsign --addsign` of rpm 4.18 does:
 * RSA keys in RSAHEADER (268); DSA, ECDSA and EdDSA keys in DSAHEADER (267)
 * (rpm sign/rpmgensig.c makeSigTag). rpm verifies either tag with whatever
 * algorithm the OpenPGP packet says, so `rpmkeys -K` reports
 * "Header V4 EdDSA/SHA512 Signature, key ID …: OK" with the key imported.
 *
 * The lead, the main header and the payload are copied unchanged, so the
 * header and payload digests stay valid; the file's SHA-256 changes, so
 * sign before indexing a repository.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, open } from 'node:fs/promises';
import path from 'node:path';
import { reproducibleSigning } from '../util/epoch.ts';
import { RelengError } from '../util/errors.ts';
import { replaceVia } from '../util/fs.ts';
import type { Signer, SignOptions } from './signing/index.ts';
import {
  buildHeader,
  headersLength,
  LEAD_SIZE,
  type NewEntry,
  parseRpm,
  RpmFormatError,
  SIG,
  T_STRING,
} from './yum/rpmfile.ts';

/**
 * What package signing needs from a signer: a detached OpenPGP signature
 * (binary with `{ armor: false }`). The signing API's {@link Signer} is one.
 */
export type DetachedSigner = Pick<Signer, 'detachSign'>;

/** Raised when a package cannot be signed; the file is left unchanged. */
export class PackageSignError extends RelengError {
  constructor(file: string, message: string, hint?: string) {
    super(`${file}: ${message}`, hint ? { file, hint } : { file });
    this.name = 'PackageSignError';
  }
}

// ---------------------------------------------------------------------------
// OpenPGP signature packets (RFC 4880 §4, §5.2), just enough to route them.

/** Facts read from a signature packet. */
export interface SignatureInfo {
  /** Signature packet version (4 for v4 keys). */
  version: number;
  /** OpenPGP public-key algorithm id (1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA). */
  pubkeyAlgorithm: number;
  /** OpenPGP hash algorithm id (8 SHA256, 9 SHA384, 10 SHA512, 11 SHA224, 2 SHA1). */
  hashAlgorithm: number;
  /** Issuer key ID (16 upper-case hex digits), when the packet names it. */
  issuer?: string;
}

const PUBKEY_NAMES: Record<number, string> = {
  1: 'RSA',
  2: 'RSA',
  3: 'RSA',
  17: 'DSA',
  19: 'ECDSA',
  22: 'EdDSA',
  27: 'Ed25519',
};
const HASH_NAMES: Record<number, string> = {
  1: 'MD5',
  2: 'SHA1',
  3: 'RIPEMD160',
  8: 'SHA256',
  9: 'SHA384',
  10: 'SHA512',
  11: 'SHA224',
};

export function pubkeyAlgorithmName(id: number): string {
  return PUBKEY_NAMES[id] ?? `algorithm ${id}`;
}
export function hashAlgorithmName(id: number): string {
  return HASH_NAMES[id] ?? `hash ${id}`;
}

/** Binary OpenPGP data from a signer's answer (dearmoring ASCII armor if needed). */
export function signatureBytes(sig: Uint8Array | string): Buffer {
  const buf = typeof sig === 'string' ? Buffer.from(sig, 'utf8') : Buffer.from(sig);
  const text = buf.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN PGP')) return buf;
  const lines = buf.toString('utf8').split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith('-----BEGIN PGP'));
  let i = start + 1;
  while (i < lines.length && lines[i]!.trim() !== '') i++; // armor headers
  const body: string[] = [];
  for (i++; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l.startsWith('-----END') || l.startsWith('=')) break;
    body.push(l);
  }
  return Buffer.from(body.join(''), 'base64');
}

/** Reads the first packet of `data`, which must be a signature packet (tag 2). */
export function parseSignature(data: Buffer): SignatureInfo {
  if (data.length < 2 || (data[0]! & 0x80) === 0) throw new Error('not an OpenPGP packet');
  const first = data[0]!;
  let tag: number;
  let p = 1;
  let len: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const o = data[p++]!;
    if (o < 192) len = o;
    else if (o < 224) len = ((o - 192) << 8) + data[p++]! + 192;
    else if (o === 255) {
      len = data.readUInt32BE(p);
      p += 4;
    } else throw new Error('partial-length signature packets are not supported');
  } else {
    tag = (first >> 2) & 0x0f;
    const lt = first & 3;
    if (lt === 0) len = data[p++]!;
    else if (lt === 1) {
      len = data.readUInt16BE(p);
      p += 2;
    } else if (lt === 2) {
      len = data.readUInt32BE(p);
      p += 4;
    } else len = data.length - p;
  }
  if (tag !== 2) throw new Error(`expected a signature packet, found packet type ${tag}`);
  const body = data.subarray(p, p + len);
  const version = body[0]!;
  if (version === 3) {
    return {
      version,
      pubkeyAlgorithm: body[15]!,
      hashAlgorithm: body[16]!,
      issuer: body.subarray(7, 15).toString('hex').toUpperCase(),
    };
  }
  if (version !== 4)
    throw new Error(`OpenPGP v${version} signatures are not supported (v4 expected)`);
  const info: SignatureInfo = { version, pubkeyAlgorithm: body[2]!, hashAlgorithm: body[3]! };
  // Subpackets: hashed, then unhashed; issuer (16) or issuer fingerprint (33).
  let q = 4;
  for (let area = 0; area < 2 && q + 2 <= body.length; area++) {
    const n = body.readUInt16BE(q);
    let s = q + 2;
    const end = s + n;
    while (s < end) {
      let sl = body[s++]!;
      if (sl >= 192 && sl < 255) sl = ((sl - 192) << 8) + body[s++]! + 192;
      else if (sl === 255) {
        sl = body.readUInt32BE(s);
        s += 4;
      }
      const type = body[s]! & 0x7f;
      if (type === 16 && sl >= 9)
        info.issuer = body
          .subarray(s + 1, s + 9)
          .toString('hex')
          .toUpperCase();
      if (type === 33 && sl >= 22 && !info.issuer) {
        info.issuer = body
          .subarray(s + sl - 8, s + sl)
          .toString('hex')
          .toUpperCase();
      }
      s += sl;
    }
    q = end;
  }
  return info;
}

/** Throws unless the signature is v4 with SHA-256 or stronger. */
export function checkSignature(file: string, sig: Buffer, what: string): SignatureInfo {
  let info: SignatureInfo;
  try {
    info = parseSignature(sig);
  } catch (err) {
    throw new PackageSignError(
      file,
      `the signer returned no usable ${what} signature: ${(err as Error).message}`,
    );
  }
  if (![8, 9, 10].includes(info.hashAlgorithm)) {
    throw new PackageSignError(
      file,
      `the ${what} signature uses ${hashAlgorithmName(info.hashAlgorithm)}`,
      'releng signs with SHA-256 or stronger (rpm on RHEL 9 and debsig-verify reject SHA-1)',
    );
  }
  return info;
}

// ---------------------------------------------------------------------------

/** Options of {@link signRpm}. */
export interface SignRpmOptions {
  /** Write the signed package here instead of replacing `file`. */
  out?: string;
  /** The signature's time and determinism (default: from SOURCE_DATE_EPOCH, else now). */
  signing?: SignOptions;
}

/** What {@link signRpm} added. */
export interface SignRpmResult {
  /** The signed file. */
  file: string;
  /** Signature header tag used: 268 (RSAHEADER) or 267 (DSAHEADER). */
  tag: number;
  /** e.g. `EdDSA`, `RSA`. */
  algorithm: string;
  /** e.g. `SHA512`. */
  hash: string;
  issuer?: string;
}

/** Signature-header tags of existing signatures that a new signature replaces. */
const SIGNATURE_TAGS = new Set<number>([SIG.dsaHeader, SIG.rsaHeader, SIG.pgp, SIG.gpg]);

async function readHeaders(file: string): Promise<{ buf: Buffer; size: number; mode: number }> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    let buf = Buffer.alloc(0);
    let need = Math.min(st.size, 256 << 10);
    for (;;) {
      const more = Buffer.allocUnsafe(need - buf.length);
      const { bytesRead } = await fh.read(more, 0, more.length, buf.length);
      buf = Buffer.concat([buf, more.subarray(0, bytesRead)]);
      const want = headersLength(buf);
      if (bytesRead === 0 || (want !== undefined && want <= buf.length)) break;
      need = Math.min(st.size, Math.max(want ?? need * 2, buf.length + 16));
      if (need <= buf.length) break;
    }
    return { buf, size: st.size, mode: st.mode & 0o7777 };
  } finally {
    await fh.close();
  }
}

/** Copies `parts` then `file` from `offset` to its end into `dest`. */
async function writeWith(
  dest: string,
  parts: Buffer[],
  file: string,
  offset: number,
): Promise<void> {
  const out = createWriteStream(dest, { flags: 'wx' });
  const write = async (b: Buffer): Promise<void> => {
    if (!out.write(b)) await once(out, 'drain');
  };
  try {
    for (const p of parts) await write(p);
    for await (const chunk of createReadStream(file, { start: offset, highWaterMark: 1 << 20 })) {
      await write(chunk as Buffer);
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/**
 * Adds an OpenPGP header signature to an .rpm, replacing any existing one,
 * and rewrites the file atomically (temporary sibling, then rename). The
 * main header's SHA256 digest is checked first: a damaged package is refused.
 */
export async function signRpm(
  file: string,
  signer: DetachedSigner,
  opts: SignRpmOptions = {},
): Promise<SignRpmResult> {
  const src = path.resolve(file);
  const dest = path.resolve(opts.out ?? file);
  const { buf, mode } = await readHeaders(src).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PackageSignError(src, 'no such file');
    throw err;
  });
  const rpm = parseRpm(buf, src);
  const header = rpm.header.blob();
  const digest = createHash('sha256').update(header).digest('hex');
  const recorded = rpm.signature.string(SIG.sha256);
  if (recorded !== undefined && recorded !== digest) {
    throw new RpmFormatError(
      src,
      'the header SHA256 digest does not match the header (damaged package)',
    );
  }

  const how = opts.signing ?? reproducibleSigning();
  const raw = signatureBytes(
    await signer.detachSign(new Uint8Array(header), { ...how, armor: false }),
  );
  const info = checkSignature(src, raw, 'rpm header');
  const tag = PUBKEY_NAMES[info.pubkeyAlgorithm] === 'RSA' ? SIG.rsaHeader : SIG.dsaHeader;
  if (![1, 2, 3, 17, 19, 22].includes(info.pubkeyAlgorithm)) {
    throw new PackageSignError(
      src,
      `rpm 4.18 cannot verify ${pubkeyAlgorithmName(info.pubkeyAlgorithm)} signatures`,
      'sign with an RSA or Ed25519 (v4, EdDSA) key',
    );
  }

  const entries: NewEntry[] = [];
  for (const e of rpm.signature.ordered) {
    if (e.tag === SIG.region || SIGNATURE_TAGS.has(e.tag)) continue;
    entries.push({ tag: e.tag, type: e.type, count: e.count, data: rpm.signature.rawData(e) });
  }
  if (recorded === undefined) {
    entries.push({ tag: SIG.sha256, type: T_STRING, count: 1, data: Buffer.from(`${digest}\0`) });
  }
  entries.push({ tag, type: 7, count: raw.length, data: raw });
  const sigHeader = buildHeader(SIG.region, entries);
  const pad = Buffer.alloc((8 - (sigHeader.length % 8)) % 8);

  await replaceVia(
    dest,
    async (tmp) => {
      await writeWith(tmp, [buf.subarray(0, LEAD_SIZE), sigHeader, pad], src, rpm.headerStart);
      await chmod(tmp, mode);
    },
    'releng-tmp',
  );
  return {
    file: dest,
    tag,
    algorithm: pubkeyAlgorithmName(info.pubkeyAlgorithm),
    hash: hashAlgorithmName(info.hashAlgorithm),
    issuer: info.issuer,
  };
}
