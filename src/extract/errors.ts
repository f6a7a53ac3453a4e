import { basename } from 'node:path';
import { RelengError } from '../util/errors.ts';

/**
 * Why an archive could not be extracted. `file` is the archive, `entry` the
 * offending member (as named in the archive, before stripping) when one is to
 * blame, and `reason` what is wrong with it. The message names all three, e.g.
 * `cannot extract libfoo-1.0.tar.gz: entry "libfoo-1.0/../../etc/passwd":
 * path contains "..", refused`.
 */
export class ExtractError extends RelengError {
  readonly file: string;
  readonly entry: string | undefined;
  readonly reason: string;

  constructor(file: string, entry: string | undefined, reason: string, hint?: string) {
    super(
      `cannot extract ${basename(file)}: ${entry === undefined ? '' : `entry ${JSON.stringify(entry)}: `}${reason}`,
      hint === undefined ? { file } : { file, hint },
    );
    this.name = 'ExtractError';
    this.file = file;
    this.entry = entry;
    this.reason = reason;
  }
}

/** The message of anything thrown (with the errno code when there is one). */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
