/**
 * One rpm as a YUM repository sees it: identity, checksum and its three
 * pre-rendered XML fragments (primary, filelists, other), in the shapes
 * createrepo_c writes, so the repository can be re-published without
 * reading the package again.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileStamp, IndexedFile } from '../index-store.ts';
import {
  headersLength,
  parseRpm,
  RpmFormatError,
  type RpmHeader,
  RpmIntegrity,
  type RpmLayout,
  SIG,
  TAG,
} from './rpmfile.ts';

/** What the repository index keeps per package besides its path, stamp and SHA-256. */
export interface YumMeta {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  /** `<package>` element of primary.xml. */
  primary: string;
  /** `<package>` element of filelists.xml. */
  filelists: string;
  /** `<package>` element of other.xml. */
  other: string;
}

/**
 * One indexed rpm: `path` is its location relative to the repository root,
 * `sha256` its pkgid, `stamp` the size/mtime/inode it had when read.
 */
export type YumEntry = IndexedFile<YumMeta>;

/** `name-[epoch:]version-release.arch` (epoch only when non-zero). */
export function nevra(p: {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
}): string {
  return `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

// Invalid in XML 1.0 (libxml2 would refuse them): C0 controls except tab, LF, CR.
const XML_INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;
const TEXT_SPECIAL = /[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;
const ATTR_SPECIAL = /[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;

/** Escapes element content the way libxml2 (createrepo_c) does: `&`, `<`, `>`. */
export function xml(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Escapes an attribute value like libxml2: also `"` and tab/newline/CR as character references. */
export function xmlAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return xml(s)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

// Dependency sense flags (rpmds.h).
const LESS = 1 << 1;
const GREATER = 1 << 2;
const EQUAL = 1 << 3;
const POSTTRANS = 1 << 5;
const PREREQ = 1 << 6;
const PRETRANS = 1 << 7;
const SCRIPT_PRE = 1 << 9;
const SCRIPT_POST = 1 << 10;
const PRE_FLAGS = PREREQ | SCRIPT_PRE | SCRIPT_POST | PRETRANS | POSTTRANS;

const FLAG_NAMES: Record<number, string> = {
  [LESS]: 'LT',
  [GREATER]: 'GT',
  [EQUAL]: 'EQ',
  [LESS | EQUAL]: 'LE',
  [GREATER | EQUAL]: 'GE',
};

const GHOST = 1 << 6;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** Files listed in primary.xml too (createrepo_c's rule), so file requires resolve. */
function isPrimaryFile(p: string): boolean {
  return p.startsWith('/etc/') || p.includes('bin/') || p === '/usr/lib/sendmail';
}

/** Splits `[epoch:]version[-release]`. */
function splitEvr(evr: string): { epoch: string; ver: string; rel?: string } {
  let rest = evr;
  let epoch = '0';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, ver: rest };
  return { epoch, ver: rest.slice(0, dash), rel: rest.slice(dash + 1) };
}

function entry(name: string, flags: number, version: string, pre: boolean): string {
  let s = `      <rpm:entry name="${xmlAttr(name)}"`;
  const op = FLAG_NAMES[flags & (LESS | GREATER | EQUAL)];
  if (op) s += ` flags="${op}"`;
  if (version) {
    const v = splitEvr(version);
    s += ` epoch="${xmlAttr(v.epoch)}" ver="${xmlAttr(v.ver)}"`;
    if (v.rel !== undefined) s += ` rel="${xmlAttr(v.rel)}"`;
  }
  if (pre) s += ' pre="1"';
  return `${s}/>\n`;
}

interface DepTags {
  element: string;
  name: number;
  flags: number;
  version: number;
}

const DEPS: DepTags[] = [
  {
    element: 'provides',
    name: TAG.provideName,
    flags: TAG.provideFlags,
    version: TAG.provideVersion,
  },
  {
    element: 'requires',
    name: TAG.requireName,
    flags: TAG.requireFlags,
    version: TAG.requireVersion,
  },
  {
    element: 'conflicts',
    name: TAG.conflictName,
    flags: TAG.conflictFlags,
    version: TAG.conflictVersion,
  },
  {
    element: 'obsoletes',
    name: TAG.obsoleteName,
    flags: TAG.obsoleteFlags,
    version: TAG.obsoleteVersion,
  },
  {
    element: 'suggests',
    name: TAG.suggestName,
    flags: TAG.suggestFlags,
    version: TAG.suggestVersion,
  },
  {
    element: 'enhances',
    name: TAG.enhanceName,
    flags: TAG.enhanceFlags,
    version: TAG.enhanceVersion,
  },
  {
    element: 'recommends',
    name: TAG.recommendName,
    flags: TAG.recommendFlags,
    version: TAG.recommendVersion,
  },
  {
    element: 'supplements',
    name: TAG.supplementName,
    flags: TAG.supplementFlags,
    version: TAG.supplementVersion,
  },
];

function depsXml(h: RpmHeader, files: ReadonlySet<string>): string {
  let out = '';
  for (const d of DEPS) {
    const names = h.strings(d.name);
    if (names.length === 0) continue;
    const flags = h.ints(d.flags);
    const versions = h.strings(d.version);
    const isReq = d.element === 'requires';
    const seen = new Set<string>();
    let body = '';
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const f = flags[i] ?? 0;
      const v = versions[i] ?? '';
      let pre = false;
      if (isReq) {
        if (name.startsWith('rpmlib(')) continue;
        if (name.startsWith('/') && files.has(name) && isPrimaryFile(name)) continue;
        pre = (f & PRE_FLAGS) !== 0;
      }
      const key = `${name}\0${f & 15}\0${v}\0${pre}`;
      if (seen.has(key)) continue;
      seen.add(key);
      body += entry(name, f, v, pre);
    }
    if (body) out += `    <rpm:${d.element}>\n${body}    </rpm:${d.element}>\n`;
  }
  return out;
}

interface FileInfo {
  path: string;
  kind: '' | 'dir' | 'ghost';
}

function fileList(h: RpmHeader): FileInfo[] {
  let paths: string[];
  const base = h.strings(TAG.baseNames);
  if (base.length > 0) {
    const dirs = h.strings(TAG.dirNames);
    const idx = h.ints(TAG.dirIndexes);
    paths = base.map((b, i) => `${dirs[idx[i] ?? 0] ?? ''}${b}`);
  } else {
    paths = h.strings(TAG.oldFileNames);
  }
  const modes = h.ints(TAG.fileModes);
  const flags = h.ints(TAG.fileFlags);
  return paths.map((p, i) => ({
    path: p,
    kind:
      ((flags[i] ?? 0) & GHOST) !== 0
        ? 'ghost'
        : ((modes[i] ?? 0) & S_IFMT) === S_IFDIR
          ? 'dir'
          : '',
  }));
}

function fileXml(f: FileInfo, indent: string): string {
  return `${indent}<file${f.kind ? ` type="${f.kind}"` : ''}>${xml(f.path)}</file>\n`;
}

/** How many changelog entries other.xml keeps (createrepo_c's default). */
export const CHANGELOG_LIMIT = 10;

/** Facts about the file itself, as opposed to its headers. */
export interface FileFacts {
  location: string;
  pkgid: string;
  stamp: FileStamp;
}

/** Builds the record of a package from its parsed headers. */
export function recordFrom(
  file: string,
  head: Buffer,
  facts: FileFacts,
  rpm: RpmLayout = parseRpm(head, file),
): YumEntry {
  const h = rpm.header;
  const s = rpm.signature;
  const name = h.string(TAG.name);
  const version = h.string(TAG.version);
  const release = h.string(TAG.release);
  if (!name || version === undefined || release === undefined) {
    throw new RpmFormatError(file, 'the header has no name, version or release');
  }
  const epoch = h.int(TAG.epoch) ?? 0;
  const isSource = rpm.leadType === 1 || !h.has(TAG.sourceRpm);
  const arch = isSource ? 'src' : (h.string(TAG.arch) ?? 'noarch');
  const files = fileList(h);
  const fileSet = new Set(files.map((f) => f.path));
  const installed = h.int(TAG.longSize) ?? h.int(TAG.size) ?? 0;
  const archive =
    s.int(SIG.longArchiveSize) ??
    s.int(SIG.payloadSize) ??
    h.int(TAG.longArchiveSize) ??
    h.int(TAG.archiveSize) ??
    0;
  const ver = `<version epoch="${epoch}" ver="${xmlAttr(version)}" rel="${xmlAttr(release)}"/>`;
  const str = (tag: number): string => xml(h.string(tag) ?? '');
  const fileTime = Math.floor(facts.stamp.mtimeMs / 1000);

  let primary =
    `<package type="rpm">\n` +
    `  <name>${xml(name)}</name>\n` +
    `  <arch>${xml(arch)}</arch>\n` +
    `  ${ver}\n` +
    `  <checksum type="sha256" pkgid="YES">${facts.pkgid}</checksum>\n` +
    `  <summary>${str(TAG.summary)}</summary>\n` +
    `  <description>${str(TAG.description)}</description>\n` +
    `  <packager>${str(TAG.packager)}</packager>\n` +
    `  <url>${str(TAG.url)}</url>\n` +
    `  <time file="${fileTime}" build="${h.int(TAG.buildTime) ?? 0}"/>\n` +
    `  <size package="${facts.stamp.size}" installed="${installed}" archive="${archive}"/>\n` +
    `  <location href="${xmlAttr(facts.location)}"/>\n` +
    `  <format>\n` +
    `    <rpm:license>${str(TAG.license)}</rpm:license>\n` +
    `    <rpm:vendor>${str(TAG.vendor)}</rpm:vendor>\n` +
    `    <rpm:group>${str(TAG.group)}</rpm:group>\n` +
    `    <rpm:buildhost>${str(TAG.buildHost)}</rpm:buildhost>\n` +
    `    <rpm:sourcerpm>${isSource ? '' : str(TAG.sourceRpm)}</rpm:sourcerpm>\n` +
    `    <rpm:header-range start="${rpm.headerStart}" end="${rpm.headerEnd}"/>\n` +
    depsXml(h, fileSet);
  for (const f of files) if (isPrimaryFile(f.path)) primary += fileXml(f, '    ');
  primary += `  </format>\n</package>\n`;

  const attrs = `pkgid="${facts.pkgid}" name="${xmlAttr(name)}" arch="${xmlAttr(arch)}"`;
  let filelists = `<package ${attrs}>\n  ${ver}\n`;
  for (const f of files) filelists += fileXml(f, '  ');
  filelists += '</package>\n';

  let other = `<package ${attrs}>\n  ${ver}\n`;
  const times = h.ints(TAG.changelogTime);
  const authors = h.strings(TAG.changelogName);
  const texts = h.strings(TAG.changelogText);
  // rpm stores the newest first; other.xml lists the kept ones oldest first.
  const n = Math.min(times.length, CHANGELOG_LIMIT);
  for (let i = n - 1; i >= 0; i--) {
    other += `  <changelog author="${xmlAttr(authors[i] ?? '')}" date="${times[i]}">${xml(texts[i] ?? '')}</changelog>\n`;
  }
  other += '</package>\n';

  return {
    path: facts.location,
    stamp: facts.stamp,
    sha256: facts.pkgid,
    meta: { name, epoch, version, release, arch, primary, filelists, other },
  };
}

/**
 * Files up to this size are read with one synchronous read: for the small
 * files repositories mostly hold, that is several times faster than
 * Node's asynchronous file API (one thread-pool round trip per call).
 * Larger files are streamed through the hash asynchronously.
 */
const SYNC_READ_LIMIT = 1 << 20;

function readSmall(file: string): { buf: Buffer; stamp: FileStamp } | undefined {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new RpmFormatError(file, 'not a regular file');
    if (st.size > SYNC_READ_LIMIT) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { buf: buf.subarray(0, got), stamp: { size: got, mtimeMs: st.mtimeMs, ino: st.ino } };
  } finally {
    closeSync(fd);
  }
}

/** Throws when the integrity check found a problem (truncated or corrupted package). */
function intact(check: RpmIntegrity, file: string): void {
  const problem = check.finish();
  if (problem) throw new RpmFormatError(file, problem);
}

/**
 * Reads an rpm: parses its headers, hashes the whole file and checks that
 * it is intact (sizes, header and payload digests: {@link RpmIntegrity}). `location`
 * is what primary.xml's `<location href>` will say.
 */
export async function readPackage(file: string, location: string): Promise<YumEntry> {
  const small = readSmall(file);
  if (small) {
    const rpm = parseRpm(small.buf, file);
    const check = new RpmIntegrity(rpm, small.buf);
    check.update(small.buf.subarray(rpm.headerEnd));
    intact(check, file);
    return recordFrom(
      file,
      small.buf,
      {
        location,
        pkgid: createHash('sha256').update(small.buf).digest('hex'),
        stamp: small.stamp,
      },
      rpm,
    );
  }
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    const hash = createHash('sha256');
    // Read until both headers are in, then stream the rest through the hash.
    let need = 64 << 10;
    let head = Buffer.alloc(0);
    for (;;) {
      const more = Buffer.allocUnsafe(need - head.length);
      const { bytesRead } = await fh.read(more, 0, more.length, head.length);
      head = Buffer.concat([head, more.subarray(0, bytesRead)]);
      const want = headersLength(head);
      if (bytesRead === 0 || (want !== undefined && want <= head.length)) break;
      need = Math.max(want ?? need * 2, head.length + 16);
    }
    hash.update(head);
    const rpm = parseRpm(head, file);
    const check = new RpmIntegrity(rpm, head);
    check.update(head.subarray(rpm.headerEnd));
    const chunk = Buffer.allocUnsafe(4 << 20);
    let pos = head.length;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      check.update(chunk.subarray(0, bytesRead));
      pos += bytesRead;
    }
    intact(check, file);
    return recordFrom(
      file,
      head,
      {
        location,
        pkgid: hash.digest('hex'),
        stamp: { size: pos, mtimeMs: st.mtimeMs, ino: st.ino },
      },
      rpm,
    );
  } finally {
    await fh.close();
  }
}
