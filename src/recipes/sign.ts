/**
 * Signs what a build produced with releng's native signers: rpm header
 * signatures (repository/rpmsign.ts) and .deb origin signatures
 * (repository/debsig.ts). A signed .deb has new bytes, so the checksums in
 * the build's .changes and .buildinfo are rewritten to match, and the
 * .changes is clear-signed, as debsign does.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { signDeb } from '../repository/debsig.ts';
import { faultPoint, isStaleTemporary } from '../repository/recovery.ts';
import { parseSignature, signRpm } from '../repository/rpmsign.ts';
import type { Signer, SignOptions } from '../repository/signing/index.ts';
import { headersLength, parseRpm, SIG } from '../repository/yum/rpmfile.ts';
import { reproducibleSigning } from '../util/epoch.ts';
import { replaceVia, writeFileAtomic } from '../util/fs.ts';

/** Digest algorithm of each checksum field of a .changes/.buildinfo. */
const FIELD_HASH: Record<string, string> = {
  'checksums-sha1': 'sha1',
  'checksums-sha256': 'sha256',
  'checksums-md5': 'md5',
  files: 'md5',
};

/**
 * Rewrites the checksum lines of `text` for the files in `changed`
 * (name → bytes). Other lines are kept as written.
 */
export function updateChecksums(text: string, changed: ReadonlyMap<string, Buffer>): string {
  let algorithm: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      if (!line.startsWith(' ')) {
        const name = line.slice(0, line.indexOf(':')).toLowerCase();
        algorithm = FIELD_HASH[name];
        return line;
      }
      if (!algorithm) return line;
      const words = line.trim().split(/\s+/);
      const bytes = changed.get(words.at(-1)!);
      if (!bytes || words.length < 3) return line;
      words[0] = createHash(algorithm).update(bytes).digest('hex');
      words[1] = String(bytes.length);
      return ` ${words.join(' ')}`;
    })
    .join('\n');
}

/**
 * Signs every .rpm and .deb of `files`; fixes and signs the .changes. Returns
 * what was done, per file. `signing`: the signatures' time and determinism
 * (default from SOURCE_DATE_EPOCH: the same build signs to the same bytes).
 */
export async function signArtifacts(
  files: readonly string[],
  signer: Signer,
  signing: SignOptions = reproducibleSigning(),
): Promise<string[]> {
  const done: string[] = [];
  const changed = new Map<string, Buffer>();
  for (const f of files) {
    if (f.endsWith('.rpm')) {
      const r = await signRpm(f, signer, { signing });
      done.push(
        `${path.basename(f)}: rpm header signature (${r.algorithm}/${r.hash}, key ${signer.keyId})`,
      );
    } else if (f.endsWith('.deb') || f.endsWith('.ddeb')) {
      await signDeb(f, signer, { signing });
      changed.set(path.basename(f), await readFile(f));
      done.push(`${path.basename(f)}: origin signature (_gpgorigin, key ${signer.keyId})`);
    }
  }
  // .buildinfo first: the .changes lists its checksums too.
  const texts = [
    ...files.filter((f) => f.endsWith('.buildinfo')),
    ...files.filter((f) => f.endsWith('.changes')),
  ];
  for (const f of texts) {
    const isChanges = f.endsWith('.changes');
    const mode = (await stat(f)).mode & 0o777;
    let text = updateChecksums(await readFile(f, 'utf8'), changed);
    if (isChanges) {
      text = await signer.clearsign(text, signing);
      done.push(`${path.basename(f)}: clear-signed (key ${signer.keyId})`);
    } else changed.set(path.basename(f), Buffer.from(text));
    await writeFileAtomic(f, text);
    await chmod(f, mode);
  }
  return done;
}

/** The lead and both headers of an .rpm, parsed (read only as far as they go). */
async function readRpmHead(file: string): Promise<ReturnType<typeof parseRpm>> {
  const fh = await open(file, 'r');
  let buf: Buffer;
  try {
    const size = (await fh.stat()).size;
    let want = Math.min(size, 64 << 10);
    for (;;) {
      buf = Buffer.alloc(want);
      await fh.read(buf, 0, want, 0);
      const need = headersLength(buf);
      if (need === undefined || need <= want || want >= size) break;
      want = Math.min(size, need);
    }
  } finally {
    await fh.close();
  }
  return parseRpm(buf, file);
}

/**
 * True when the .rpm already carries a header signature issued by `keyId`:
 * signing it again would only change the signature's time (and so the
 * bytes a repository already holds).
 */
export async function rpmSignedBy(file: string, keyId: string): Promise<boolean> {
  try {
    const sig = (await readRpmHead(file)).signature;
    for (const tag of [SIG.rsaHeader, SIG.dsaHeader]) {
      const raw = sig.bin(tag);
      if (raw && parseSignature(raw).issuer?.toUpperCase() === keyId.toUpperCase()) return true;
    }
  } catch {
    // Not a readable rpm: signing it reports the problem.
  }
  return false;
}

/** SHA-256 of an .rpm from its main header on: what signing leaves untouched. */
async function signedContentDigest(file: string): Promise<string> {
  const { headerStart } = await readRpmHead(file);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { start: headerStart })) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * True when two .rpm files are the same package apart from their signature
 * headers (a reproducible rebuild of a package a repository holds signed).
 */
export async function sameRpmContent(a: string, b: string): Promise<boolean> {
  try {
    return (await signedContentDigest(a)) === (await signedContentDigest(b));
  } catch {
    return false;
  }
}

/**
 * Gives a root-built .rpm the header signature of a YUM repository's key
 * before it is added there (dnf's gpgcheck=1 checks it). A signature's time
 * changes its bytes, so an rpm already signed by the key is left alone, and a
 * reproducible rebuild of one the repository holds (`packagesDir/<name>`,
 * signed by the key, same content otherwise) takes the repository's copy.
 */
export async function signRootBuiltRpm(
  file: string,
  signer: Signer,
  packagesDir: string,
): Promise<void> {
  if (await rpmSignedBy(file, signer.keyId)) return;
  const held = path.join(packagesDir, path.basename(file));
  const isFile = (await lstat(held).catch(() => undefined))?.isFile();
  if (isFile && (await rpmSignedBy(held, signer.keyId)) && (await sameRpmContent(file, held))) {
    await replaceVia(file, (tmp) => copyFile(held, tmp));
    return;
  }
  // Temporaries of a signing killed earlier (kill -9) go first.
  const dir = path.dirname(file);
  for (const name of await readdir(dir))
    if (name.startsWith(`${path.basename(file)}.`) && isStaleTemporary(name))
      await rm(path.join(dir, name), { force: true });
  await replaceVia(
    file,
    async (tmp) => {
      await signRpm(file, signer, { out: tmp });
      faultPoint('recipe-rpm-signed');
    },
    'releng-tmp',
  );
}
