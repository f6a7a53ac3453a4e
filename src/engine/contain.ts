import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { RelengError } from '../util/errors.ts';

/**
 * The second line of defence behind the name and version checks at load
 * (project/normalize.ts): a folder the engine is about to delete, empty or
 * write for a package must really be inside the folder it belongs to, after
 * symlinks are resolved. A symlinked `output/build`, or a package folder
 * replaced by a link, would otherwise let `-clean` delete, and extract empty,
 * a folder anywhere on the machine.
 */

/** `path` with the symlinks of its longest existing prefix resolved (the rest kept as is). */
export function realLocation(path: string): string {
  const rest: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return rest.length === 0 ? realpathSync(current) : join(realpathSync(current), ...rest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      rest.unshift(basename(current));
      current = parent;
    }
  }
}

/**
 * Throws unless `path` resolves strictly inside `base` (both with symlinks
 * resolved). `action` says what was about to happen (`delete`, `empty`,
 * `write to`), `area` names `base` in the message.
 */
export function assertInside(
  path: string,
  base: string,
  details: { action: string; area: string; pkg?: string },
): void {
  const real = realLocation(path);
  const root = realLocation(base);
  if (real.startsWith(root + sep)) return;
  throw new RelengError(
    `refusing to ${details.action} ${path}${real !== resolve(path) ? ` (it resolves to ${real})` : ''}: it is not inside the ${details.area} ${root}`,
    {
      pkg: details.pkg,
      hint: 'a package folder must stay inside its area: remove the symbolic link that leads out of it (releng never deletes or writes through one)',
    },
  );
}
