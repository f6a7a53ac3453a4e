/**
 * IPS (pkg(5)) packages: the output's files become one package, published
 * with releng's pkg(5) publisher (src/manifest/publish) into a file
 * repository that is then written as a pkg(5) package archive (`.p5p`: a tar
 * of the repository's `pkg5.repository` and `publisher/<p>/{pkg,file,catalog}`).
 * pkg(5) reads an archive without the optional `pkg5.index.0.gz` by name, so
 * the archive is an installable source as it is
 * (`pkg install -g hello.p5p hello`, `pkg set-publisher -p hello.p5p`) and
 * `pkgrecv -s hello.p5p -d REPO` copies it into any repository.
 */

import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseManifest } from '../../manifest/manifest.ts';
import { publishManifest } from '../../manifest/publish/repository.ts';
import { walkFilesSync } from '../../util/fs.ts';
import { removeDeadProcessEntries } from '../../util/pid.ts';
import { OutputError } from '../errors.ts';
import type { FileEntry } from '../fileset.ts';
import { contentReader } from '../lib/content.ts';
import { type TarItem, tarStream } from '../lib/tar.ts';
import type { PackageMeta, Packager, WriteOptions } from '../types.ts';

/** Publisher of the packages (the prefix their FMRIs carry). */
const PUBLISHER = 'releng';

/** A pkg(7) attribute value, quoted when it needs to be. */
function q(v: string): string {
  if (v !== '' && !/[\s"'\\=]/.test(v)) return v;
  return `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/** The package's FMRI version: `version-release`, both dot-separated numbers (pkg(5) versions). */
function ipsVersion(meta: PackageMeta): string {
  const num = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/;
  if (!num.test(meta.version)) {
    throw new OutputError(
      meta.label,
      'version',
      `'${meta.version}' is not a valid IPS version: dot-separated numbers without leading zeros, e.g. 1.2.0 (pkg(5) version rules)`,
    );
  }
  if (!num.test(meta.release)) {
    throw new OutputError(
      meta.label,
      'release',
      `'${meta.release}' is not a valid IPS branch: dot-separated numbers, e.g. 1 or 0.1`,
    );
  }
  // pkg(5) clients fill in the build release 5.11 when a version has none; say it, so names agree.
  return `${meta.version},5.11-${meta.release}`;
}

/**
 * `depends` and `conflicts` as pkg(5) depend actions: a dependency is
 * `type=require` (`require-any` for alternatives) on at least the version
 * given with `>=`; a conflict is `type=exclude` (of the version given with
 * `>=` and newer, or of any version). pkg(5) has no other version relation,
 * so other operators are refused rather than loosened.
 */
function ipsDepends(meta: PackageMeta): string[] {
  const fmri = (field: string, alt: { name: string; op?: string; version?: string }): string => {
    if (alt.op !== undefined && alt.op !== '>=') {
      throw new OutputError(
        meta.label,
        field,
        `'${alt.name} ${alt.op} ${alt.version}': IPS dependencies only say "this version or newer" (>=)`,
      );
    }
    return q(`pkg:/${alt.name}${alt.version ? `@${alt.version}` : ''}`);
  };
  const out: string[] = [];
  for (const d of meta.relations.depends) {
    const fmris = d.alternatives.map((a) => `fmri=${fmri('depends', a)}`).join(' ');
    out.push(`depend ${fmris} type=${d.alternatives.length > 1 ? 'require-any' : 'require'}`);
  }
  for (const d of meta.relations.conflicts) {
    for (const a of d.alternatives) out.push(`depend fmri=${fmri('conflicts', a)} type=exclude`);
  }
  return out;
}

/** The manifest of the output's files (paths without the leading `/`, as pkg(5) writes them). */
export function ipsManifest(files: readonly FileEntry[], meta: PackageMeta): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*(\/[A-Za-z0-9][A-Za-z0-9_.+-]*)*$/.test(meta.name)) {
    throw new OutputError(
      meta.label,
      'name',
      `'${meta.name}' is not a valid IPS package name: letters, digits, _ - . + in /-separated parts (pkg(5) FMRI rules)`,
    );
  }
  const lines = [
    `set name=pkg.fmri value=${q(`pkg:/${meta.name}@${ipsVersion(meta)}`)}`,
    `set name=pkg.summary value=${q(meta.summary)}`,
  ];
  if (meta.description) lines.push(`set name=pkg.description value=${q(meta.description)}`);
  if (meta.homepage) lines.push(`set name=info.upstream-url value=${q(meta.homepage)}`);
  if (meta.license) lines.push(`set name=info.source-license value=${q(meta.license)}`);
  lines.push(...ipsDepends(meta));
  for (const f of files) {
    const path = q(f.path.replace(/^\/+/, ''));
    const own = `group=${q(f.group)} mode=${f.mode.toString(8).padStart(4, '0')} owner=${q(f.owner)}`;
    if (f.type === 'dir') lines.push(`dir ${own} path=${path}`);
    else if (f.type === 'symlink') lines.push(`link path=${path} target=${q(f.target ?? '')}`);
    else if (f.type === 'file') {
      // Configuration files keep local edits on upgrade, as pkg(5)'s preserve=renamenew does.
      const keep = f.config ? ` preserve=${f.noreplace ? 'renamenew' : 'renameold'}` : '';
      lines.push(`file ${own} path=${path}${keep}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const ipsPackager: Packager = {
  format: 'ips',
  defaultCompression: 'gzip',
  compressions: ['gzip'],
  extension: () => '.p5p',
  fileName: (meta) => `${meta.name.replaceAll('/', '-')}-${meta.version}-${meta.release}.p5p`,
  async write(
    files: readonly FileEntry[],
    meta: PackageMeta,
    destFile: string,
    opts: WriteOptions,
  ): Promise<void> {
    const manifest = ipsManifest(files, meta);
    // The work folder sits beside the archive being written, named after it, so a
    // killed run's leftovers (archive and folder) are found and removed by the next.
    await removeKilledLeftovers(destFile);
    const work = `${destFile}.work`;
    await mkdir(work);
    try {
      // The payloads by path in a proto area, where the publisher looks for them.
      const proto = join(work, 'proto');
      const read = contentReader(meta.label, files);
      for (const f of files) {
        if (f.type !== 'file') continue;
        const chunks: Buffer[] = [];
        for await (const c of read(f)) chunks.push(c);
        const dest = join(proto, f.path);
        await mkdir(dirname(dest), { recursive: true });
        await writeFile(dest, Buffer.concat(chunks));
      }
      const repo = join(work, 'repo');
      await mkdir(repo);
      await publishManifest(repo, parseManifest(manifest, `${meta.label} (IPS manifest)`), {
        protoDirs: [proto],
        publisher: PUBLISHER,
        time: opts.sourceDateEpoch,
      });
      const names: string[] = [];
      walkFilesSync(repo, '', (rel) => names.push(rel));
      names.sort();
      const items: TarItem[] = [];
      const seenDirs = new Set<string>();
      for (const rel of names) {
        const parts = rel.split('/');
        for (let i = 1; i < parts.length; i++) {
          const d = `${parts.slice(0, i).join('/')}/`;
          if (seenDirs.has(d)) continue;
          seenDirs.add(d);
          items.push(tarMember(d, 'dir', 0, opts.sourceDateEpoch));
        }
        const data = await readFile(join(repo, rel));
        const item = tarMember(rel, 'file', data.length, opts.sourceDateEpoch);
        const entry = {
          path: `/${rel}`,
          type: 'file',
          content: data,
          size: data.length,
        } as FileEntry;
        item.entry = entry;
        items.push(item);
      }
      await pipeline(
        Readable.from(
          tarStream(items, async function* (e) {
            if (e.content) yield e.content;
          }),
        ),
        createWriteStream(destFile),
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};

/** A tar member as pkg(5) archives them: root-owned, 0444 files and 0755 folders, the build time. */
function tarMember(name: string, type: 'file' | 'dir', size: number, mtime: number): TarItem {
  return {
    name,
    type,
    mode: type === 'dir' ? 0o755 : 0o444,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    mtime,
    size,
  };
}

/**
 * Removes what a killed write of the same archive left beside it: temporary
 * archives and work folders (`<name>.tmp-<pid>-<x>[.work]`) of processes that
 * are gone.
 */
async function removeKilledLeftovers(destFile: string): Promise<void> {
  const final = basename(destFile).replace(/\.tmp-\d+-[0-9a-z]+$/, '');
  await removeDeadProcessEntries(dirname(destFile), (n) => {
    if (!n.startsWith(`${final}.`)) return undefined;
    const m = /^\.[a-z]+-(\d+)-[0-9a-z]+(\.work)?$/.exec(n.slice(final.length));
    return m ? Number(m[1]) : undefined;
  });
}
