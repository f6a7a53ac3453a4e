/**
 * package.json: the top-level "version" member only (never a dependency's
 * range that happens to equal it). The text is edited in place so the
 * file's formatting stays as it was.
 */
import { RelengError } from '../../util/errors.ts';
import type { BumpFormat } from './types.ts';

/** Offsets of the top-level "version" string value (inside the quotes). */
function topLevelVersion(text: string): { start: number; end: number } | undefined {
  let depth = 0;
  let expectValueFor: string | undefined;
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const value = text.slice(i + 1, j);
      if (depth === 1 && expectValueFor === 'version') return { start: i + 1, end: j };
      if (depth === 1 && expectValueFor === undefined) lastKey = value;
      expectValueFor = undefined;
      i = j;
    } else if (ch === ':') {
      expectValueFor = depth === 1 ? lastKey : undefined;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectValueFor = undefined;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',') {
      expectValueFor = undefined;
      lastKey = undefined;
    }
  }
  return undefined;
}

export const packageJsonFormat: BumpFormat = {
  read(content) {
    const at = topLevelVersion(content);
    return at ? content.slice(at.start, at.end) : undefined;
  },
  apply(content, ctx) {
    try {
      JSON.parse(content);
    } catch (err) {
      throw new RelengError(`${ctx.path} is not valid JSON: ${(err as Error).message}`, {
        file: ctx.path,
      });
    }
    const at = topLevelVersion(content);
    if (!at)
      throw new RelengError(`${ctx.path} has no top-level "version"`, {
        file: ctx.path,
        hint: `add "version": "${ctx.current}"`,
      });
    const found = content.slice(at.start, at.end);
    if (found !== ctx.current)
      throw new RelengError(`${ctx.path} says version ${found}, expected ${ctx.current}`, {
        file: ctx.path,
        hint: 'the files and the last tag disagree: fix the file first',
      });
    return content.slice(0, at.start) + ctx.next + content.slice(at.end);
  },
};
