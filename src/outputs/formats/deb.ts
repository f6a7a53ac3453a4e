/**
 * .deb writer: `ar` with debian-binary, control.tar[.gz|.xz|.zst] and
 * data.tar[.gz|.xz|.zst] in dpkg's required order (deb(5)).
 */
import { createHash, type Hash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Dependency } from '../description.ts';
import { type FileEntry, fileEntry, withGenerated } from '../fileset.ts';
import { AR_MAGIC, arHeader, arPad } from '../lib/ar.ts';
import { assemble } from '../lib/assemble.ts';
import { compressBuffer, compressToFile, suffix } from '../lib/compress.ts';
import { contentReader } from '../lib/content.ts';
import { type TarItem, tarBuffer, tarItems, tarStream } from '../lib/tar.ts';
import {
  changeVersion,
  effectiveChangelog,
  fullVersion,
  type PackageMeta,
  type Packager,
  type Relation,
  type ScriptName,
  type WriteOptions,
} from '../types.ts';

const SCRIPT_FILES: Partial<Record<ScriptName, string>> = {
  preInstall: 'preinst',
  postInstall: 'postinst',
  preRemove: 'prerm',
  postRemove: 'postrm',
};

const RELATION_FIELDS: Array<[Relation, string]> = [
  ['preDepends', 'Pre-Depends'],
  ['depends', 'Depends'],
  ['recommends', 'Recommends'],
  ['suggests', 'Suggests'],
  ['breaks', 'Breaks'],
  ['conflicts', 'Conflicts'],
  ['replaces', 'Replaces'],
  ['provides', 'Provides'],
];

/** Formats a dependency the Debian way: `a (>= 1) | b`. */
export function debDependency(d: Dependency): string {
  return d.alternatives
    .map((a) => (a.op ? `${a.name} (${a.op} ${a.version})` : a.name))
    .join(' | ');
}

/** RFC 2822 date as used in Debian changelogs. */
export function rfc2822(t: number): string {
  return new Date(t * 1000).toUTCString().replace('GMT', '+0000');
}

/** The Description field: synopsis plus the extended description, dpkg-escaped. */
function descriptionField(meta: PackageMeta): string {
  if (meta.description.trim() === '') return `Description: ${meta.summary}`;
  const lines = meta.description
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.replace(/\s+$/, '')}`));
  return [`Description: ${meta.summary}`, ...lines].join('\n');
}

/** The text of the control file. */
export function controlText(meta: PackageMeta, installedSize: number): string {
  const fields: Array<[string, string | undefined]> = [
    ['Package', meta.name],
    ['Version', fullVersion(meta)],
    ['Architecture', meta.arch.deb],
    ['Maintainer', meta.maintainer],
    ['Installed-Size', String(installedSize)],
  ];
  for (const [rel, field] of RELATION_FIELDS) {
    const list = meta.relations[rel];
    if (list.length > 0) fields.push([field, list.map(debDependency).join(', ')]);
  }
  fields.push(['Section', meta.section], ['Priority', meta.priority], ['Homepage', meta.homepage]);
  for (const [k, v] of Object.entries(meta.deb.fields ?? {})) fields.push([k, v]);
  const text = fields
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return `${text}\n${descriptionField(meta)}\n`;
}

/** The Debian changelog (`changelog.Debian`) text. */
export function debianChangelog(meta: PackageMeta, buildTime: number): string {
  const entries = effectiveChangelog(meta, buildTime);
  const dist = meta.deb.distribution ?? 'unstable';
  const urgency = meta.deb.urgency ?? 'medium';
  return entries
    .map((e) => {
      const items = e.changes.map((c) => `  * ${c.replace(/\n/g, '\n    ')}`).join('\n');
      return `${meta.name} (${changeVersion(meta, e.version)}) ${dist}; urgency=${urgency}\n\n${items}\n\n -- ${e.author}  ${rfc2822(e.time)}\n`;
    })
    .join('\n');
}

const COMMON_LICENSES: Record<string, string> = {
  'Apache-2.0': 'Apache-2.0',
  'GPL-2.0': 'GPL-2',
  'GPL-2.0-only': 'GPL-2',
  'GPL-2.0-or-later': 'GPL-2',
  'GPL-3.0': 'GPL-3',
  'GPL-3.0-only': 'GPL-3',
  'GPL-3.0-or-later': 'GPL-3',
  'LGPL-2.1': 'LGPL-2.1',
  'LGPL-2.1-only': 'LGPL-2.1',
  'LGPL-2.1-or-later': 'LGPL-2.1',
  'LGPL-3.0': 'LGPL-3',
  'LGPL-3.0-only': 'LGPL-3',
  'LGPL-3.0-or-later': 'LGPL-3',
  'MPL-2.0': 'MPL-2.0',
  'CC0-1.0': 'CC0-1.0',
  'Artistic-1.0': 'Artistic',
};

/** A machine-readable (DEP-5) copyright file from the description's license/vendor. */
export function copyrightText(meta: PackageMeta, buildTime: number): string {
  const license = meta.license ?? 'unknown';
  const holder = meta.vendor ?? meta.maintainer ?? 'the authors';
  const year = new Date(buildTime * 1000).getUTCFullYear();
  const common = COMMON_LICENSES[license];
  const body = common
    ? ` On Debian systems, the complete text of this license can be found in\n /usr/share/common-licenses/${common}.`
    : ' The complete text of this license is distributed with the software.';
  const head = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${meta.name}`,
    meta.homepage ? `Source: ${meta.homepage}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  return `${head}\n\nFiles: *\nCopyright: ${year} ${holder}\nLicense: ${license}\n\nLicense: ${license}\n${body}\n`;
}

function generatedDocs(meta: PackageMeta, files: readonly FileEntry[], t: number): FileEntry[] {
  const dir = `/usr/share/doc/${meta.name}`;
  const has = (p: string): boolean => files.some((f) => f.path === p);
  const make = (p: string, content: Buffer): FileEntry =>
    fileEntry({
      path: p,
      type: 'file',
      content,
      size: content.length,
      mtime: t,
      doc: true,
      origin: `generated ${p}`,
    });
  const out: FileEntry[] = [];
  const overrides = meta.deb.lintianOverrides ?? [];
  if (overrides.length > 0) {
    const text = overrides.map((o) => `${meta.name}: ${o.trim()}\n`).join('');
    out.push({
      ...make(`/usr/share/lintian/overrides/${meta.name}`, Buffer.from(text)),
      doc: false,
    });
  }
  if (meta.deb.docs === false) return out;
  if (!has(`${dir}/copyright`))
    out.push(make(`${dir}/copyright`, Buffer.from(copyrightText(meta, t))));
  if (!has(`${dir}/changelog.Debian.gz`) && !has(`${dir}/changelog.gz`)) {
    const gz = gzipSync(Buffer.from(debianChangelog(meta, t)), { level: 9 });
    out.push(make(`${dir}/changelog.Debian.gz`, gz));
  }
  return out;
}

/** Shared libraries are not executable in a .deb (dh_fixperms; lintian shared-library-is-executable). */
function fixSharedLibraryMode(f: FileEntry): FileEntry {
  if (f.type !== 'file' || !/\.so(\.[^/]*)?$/.test(f.path) || !/^\/(usr\/)?lib\//.test(f.path))
    return f;
  return (f.mode & 0o111) === 0 ? f : { ...f, mode: f.mode & ~0o111 };
}

/** Installed-Size in KiB: each file rounded up to 1 KiB, other entries 1 KiB each. */
export function installedSize(files: readonly FileEntry[]): number {
  let kib = 0;
  for (const f of files) kib += f.type === 'file' ? Math.ceil(f.size / 1024) : 1;
  return kib;
}

function rootItem(mtime: number): TarItem {
  return {
    name: './',
    type: 'dir',
    mode: 0o755,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    mtime,
    size: 0,
  };
}

function memberFile(
  name: string,
  data: Buffer,
  mode: number,
  mtime: number,
): { item: TarItem; entry: FileEntry } {
  const entry = fileEntry({
    path: `/${name}`,
    type: 'file',
    content: data,
    size: data.length,
    mode,
    mtime,
    origin: name,
  });
  return {
    entry,
    item: {
      name: `./${name}`,
      type: 'file',
      mode,
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
      mtime,
      size: data.length,
      entry,
    },
  };
}

export const debPackager: Packager = {
  format: 'deb',
  defaultCompression: 'xz',
  compressions: ['none', 'gzip', 'xz', 'zstd'],
  extension: () => '.deb',
  fileName: (meta) => `${meta.name}_${meta.version}-${meta.release}_${meta.arch.deb}.deb`,

  async write(
    input: readonly FileEntry[],
    meta: PackageMeta,
    destFile: string,
    opts: WriteOptions,
  ): Promise<void> {
    const t = opts.sourceDateEpoch;
    const files = withGenerated(
      input.filter((f) => f.type !== 'ghost').map(fixSharedLibraryMode),
      generatedDocs(meta, input, t),
    );
    const autoConf = meta.deb.autoConffiles !== false;
    const conffiles = files.filter(
      (f) => f.type === 'file' && (f.config || (autoConf && f.path.startsWith('/etc/'))),
    );
    const conffileSet = new Set(conffiles);

    // data.tar, streamed through the compressor into a temporary file; md5s on the way.
    const items = [rootItem(t), ...tarItems(files, './')];
    const md5 = new Map<FileEntry, Hash>();
    const dataTmp = `${destFile}.data.tmp`;
    const comp = meta.compression;
    const level = meta.compressionLevel;
    try {
      const data = await compressToFile(
        tarStream(items, contentReader(meta.label, files), (item, chunk) => {
          const e = item.entry!;
          let h = md5.get(e);
          if (!h) {
            h = createHash('md5');
            md5.set(e, h);
          }
          h.update(chunk);
        }),
        comp,
        level,
        dataTmp,
      );

      // control.tar
      const md5sums = files
        .filter((f) => f.type === 'file' && !conffileSet.has(f))
        .map((f) => `${(md5.get(f) ?? createHash('md5')).digest('hex')}  ${f.path.slice(1)}\n`)
        .join('');
      const members: Array<{ item: TarItem; entry: FileEntry }> = [
        memberFile('control', Buffer.from(controlText(meta, installedSize(files))), 0o644, t),
      ];
      if (conffiles.length > 0) {
        members.push(
          memberFile(
            'conffiles',
            Buffer.from(conffiles.map((f) => `${f.path}\n`).join('')),
            0o644,
            t,
          ),
        );
      }
      if (md5sums) members.push(memberFile('md5sums', Buffer.from(md5sums), 0o644, t));
      for (const [name, text] of Object.entries(meta.debControl ?? {})) {
        members.push(memberFile(name, Buffer.from(text), 0o644, t));
      }
      for (const [slot, name] of Object.entries(SCRIPT_FILES)) {
        const text = meta.scripts[slot as ScriptName];
        if (text !== undefined) members.push(memberFile(name, Buffer.from(text), 0o755, t));
      }
      members.sort((a, b) => (a.item.name < b.item.name ? -1 : 1));
      const controlTar = await tarBuffer(
        [rootItem(t), ...members.map((m) => m.item)],
        contentReader(
          meta.label,
          members.map((m) => m.entry),
        ),
      );
      const control = await compressBuffer(controlTar, comp, level);

      const version = Buffer.from('2.0\n');
      const controlName = `control.tar${suffix(comp)}`;
      const dataName = `data.tar${suffix(comp)}`;
      await assemble(destFile, [
        AR_MAGIC,
        arHeader('debian-binary', version.length, t),
        version,
        arHeader(controlName, control.length, t),
        control,
        arPad(control.length),
        arHeader(dataName, data.size, t),
        { file: dataTmp },
        arPad(data.size),
      ]);
    } finally {
      await rm(dataTmp, { force: true });
    }
  },
};
