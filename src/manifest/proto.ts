/**
 * Finding a manifest's payload in the proto areas. The name comes from the
 * manifest (positional hash, else path), so one climbing out of the area
 * with `..` is refused instead of reading whatever file it names.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { RelengError } from '../util/errors.ts';

/** The first proto area holding `rel`, or undefined; throws when `rel` leaves the areas. */
export function findProtoFile(
  protoDirs: readonly string[],
  rel: string,
  where: { file: string; line: number },
): string | undefined {
  for (const d of protoDirs) {
    const p = join(d, rel);
    const back = relative(d, p);
    if (back === '' || back === '..' || back.startsWith('../') || isAbsolute(back)) {
      throw new RelengError(
        `${where.file}:${where.line}: payload ${rel} is outside the proto area ${d}`,
        {
          file: where.file,
          line: where.line,
          hint: 'name the file by its path inside the proto area (no .. leading out of it)',
        },
      );
    }
    if (existsSync(p)) return p;
  }
  return undefined;
}
