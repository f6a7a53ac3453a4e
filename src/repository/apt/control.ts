/**
 * Debian control data (deb822 paragraphs): parsing, validation of the fields
 * an archive relies on, version comparison (dpkg's algorithm) and pool paths.
 */
import { RelengError } from '../../util/errors.ts';

/** One field, as written (value keeps its continuation lines, without the trailing newline). */
export interface ControlField {
  name: string;
  value: string;
}

/** Parses one paragraph (the `control` file of a .deb). */
export function parseControl(text: string, label: string): ControlField[] {
  const fields: ControlField[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) continue;
    if (line.trim() === '')
      throw new RelengError(`${label}: control file has more than one paragraph`);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = fields.at(-1);
      if (!last) throw new RelengError(`${label}: control file starts with a continuation line`);
      last.value += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new RelengError(`${label}: control line without a field name: '${line}'`);
    const name = line.slice(0, colon);
    if (!/^[!-9;-~][!-9;-~]*$/.test(name) || name.startsWith('-'))
      throw new RelengError(`${label}: invalid control field name '${name}'`);
    if (fields.some((f) => f.name.toLowerCase() === name.toLowerCase()))
      throw new RelengError(`${label}: control field '${name}' appears twice`);
    fields.push({ name, value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** A field's value (case-insensitive name), trimmed; undefined when absent. */
export function field(fields: readonly ControlField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value.trim();
}

export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;

/** True for a valid Debian version (epoch:upstream-revision). */
export function isValidVersion(v: string): boolean {
  const m = /^(?:(\d+):)?(.+)$/.exec(v);
  if (!m) return false;
  const rest = m[2]!;
  const dash = rest.lastIndexOf('-');
  const upstream = dash === -1 ? rest : rest.slice(0, dash);
  const revision = dash === -1 ? '' : rest.slice(dash + 1);
  if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream)) return false;
  if (m[1] === undefined && upstream.includes(':')) return false;
  if (dash === -1 && upstream.includes('-')) return false;
  if (dash !== -1 && !/^[A-Za-z0-9.+~]+$/.test(revision)) return false;
  return true;
}

/** Fields that describe the archive copy, never taken from a package's own control file. */
export const ARCHIVE_FIELDS = new Set([
  'filename',
  'size',
  'md5sum',
  'sha1',
  'sha256',
  'sha512',
  'description-md5',
  'status',
  'config-version',
  'conffiles',
]);

/** What an archive needs to know about a binary package. */
export interface BinaryControl {
  package: string;
  version: string;
  architecture: string;
  /** Source package name (the `Source` field without its version, else the package name). */
  source: string;
  /** The fields to publish, Package first, archive fields removed. */
  fields: ControlField[];
}

/** Validates a binary package's control fields. */
export function checkBinaryControl(fields: ControlField[], label: string): BinaryControl {
  const pkg = field(fields, 'Package');
  const version = field(fields, 'Version');
  const arch = field(fields, 'Architecture');
  const missing = [
    ['Package', pkg],
    ['Version', version],
    ['Architecture', arch],
  ]
    .filter(([, v]) => !v)
    .map(([n]) => n);
  if (missing.length > 0)
    throw new RelengError(`${label}: not a valid .deb: control file lacks ${missing.join(', ')}`);
  if (!PACKAGE_NAME.test(pkg!))
    throw new RelengError(`${label}: invalid package name '${pkg}' (Debian Policy 5.6.1)`);
  if (!isValidVersion(version!))
    throw new RelengError(`${label}: invalid version '${version}' (Debian Policy 5.6.12)`);
  if (!ARCH.test(arch!) || arch === 'any' || arch === 'source')
    throw new RelengError(`${label}: invalid architecture '${arch}'`);
  let source = pkg!;
  const sourceField = field(fields, 'Source');
  if (sourceField) {
    const m = /^([a-z0-9][a-z0-9+.-]+)(?:\s*\(([^)]*)\))?$/.exec(sourceField);
    if (!m) throw new RelengError(`${label}: invalid Source field '${sourceField}'`);
    source = m[1]!;
  }
  const kept = fields.filter((f) => !ARCHIVE_FIELDS.has(f.name.toLowerCase()));
  const first = kept.filter((f) => f.name.toLowerCase() === 'package');
  const rest = kept.filter((f) => f.name.toLowerCase() !== 'package');
  return {
    package: pkg!,
    version: version!,
    architecture: arch!,
    source,
    fields: [{ name: 'Package', value: first[0]!.value.trim() }, ...rest],
  };
}

/** Formats fields back into a paragraph (ending with a newline). */
export function formatFields(fields: readonly ControlField[]): string {
  let out = '';
  for (const f of fields) out += `${f.name}: ${f.value}\n`;
  return out;
}

/** The version without its epoch (how pool file names spell it). */
export function versionNoEpoch(v: string): string {
  const colon = v.indexOf(':');
  return colon === -1 ? v : v.slice(colon + 1);
}

/** Canonical .deb file name: `name_version_arch.deb` (epoch dropped). */
export function debFileName(c: { package: string; version: string; architecture: string }): string {
  return `${c.package}_${versionNoEpoch(c.version)}_${c.architecture}.deb`;
}

/** The pool folder of a source package: `pool/<component>/<l or libx>/<source>`. */
export function poolDir(component: string, source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source[0]!;
  return `pool/${component}/${prefix}/${source}`;
}

// ---- dpkg version comparison ----

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = order(i < a.length && !/[0-9]/.test(a[i]!) ? a[i] : undefined);
      const bc = order(j < b.length && !/[0-9]/.test(b[j]!) ? b[j] : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /[0-9]/.test(a[i]!) && j < b.length && /[0-9]/.test(b[j]!)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function splitVersion(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon === -1 ? 0 : Number(v.slice(0, colon));
  const rest = colon === -1 ? v : v.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return dash === -1 ? [epoch, rest, ''] : [epoch, rest.slice(0, dash), rest.slice(dash + 1)];
}

/** Compares two Debian versions as dpkg does (<0, 0, >0). */
export function compareVersions(a: string, b: string): number {
  const [ea, ua, ra] = splitVersion(a);
  const [eb, ub, rb] = splitVersion(b);
  if (ea !== eb) return ea - eb;
  return verrevcmp(ua, ub) || verrevcmp(ra, rb);
}
