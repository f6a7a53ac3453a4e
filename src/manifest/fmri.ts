/**
 * pkg(5) FMRIs (`pkg://publisher/name@release,build-branch:timestamp`):
 * parsed and checked with the rules of pkg(5)'s own FMRI and version
 * classes, so that lint calls valid exactly what pkg(5) accepts, and
 * compared as pkglint compares them when it looks for a dependency.
 */

/** A version: dot sequences of non-negative integers and an ISO 8601 timestamp. */
export interface FmriVersion {
  release: number[];
  /** The build release; `5.11` when the FMRI gives none, as in pkg(5). */
  build: number[];
  branch?: number[];
  timestamp?: string;
}

/** A parsed FMRI. */
export interface Fmri {
  publisher?: string;
  name: string;
  version?: FmriVersion;
}

/** An FMRI pkg(5) would refuse, with its reason. */
export class FmriError extends Error {}

// Package names as pkg(5) allows them: components of letters, digits, `_-.+`, not starting with `_-.+`.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_\-.+]*(\/[A-Za-z0-9][A-Za-z0-9_\-.+]*)*$/;
// What Python's int() accepts of ASCII: blanks around, a sign, digits with single underscores.
const PY_INT = /^[ \t\n\r\f\v]*[+-]?\d+(?:_\d+)*[ \t\n\r\f\v]*$/;

function dotSequence(s: string): number[] {
  const out = s.split('.').map((e) => {
    if (!PY_INT.test(e)) throw new FmriError(`Bad Version: ${s}`);
    const x = Number.parseInt(e.trim().replaceAll('_', ''), 10);
    if (e[0] === '-' || (x > 0 && e[0] === '0')) throw new FmriError(`Bad Version: ${s}`);
    return x;
  });
  return out;
}

/** Parses a version string as pkg(5)'s Version does. */
export function parseVersion(v: string): FmriVersion {
  if (!v) throw new FmriError('Version cannot be empty');
  const timeIdx = v.indexOf(':');
  const timestr = timeIdx === -1 ? undefined : v.slice(timeIdx + 1);
  const end = timeIdx === -1 ? v.length : timeIdx;
  const branchIdx = v.indexOf('-');
  const branch = branchIdx === -1 ? undefined : v.slice(branchIdx + 1, end);
  const relEnd0 = branchIdx === -1 ? end : branchIdx;
  const buildIdx = v.indexOf(',');
  const build = buildIdx === -1 ? undefined : v.slice(buildIdx + 1, relEnd0);
  const relEnd = buildIdx === -1 ? relEnd0 : buildIdx;
  if (relEnd === 0) throw new FmriError('Versions must have a release value');
  const out: FmriVersion = {
    release: dotSequence(v.slice(0, relEnd)),
    build: dotSequence(build ?? '5.11'),
  };
  if (branch !== undefined) out.branch = dotSequence(branch);
  if (timestr !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(timestr);
    const [y, mo, d, h, mi, se] = (m ?? []).slice(1).map(Number) as number[];
    const ok =
      m &&
      y !== undefined &&
      mo !== undefined &&
      d !== undefined &&
      y >= 1 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= new Date(Date.UTC(y, mo, 0)).getUTCDate() &&
      (h as number) < 24 &&
      (mi as number) < 60 &&
      (se as number) < 60;
    if (!ok) throw new FmriError('Time must be ISO8601 format.');
    out.timestamp = timestr;
  }
  return out;
}

/** Parses an FMRI as pkg(5)'s PkgFmri does; throws FmriError when pkg(5) would refuse it. */
export function parseFmri(text: string): Fmri {
  const s = text.replace(/\s+$/, '');
  const verIdx = s.lastIndexOf('@');
  const stop = verIdx === -1 ? s.length : verIdx;
  let nameIdx = 0;
  let publisher: string | undefined;
  const withPub = s.startsWith('pkg://') ? 6 : s.startsWith('//') ? 2 : 0;
  if (withPub) {
    const slash = s.slice(0, stop).indexOf('/', withPub);
    if (slash === -1) throw new FmriError(`Missing '/' after publisher name: ${s}`);
    publisher = s.slice(withPub, slash);
    nameIdx = slash + 1;
  } else if (s.startsWith('pkg:/')) nameIdx = 5;
  else if (s.startsWith('/')) nameIdx = 1;
  const name = s.slice(nameIdx, stop);
  const out: Fmri = { name };
  if (publisher) out.publisher = publisher;
  if (verIdx !== -1) out.version = parseVersion(s.slice(verIdx + 1));
  if (!name) throw new FmriError(`Missing package name: ${s}`);
  if (!NAME.test(name)) throw new FmriError(`Invalid Package Name: ${name}`);
  return out;
}

/** Whether pkg(5) accepts the FMRI. */
export function isValidFmri(text: string): boolean {
  try {
    parseFmri(text);
    return true;
  } catch (e) {
    if (e instanceof FmriError) return false;
    throw e;
  }
}

function cmpSeq(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/**
 * pkglint's successor test (publishers ignored, timestamps ignored): same
 * name, and `next` unversioned or not older than `prev` by release, branch,
 * then build release.
 */
export function isSuccessor(next: Fmri, prev: Fmri): boolean {
  if (next.name !== prev.name) return false;
  const n = next.version;
  const o = prev.version;
  if (!n || !o) return true;
  const r = cmpSeq(n.release, o.release);
  if (r) return r > 0;
  if (n.branch && !o.branch) return true;
  if (o.branch && !n.branch) return false;
  if (n.branch && o.branch) {
    const b = cmpSeq(n.branch, o.branch);
    if (b) return b > 0;
  }
  const b = cmpSeq(n.build, o.build);
  return b >= 0;
}

/** Orders FMRIs as pkg(5) sorts them: publisher (none first), name, version. */
export function compareFmri(a: Fmri, b: Fmri): number {
  if (a.publisher !== b.publisher) {
    if (!a.publisher) return -1;
    if (!b.publisher) return 1;
    return a.publisher < b.publisher ? -1 : 1;
  }
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const x = a.version;
  const y = b.version;
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  return (
    cmpSeq(x.release, y.release) ||
    cmpSeq(x.build, y.build) ||
    cmpSeq(x.branch ?? [], y.branch ?? []) ||
    (x.timestamp ?? '').localeCompare(y.timestamp ?? '')
  );
}
