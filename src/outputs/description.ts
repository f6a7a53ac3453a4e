/**
 * The packaging description: one document that describes a package once and
 * yields every output format (.deb, .rpm, archives) from it.
 *
 * A description file is a {@link PackagingDescription}: common metadata at the
 * top level plus either `formats: [...]` or an `outputs: [...]` list whose
 * entries name a `format` and override any top-level field for that output.
 */
import { didYouMean, OutputError } from './errors.ts';

/** Output formats a description can ask for. */
export type OutputFormat = 'deb' | 'rpm' | 'tar' | 'tar.gz' | 'tar.xz' | 'tar.zst' | 'zip' | 'ips';
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  'deb',
  'rpm',
  'tar',
  'tar.gz',
  'tar.xz',
  'tar.zst',
  'zip',
  'ips',
];

/** Compression of a .deb member (control.tar/data.tar) or an .rpm payload. */
export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';
export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'xz', 'zstd'];

/**
 * One entry of `contents`: what to put where in the package.
 *
 * - `{ src, dst }` copies a file (renaming it when `dst` does not end in `/`),
 *   a whole directory tree (`src` is a directory), or every match of a glob
 *   (`*`, `**`, `?`, `[abc]`, `{a,b}`) keeping paths relative to the glob's
 *   fixed leading directories.
 * - `{ content, dst }` writes a file from an inline string.
 * - `{ type: 'dir', dst }` declares a directory the package owns.
 * - `{ type: 'symlink', dst, target }` creates a symbolic link.
 * - `{ type: 'ghost', dst }` (.rpm only) owns a file the package does not ship,
 *   e.g. a log file created at run time.
 */
export interface ContentEntry {
  /** `file` (default), `dir`, `symlink` or `ghost`. */
  type?: 'file' | 'dir' | 'symlink' | 'ghost';
  /**
   * Source path or glob, relative to the source directory (`--source`, the
   * project's sysroot) or to the description file's directory when
   * `from: 'description'`. Whatever it names must lie inside that folder
   * after resolving symlinks (an absolute path too), unless `from: 'host'`.
   */
  src?: string;
  /**
   * Where `src` is looked up: the source directory (default), the
   * description's directory, or `host`: an absolute path on the build host,
   * used as it is (the only way to package a file from outside both folders).
   */
  from?: 'source' | 'description' | 'host';
  /** Inline file content (instead of `src`). */
  content?: string;
  /**
   * Absolute destination path inside the package. A trailing `/` means "into
   * this directory" (kept name); without it a single file is renamed to `dst`.
   */
  dst: string;
  /** Symlink target (for `type: 'symlink'`), relative or absolute. */
  target?: string;
  /** Globs (relative to the matched tree) to leave out of a directory or glob mapping. */
  exclude?: string[];
  /**
   * Permission bits, as a number or an octal string (`"0755"`). Default: 0755
   * for directories and for files whose source is executable by its owner,
   * 0644 for other files, 0777 for symlinks.
   */
  mode?: number | string;
  /** Owner user name (default `root`). */
  owner?: string;
  /** Owner group name (default `root`). */
  group?: string;
  /** Numeric uid stored in archives (default 0). */
  uid?: number;
  /** Numeric gid stored in archives (default 0). */
  gid?: number;
  /**
   * Modification time: seconds since the epoch or an ISO 8601 date. Default:
   * `SOURCE_DATE_EPOCH`, else the newest changelog date, else 2020-01-01T00:00:00Z.
   */
  mtime?: number | string;
  /**
   * Mark as a configuration file. `true` = `%config` / dpkg conffile;
   * `'noreplace'` = `%config(noreplace)` (dpkg conffiles never overwrite local edits).
   * In .deb, every regular file under /etc is a conffile anyway (like debhelper).
   */
  config?: boolean | 'noreplace';
  /** `%config(missingok)` in .rpm: a deleted config file is not an error for `rpm -V`. */
  missingok?: boolean;
  /** Documentation (`%doc` in .rpm). */
  doc?: boolean;
  /** Render the file (or inline `content`) through the template engine first. */
  template?: boolean;
  /** Allow a glob to match nothing (otherwise an error). */
  optional?: boolean;
}

/**
 * A maintainer script: a path to a file (relative to the description file's
 * directory) or an object giving the file or the inline text.
 */
export type ScriptSpec =
  | string
  | {
      /** Script file, relative to the description file's directory. */
      file?: string;
      /** Inline script text (instead of `file`). */
      inline?: string;
      /** Render through the template engine first (default: only inline text containing `{{`/`{%`). */
      template?: boolean;
    };

/**
 * Maintainer scripts. In .deb they become preinst/postinst/prerm/postrm; in
 * .rpm %pre/%post/%preun/%postun and %pretrans/%posttrans. The interpreter is
 * taken from the `#!` line (default `/bin/sh`).
 */
export interface Scripts {
  /** Runs before files are unpacked (deb `preinst`, rpm `%pre`). */
  preInstall?: ScriptSpec;
  /** Runs after files are unpacked (deb `postinst`, rpm `%post`). */
  postInstall?: ScriptSpec;
  /** Runs before files are removed (deb `prerm`, rpm `%preun`). */
  preRemove?: ScriptSpec;
  /** Runs after files are removed (deb `postrm`, rpm `%postun`). */
  postRemove?: ScriptSpec;
  /** rpm `%pretrans` (ignored by other formats). */
  preTransaction?: ScriptSpec;
  /** rpm `%posttrans` (ignored by other formats). */
  postTransaction?: ScriptSpec;
}

/** One changelog entry; newest first. */
export interface ChangelogEntry {
  /** Version this entry describes (`1.2.3` or `1.2.3-1`; the package release is added when missing). */
  version: string;
  /** Date: ISO 8601 string or seconds since the epoch. */
  date: string | number;
  /** `Name <email>` of the author. */
  author: string;
  /** The changes, one item per line (or one string with newlines). */
  changes: string[] | string;
}

/** Options that only the .deb writer reads. */
export interface DebOptions {
  /** Distribution written in the generated changelog (default `unstable`). */
  distribution?: string;
  /** Urgency written in the generated changelog (default `medium`). */
  urgency?: string;
  /**
   * Generate `/usr/share/doc/<name>/copyright` and `changelog.Debian.gz` when
   * the contents do not already provide them (default true; lintian requires both).
   */
  docs?: boolean;
  /** Mark every regular file under /etc as a conffile (default true, like debhelper). */
  autoConffiles?: boolean;
  /** Extra control fields, e.g. `{ "Multi-Arch": "foreign" }`. */
  fields?: Record<string, string>;
  /**
   * lintian tags the package deliberately triggers, shipped as
   * `/usr/share/lintian/overrides/<name>` (each `tag [context]`, e.g.
   * `dir-or-file-in-opt` for an add-on package in /opt). Say why next to it.
   */
  lintianOverrides?: string[];
  /**
   * APT repositories that resolve sonames the build host's dpkg database
   * does not know (with `autoDepends`), e.g. a Debian mirror for a
   * cross-built package, or the repository a project publishes its own
   * libraries into. Each needs a `Contents-<arch>` index.
   */
  shlibsRepositories?: Array<{
    /** Folder, `file:` or `http(s):` URL of the repository root. */
    url: string;
    /** Suite or codename (`bookworm`, `stable`). */
    suite: string;
    /** Components (default `[main]`). */
    components?: string[];
  }>;
}

/** Options that only the .rpm writer reads. */
export interface RpmOptions {
  /** RPM Group (default: mapped from `section`, e.g. utils → `Applications/System`). */
  group?: string;
  /** Build host recorded in the header (default `localhost`, for reproducible bytes). */
  buildHost?: string;
  /** Packager (default: `maintainer`). */
  packager?: string;
  /**
   * Mark every regular file under /etc that has no `config` setting as
   * `%config(noreplace)` (default true, matching dpkg's conffile behaviour).
   */
  autoConfig?: boolean;
}

/** Every field an output can set; top-level fields apply to all outputs. */
export interface OutputFields {
  /** Package name (Debian: `[a-z0-9][a-z0-9+.-]+`; RPM: letters, digits and `-._+`). */
  name: string;
  /** Upstream version; must start with a digit for .deb; no `-` for .rpm. */
  version: string;
  /** Package release / Debian revision (default `1`). */
  release?: string;
  /** Epoch (non-negative integer), only when the version scheme changed. */
  epoch?: number;
  /**
   * Architecture, in either vocabulary: `amd64`/`x86_64`, `arm64`/`aarch64`,
   * `armhf`/`armv7hl`, `i386`/`i686`, `ppc64el`/`ppc64le`, `s390x`, `riscv64`,
   * `all`/`noarch` (default). Mapped to each format's own name.
   */
  architecture?: string;
  /** `Name <email>` of the maintainer (Debian Maintainer, RPM Packager). */
  maintainer?: string;
  /** Vendor / organisation (RPM Vendor; copyright holder in the generated Debian copyright). */
  vendor?: string;
  /** Project home page (Debian Homepage, RPM URL). */
  homepage?: string;
  /** License, preferably an SPDX expression (RPM License, Debian copyright). */
  license?: string;
  /** One-line summary (Debian synopsis, RPM Summary). */
  summary?: string;
  /** Long description; paragraphs separated by blank lines. */
  description?: string;
  /** Debian section (default `misc`); also gives the RPM Group unless `rpm.group` is set. */
  section?: string;
  /** Debian priority (default `optional`). */
  priority?: string;
  /**
   * Run-time dependencies. Each is `name`, `name (>= 1.0)` (Debian style) or
   * `name >= 1.0` (RPM style); operators `<<`/`<`, `<=`, `=`, `>=`, `>>`/`>`.
   * `a | b` alternatives become a boolean `(a or b)` in .rpm.
   */
  depends?: string[];
  /** Weak dependencies installed by default (Recommends). */
  recommends?: string[];
  /** Weaker dependencies (Suggests). */
  suggests?: string[];
  /** Packages that cannot be installed alongside (Conflicts). */
  conflicts?: string[];
  /** Packages whose files this one may overwrite (Debian Replaces, RPM Obsoletes). */
  replaces?: string[];
  /** Virtual packages this one provides (Provides). */
  provides?: string[];
  /** Packages this one breaks (Debian Breaks; RPM Conflicts). */
  breaks?: string[];
  /** Dependencies needed before unpacking (Debian Pre-Depends; RPM `Requires(pre)`). */
  preDepends?: string[];
  /** What the package contains. */
  contents?: ContentEntry[];
  /** Maintainer scripts. */
  scripts?: Scripts;
  /** Changelog, newest entry first. */
  changelog?: ChangelogEntry[];
  /** Compression: `gzip`, `xz`, `zstd` or `none` (default: xz for .deb/.rpm, from the format for archives). */
  compression?: Compression;
  /** Compression level (default: gzip 9, xz 6, zstd 19). */
  compressionLevel?: number;
  /** Output file name (default: the format's conventional name). */
  fileName?: string;
  /** Archives only: a directory prefix for every entry, e.g. `hello-1.0/`. */
  prefix?: string;
  /**
   * .deb/.rpm: strip ELF programs and shared libraries (default true), as
   * dh_strip and rpmbuild do. Their symbols go to a debug package.
   */
  strip?: boolean;
  /**
   * .deb/.rpm: with `strip`, also write the symbols as `<name>-dbgsym` .deb
   * or `<name>-debuginfo` .rpm (default true).
   */
  debugPackage?: boolean;
  /**
   * .deb/.rpm: generate dependencies from the files (default true): Debian
   * shared-library dependencies from the build host's dpkg database (as
   * dpkg-shlibdeps) and the packages owning script interpreters; rpm
   * soname Requires/Provides (as elfdeps) and script interpreters.
   */
  autoDepends?: boolean;
  /** .deb-only options. */
  deb?: DebOptions;
  /** .rpm-only options. */
  rpm?: RpmOptions;
}

/** A single output: every field plus the format to write. */
export interface OutputDescription extends OutputFields {
  /** The format to write. */
  format: OutputFormat;
}

/** Per-output overrides in `outputs`. */
export type OutputOverride = Partial<OutputFields> & {
  /** The format to write. */
  format: OutputFormat;
};

/** A description file: common fields plus the outputs to write. */
export interface PackagingDescription extends Partial<OutputFields> {
  /** One output format (shorthand for `outputs: [{ format }]`). */
  format?: OutputFormat;
  /** Several formats with the same fields (shorthand for `outputs`). */
  formats?: OutputFormat[];
  /** Outputs; each entry's fields override the top-level ones. */
  outputs?: OutputOverride[];
}

// ---------------------------------------------------------------- schema

type Kind = 'string' | 'number' | 'boolean' | 'string[]' | 'object' | 'array' | 'scalar' | 'text';
const FIELD_KINDS: Record<keyof OutputFields, Kind> = {
  name: 'string',
  version: 'string',
  release: 'scalar',
  epoch: 'number',
  architecture: 'string',
  maintainer: 'string',
  vendor: 'string',
  homepage: 'string',
  license: 'string',
  summary: 'string',
  description: 'string',
  section: 'string',
  priority: 'string',
  depends: 'string[]',
  recommends: 'string[]',
  suggests: 'string[]',
  conflicts: 'string[]',
  replaces: 'string[]',
  provides: 'string[]',
  breaks: 'string[]',
  preDepends: 'string[]',
  contents: 'array',
  scripts: 'object',
  changelog: 'array',
  compression: 'string',
  compressionLevel: 'number',
  fileName: 'string',
  prefix: 'string',
  strip: 'boolean',
  debugPackage: 'boolean',
  autoDepends: 'boolean',
  deb: 'object',
  rpm: 'object',
};
const TOP_KEYS = [...Object.keys(FIELD_KINDS), 'format', 'formats', 'outputs'];
const OUTPUT_KEYS = [...Object.keys(FIELD_KINDS), 'format'];
const CONTENT_KEYS: Record<keyof ContentEntry, Kind> = {
  type: 'string',
  src: 'string',
  from: 'string',
  content: 'string',
  dst: 'string',
  target: 'string',
  exclude: 'string[]',
  mode: 'scalar',
  owner: 'string',
  group: 'string',
  uid: 'number',
  gid: 'number',
  mtime: 'scalar',
  config: 'scalar',
  missingok: 'boolean',
  doc: 'boolean',
  template: 'boolean',
  optional: 'boolean',
};
const SCRIPT_KEYS = [
  'preInstall',
  'postInstall',
  'preRemove',
  'postRemove',
  'preTransaction',
  'postTransaction',
];
const CHANGELOG_KEYS: Record<keyof ChangelogEntry, Kind> = {
  version: 'string',
  date: 'scalar',
  author: 'string',
  changes: 'text',
};
const DEB_KEYS: Record<keyof DebOptions, Kind> = {
  distribution: 'string',
  urgency: 'string',
  docs: 'boolean',
  autoConffiles: 'boolean',
  fields: 'object',
  lintianOverrides: 'string[]',
  shlibsRepositories: 'array',
};
const RPM_KEYS: Record<keyof RpmOptions, Kind> = {
  group: 'string',
  buildHost: 'string',
  packager: 'string',
  autoConfig: 'boolean',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKind(output: string, field: string, v: unknown, kind: Kind): void {
  const ok =
    kind === 'string'
      ? typeof v === 'string'
      : kind === 'number'
        ? typeof v === 'number' && Number.isFinite(v)
        : kind === 'boolean'
          ? typeof v === 'boolean'
          : kind === 'string[]'
            ? Array.isArray(v) && v.every((x) => typeof x === 'string')
            : kind === 'object'
              ? isObject(v)
              : kind === 'array'
                ? Array.isArray(v)
                : kind === 'text'
                  ? typeof v === 'string' ||
                    (Array.isArray(v) && v.every((x) => typeof x === 'string'))
                  : ['string', 'number', 'boolean'].includes(typeof v);
  if (!ok) {
    const want =
      kind === 'scalar'
        ? 'a string or number'
        : kind === 'string[]'
          ? 'a list of strings'
          : kind === 'text'
            ? 'a string or a list of strings'
            : `a ${kind}`;
    throw new OutputError(output, field, `must be ${want}, got ${JSON.stringify(v)}`);
  }
}

function checkKeys(
  output: string,
  prefix: string,
  obj: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      const hint = didYouMean(key, known);
      throw new OutputError(
        output,
        prefix + key,
        `unknown field${hint ? `; did you mean '${hint}'?` : ''}`,
      );
    }
  }
}

function checkFields(output: string, prefix: string, obj: Record<string, unknown>): void {
  for (const [key, kind] of Object.entries(FIELD_KINDS)) {
    const v = obj[key];
    if (v === undefined) continue;
    checkKind(output, prefix + key, v, kind);
  }
  if (obj.compression !== undefined && !COMPRESSIONS.includes(obj.compression as Compression)) {
    throw new OutputError(
      output,
      `${prefix}compression`,
      `unknown compression '${obj.compression}'; use one of ${COMPRESSIONS.join(', ')}`,
    );
  }
  if (Array.isArray(obj.contents)) {
    obj.contents.forEach((c, i) => {
      const f = `${prefix}contents[${i}]`;
      if (!isObject(c)) throw new OutputError(output, f, 'must be an object');
      checkKeys(output, `${f}.`, c, Object.keys(CONTENT_KEYS));
      for (const [k, kind] of Object.entries(CONTENT_KEYS)) {
        if (c[k] !== undefined) checkKind(output, `${f}.${k}`, c[k], kind);
      }
    });
  }
  if (isObject(obj.scripts)) {
    checkKeys(output, `${prefix}scripts.`, obj.scripts, SCRIPT_KEYS);
    for (const [k, s] of Object.entries(obj.scripts)) {
      if (typeof s === 'string') continue;
      if (!isObject(s))
        throw new OutputError(
          output,
          `${prefix}scripts.${k}`,
          'must be a file path or { file | inline }',
        );
      checkKeys(output, `${prefix}scripts.${k}.`, s, ['file', 'inline', 'template']);
    }
  }
  if (Array.isArray(obj.changelog)) {
    obj.changelog.forEach((c, i) => {
      const f = `${prefix}changelog[${i}]`;
      if (!isObject(c)) throw new OutputError(output, f, 'must be an object');
      checkKeys(output, `${f}.`, c, Object.keys(CHANGELOG_KEYS));
      for (const [k, kind] of Object.entries(CHANGELOG_KEYS)) {
        if (c[k] === undefined) throw new OutputError(output, `${f}.${k}`, 'is required');
        checkKind(output, `${f}.${k}`, c[k], kind);
      }
    });
  }
  if (isObject(obj.deb)) {
    checkKeys(output, `${prefix}deb.`, obj.deb, Object.keys(DEB_KEYS));
    for (const [k, kind] of Object.entries(DEB_KEYS)) {
      if (obj.deb[k] !== undefined) checkKind(output, `${prefix}deb.${k}`, obj.deb[k], kind);
    }
    if (Array.isArray(obj.deb.shlibsRepositories)) {
      obj.deb.shlibsRepositories.forEach((r, i) => {
        const f = `${prefix}deb.shlibsRepositories[${i}]`;
        if (!isObject(r)) throw new OutputError(output, f, 'must be { url, suite, components? }');
        checkKeys(output, `${f}.`, r, ['url', 'suite', 'components']);
        checkKind(output, `${f}.url`, r.url, 'string');
        checkKind(output, `${f}.suite`, r.suite, 'string');
        if (r.components !== undefined)
          checkKind(output, `${f}.components`, r.components, 'string[]');
      });
    }
  }
  if (isObject(obj.rpm)) {
    checkKeys(output, `${prefix}rpm.`, obj.rpm, Object.keys(RPM_KEYS));
    for (const [k, kind] of Object.entries(RPM_KEYS)) {
      if (obj.rpm[k] !== undefined) checkKind(output, `${prefix}rpm.${k}`, obj.rpm[k], kind);
    }
  }
}

function checkFormat(output: string, field: string, v: unknown): OutputFormat {
  if (typeof v !== 'string' || !OUTPUT_FORMATS.includes(v as OutputFormat)) {
    const hint = typeof v === 'string' ? didYouMean(v, OUTPUT_FORMATS) : undefined;
    throw new OutputError(
      output,
      field,
      `unknown format ${JSON.stringify(v)}${hint ? `; did you mean '${hint}'?` : ''} (formats: ${OUTPUT_FORMATS.join(', ')})`,
    );
  }
  return v as OutputFormat;
}

/**
 * Checks the structure of a description (known keys, value types) and expands
 * it into one {@link OutputDescription} per output. Name, version and other
 * format rules are checked later by {@link validateOutput}, after templates
 * have been rendered.
 */
export function expandDescription(raw: unknown, label = 'description'): OutputDescription[] {
  if (Array.isArray(raw)) return raw.flatMap((r, i) => expandDescription(r, `${label}[${i}]`));
  if (!isObject(raw)) throw new OutputError(label, '(root)', 'must be an object');
  checkKeys(label, '', raw, TOP_KEYS);
  checkFields(label, '', raw);
  const { format, formats, outputs, ...common } = raw;
  const list: Record<string, unknown>[] = [];
  if (format !== undefined) list.push({ format: checkFormat(label, 'format', format) });
  if (formats !== undefined) {
    if (!Array.isArray(formats))
      throw new OutputError(label, 'formats', 'must be a list of formats');
    formats.forEach((f, i) => {
      list.push({ format: checkFormat(label, `formats[${i}]`, f) });
    });
  }
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw new OutputError(label, 'outputs', 'must be a list');
    outputs.forEach((o, i) => {
      const f = `outputs[${i}]`;
      if (!isObject(o)) throw new OutputError(label, f, 'must be an object');
      checkKeys(label, `${f}.`, o, OUTPUT_KEYS);
      checkFields(label, `${f}.`, o);
      checkFormat(label, `${f}.format`, o.format);
      list.push(o);
    });
  }
  if (list.length === 0) {
    throw new OutputError(label, 'format', "no output: set 'format', 'formats' or 'outputs'");
  }
  return list.map((o) => {
    const merged: Record<string, unknown> = { ...common, ...o };
    for (const k of ['deb', 'rpm'] as const) {
      if (isObject(common[k]) || isObject(o[k])) {
        merged[k] = { ...(common[k] as object), ...(o[k] as object) };
      }
    }
    for (const k of ['name', 'version'] as const) {
      if (merged[k] === undefined) {
        throw new OutputError(`${label} (${String(o.format)})`, k, 'is required');
      }
    }
    if (typeof merged.release === 'number') merged.release = String(merged.release);
    return merged as unknown as OutputDescription;
  });
}

// ---------------------------------------------------------------- architectures

/** Architecture names per format; the first column is the canonical key. */
const ARCHES: ReadonlyArray<{ deb: string; rpm: string; aliases: string[] }> = [
  { deb: 'all', rpm: 'noarch', aliases: ['any-arch', 'none'] },
  { deb: 'amd64', rpm: 'x86_64', aliases: ['x64', 'x86-64'] },
  { deb: 'arm64', rpm: 'aarch64', aliases: ['armv8'] },
  { deb: 'armhf', rpm: 'armv7hl', aliases: ['armv7', 'arm'] },
  { deb: 'armel', rpm: 'armv5tel', aliases: ['armv5'] },
  { deb: 'i386', rpm: 'i686', aliases: ['x86', '386', 'i586'] },
  { deb: 'ppc64el', rpm: 'ppc64le', aliases: [] },
  { deb: 'ppc64', rpm: 'ppc64', aliases: [] },
  { deb: 's390x', rpm: 's390x', aliases: [] },
  { deb: 'riscv64', rpm: 'riscv64', aliases: [] },
  { deb: 'mips64el', rpm: 'mips64el', aliases: [] },
  { deb: 'loong64', rpm: 'loongarch64', aliases: [] },
];

/** Resolved architecture names for each format family. */
export interface Architecture {
  deb: string;
  rpm: string;
}

/** Maps an architecture name from either vocabulary; throws on an unknown one. */
export function resolveArchitecture(output: string, value: string | undefined): Architecture {
  const v = (value ?? 'all').trim();
  const hit = ARCHES.find((a) => a.deb === v || a.rpm === v || a.aliases.includes(v));
  if (!hit) {
    const names = ARCHES.flatMap((a) => [a.deb, a.rpm]);
    const hint = didYouMean(v, names);
    throw new OutputError(
      output,
      'architecture',
      `unknown architecture '${v}'${hint ? `; did you mean '${hint}'?` : ''} (known: ${[...new Set(names)].join(', ')})`,
    );
  }
  return { deb: hit.deb, rpm: hit.rpm };
}

// ---------------------------------------------------------------- dependencies

/** A parsed dependency: one name with an optional constraint, or alternatives. */
export interface Dependency {
  /** Alternatives (`a | b`); usually one. */
  alternatives: Array<{ name: string; op?: '<<' | '<=' | '=' | '>=' | '>>'; version?: string }>;
}

const OP_MAP: Record<string, '<<' | '<=' | '=' | '>=' | '>>'> = {
  '<<': '<<',
  '<': '<<',
  '<=': '<=',
  '=': '=',
  '==': '=',
  '>=': '>=',
  '>': '>>',
  '>>': '>>',
};

/** Parses `name`, `name (>= 1)`, `name >= 1` and `a | b (>= 2)`. */
export function parseDependency(output: string, field: string, text: string): Dependency {
  const alternatives = text.split('|').map((part) => {
    const s = part.trim();
    const m =
      /^([A-Za-z0-9_.+\-/():]+?)\s*\(\s*(<<|<=|>=|>>|==|=|<|>)\s*([^\s()]+)\s*\)$/.exec(s) ??
      /^([A-Za-z0-9_.+\-/():]+?)\s+(<<|<=|>=|>>|==|=|<|>)\s*(\S+)$/.exec(s);
    if (m) return { name: m[1]!, op: OP_MAP[m[2]!]!, version: m[3]! };
    if (/^[A-Za-z0-9_.+\-/():]+$/.test(s)) return { name: s };
    throw new OutputError(
      output,
      field,
      `cannot parse dependency '${text}'; write 'name', 'name (>= 1.0)' or 'name >= 1.0'`,
    );
  });
  return { alternatives };
}

// ---------------------------------------------------------------- name/version rules

const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const DEB_UPSTREAM = /^[0-9][A-Za-z0-9.+~-]*$/;
const DEB_REVISION = /^[A-Za-z0-9.+~]+$/;
const RPM_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const RPM_VERSION = /^[A-Za-z0-9._+~^]+$/;

/** Checks name/version/release/epoch against the rules of the output's format. */
export function checkIdentity(output: string, d: OutputDescription): void {
  if (d.epoch !== undefined && (!Number.isInteger(d.epoch) || d.epoch < 0)) {
    throw new OutputError(output, 'epoch', `must be a non-negative integer, got ${d.epoch}`);
  }
  const release = d.release ?? '1';
  if (d.format === 'deb') {
    if (!DEB_NAME.test(d.name)) {
      throw new OutputError(
        output,
        'name',
        `'${d.name}' is not a valid Debian package name: at least two characters, lowercase letters, digits, '+', '-', '.', starting with a letter or digit`,
        'Debian Policy 5.6.1',
      );
    }
    if (!DEB_UPSTREAM.test(d.version)) {
      throw new OutputError(
        output,
        'version',
        `'${d.version}' is not a valid Debian upstream version: it must start with a digit and use only letters, digits, '.', '+', '~', '-'`,
        'Debian Policy 5.6.12',
      );
    }
    if (!DEB_REVISION.test(release)) {
      throw new OutputError(
        output,
        'release',
        `'${release}' is not a valid Debian revision: letters, digits, '+', '.', '~' only`,
        'Debian Policy 5.6.12',
      );
    }
  } else if (d.format === 'rpm') {
    if (!RPM_NAME.test(d.name)) {
      throw new OutputError(
        output,
        'name',
        `'${d.name}' is not a valid RPM name: letters, digits and '-', '.', '_', '+' only, not starting with '-' or '.'`,
        'RPM packaging rules: Name',
      );
    }
    if (!RPM_VERSION.test(d.version)) {
      throw new OutputError(
        output,
        'version',
        `'${d.version}' is not a valid RPM version: letters, digits, '.', '_', '+', '~', '^' only (no '-')`,
        'rpmbuild: illegal character in Version',
      );
    }
    if (!RPM_VERSION.test(release)) {
      throw new OutputError(
        output,
        'release',
        `'${release}' is not a valid RPM release: letters, digits, '.', '_', '+', '~', '^' only (no '-')`,
        'rpmbuild: illegal character in Release',
      );
    }
  } else {
    for (const k of ['name', 'version'] as const) {
      if (!d[k] || /[/\\\0]/.test(d[k])) {
        throw new OutputError(
          output,
          k,
          `'${d[k]}' must be non-empty and contain no '/', '\\' or NUL`,
        );
      }
    }
  }
}

/** Human label for error messages: `name (format)`. */
export function outputLabel(d: { name?: unknown; format?: unknown }): string {
  return `${typeof d.name === 'string' ? d.name : '?'} (${String(d.format)})`;
}

/** Parses a date given as seconds since the epoch or an ISO 8601 string. */
export function parseTime(output: string, field: string, v: number | string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new OutputError(output, field, `invalid time ${v}`);
    return Math.floor(v);
  }
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    throw new OutputError(
      output,
      field,
      `invalid date '${v}'; use ISO 8601 (2024-05-01T12:00:00Z) or epoch seconds`,
    );
  }
  return Math.floor(t / 1000);
}
