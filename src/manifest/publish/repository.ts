/**
 * Publishing into a pkg(5) file repository (version 4), written natively:
 *
 * ```
 * pkg5.repository                          repository config (publisher prefix)
 * publisher/<pub>/file/<h[0:2]>/<h>        payloads, gzip, named by the SHA-1 of the content
 * publisher/<pub>/pkg/<stem>/<version>     manifests (URL-quoted names)
 * publisher/<pub>/catalog/catalog.attrs    catalog v1: attrs + base/dependency/summary parts,
 * publisher/<pub>/catalog/catalog.*.C      each signed with the SHA-1 pkg(5) checks
 * ```
 *
 * Payloads and manifests are written before the catalog, each file
 * atomically; the catalog parts, then catalog.attrs last. A publish killed
 * before the catalog leaves the repository as it was (plus unreferenced
 * payloads); one killed between catalog files leaves parts that do not match
 * catalog.attrs until the same publish is run again, which completes it and
 * removes the temporary files the killed one left. Publishing again adds to
 * what is there; a repository made by `pkgrepo create` is accepted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { faultPoint } from '../../repository/recovery.ts';
import { RelengError } from '../../util/errors.ts';
import { walkFilesSync, writeFileAtomic } from '../../util/fs.ts';
import { isAlive } from '../../util/pid.ts';
import { type Action, type AttrValue, actionToString, attr, cloneAction } from '../action.ts';
import { compareFmri, parseFmri } from '../fmri.ts';
import type { Manifest } from '../manifest.ts';
import { findProtoFile } from '../proto.ts';
import type { IpsSigner, StoredPayload } from './sign.ts';

/** What publish needs besides the manifest. */
export interface PublishOptions {
  /** Where payloads are found (by positional hash when set, else by path). */
  protoDirs: readonly string[];
  /** The publisher when the repository has none yet (default `releng`). */
  publisher?: string;
  /** Seconds since the epoch for the FMRI timestamp (default SOURCE_DATE_EPOCH, else now). */
  time?: number;
  /** Adds a signature action, as pkgsign does (./sign.ts). */
  signer?: IpsSigner;
}

const sha1 = (b: Uint8Array | string): string => createHash('sha1').update(b).digest('hex');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** pkg(5)'s payload gzip: no name, no time, so the bytes depend on the content only. */
export function pkgGzip(data: Uint8Array): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
  const body = deflateRawSync(data, { level: 9 });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  return Buffer.concat([header, body, trailer]);
}

/** Python's urllib.parse.quote(s, ''): all but letters, digits and `_.-~` escaped. */
export function pyQuote(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** JSON as pkg(5)'s catalog writer emits it: keys sorted, compact, ASCII only. */
function pyJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(v)) return `[${v.map(pyJson).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${pyJson(k)}:${pyJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** A signed catalog part: the data, then `"_SIGNATURE":{"sha-1":…}` over the bytes before it. */
function signedPart(data: Record<string, unknown>): { text: string; signature: string } {
  const body = `${pyJson(data)}\n`;
  const signature = sha1(body);
  const open = body.slice(0, -2);
  const text = `${open}${open.length > 1 ? ',' : ''}"_SIGNATURE":{"sha-1":"${signature}"}}\n`;
  return { text, signature };
}

/** Microseconds since the epoch of a catalog timestamp (`20231114T221320[.123456]Z`). */
function basicTsMicros(ts: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?Z$/.exec(ts);
  if (!m) return -1;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as number[];
  const sec = Date.UTC(y as number, (mo as number) - 1, d, h, mi, se) / 1000;
  return sec * 1_000_000 + Number((m[7] ?? '').padEnd(6, '0') || 0);
}

/** A catalog timestamp of microseconds since the epoch, as Python's isoformat() writes it. */
function microsStamp(us: number): string {
  const frac = us % 1_000_000;
  const base = stamp(Math.floor(us / 1_000_000));
  return frac > 0 ? `${base.slice(0, -1)}.${String(frac).padStart(6, '0')}Z` : base;
}

function stamp(seconds: number, micro = false): string {
  const d = new Date(seconds * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  // As Python's isoformat() writes it: no fraction when there is none (the catalog is checked that way).
  const ms = d.getUTCMilliseconds();
  return micro && ms > 0 ? `${base}.${p(ms * 1000, 6)}Z` : `${base}Z`;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(path)) return undefined;
  const data = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  delete data._SIGNATURE;
  return data;
}

/** The repository's publisher: its configured prefix, or `fallback` for a new repository (written now). */
async function repositoryPublisher(repo: string, fallback: string): Promise<string> {
  const cfg = join(repo, 'pkg5.repository');
  if (existsSync(cfg)) {
    const text = await readFile(cfg, 'utf8');
    const prefix = /^\[publisher\][^[]*?^prefix\s*=\s*(\S+)/ms.exec(text)?.[1];
    if (prefix) return prefix;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(fallback)) {
    throw new RelengError(`invalid publisher name ${fallback}`, {
      hint: 'letters, digits, ".", "_" and "-"',
    });
  }
  await writeFileAtomic(
    cfg,
    `[publisher]\nprefix = ${fallback}\n\n[repository]\nversion = 4\ntrust-anchor-directory = /etc/certs/CA/\nsignature-required-names = []\ncheck-certificate-revocation = False\n\n[CONFIGURATION]\nversion = 4\n\n`,
  );
  return fallback;
}

/** Removes temporary files a killed publish left in the publisher folder (their process is gone). */
async function removeLeftovers(pubDir: string): Promise<void> {
  const stale: string[] = [];
  walkFilesSync(pubDir, '', (rel, name) => {
    const m = /\.tmp-(\d+)-[0-9a-z]+$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) stale.push(join(pubDir, rel));
  });
  for (const f of stale) await rm(f, { force: true });
}

/** Rebuilds the search index of every publisher of the repository (`pkgrepo refresh`), so `pkg search` answers. */
export async function refreshSearchIndexes(repo: string): Promise<string[]> {
  const root = join(repo, 'publisher');
  const pubs = existsSync(root) ? readdirSync(root).sort() : [];
  // Loaded when used: the ips output format publishes without it.
  const { writeSearchIndex } = await import('./search.ts');
  for (const pub of pubs) await writeSearchIndex(join(root, pub));
  return pubs;
}

/** Stores a payload gzip-compressed under the SHA-1 of its content (once). */
async function storePayload(pubDir: string, data: Buffer): Promise<{ hash: string; gz: Buffer }> {
  const gz = pkgGzip(data);
  const hash = sha1(data);
  const target = join(pubDir, 'file', hash.slice(0, 2), hash);
  if (!existsSync(target)) await writeFileAtomic(target, gz);
  return { hash, gz };
}

/** Publishes one manifest's package into the repository; returns its full FMRI. */
export async function publishManifest(
  repo: string,
  m: Manifest,
  options: PublishOptions,
): Promise<string> {
  const pub = await repositoryPublisher(repo, options.publisher ?? 'releng');
  const fmriAction = m.actions.find(
    (a) => a.action.name === 'set' && a.action.attrs.get('name') === 'pkg.fmri',
  );
  const fmri = fmriAction ? attr(fmriAction.action, 'value') : undefined;
  const parsed = fmri ? /^(?:pkg:\/\/[^/]*\/|pkg:\/)?([^@]+)@([^:]+)/.exec(fmri) : null;
  if (!parsed) {
    throw new RelengError(`${m.file}: pkg.fmri ${fmri ?? '(none)'} has no version`, {
      file: m.file,
      hint: 'set name=pkg.fmri value=pkg:/NAME@RELEASE[,BUILD][-BRANCH]',
    });
  }
  const stem = parsed[1] as string;
  if (stem.split('/').some((c) => c === '' || c === '.' || c === '..')) {
    throw new RelengError(`${m.file}: bad package name ${stem}`, { file: m.file });
  }
  const envTime = Number(process.env.SOURCE_DATE_EPOCH);
  const time =
    options.time ??
    (Number.isFinite(envTime) && process.env.SOURCE_DATE_EPOCH
      ? envTime
      : Math.floor(Date.now() / 1000));
  const version = `${parsed[2]}:${stamp(time)}`;
  const full = `pkg://${pub}/${stem}@${version}`;
  const pubDir = join(repo, 'publisher', pub);
  await removeLeftovers(pubDir);

  const out: Action[] = [];
  for (const { action, line } of m.actions) {
    const a = cloneAction(action);
    if (a.name === 'set' && a.attrs.get('name') === 'pkg.fmri') a.attrs.set('value', full);
    if (a.name === 'file' || a.name === 'license') {
      const rel = a.hash && a.hash !== 'NOHASH' ? a.hash : (attr(a, 'path') ?? '');
      const local = findProtoFile(options.protoDirs, rel, { file: m.file, line });
      if (!local) {
        throw new RelengError(
          `${m.file}:${line}: ${a.name} payload ${rel} is not in ${options.protoDirs.join(', ')}`,
          {
            file: m.file,
            line,
            hint: 'install into the proto area first (or fix the path)',
          },
        );
      }
      const data = await readFile(local);
      const { hash: h, gz } = await storePayload(pubDir, data);
      a.hash = h;
      a.attrs.set('chash', sha1(gz));
      a.attrs.set('pkg.csize', String(gz.length));
      a.attrs.set('pkg.size', String(data.length));
      if (a.name === 'file')
        a.attrs.set('pkg.content-hash', [
          `file:sha256:${sha256(data)}`,
          `gzip:sha256:${sha256(gz)}`,
        ]);
    }
    out.push(a);
  }
  if (options.signer) {
    const store = async (data: Buffer): Promise<StoredPayload> => {
      const { hash, gz } = await storePayload(pubDir, data);
      return { hash, chash: sha1(gz), chash256: sha256(gz), size: data.length, csize: gz.length };
    };
    const { signatureAction } = await import('./sign.ts');
    out.push(await signatureAction(out, options.signer, store));
  }
  const manifestText = out.map((a) => `${actionToString(a)}\n`).join('');
  await writeFileAtomic(join(pubDir, 'pkg', pyQuote(stem), pyQuote(version)), manifestText);
  faultPoint('ips-before-catalog');

  // The catalog last: until it is replaced, clients see the repository as before.
  const cat = join(pubDir, 'catalog');
  const parts: Record<string, Record<string, Record<string, Record<string, unknown>[]>>> = {};
  for (const name of ['catalog.base.C', 'catalog.dependency.C', 'catalog.summary.C']) {
    parts[name] = ((await readJson(join(cat, name))) ?? {}) as Record<
      string,
      Record<string, Record<string, unknown>[]>
    >;
  }
  const dep: string[] = [];
  const sum: string[] = [];
  for (const a of out) {
    if (a.name === 'depend') dep.push(actionToString(a));
    else if (a.name === 'set') {
      const n = String(a.attrs.get('name'));
      if (n === 'pkg.fmri' || n === 'fmri') continue;
      if (
        n.startsWith('variant') ||
        n.startsWith('facet') ||
        n.startsWith('pkg.depend.') ||
        n === 'pkg.obsolete' ||
        n === 'pkg.renamed'
      ) {
        dep.push(actionToString(a));
      } else if (!n.includes(':')) sum.push(actionToString(a));
    }
  }
  let replaced = false;
  const byVersion = (x: Record<string, unknown>, y: Record<string, unknown>): number => {
    try {
      return compareFmri(parseFmri(`pkg:/x@${x.version}`), parseFmri(`pkg:/x@${y.version}`));
    } catch {
      return 0;
    }
  };
  const entries: Record<string, Record<string, unknown>> = {};
  const put = (part: string, entry: Record<string, unknown>) => {
    const p = parts[part] as Record<string, Record<string, Record<string, unknown>[]>>;
    const byStem = p[pub] ?? {};
    p[pub] = byStem;
    const list = byStem[stem] ?? [];
    byStem[stem] = list;
    const at = list.findIndex((e) => e.version === version);
    if (at >= 0) {
      list[at] = entry;
      replaced = true;
    } else list.push(entry);
    // Versions ascending, as pkg(5) keeps them (a client applying an update log sorts so).
    list.sort(byVersion);
    entries[part] = entry;
  };
  put('catalog.base.C', { version, 'signature-sha-1': sha1(manifestText) });
  if (dep.length > 0) put('catalog.dependency.C', { version, actions: dep });
  if (sum.length > 0) put('catalog.summary.C', { version, actions: sum });

  const attrsPath = join(cat, 'catalog.attrs');
  const old = (await readJson(attrsPath)) ?? {};
  // The operation time: the publish time, but always after the catalog's last change, so a
  // client's incremental update (which applies only later operations) sees every publish.
  const oldParts = (old.parts ?? {}) as Record<string, Record<string, string>>;
  const oldMicros =
    typeof old['last-modified'] === 'string' ? basicTsMicros(old['last-modified']) : -1;
  const opMicros = Math.max(time * 1_000_000, oldMicros + 1);
  const now = microsStamp(opMicros);
  const partSigs: Record<string, AttrValue | Record<string, string>> = {};
  for (const [name, data] of Object.entries(parts)) {
    if (Object.keys(data).length === 0) continue;
    const { text, signature } = signedPart(data);
    await writeFileAtomic(join(cat, name), text);
    faultPoint('ips-catalog-part');
    const lm = name in entries ? now : (oldParts[name]?.['last-modified'] ?? now);
    partSigs[name] = { 'last-modified': lm, 'signature-sha-1': signature };
  }

  // The update log of the hour: what a client holding the catalog as it was needs to catch up.
  let updates = (old.updates ?? {}) as Record<string, Record<string, string>>;
  if (replaced) {
    // An entry changed in place cannot be told as an addition: clients fetch the catalog whole.
    for (const name of Object.keys(updates)) await rm(join(cat, name), { force: true });
    updates = {};
  } else {
    const logName = `update.${now.slice(0, 11)}Z.C`;
    const log = ((await readJson(join(cat, logName))) ?? {}) as Record<
      string,
      Record<string, Record<string, unknown>[]>
    >;
    const byStem = log[pub] ?? {};
    log[pub] = byStem;
    const list = byStem[stem] ?? [];
    byStem[stem] = list;
    list.push({ ...entries, 'op-time': now, 'op-type': 'add', version });
    const { text, signature } = signedPart(log);
    await writeFileAtomic(join(cat, logName), text);
    updates = { ...updates, [logName]: { 'last-modified': now, 'signature-sha-1': signature } };
  }
  const base = parts['catalog.base.C'] as Record<string, Record<string, unknown[]>>;
  let stems = 0;
  let versions = 0;
  for (const byStem of Object.values(base)) {
    for (const list of Object.values(byStem)) {
      stems++;
      versions += list.length;
    }
  }
  const attrs = {
    created: (old.created as string | undefined) ?? now,
    'last-modified': now,
    'package-count': stems,
    'package-version-count': versions,
    parts: partSigs,
    updates,
    version: 1,
  };
  await writeFileAtomic(attrsPath, signedPart(attrs).text);
  return full;
}
