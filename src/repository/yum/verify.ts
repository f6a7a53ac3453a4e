/**
 * Checks a published YUM repository the way dnf would, and then some:
 * repomd.xml.asc with a given public key, every data file against
 * repomd.xml's checksum, size, open-checksum and open-size, and every
 * package file against its primary.xml entry (size and SHA-256).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { walkFilesSync } from '../../util/fs.ts';
import { filesBeingPublished, findStaleTemporaries } from '../recovery.ts';
import { checkRpmIntegrity } from './rpmfile.ts';

/** Every .rpm under the root (relative paths), outside repodata/ and hidden folders. */
function listRpmFiles(root: string): string[] {
  const out: string[] = [];
  walkFilesSync(
    root,
    '',
    (r, name) => {
      if (name.endsWith('.rpm') && !name.startsWith('.')) out.push(r);
    },
    (parent, name) => !name.startsWith('.') && !(parent === '' && name === 'repodata'),
  );
  return out;
}

const gunzip = promisify(gunzipCb);

/** Options of {@link verifyYumRepository}. */
export interface YumVerifyOptions {
  /** Public key(s), armored or binary. Without one, the signature is not checked. */
  publicKey?: string | Uint8Array;
  /** Hash every package file against primary.xml (default true). */
  checkPackages?: boolean;
}

/** What {@link verifyYumRepository} found. `ok` is true when `problems` is empty. */
export interface YumVerifyReport {
  ok: boolean;
  problems: string[];
  warnings: string[];
  revision?: string;
  signedBy?: string;
  /** Data files checked. */
  dataFiles: number;
  /** Package files checked. */
  packages: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function xmlText(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');
}

/** A location from repomd/primary must stay inside the repository. */
function inside(root: string, href: string): string | undefined {
  const abs = path.resolve(root, href);
  const rel = path.relative(root, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? abs : undefined;
}

/** Verifies the YUM repository rooted at `dir`. Never throws for repository problems. */
export async function verifyYumRepository(
  dir: string,
  opts: YumVerifyOptions = {},
): Promise<YumVerifyReport> {
  const root = path.resolve(dir);
  const report: YumVerifyReport = {
    ok: false,
    problems: [],
    warnings: [],
    dataFiles: 0,
    packages: 0,
  };
  const problem = (p: string): void => {
    report.problems.push(p);
  };
  const repomdPath = path.join(root, 'repodata', 'repomd.xml');
  const repomd = await readFile(repomdPath).catch(() => undefined);
  if (!repomd) {
    problem('repodata/repomd.xml is missing');
    return report;
  }
  const text = repomd.toString('utf8');
  report.revision = /<revision>([^<]*)<\/revision>/.exec(text)?.[1];

  const asc = await readFile(`${repomdPath}.asc`, 'utf8').catch(() => undefined);
  if (opts.publicKey !== undefined) {
    if (asc === undefined)
      problem('repodata/repomd.xml.asc is missing (dnf with repo_gpgcheck=1 refuses it)');
    else {
      // Loaded on demand: openpgp.js takes longer to load than indexing a small repository.
      const { verifyDetached } = await import('../signing/index.ts');
      const v = await verifyDetached({ data: repomd, signature: asc, publicKey: opts.publicKey });
      if (v.valid) report.signedBy = v.fingerprint ?? v.keyId;
      else problem(`repodata/repomd.xml.asc: ${v.error ?? 'bad signature'}`);
    }
  } else if (asc === undefined) {
    report.warnings.push('repomd.xml is not signed');
  } else {
    report.warnings.push('repomd.xml.asc not checked (no public key given)');
  }

  let primary: string | undefined;
  const types = new Set<string>();
  for (const m of text.matchAll(/<data\s+type="([^"]+)"\s*>([\s\S]*?)<\/data>/g)) {
    const type = m[1]!;
    const body = m[2]!;
    types.add(type);
    const href = /<location\s+href="([^"]+)"/.exec(body)?.[1];
    const checksum = /<checksum type="sha256">([0-9a-f]{64})<\/checksum>/.exec(body)?.[1];
    if (!href || !checksum) {
      problem(`repomd.xml: ${type} has no location or no sha256 checksum`);
      continue;
    }
    const file = inside(root, xmlText(href));
    const data = file ? await readFile(file).catch(() => undefined) : undefined;
    report.dataFiles++;
    if (!data) {
      problem(`${href} (${type}) is missing`);
      continue;
    }
    if (sha256(data) !== checksum) problem(`${href} (${type}): checksum mismatch`);
    const size = /<size>(\d+)<\/size>/.exec(body)?.[1];
    if (size !== undefined && Number(size) !== data.length)
      problem(`${href} (${type}): size mismatch`);
    const openChecksum = /<open-checksum type="sha256">([0-9a-f]{64})<\/open-checksum>/.exec(
      body,
    )?.[1];
    if (openChecksum && href.endsWith('.gz')) {
      const open = await gunzip(data).catch(() => undefined);
      if (!open) problem(`${href} (${type}): not valid gzip`);
      else {
        if (sha256(open) !== openChecksum) problem(`${href} (${type}): open-checksum mismatch`);
        const openSize = /<open-size>(\d+)<\/open-size>/.exec(body)?.[1];
        if (openSize !== undefined && Number(openSize) !== open.length) {
          problem(`${href} (${type}): open-size mismatch`);
        }
        if (type === 'primary') primary = open.toString('utf8');
      }
    }
  }
  if (!types.has('primary')) problem('repomd.xml lists no primary data');

  if (primary !== undefined && opts.checkPackages !== false) {
    const declared = /<metadata[^>]*\spackages="(\d+)"/.exec(primary)?.[1];
    let count = 0;
    for (const m of primary.matchAll(/<package type="rpm">([\s\S]*?)<\/package>/g)) {
      count++;
      const body = m[1]!;
      const href = /<location href="([^"]+)"/.exec(body)?.[1];
      const sum = /<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>/.exec(body)?.[1];
      const size = /<size package="(\d+)"/.exec(body)?.[1];
      if (!href || !sum) {
        problem(`primary.xml: package #${count} has no location or sha256`);
        continue;
      }
      const file = inside(root, xmlText(href));
      const data = file ? await readFile(file).catch(() => undefined) : undefined;
      report.packages++;
      if (!data) problem(`${xmlText(href)} is missing`);
      else if (size !== undefined && Number(size) !== data.length) {
        problem(`${xmlText(href)}: size differs from primary.xml (changed after indexing?)`);
      } else if (sha256(data) !== sum) {
        problem(`${xmlText(href)}: sha256 differs from primary.xml (changed after indexing?)`);
      } else {
        try {
          checkRpmIntegrity(data, xmlText(href));
        } catch (err) {
          problem((err as Error).message);
        }
      }
    }
    if (declared !== undefined && Number(declared) !== count) {
      problem(`primary.xml says packages="${declared}" but lists ${count}`);
    }
    // What an interrupted publish (or a hand copy) leaves behind.
    const listed = new Set(
      [...primary.matchAll(/<location href="([^"]+)"/g)].map((m) => xmlText(m[1]!)),
    );
    const running = filesBeingPublished(root);
    for (const rel of listRpmFiles(root))
      if (!listed.has(rel) && !running.has(rel))
        problem(
          `${rel} is not in primary.xml (left by an interrupted publish, or copied by hand; \`releng repo index\` takes it in)`,
        );
    for (const rel of findStaleTemporaries(root, [''], true))
      problem(
        `${rel}: temporary file of an interrupted publish (the next releng repo add/remove/index/sign removes it)`,
      );
  }
  report.ok = report.problems.length === 0;
  return report;
}
