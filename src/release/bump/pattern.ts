/**
 * The exact-pattern bump: only the text `search` (with `{version}` standing
 * for the current version) is replaced, and it must occur exactly `count`
 * times, so a dependency pinned to the same version is never touched by
 * accident (bump-my-version's most reported surprise).
 */
import { RelengError } from '../../util/errors.ts';
import type { BumpContext, BumpFormat } from './types.ts';

/** Replaces exactly `count` occurrences of `find` by `by`, or explains why not. */
export function replaceExactly(
  content: string,
  find: string,
  by: string,
  ctx: Pick<BumpContext, 'path' | 'count'>,
  what: string,
): string {
  const parts = content.split(find);
  const found = parts.length - 1;
  if (found !== ctx.count) {
    throw new RelengError(
      `${ctx.path}: ${what} matches ${found} time${found === 1 ? '' : 's'}, expected ${ctx.count}`,
      {
        file: ctx.path,
        hint:
          found === 0
            ? 'the file does not state the current version there: fix the file or the search text'
            : 'make the search text longer so it names only the intended place, or set count',
      },
    );
  }
  return parts.join(by);
}

export const patternFormat: BumpFormat = {
  apply(content, ctx) {
    const search = ctx.search as string;
    const replace = ctx.replace ?? search;
    return replaceExactly(
      content,
      search.replaceAll('{version}', ctx.current),
      replace.replaceAll('{version}', ctx.next),
      ctx,
      JSON.stringify(search.replaceAll('{version}', ctx.current)),
    );
  },
};
