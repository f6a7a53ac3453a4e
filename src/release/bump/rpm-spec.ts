/**
 * An rpm spec: `Version:` set to the new version, `Release:` reset to 1
 * (keeping what follows the number, such as `%{?dist}`), and an entry on
 * top of `%changelog` when the spec has one. A Version defined through a
 * macro is refused: the macro's definition is what must change.
 */
import { RelengError } from '../../util/errors.ts';
import { packageVersion } from '../version.ts';
import { rpmDate } from './dates.ts';
import type { BumpFormat } from './types.ts';

const VERSION = /^(Version:\s*)(\S+)\s*$/gim;
const RELEASE = /^(Release:\s*)(\d+)(\S*)\s*$/im;

export const rpmSpecFormat: BumpFormat = {
  read(content) {
    const all = [...content.matchAll(VERSION)];
    const v = all.length === 1 ? all[0]?.[2] : undefined;
    return v?.replace('~', '-');
  },
  apply(content, ctx) {
    const all = [...content.matchAll(VERSION)];
    if (all.length !== 1)
      throw new RelengError(`${ctx.path}: ${all.length} Version: lines, expected 1`, {
        file: ctx.path,
        hint: 'a spec with subpackages of other versions needs a pattern instead',
      });
    const found = all[0]?.[2] as string;
    if (found.includes('%'))
      throw new RelengError(`${ctx.path}: Version: is the macro ${found}`, {
        file: ctx.path,
        hint: 'bump the %global that defines it with a pattern file entry',
      });
    if (found.replace('~', '-') !== ctx.current)
      throw new RelengError(`${ctx.path} says Version: ${found}, expected ${ctx.current}`, {
        file: ctx.path,
        hint: 'the files and the last tag disagree: fix the file first',
      });
    const version = packageVersion(ctx.next);
    let out = content.replace(VERSION, (_l, p: string) => `${p}${version}`);
    let release = '1';
    out = out.replace(RELEASE, (_l, p: string, _n: string, rest: string) => {
      release = `1${rest.replace(/%\{\?dist\}/, '')}`;
      return `${p}1${rest}`;
    });
    const cl = /^%changelog[ \t]*\n/m.exec(out);
    if (cl) {
      const at = cl.index + cl[0].length;
      const entry = `* ${rpmDate(ctx.date)} ${ctx.maintainer} - ${version}-${release}\n${ctx.notes
        .map((n) => `- ${n}`)
        .join('\n')}\n\n`;
      out = out.slice(0, at) + entry + out.slice(at);
    }
    return out;
  },
};
