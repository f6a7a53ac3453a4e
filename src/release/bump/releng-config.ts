/**
 * releng.config.ts (or .js/.mjs): `version: '…'` properties holding the
 * current version (an output's version, say). `count` says how many there
 * must be (default 1), so a second package pinned to the same version makes
 * the bump stop instead of silently changing both.
 */
import { RelengError } from '../../util/errors.ts';
import type { BumpFormat } from './types.ts';

const versionProps = (content: string) => [
  ...content.matchAll(/\bversion\s*:\s*(['"`])([^'"`\n]*)\1/g),
];

export const relengConfigFormat: BumpFormat = {
  read(content) {
    const all = versionProps(content);
    return all.length === 1 ? all[0]?.[2] : undefined;
  },
  apply(content, ctx) {
    const all = versionProps(content).filter((m) => m[2] === ctx.current);
    if (all.length !== ctx.count)
      throw new RelengError(
        `${ctx.path}: "version: '${ctx.current}'" occurs ${all.length} times, expected ${ctx.count}`,
        {
          file: ctx.path,
          hint:
            all.length === 0
              ? 'the config does not state the current version: fix it or the last tag'
              : 'set count to the number of versions that follow the release, or use a pattern',
        },
      );
    let out = '';
    let at = 0;
    for (const m of all) {
      const start = (m.index as number) + (m[0] as string).indexOf(m[1] as string) + 1;
      out += content.slice(at, start) + ctx.next;
      at = start + ctx.current.length;
    }
    return out + content.slice(at);
  },
};
