/**
 * debian/changelog: a new entry on top, for the same source package and
 * distribution as the last one, with the Debian revision reset to 1 (a
 * native package, with no revision, stays native). Pre-releases become
 * `1.0.0~rc.1` so they sort before `1.0.0`.
 */
import { RelengError } from '../../util/errors.ts';
import { packageVersion } from '../version.ts';
import { rfc2822 } from './dates.ts';
import type { BumpFormat } from './types.ts';

const HEAD = /^([a-z0-9][a-z0-9+.-]+) \(([^)]+)\) ([^;]+);(.*)$/;

/** Upstream part of a Debian version (no epoch, no revision), with `~` back to `-`. */
function upstreamOf(debVersion: string): string {
  const noEpoch = debVersion.replace(/^\d+:/, '');
  const dash = noEpoch.lastIndexOf('-');
  return (dash > 0 ? noEpoch.slice(0, dash) : noEpoch).replace('~', '-');
}

export const debianChangelogFormat: BumpFormat = {
  read(content) {
    const m = HEAD.exec(content.split('\n')[0] ?? '');
    return m ? upstreamOf(m[2] as string) : undefined;
  },
  apply(content, ctx) {
    const m = HEAD.exec(content.split('\n')[0] ?? '');
    if (!m)
      throw new RelengError(`${ctx.path}: the first line is not a changelog entry header`, {
        file: ctx.path,
        hint: 'it must read like "name (1.0.0-1) unstable; urgency=medium"',
      });
    const [, name, version, dists] = m as unknown as [string, string, string, string];
    if (upstreamOf(version) !== ctx.current)
      throw new RelengError(
        `${ctx.path}: the last entry is ${version}, expected version ${ctx.current}`,
        {
          file: ctx.path,
          hint: 'the files and the last tag disagree: fix the file first',
        },
      );
    const epoch = /^(\d+):/.exec(version)?.[0] ?? '';
    const native = !version.replace(/^\d+:/, '').includes('-');
    const next = `${epoch}${packageVersion(ctx.next)}${native ? '' : '-1'}`;
    const body = ctx.notes.map((n) => `  * ${n}`).join('\n');
    const entry = `${name} (${next}) ${dists}; urgency=medium\n\n${body}\n\n -- ${ctx.maintainer}  ${rfc2822(ctx.date)}\n\n`;
    return entry + content;
  },
};
