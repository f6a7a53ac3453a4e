/**
 * Stripping ELF files and keeping their debug symbols for a separate debug
 * package, as dh_strip (.deb) and find-debuginfo (.rpm) do:
 *
 * 1. `objcopy --only-keep-debug --compress-debug-sections FILE DEBUG`
 * 2. `strip --remove-section=.comment --remove-section=.note [--strip-unneeded] -o STRIPPED FILE`
 *    (`--strip-unneeded` for shared libraries, as dh_strip)
 * 3. `objcopy --add-gnu-debuglink=DEBUG STRIPPED`
 *
 * The debug file goes to `/usr/lib/debug/.build-id/xx/yyyy.debug` in a
 * `-dbgsym` .deb, and to `/usr/lib/debug/<path>-<version>-<release>.<arch>.debug`
 * with `.build-id` links in a `-debuginfo` .rpm (the main .rpm gets the
 * `/usr/lib/.build-id/xx/yyyy` link to the program, rpm's "compat" layout).
 * binutils output depends only on its input, so packages stay reproducible.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeFile } from '../analyze/index.ts';
import { execCapture, resolveTool } from '../util/exec.ts';
import { OutputError } from './errors.ts';
import { type FileEntry, fileEntry } from './fileset.ts';
import type { PackageMeta } from './types.ts';

/** What {@link splitDebug} gives back. */
export interface DebugSplit {
  /** The main package's files, stripped ELF files replaced by their stripped copies. */
  files: FileEntry[];
  /** Entries to add to the main package (the .rpm's `/usr/lib/.build-id` links). */
  mainExtra: FileEntry[];
  /** The debug package's files (empty when nothing was stripped). */
  debugFiles: FileEntry[];
  /** Build-ids of the stripped files, sorted. */
  buildIds: string[];
}

/** Options of {@link splitDebug}. */
export interface SplitOptions {
  /** Where stripped copies and debug files are written (a private temporary folder). */
  workDir: string;
  /** mtime of generated entries. */
  mtime: number;
}

function link(base: FileEntry, p: string, target: string, origin: string): FileEntry {
  const rel = path.posix.relative(path.posix.dirname(p), target);
  return fileEntry({
    path: p,
    type: 'symlink',
    target: rel,
    size: Buffer.byteLength(rel),
    mode: 0o777,
    mtime: base.mtime,
    origin,
  });
}

async function run(meta: PackageMeta, f: FileEntry, tool: string, args: string[]): Promise<void> {
  let stderr = '';
  try {
    await execCapture(resolveTool(tool), args, {
      cwd: '/',
      env: { ...process.env, LC_ALL: 'C' },
      onOutput: (chunk, stream) => {
        if (stream === 'stderr') stderr += chunk.toString();
      },
    });
  } catch (err) {
    throw new OutputError(
      meta.label,
      f.origin,
      `${tool} failed on ${f.path}: ${stderr.trim() || (err as Error).message}; ` +
        'install binutils, or set strip: false to package the file unstripped',
    );
  }
}

/**
 * Strips the unstripped ELF programs and shared libraries of `files` and
 * returns the main and the debug package's files. Files below
 * `/usr/lib/debug`, static libraries and objects are left alone.
 */
export async function splitDebug(
  files: readonly FileEntry[],
  meta: PackageMeta,
  opts: SplitOptions,
): Promise<DebugSplit> {
  const out: FileEntry[] = [];
  const mainExtra: FileEntry[] = [];
  const debugFiles: FileEntry[] = [];
  const buildIds: string[] = [];
  let n = 0;
  for (const f of files) {
    if (f.type !== 'file' || f.path.startsWith('/usr/lib/debug/')) {
      out.push(f);
      continue;
    }
    let source = f.source;
    if (!source) {
      if (f.content?.subarray(0, 4).toString('latin1') !== '\x7fELF') {
        out.push(f);
        continue;
      }
      source = path.join(opts.workDir, `inline-${n}`);
      await writeFile(source, f.content);
    }
    const a = await analyzeFile(source).catch(() => undefined);
    const elf = a?.kind === 'elf' ? a.elf : undefined;
    if (!elf || (elf.type !== 'exec' && elf.type !== 'dyn') || elf.stripped) {
      out.push(f);
      continue;
    }
    const i = n++;
    const id = elf.buildId;
    const isLibrary = elf.type === 'dyn' && elf.interpreter === undefined;
    const debugName = id
      ? meta.format === 'deb'
        ? `${id.slice(2)}.debug`
        : `${path.posix.basename(f.path)}-${meta.version}-${meta.release}.${meta.arch.rpm}.debug`
      : `${path.posix.basename(f.path)}.debug`;
    const dir = path.join(opts.workDir, String(i));
    await mkdir(dir, { recursive: true });
    const debugFile = path.join(dir, debugName);
    const stripped = path.join(dir, 'stripped');
    await run(meta, f, 'objcopy', [
      '--only-keep-debug',
      '--compress-debug-sections',
      source,
      debugFile,
    ]);
    await run(meta, f, 'strip', [
      '--remove-section=.comment',
      '--remove-section=.note',
      ...(isLibrary ? ['--strip-unneeded'] : []),
      '-o',
      stripped,
      source,
    ]);
    await run(meta, f, 'objcopy', [`--add-gnu-debuglink=${debugFile}`, stripped]);
    const size = (await stat(stripped)).size;
    out.push({ ...f, source: stripped, content: undefined, size });

    const debugSize = (await stat(debugFile)).size;
    const origin = `debug symbols of ${f.path}`;
    const mtime = opts.mtime;
    if (meta.format === 'deb') {
      // dh_strip: only files with a build-id get a debug file in the -dbgsym package.
      if (!id) continue;
      buildIds.push(id);
      debugFiles.push(
        fileEntry({
          path: `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${debugName}`,
          type: 'file',
          source: debugFile,
          size: debugSize,
          mtime,
          origin,
        }),
      );
    } else {
      const debugPath = `/usr/lib/debug${f.path}-${meta.version}-${meta.release}.${meta.arch.rpm}.debug`;
      debugFiles.push(
        fileEntry({
          path: id ? debugPath : `/usr/lib/debug${f.path}.debug`,
          type: 'file',
          source: debugFile,
          size: debugSize,
          mtime,
          origin,
        }),
      );
      if (id) {
        buildIds.push(id);
        const dirPart = `${id.slice(0, 2)}/${id.slice(2)}`;
        // find-debuginfo's links: program -> main, .debug -> debug file, compat link.
        mainExtra.push(link(f, `/usr/lib/.build-id/${dirPart}`, f.path, origin));
        debugFiles.push(
          link(f, `/usr/lib/debug/.build-id/${dirPart}.debug`, debugPath, origin),
          link(f, `/usr/lib/debug/.build-id/${dirPart}`, `/usr/lib/.build-id/${dirPart}`, origin),
        );
      }
    }
  }
  return { files: out, mainExtra, debugFiles, buildIds: [...new Set(buildIds)].sort() };
}
