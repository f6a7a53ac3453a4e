/**
 * Archive extraction for the extract stage: tar (plain, gzip, bzip2, xz,
 * lzma, zstd, lzip, compress) and zip, into `output/build/<pkg>-<version>/`.
 *
 * Tar streams are parsed here, not by GNU tar, and zip central directories
 * too, so that every entry is checked before anything is written and nothing
 * lands outside the destination (see tree.ts for the rules). Decompression is
 * left to the fastest tool at hand (decompress.ts).
 *
 * The type comes from the `type` option (EXTRACT_TYPE / EXTENSION) or the
 * file name; the file's first bytes win when they clearly say otherwise (a
 * `.tar.gz` a server already decompressed, an `.tgz` that is really xz), as
 * with `tar -xf`.
 */

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decompress } from './decompress.ts';
import { describe, ExtractError } from './errors.ts';
import {
  type ArchiveType,
  archiveType,
  compressionOf,
  normalizeType,
  sniffType,
} from './formats.ts';
import { byteBudget, DEFAULT_EXTRACT_LIMITS, type ExtractLimits, formatBytes } from './limits.ts';
import { TarReader } from './tar.ts';
import { SafeTree } from './tree.ts';
import { extractZip } from './zip.ts';

export { ExtractError } from './errors.ts';
export { type ArchiveType, archiveType, normalizeType } from './formats.ts';
export {
  configuredLimits,
  DEFAULT_EXTRACT_LIMITS,
  type ExtractLimits,
  resolveLimits,
} from './limits.ts';

export interface ExtractOptions {
  /** Leading path components to strip (releng-tool default 1). */
  stripCount: number;
  /**
   * Explicit archive type ('tar', 'tar.gz'/'tgz', 'tar.bz2'/'tbz2',
   * 'tar.xz'/'txz', 'tar.zst', 'tar.lz', 'zip'; also 'tar.lzma', 'tar.Z');
   * default: from the file name.
   */
  type?: string;
  /**
   * Tool overrides (override_extract_tools / override_tools), e.g.
   * `{ xz: 'pixz', bzip2: '/usr/bin/lbzip2' }`. A value holding `{file}` or
   * `{dir}` under an archive type or extension key (`{ zip: 'unzip -q {file}
   * -d {dir}' }`) is a releng-tool override_extract_tools command: it is run
   * instead of releng's own extraction, with the destination as working
   * directory, and is trusted (no strip, no checks).
   */
  tools?: Record<string, string>;
  /** Receives progress/diagnostic lines for the package log. */
  log?: (line: string) => void;
  /**
   * How far the archive may expand (limits.ts; default DEFAULT_EXTRACT_LIMITS).
   * Not applied to a trusted override_extract_tools command.
   */
  limits?: ExtractLimits;
  /** The package, named when a limit is exceeded. */
  pkg?: string;
}

/** Extracts `file` into the (existing, empty) directory `dest`. Throws ExtractError. */
export async function extractArchive(
  file: string,
  dest: string,
  options: ExtractOptions,
): Promise<void> {
  const log = options.log ?? (() => {});
  const tools = options.tools ?? {};
  const strip = options.stripCount;
  if (!Number.isInteger(strip) || strip < 0) {
    throw new ExtractError(file, undefined, `invalid strip count ${String(strip)}`);
  }
  let declared: ArchiveType | undefined;
  if (options.type !== undefined) {
    declared = normalizeType(options.type);
    if (declared === undefined) {
      throw new ExtractError(
        file,
        undefined,
        `unknown archive type "${options.type}"`,
        'use one of tar, tar.gz (tgz), tar.bz2 (tbz2), tar.xz (txz), tar.zst, tar.lz, tar.lzma, tar.Z, zip',
      );
    }
  } else {
    declared = archiveType(file);
  }

  const command = overrideCommand(file, declared, tools);
  if (command !== undefined) {
    mkdirSync(dest, { recursive: true });
    await runOverride(file, dest, command, log);
    return;
  }

  const head = readHead(file);
  const sniffed = sniffType(head);
  const type = sniffed ?? declared;
  if (type === undefined) {
    throw new ExtractError(
      file,
      undefined,
      'not an archive type releng knows (from its name or its first bytes)',
      'set the package EXTRACT_TYPE or EXTENSION (e.g. tar.gz), or NO_EXTRACTION',
    );
  }
  if (declared !== undefined && sniffed !== undefined && sniffed !== declared) {
    log(
      `${basename(file)}: named as ${declared} but its content is ${sniffed}; reading it as ${sniffed}`,
    );
  }
  for (const ignored of ['tar', 'unzip']) {
    if (tools[ignored] !== undefined) {
      log(
        `ignoring the ${ignored} override: releng reads ${ignored === 'tar' ? 'tar' : 'zip'} archives itself`,
      );
    }
  }

  try {
    mkdirSync(dest, { recursive: true });
  } catch (err) {
    throw new ExtractError(file, undefined, `cannot create ${dest}: ${describe(err)}`);
  }
  const budget = byteBudget(options.limits ?? DEFAULT_EXTRACT_LIMITS, statSync(file).size);
  const tree = new SafeTree(file, dest, strip, budget, options.pkg);
  // What was there before (the stage journal): a failed extraction removes
  // everything else it wrote, so no half-extracted tree stays behind.
  const before = new Set(readdirSync(dest));
  const started = performance.now();
  try {
    if (type === 'zip') {
      log(`extracting ${basename(file)} (zip) into ${dest}, strip count ${strip}`);
      await extractZip(file, tree);
    } else {
      await extractTar(file, type, tree, tools, dest, log);
    }
    try {
      tree.finish();
    } catch (err) {
      throw tree.wrap(err);
    }
  } catch (err) {
    for (const entry of readdirSync(dest)) {
      if (!before.has(entry)) rmSync(join(dest, entry), { recursive: true, force: true });
    }
    throw err;
  }
  const s = tree.stats;
  log(
    `extracted ${s.files} files (${formatBytes(s.bytes)}), ${s.dirs} directories, ${s.symlinks} symlinks, ${s.hardlinks} hard links` +
      `${s.skipped ? ` (${s.skipped} entries stripped away)` : ''} in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
}

async function extractTar(
  file: string,
  type: ArchiveType,
  tree: SafeTree,
  tools: Readonly<Record<string, string>>,
  dest: string,
  log: (line: string) => void,
): Promise<void> {
  const compression = compressionOf(type);
  const input = decompress(file, compression, tools);
  log(
    `extracting ${basename(file)} (${type}${compression ? `, decompressed by ${input.via}` : ''}) into ${dest}, strip count ${tree.stripCount}`,
  );
  const reader = new TarReader(tree);
  try {
    try {
      for await (const chunk of input.chunks) {
        // The decompressed stream counts too: entries stripped away or
        // skipped are never written, but still cost decompressing them.
        tree.consume((chunk as Buffer).length);
        reader.push(chunk as Buffer);
      }
    } catch (err) {
      // The reader refused an entry, or the decompressor's output broke off.
      tree.abort();
      await input.cancel();
      throw tree.wrap(err);
    }
    // A tool that failed (corrupt or truncated data) explains a short stream best.
    await input.done();
    reader.end();
  } finally {
    tree.abort();
  }
}

function readHead(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExtractError(
      file,
      undefined,
      code === 'ENOENT' ? 'archive not found' : `cannot read the archive: ${describe(err)}`,
    );
  }
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The file's extension as releng-tool reads it (`foo-1.0.tar.gz` → `tar.gz`). */
function relengToolExtension(file: string): string | undefined {
  const base = basename(file).toLowerCase();
  const dot = base.indexOf('.');
  if (dot < 0) return undefined;
  let ext = base.slice(dot + 1);
  const multipart = ['tar.bz', 'tar.bz2', 'tar.gz', 'tar.lzma', 'tar.xz', 'tar.z'];
  while (ext.includes('.') && !multipart.includes(ext)) ext = ext.slice(ext.indexOf('.') + 1);
  return ext;
}

/** An override_extract_tools command template for this archive, if one is configured. */
function overrideCommand(
  file: string,
  type: ArchiveType | undefined,
  tools: Readonly<Record<string, string>>,
): string | undefined {
  const keys = [relengToolExtension(file), type].filter((k) => k !== undefined);
  for (const key of keys) {
    const value = tools[key];
    if (value !== undefined && /\{(file|dir)\}/.test(value)) return value;
  }
  return undefined;
}

function runOverride(
  file: string,
  dest: string,
  template: string,
  log: (line: string) => void,
): Promise<void> {
  const argv = template
    .trim()
    .split(/\s+/)
    .map((a) => a.replaceAll('{file}', file).replaceAll('{dir}', dest));
  const [cmd, ...args] = argv as [string, ...string[]];
  log(`extracting ${basename(file)} with the override_extract_tools command: ${argv.join(' ')}`);
  log('(an override command is trusted: no strip count, no checks on the entries)');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: dest, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line) log(line);
    };
    child.stdout.on('data', lines);
    child.stderr.on('data', lines);
    child.on('error', (err) =>
      reject(
        new ExtractError(
          file,
          undefined,
          `cannot run the override_extract_tools command ${cmd}: ${describe(err)}`,
        ),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        reject(
          new ExtractError(
            file,
            undefined,
            `the override_extract_tools command failed (${signal ?? `exit code ${code}`}): ${argv.join(' ')}`,
          ),
        );
      }
    });
  });
}
