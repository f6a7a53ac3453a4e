/** What a version-bump format needs and gives. */

/** Everything a format may use to rewrite one file. */
export interface BumpContext {
  /** The file, relative to the project root (for messages). */
  path: string;
  /** The version now (semver). */
  current: string;
  /** The version after the release (semver). */
  next: string;
  /** How many occurrences must match. */
  count: number;
  /** `pattern` format: text around `{version}`. */
  search?: string;
  /** `pattern` format: the replacement (default: search). */
  replace?: string;
  /** Changelog formats: one-line notes for the new entry. */
  notes: readonly string[];
  /** Changelog formats: the entry's date. */
  date: Date;
  /** Changelog formats: `Name <email>`. */
  maintainer: string;
}

/** One file format that carries a version. */
export interface BumpFormat {
  /** The version the file states now, when it can tell (used when there is no tag yet). */
  read?(content: string, path: string): string | undefined;
  /** The file's content after the bump; throws a RelengError when it cannot be exact. */
  apply(content: string, ctx: BumpContext): string;
}
