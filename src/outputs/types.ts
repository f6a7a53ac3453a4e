/** The interface every output format implements, and the metadata it receives. */
import type {
  Architecture,
  Compression,
  DebOptions,
  Dependency,
  OutputFormat,
  RpmOptions,
} from './description.ts';
import type { FileEntry } from './fileset.ts';

/** Script slots, named after the description's `scripts` keys. */
export type ScriptName =
  | 'preInstall'
  | 'postInstall'
  | 'preRemove'
  | 'postRemove'
  | 'preTransaction'
  | 'postTransaction';

/** Dependency relations, named after the description's fields. */
export type Relation =
  | 'depends'
  | 'preDepends'
  | 'recommends'
  | 'suggests'
  | 'conflicts'
  | 'breaks'
  | 'replaces'
  | 'provides';

/** A changelog entry with its date resolved to seconds. */
export interface ResolvedChange {
  version: string;
  time: number;
  author: string;
  changes: string[];
}

/** Validated, template-rendered metadata of one output. */
export interface PackageMeta {
  /** Label for errors: `name (format)`. */
  label: string;
  format: OutputFormat;
  name: string;
  version: string;
  release: string;
  epoch: number | undefined;
  arch: Architecture;
  maintainer: string | undefined;
  vendor: string | undefined;
  homepage: string | undefined;
  license: string | undefined;
  summary: string;
  description: string;
  section: string;
  priority: string;
  relations: Record<Relation, Dependency[]>;
  /** Script texts (already read and rendered). */
  scripts: Partial<Record<ScriptName, string>>;
  changelog: ResolvedChange[];
  compression: Compression;
  compressionLevel: number;
  /** Archive entry prefix (`''` or ending in `/`). */
  prefix: string;
  deb: DebOptions;
  rpm: RpmOptions;
  /** Extra .deb control members generated from the files (`shlibs`, `triggers`). */
  debControl?: Record<string, string>;
  /** rpm Requires generated from the files (`libc.so.6()(64bit)`, `/bin/sh`). */
  autoRequires: string[];
  /** rpm Provides generated from the files (`libfoo.so.1()(64bit)`, `name = version`). */
  autoProvides: string[];
}

/** Options for a single write. */
export interface WriteOptions {
  /** Build time and default mtime (seconds). */
  sourceDateEpoch: number;
}

/** A writer for one output format. */
export interface Packager {
  /** Format name as used in descriptions (`deb`, `rpm`, `tar.gz`, ...). */
  readonly format: OutputFormat;
  /** Compression used when the description does not choose one. */
  readonly defaultCompression: Compression;
  /** Compressions the format accepts. */
  readonly compressions: readonly Compression[];
  /** File extension including the dot (`.deb`, `.tar.gz`, ...). */
  extension(meta: PackageMeta): string;
  /** Conventional file name (`hello_1.0-1_amd64.deb`). */
  fileName(meta: PackageMeta): string;
  /** Writes the package to `destFile` (callers write to a temporary name and rename it). */
  write(
    files: readonly FileEntry[],
    meta: PackageMeta,
    destFile: string,
    opts: WriteOptions,
  ): Promise<void>;
}

/** Full version string `[epoch:]version-release`. */
export function fullVersion(meta: PackageMeta): string {
  return `${meta.epoch !== undefined ? `${meta.epoch}:` : ''}${meta.version}-${meta.release}`;
}

/** Version of a changelog entry as a full version (adds the release when missing). */
export function changeVersion(meta: PackageMeta, v: string): string {
  if (v === meta.version) return fullVersion(meta);
  return v.includes('-') ? v : `${v}-1`;
}

/**
 * The changelog to write: the description's, or one "Release <version>."
 * entry by the maintainer at the build time (lintian and rpmlint both want
 * a changelog).
 */
export function effectiveChangelog(meta: PackageMeta, buildTime: number): ResolvedChange[] {
  if (meta.changelog.length > 0) return meta.changelog;
  return [
    {
      version: meta.version,
      time: buildTime,
      author: meta.maintainer ?? meta.rpm.packager ?? 'unknown <unknown@localhost>',
      changes: [`Release ${meta.version}.`],
    },
  ];
}
