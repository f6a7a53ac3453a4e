/**
 * Checks a published APT repository the way apt would, and then some:
 * the signatures (InRelease and Release.gpg) with a given public key, the
 * Release's Date / Valid-Until, every index file against the Release's
 * SHA-256 and SHA-512 (and its by-hash copies), and every package file
 * against its Packages stanza.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { walkFilesSync } from '../../util/fs.ts';
import { STATE_DIR } from '../index-store.ts';
import { filesBeingPublished, findStaleTemporaries, isStaleTemporary } from '../recovery.ts';
import { verifyClearsigned, verifyDetached } from '../signing/index.ts';
import { parseRelease } from './release.ts';
import { xzDecompress } from './xz.ts';

/** Options of {@link verifyAptRepository}. */
export interface AptVerifyOptions {
  /** Public key(s), armored or binary. Without one, signatures are not checked. */
  publicKey?: string | Uint8Array;
  /** Only this suite/codename (`dists/<name>`); default every one. */
  suite?: string;
  /** Hash every package file against its stanza (default true). */
  checkPool?: boolean;
  /** "Now", for Date and Valid-Until (default the current time). */
  now?: Date;
}

/** What {@link verifyAptRepository} found. `ok` is true when `problems` is empty. */
export interface AptVerifyReport {
  ok: boolean;
  problems: string[];
  warnings: string[];
  /** One entry per Release checked. */
  releases: Array<{ dir: string; signedBy?: string; indexFiles: number }>;
  /** Package files checked. */
  packages: number;
}

async function readMaybe(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}

function digest(algo: string, data: Uint8Array): string {
  return createHash(algo).update(data).digest('hex');
}

/** Folders holding a Release or InRelease: the root (flat) or `dists/*`. */
async function releaseDirs(root: string, suite?: string): Promise<string[]> {
  const has = async (d: string): Promise<boolean> =>
    (await stat(path.join(d, 'InRelease')).catch(() => undefined)) !== undefined ||
    (await stat(path.join(d, 'Release')).catch(() => undefined)) !== undefined;
  if (suite) {
    const d = path.join(root, 'dists', suite);
    return (await has(d)) ? [d] : [];
  }
  if (await has(root)) return [root];
  const names = await readdir(path.join(root, 'dists'), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const n of names) {
    if (!n.isDirectory()) continue; // a suite symlink is checked through its target
    const d = path.join(root, 'dists', n.name);
    if (await has(d)) out.push(d);
  }
  return out.sort();
}

function parseStanzas(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  for (const para of text.split(/\n\s*\n/)) {
    if (!para.trim()) continue;
    const m = new Map<string, string>();
    for (const line of para.split('\n')) {
      if (line.startsWith(' ') || line.startsWith('\t') || !line.includes(':')) continue;
      const i = line.indexOf(':');
      m.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
    }
    out.push(m);
  }
  return out;
}

/** Verifies the repository in `root`; never throws for what it finds (see the report). */
export async function verifyAptRepository(
  root: string,
  opts: AptVerifyOptions = {},
): Promise<AptVerifyReport> {
  const abs = path.resolve(root);
  const report: AptVerifyReport = {
    ok: false,
    problems: [],
    warnings: [],
    releases: [],
    packages: 0,
  };
  const now = opts.now ?? new Date();
  const dirs = await releaseDirs(abs, opts.suite);
  if (dirs.length === 0) {
    report.problems.push(
      `no Release or InRelease in ${opts.suite ? `dists/${opts.suite}` : `${root} or its dists/`}`,
    );
    return report;
  }
  const poolChecked = new Map<string, { size: number; sha256: string; sha512: string }>();
  for (const dir of dirs) {
    const rel = path.relative(abs, dir) || '.';
    const say = (msg: string): void => {
      report.problems.push(`${rel}: ${msg}`);
    };
    const inRelease = await readMaybe(path.join(dir, 'InRelease'));
    const release = await readMaybe(path.join(dir, 'Release'));
    const releaseGpg = await readMaybe(path.join(dir, 'Release.gpg'));
    let text: string | undefined;
    let signedBy: string | undefined;
    if (opts.publicKey) {
      if (!inRelease && !releaseGpg) say('not signed (no InRelease, no Release.gpg)');
      if (inRelease) {
        const r = await verifyClearsigned({
          text: inRelease.toString('utf8'),
          publicKey: opts.publicKey,
        });
        if (r.valid) {
          text = r.text;
          signedBy = r.fingerprint;
        } else say(`InRelease: bad signature: ${r.error}`);
      }
      if (releaseGpg) {
        if (!release) say('Release.gpg without Release');
        else {
          const r = await verifyDetached({
            data: release,
            signature: releaseGpg,
            publicKey: opts.publicKey,
          });
          if (r.valid) signedBy ??= r.fingerprint;
          else say(`Release.gpg: bad signature: ${r.error}`);
        }
      }
    } else {
      report.warnings.push(`${rel}: signatures not checked (no public key given)`);
      if (inRelease) {
        const t = inRelease.toString('utf8');
        const start = t.indexOf('\n\n');
        const end = t.indexOf('\n-----BEGIN PGP SIGNATURE-----');
        if (start !== -1 && end !== -1) text = `${t.slice(start + 2, end).replace(/\n$/, '')}\n`;
      }
    }
    if (release) {
      const plain = release.toString('utf8');
      if (text !== undefined && text.replace(/\n+$/, '') !== plain.replace(/\n+$/, ''))
        say('InRelease and Release differ');
      text ??= plain;
    }
    if (text === undefined) {
      if (!inRelease && !release) say('no Release');
      report.releases.push({ dir: rel, signedBy, indexFiles: 0 });
      continue;
    }
    const parsed = parseRelease(text);
    const date = parsed.fields.get('Date');
    if (!date) say('Release has no Date');
    else if (Number.isNaN(Date.parse(date))) say(`Release Date '${date}' is not a date`);
    else if (Date.parse(date) > now.getTime() + 600_000)
      say(`Release Date ${date} is in the future`);
    const validUntil = parsed.fields.get('Valid-Until');
    if (validUntil && Date.parse(validUntil) < now.getTime())
      say(`Release expired (Valid-Until ${validUntil}); re-sign it: releng repo sign`);
    const sha256 = parsed.hashes.get('SHA256');
    const sha512 = parsed.hashes.get('SHA512');
    if (!sha256 || sha256.size === 0) say('Release has no SHA256 list (apt rejects it as weak)');
    const byHash = parsed.fields.get('Acquire-By-Hash') === 'yes';
    const packagesTexts: Array<{ file: string; text: string }> = [];
    let indexFiles = 0;
    for (const [file, { digest: want, size }] of sha256 ?? []) {
      const data = await readMaybe(path.join(dir, file));
      if (!data) {
        report.warnings.push(`${rel}: ${file} is listed in Release but missing`);
        continue;
      }
      indexFiles++;
      if (data.length !== size) say(`${file}: size ${data.length}, Release says ${size}`);
      else if (digest('sha256', data) !== want) say(`${file}: SHA256 does not match Release`);
      else {
        const w512 = sha512?.get(file);
        if (w512 && digest('sha512', data) !== w512.digest)
          say(`${file}: SHA512 does not match Release`);
      }
      if (byHash) {
        for (const [algo, list] of [
          ['SHA256', sha256],
          ['SHA512', sha512],
        ] as const) {
          const d = list?.get(file)?.digest;
          if (!d) continue;
          const copy = path.join(dir, path.dirname(file), 'by-hash', algo, d);
          const got = await readMaybe(copy);
          if (!got) say(`${path.dirname(file)}/by-hash/${algo}/${d} is missing`);
          else if (digest(algo === 'SHA256' ? 'sha256' : 'sha512', got) !== d)
            say(`${path.dirname(file)}/by-hash/${algo}/${d} has other contents`);
        }
      }
      const base = path.basename(file);
      try {
        if (base === 'Packages') packagesTexts.push({ file, text: data.toString('utf8') });
        else if (base === 'Packages.gz')
          packagesTexts.push({ file, text: gunzipSync(data).toString('utf8') });
        else if (base === 'Packages.xz')
          packagesTexts.push({ file, text: xzDecompress(data).toString('utf8') });
      } catch (err) {
        say(`${file}: cannot be decompressed (${(err as Error).message})`);
      }
    }
    // Variants of one Packages file must agree.
    const byDir = new Map<string, string>();
    for (const p of packagesTexts) {
      const d = path.dirname(p.file);
      const seen = byDir.get(d);
      if (seen === undefined) byDir.set(d, p.text);
      else if (seen !== p.text) say(`${d}: Packages, Packages.gz and Packages.xz differ`);
    }
    report.releases.push({ dir: rel, signedBy, indexFiles });
    if (opts.checkPool === false) continue;
    const baseDir = abs;
    for (const text of byDir.values()) {
      for (const st of parseStanzas(text)) {
        const filename = st.get('filename');
        const name = st.get('package') ?? '?';
        if (!filename) {
          say(`package ${name} has no Filename`);
          continue;
        }
        if (filename.split('/').includes('..') || path.isAbsolute(filename)) {
          say(`package ${name}: Filename ${filename} leaves the repository`);
          continue;
        }
        const want256 = st.get('sha256');
        if (!want256) say(`package ${name}: no SHA256 in its stanza`);
        const key = path.join(baseDir, filename);
        let got = poolChecked.get(key);
        if (!got) {
          const data = await readMaybe(key);
          if (!data) {
            say(`${filename} (${name}) is missing`);
            continue;
          }
          got = {
            size: data.length,
            sha256: digest('sha256', data),
            sha512: digest('sha512', data),
          };
          poolChecked.set(key, got);
          report.packages++;
        }
        if (String(got.size) !== st.get('size')) say(`${filename}: size differs from its stanza`);
        else if (want256 && got.sha256 !== want256)
          say(`${filename}: SHA256 differs from its stanza`);
        else if (st.has('sha512') && got.sha512 !== st.get('sha512'))
          say(`${filename}: SHA512 differs from its stanza`);
      }
    }
  }
  if (opts.checkPool !== false && !opts.suite) leftovers(abs, poolChecked, report);
  report.ok = report.problems.length === 0;
  return report;
}

/**
 * What an interrupted publish (or a hand copy) leaves: .deb files that no
 * Packages file lists, and temporaries of processes that are gone.
 */
function leftovers(
  root: string,
  listed: ReadonlyMap<string, unknown>,
  report: AptVerifyReport,
): void {
  const flat = !existsSync(path.join(root, 'dists'));
  const running = filesBeingPublished(root);
  const skip = new Set([STATE_DIR, 'dists']);
  walkFilesSync(
    root,
    flat ? '' : 'pool',
    (r, name) => {
      if (isStaleTemporary(name)) {
        report.problems.push(
          `${r}: temporary file of an interrupted publish (the next releng repo add/remove/index/sign removes it)`,
        );
      } else if (name.endsWith('.deb') && !listed.has(path.join(root, r)) && !running.has(r)) {
        report.problems.push(
          `${r} is not in any Packages index (left by an interrupted publish, or copied by hand; \`releng repo index\` takes it in)`,
        );
      }
    },
    (parent, name) => parent !== '' || !skip.has(name),
  );
  for (const r of findStaleTemporaries(root, ['dists', STATE_DIR], true))
    report.problems.push(
      `${r}: temporary file of an interrupted publish (the next releng repo add/remove/index/sign removes it)`,
    );
}
