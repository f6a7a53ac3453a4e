/** The Release file of an APT repository: writing and reading. */

/** One file listed in Release. */
export interface ReleaseFile {
  /** Path relative to the Release file's folder. */
  path: string;
  size: number;
  sha256: string;
  sha512: string;
}

/** Fields of a Release file. */
export interface ReleaseFields {
  origin?: string;
  label?: string;
  suite?: string;
  codename?: string;
  version?: string;
  date: Date;
  validUntil?: Date;
  architectures?: string[];
  components?: string[];
  description?: string;
  notAutomatic?: boolean;
  butAutomaticUpgrades?: boolean;
  acquireByHash?: boolean;
  /** Set when arch:all packages are listed in every binary-<arch>/Packages. */
  noSupportForArchitectureAll?: boolean;
  files: ReleaseFile[];
}

/** RFC 1123 date in UTC, as Debian's Release files write it. */
export function releaseDate(d: Date): string {
  return d.toUTCString().replace(/GMT$/, 'UTC');
}

function oneLine(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${name} must be a single line`);
  return value;
}

/** Renders a Release file (SHA256 and SHA512 only: apt 2.6 needs nothing weaker). */
export function renderRelease(r: ReleaseFields): string {
  const lines: string[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') lines.push(`${name}: ${oneLine(name, value)}`);
  };
  add('Origin', r.origin);
  add('Label', r.label);
  add('Suite', r.suite);
  add('Codename', r.codename);
  add('Version', r.version);
  add('Date', releaseDate(r.date));
  if (r.validUntil) add('Valid-Until', releaseDate(r.validUntil));
  if (r.architectures?.length) add('Architectures', r.architectures.join(' '));
  if (r.components?.length) add('Components', r.components.join(' '));
  add('Description', r.description);
  if (r.notAutomatic) add('NotAutomatic', 'yes');
  if (r.butAutomaticUpgrades) add('ButAutomaticUpgrades', 'yes');
  if (r.acquireByHash) add('Acquire-By-Hash', 'yes');
  if (r.noSupportForArchitectureAll) add('No-Support-for-Architecture-all', 'Packages');
  const width = Math.max(8, ...r.files.map((f) => String(f.size).length));
  const block = (name: string, pick: (f: ReleaseFile) => string): void => {
    lines.push(`${name}:`);
    for (const f of r.files) lines.push(` ${pick(f)} ${String(f.size).padStart(width)} ${f.path}`);
  };
  block('SHA256', (f) => f.sha256);
  block('SHA512', (f) => f.sha512);
  return `${lines.join('\n')}\n`;
}

/** A parsed Release: its simple fields and its hash lists. */
export interface ParsedRelease {
  fields: Map<string, string>;
  /** Hash name (`SHA256`, …) → path → [digest, size]. */
  hashes: Map<string, Map<string, { digest: string; size: number }>>;
}

/** Parses a Release file (or the signed text of InRelease). */
export function parseRelease(text: string): ParsedRelease {
  const fields = new Map<string, string>();
  const hashes = new Map<string, Map<string, { digest: string; size: number }>>();
  let current: Map<string, { digest: string; size: number }> | undefined;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ')) {
      if (!current) continue;
      const [digest, size, file] = line.trim().split(/\s+/);
      if (digest && size && file) current.set(file, { digest, size: Number(size) });
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (['MD5Sum', 'SHA1', 'SHA256', 'SHA512'].includes(name) && value === '') {
      current = new Map();
      hashes.set(name, current);
    } else {
      current = undefined;
      fields.set(name, value);
    }
  }
  return { fields, hashes };
}

/** Parses a duration: seconds, or a number with s, m, h, d or w. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`invalid duration ${value}`);
    return value;
  }
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/.exec(value.trim());
  if (!m) throw new Error(`invalid duration '${value}' (e.g. 7d, 12h, 3600)`);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!]!;
  const n = Number(m[1]) * mult;
  if (n <= 0) throw new Error(`invalid duration '${value}'`);
  return n;
}
