/**
 * `key = value` files with `[sections]`: pyproject.toml (`[project]` or
 * `[tool.poetry]` `version = "…"`) and setup.cfg (`[metadata]` `version = …`).
 * Only the key in those sections is touched.
 */
import { RelengError } from '../../util/errors.ts';
import type { BumpContext, BumpFormat } from './types.ts';

interface Hit {
  line: number;
  prefix: string;
  value: string;
  suffix: string;
}

function findVersion(content: string, sections: readonly string[], quoted: boolean): Hit[] {
  const lines = content.split('\n');
  const hits: Hit[] = [];
  let section = '';
  const re = quoted ? /^(\s*version\s*=\s*")([^"]*)(".*)$/ : /^(\s*version\s*[=:]\s*)(\S+)(\s*)$/;
  lines.forEach((text, i) => {
    const head = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(text);
    if (head) section = (head[1] as string).trim();
    else if (sections.includes(section)) {
      const m = re.exec(text);
      if (m)
        hits.push({
          line: i,
          prefix: m[1] as string,
          value: m[2] as string,
          suffix: m[3] as string,
        });
    }
  });
  return hits;
}

function makeFormat(sections: readonly string[], quoted: boolean, label: string): BumpFormat {
  const one = (content: string, ctx: Pick<BumpContext, 'path'>): Hit | undefined => {
    const hits = findVersion(content, sections, quoted);
    if (hits.length > 1)
      throw new RelengError(`${ctx.path}: version is set ${hits.length} times in ${label}`, {
        file: ctx.path,
      });
    return hits[0];
  };
  return {
    read(content, path) {
      return one(content, { path })?.value;
    },
    apply(content, ctx) {
      const hit = one(content, ctx);
      if (!hit) {
        const dynamic = /^\s*dynamic\s*=.*["']version["']/m.test(content);
        throw new RelengError(`${ctx.path} has no static version in ${label}`, {
          file: ctx.path,
          hint: dynamic
            ? 'the version is dynamic: bump the file it comes from instead (format "pattern")'
            : `add version = ${quoted ? `"${ctx.current}"` : ctx.current} under ${label}`,
        });
      }
      if (hit.value !== ctx.current)
        throw new RelengError(`${ctx.path} says version ${hit.value}, expected ${ctx.current}`, {
          file: ctx.path,
          hint: 'the files and the last tag disagree: fix the file first',
        });
      const lines = content.split('\n');
      lines[hit.line] = hit.prefix + ctx.next + hit.suffix;
      return lines.join('\n');
    },
  };
}

export const pyprojectFormat = makeFormat(['project', 'tool.poetry'], true, '[project]');
export const setupCfgFormat = makeFormat(['metadata'], false, '[metadata]');
