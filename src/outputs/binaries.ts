/**
 * What a .deb or .rpm writer gets beyond the file set: ELF files stripped
 * with their symbols in a debug package (`strip.ts`), and dependencies
 * generated from the files (`src/analyze/`): Debian shlibs dependencies from
 * the build host's dpkg database, rpm's soname Requires/Provides, and the
 * interpreters of executable scripts.
 */
import { open } from 'node:fs/promises';
import { AptShlibs, AptShlibsError } from '../analyze/apt-shlibs.ts';
import { type DpkgHost, type PackageElf, splitSoname } from '../analyze/deb-deps.ts';
import { analyzeBuffer, analyzeFile, type FileAnalysis } from '../analyze/index.ts';
import { elfProvides, elfRequires, scriptRpmRequires } from '../analyze/rpm-deps.ts';
import { type Dependency, type OutputDescription, parseDependency } from './description.ts';
import { OutputError } from './errors.ts';
import { type FileEntry, withGenerated } from './fileset.ts';
import { splitDebug } from './strip.ts';
import { fullVersion, type PackageMeta } from './types.ts';

/** The main package (files and metadata with generated dependencies) and its debug package. */
export interface BinaryPlan {
  files: FileEntry[];
  meta: PackageMeta;
  debug?: { files: FileEntry[]; meta: PackageMeta };
}

/** Options of {@link prepareBinaries}. */
export interface BinaryOptions {
  /** Private temporary folder for stripped copies and debug files. */
  workDir: string;
  mtime: number;
  /** The host's dpkg database (shared between outputs of one run). */
  dpkg: DpkgHost;
}

/** The build host's Debian architecture name, for `architecture: all` packages. */
function hostDebArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'i386', arm: 'armhf' };
  return map[process.arch] ?? process.arch;
}

function emptyRelations(): PackageMeta['relations'] {
  return {
    depends: [],
    preDepends: [],
    recommends: [],
    suggests: [],
    conflicts: [],
    breaks: [],
    replaces: [],
    provides: [],
  };
}

function debDebugMeta(meta: PackageMeta, buildIds: readonly string[]): PackageMeta {
  const name = `${meta.name}-dbgsym`;
  return {
    ...meta,
    label: `${name} (deb)`,
    name,
    summary: `debug symbols for ${meta.name}`,
    description: '',
    section: 'debug',
    priority: 'optional',
    relations: {
      ...emptyRelations(),
      depends: [parseDependency(name, 'depends', `${meta.name} (= ${fullVersion(meta)})`)],
    },
    scripts: {},
    // As dh_gencontrol writes them for automatic debug packages.
    deb: {
      ...meta.deb,
      docs: false,
      lintianOverrides: undefined,
      fields: { 'Auto-Built-Package': 'debug-symbols', 'Build-Ids': buildIds.join(' ') },
    },
    autoRequires: [],
    autoProvides: [],
  };
}

function rpmDebugMeta(meta: PackageMeta, buildIds: readonly string[]): PackageMeta {
  const name = `${meta.name}-debuginfo`;
  return {
    ...meta,
    label: `${name} (rpm)`,
    name,
    // rpm's %_debuginfo_template.
    summary: `Debug information for package ${meta.name}`,
    description: `This package provides debug information for package ${meta.name}.\nDebug information is useful when developing applications that use this\npackage or when debugging this package.`,
    relations: emptyRelations(),
    scripts: {},
    rpm: { ...meta.rpm, group: 'Development/Debug', autoConfig: false },
    autoRequires: [],
    autoProvides: buildIds.map((id) => `debuginfo(build-id) = ${id}`),
  };
}

async function analyzeEntry(f: FileEntry): Promise<FileAnalysis> {
  if (f.content) return analyzeBuffer(f.content);
  return analyzeFile(f.source!);
}

/** Whether the first bytes of a file entry could be ELF or a script (cheap filter). */
async function worthAnalyzing(f: FileEntry): Promise<boolean> {
  if (f.type !== 'file') return false;
  if (f.content) return f.content[0] === 0x7f || f.content[0] === 0x23;
  const fh = await open(f.source!, 'r');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, 0);
    return b[0] === 0x7f || b[0] === 0x23;
  } finally {
    await fh.close();
  }
}

/** Adds generated Debian dependencies unless the description already names that package. */
function mergeDepends(meta: PackageMeta, generated: readonly string[]): Dependency[] {
  const named = new Set(
    [...meta.relations.depends, ...meta.relations.preDepends].flatMap((d) =>
      d.alternatives.map((a) => a.name),
    ),
  );
  const extra = generated
    .map((g, i) => parseDependency(meta.label, `generated depends[${i}]`, g))
    .filter((d) => d.alternatives.every((a) => !named.has(a.name) && a.name !== meta.name));
  return [...meta.relations.depends, ...extra];
}

/** Library folders whose libraries are public (dh_makeshlibs). */
const PUBLIC_LIB_DIR = /^\/(usr\/)?lib(32|64|x32)?(\/[a-z0-9_]+-linux-[a-z0-9_]+)?$/;

/**
 * What dh_makeshlibs adds for public shared libraries: a `shlibs` file
 * (`libfoo 1 pkg (>= version)`) so that packages built against them get a
 * dependency, and the `ldconfig` trigger.
 */
function libraryControl(meta: PackageMeta, elves: readonly PackageElf[]): Record<string, string> {
  const lines = new Set<string>();
  for (const { path: p, elf } of elves) {
    if (elf.type !== 'dyn' || !elf.soname || elf.hasDebugTag) continue;
    if (!PUBLIC_LIB_DIR.test(p.slice(0, p.lastIndexOf('/')))) continue;
    const split = splitSoname(elf.soname);
    if (split) lines.add(`${split.name} ${split.version} ${meta.name} (>= ${meta.version})`);
  }
  if (lines.size === 0) return {};
  return {
    shlibs: `${[...lines].sort().join('\n')}\n`,
    triggers: 'activate-noawait ldconfig\n',
  };
}

/**
 * Strips, splits and analyses the files of one .deb or .rpm output
 * (`strip`, `debugPackage`, `autoDepends` in the description; all default
 * on). Other formats are returned unchanged.
 */
export async function prepareBinaries(
  files: FileEntry[],
  meta: PackageMeta,
  d: OutputDescription,
  opts: BinaryOptions,
): Promise<BinaryPlan> {
  if (meta.format !== 'deb' && meta.format !== 'rpm') return { files, meta };
  let main = files;
  let debug: BinaryPlan['debug'];
  if (d.strip !== false) {
    const split = await splitDebug(files, meta, { workDir: opts.workDir, mtime: opts.mtime });
    main = withGenerated(split.files, split.mainExtra);
    if (d.debugPackage !== false && split.debugFiles.length > 0) {
      if (meta.format === 'deb') {
        const dm = debDebugMeta(meta, split.buildIds);
        const doc = `/usr/share/doc/${dm.name}`;
        // dh_strip links the debug package's doc folder to the main package's.
        const docLink: FileEntry = {
          ...split.debugFiles[0]!,
          path: doc,
          type: 'symlink',
          source: undefined,
          target: meta.name,
          size: Buffer.byteLength(meta.name),
          mode: 0o777,
          origin: 'debug package doc link',
        };
        debug = { meta: dm, files: withGenerated([], [...split.debugFiles, docLink]) };
      } else {
        debug = {
          meta: rpmDebugMeta(meta, split.buildIds),
          files: withGenerated([], split.debugFiles),
        };
      }
    }
  }
  if (d.autoDepends === false) return { files: main, meta, debug };

  const elves: PackageElf[] = [];
  const interpreters = new Set<string>();
  const requires = new Set<string>();
  const provides = new Set<string>();
  for (const f of main) {
    if (f.path.startsWith('/usr/lib/debug/') || !(await worthAnalyzing(f))) continue;
    let a: FileAnalysis;
    try {
      a = await analyzeEntry(f);
    } catch (err) {
      throw new OutputError(
        meta.label,
        f.origin,
        `cannot read ${f.path} as ELF: ${(err as Error).message}; set autoDepends: false to skip the analysis`,
      );
    }
    if (a.kind === 'elf') {
      if (!a.elf.dynamic) continue;
      elves.push({ path: f.path, elf: a.elf });
      for (const r of elfRequires(f.mode, a.elf)) requires.add(r);
      for (const p of elfProvides(f.path, a.elf)) provides.add(p);
    } else if (a.kind === 'script') {
      for (const r of scriptRpmRequires(f.mode, a.shebang)) {
        requires.add(r);
        interpreters.add(r);
      }
    }
  }

  if (meta.format === 'rpm') {
    return {
      files: main,
      meta: { ...meta, autoRequires: [...requires].sort(), autoProvides: [...provides].sort() },
      debug,
    };
  }
  const provided = new Set(elves.map((e) => e.elf.soname).filter((s): s is string => !!s));
  const repos = (meta.deb.shlibsRepositories ?? []).map(
    (r) => new AptShlibs(r, meta.arch.deb === 'all' ? hostDebArch() : meta.arch.deb),
  );
  let shlibs: Awaited<ReturnType<DpkgHost['shlibsDepends']>>;
  try {
    shlibs = await opts.dpkg.shlibsDepends(elves, provided, repos);
  } catch (err) {
    if (!(err instanceof AptShlibsError)) throw err;
    throw new OutputError(meta.label, 'deb.shlibsRepositories', err.message);
  }
  const where = [opts.dpkg.admindir, ...repos.map((r) => r.label)].join(', ');
  if (shlibs.unresolved.length > 0) {
    const list = shlibs.unresolved
      .map((u) => `${u.soname} (needed by ${u.file}: ${u.reason})`)
      .join(', ');
    throw new OutputError(
      meta.label,
      'autoDepends',
      `no Debian package provides ${list} (looked in ${where}); install the library ` +
        'package, add an APT repository that has it to deb.shlibsRepositories, or list the ' +
        'dependency in depends and set autoDepends: false',
    );
  }
  const scriptDeps = await opts.dpkg.interpreterDepends([...interpreters]);
  const depends = mergeDepends(meta, [...shlibs.depends, ...scriptDeps]);
  return {
    files: main,
    meta: {
      ...meta,
      relations: { ...meta.relations, depends },
      debControl: { ...meta.debControl, ...libraryControl(meta, elves) },
    },
    debug,
  };
}
