/**
 * Publishing the packages of a pkg(5) package archive (`.p5p`, as the `ips`
 * output format and `pkgrecv -a` write it) into a file repository, as
 * `pkgrecv -s ARCHIVE -d REPO` does: each package's manifest is published
 * again with its payloads (checked against their hashes) and its original
 * timestamp, so the repository holds the same FMRI.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extractArchive } from '../../extract/index.ts';
import { RelengError } from '../../util/errors.ts';
import { tmpSibling } from '../../util/fs.ts';
import { removeDeadProcessEntries } from '../../util/pid.ts';
import { attr } from '../action.ts';
import { parseManifest } from '../manifest.ts';
import { publishManifest } from './repository.ts';
import type { IpsSigner } from './sign.ts';

/** Seconds of an FMRI timestamp (`…:20231114T221320Z`), if it has one. */
function fmriTime(fmri: string | undefined): number | undefined {
  const m = /:(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(fmri ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s) / 1000;
}

/** Publishes every package of the archive into `repo`; returns their FMRIs. */
export async function publishArchive(
  repo: string,
  archive: string,
  options: { publisher?: string; signer?: IpsSigner } = {},
): Promise<string[]> {
  // The work folder sits beside the repository, so a killed run's is found and removed by the next.
  await removeKilledWork(repo);
  const work = tmpSibling(repo, 'p5p');
  await mkdir(work, { recursive: true });
  try {
    const tree = join(work, 'tree');
    await mkdir(tree);
    await extractArchive(archive, tree, { stripCount: 0, type: 'tar' });
    const payloads = join(work, 'payloads');
    await mkdir(payloads);
    const fmris: string[] = [];
    const pubRoot = join(tree, 'publisher');
    if (!existsSync(pubRoot)) {
      throw new RelengError(`${archive}: not a pkg(5) package archive (no publisher/ folder)`, {
        file: archive,
        hint: 'give a .p5p written by the ips output format or pkgrecv -a',
      });
    }
    for (const pub of readdirSync(pubRoot).sort()) {
      const pkgDir = join(pubRoot, pub, 'pkg');
      if (!existsSync(pkgDir)) continue;
      for (const stem of readdirSync(pkgDir).sort()) {
        for (const ver of readdirSync(join(pkgDir, stem)).sort()) {
          const label = `${archive}: publisher/${pub}/pkg/${stem}/${ver}`;
          const m = parseManifest(await readFile(join(pkgDir, stem, ver), 'utf8'), label);
          for (const { action: a, line } of m.actions) {
            if ((a.name !== 'file' && a.name !== 'license') || !a.hash) continue;
            const h = a.hash;
            if (!/^[0-9a-f]{40}$/.test(h)) continue;
            const stored = [
              join(pubRoot, pub, 'file', h.slice(0, 2), h),
              join(pubRoot, pub, 'file', h),
            ].find((p) => existsSync(p));
            if (!stored) {
              throw new RelengError(`${label}:${line}: payload ${h} is not in the archive`, {
                file: archive,
                hint: 'the archive is incomplete; write it again',
              });
            }
            const data = gunzipSync(await readFile(stored));
            if (createHash('sha1').update(data).digest('hex') !== h) {
              throw new RelengError(`${label}:${line}: payload ${h} does not match its hash`, {
                file: archive,
                hint: 'the archive is damaged; write it again',
              });
            }
            await writeFile(join(payloads, h), data);
          }
          const fmriAction = m.actions.find(
            (x) => x.action.name === 'set' && x.action.attrs.get('name') === 'pkg.fmri',
          );
          const time = fmriTime(fmriAction ? attr(fmriAction.action, 'value') : undefined);
          fmris.push(
            await publishManifest(repo, m, {
              protoDirs: [payloads],
              ...(options.publisher ? { publisher: options.publisher } : {}),
              ...(time !== undefined ? { time } : {}),
              ...(options.signer ? { signer: options.signer } : {}),
            }),
          );
        }
      }
    }
    return fmris;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Removes the work folders (`<repo>.p5p-<pid>-<x>`) of imports whose process is gone. */
async function removeKilledWork(repo: string): Promise<void> {
  const prefix = `${basename(repo)}.p5p-`;
  await removeDeadProcessEntries(dirname(repo), (n) => {
    const m = n.startsWith(prefix) ? /^(\d+)-[0-9a-z]+$/.exec(n.slice(prefix.length)) : null;
    return m ? Number(m[1]) : undefined;
  });
}
