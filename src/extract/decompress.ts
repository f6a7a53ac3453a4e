/**
 * Decompressed byte streams of an archive file. gzip goes through Node's zlib
 * on the thread pool (as fast as `gzip -dc` and no process to start); the
 * others through the host tool reading the file directly and writing to a
 * pipe, so decompression runs in parallel with the writing done in Node:
 *
 * | compression | tool (first found, unless overridden)     | arguments  |
 * |-------------|-------------------------------------------|------------|
 * | gzip        | node:zlib; an override (gzip/pigz) wins   | -dc        |
 * | bzip2       | lbzip2, bzip2                             | -dc        |
 * | xz, lzma    | xz (pixz as an override: -d)              | -dc -T0    |
 * | zstd        | zstd                                      | -dcq       |
 * | lzip        | plzip, lzip                               | -dc        |
 * | compress    | gzip                                      | -dc        |
 *
 * Overrides come from the `tools` option (override_extract_tools /
 * override_tools: `{ xz: 'pixz' }`), then `RELENG_<TOOL>` in the environment.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, createReadStream, openSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import type { TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { ExtractError } from './errors.ts';
import type { Compression } from './formats.ts';

export interface Decompressed {
  /** The decompressed bytes. */
  readonly chunks: AsyncIterable<Buffer>;
  /** What does the decompressing, for the log (`node:zlib`, `xz -dc -T0`). */
  readonly via: string;
  /** Resolves once the tool exited successfully; rejects with its error otherwise. */
  done(): Promise<void>;
  /** Stops the tool early (after an error). */
  cancel(): Promise<void>;
}

/** Tools tried in order when no override names one. */
const CANDIDATES: Record<Compression, readonly string[]> = {
  gzip: ['gzip'],
  bzip2: ['lbzip2', 'bzip2'],
  xz: ['xz'],
  lzma: ['xz'],
  zstd: ['zstd'],
  lzip: ['plzip', 'lzip'],
  compress: ['gzip'],
};

/** Override keys looked up for a compression, in order. */
const OVERRIDE_KEYS: Record<Compression, readonly string[]> = {
  gzip: ['gzip', 'pigz'],
  bzip2: ['bzip2', 'lbzip2', 'pbzip2'],
  xz: ['xz', 'pixz'],
  lzma: ['xz', 'lzma'],
  zstd: ['zstd'],
  lzip: ['lzip', 'plzip'],
  compress: ['gzip', 'compress', 'uncompress'],
};

/** Debian packages providing the default tools (for the missing-tool hint). */
const PACKAGES: Record<Compression, string> = {
  gzip: 'gzip',
  bzip2: 'bzip2 (or lbzip2)',
  xz: 'xz-utils',
  lzma: 'xz-utils',
  zstd: 'zstd',
  lzip: 'lzip (or plzip)',
  compress: 'gzip',
};

/** Arguments for a tool: by its name when it is one we know, else by the compression. */
function argsFor(tool: string, compression: Compression): string[] {
  const name = basename(tool);
  if (name === 'pixz') return ['-d'];
  if (name === 'xz' || name === 'xzcat') return ['-dc', '-T0'];
  if (/^(p?zstd|zstdcat)$/.test(name)) return ['-dcq'];
  if (/^(gzip|pigz|unpigz|bzip2|lbzip2|pbzip2|lzip|plzip|lunzip)$/.test(name)) return ['-dc'];
  if (compression === 'xz' || compression === 'lzma') return ['-dc', '-T0'];
  if (compression === 'zstd') return ['-dcq'];
  return ['-dc'];
}

const pathCache = new Map<string, string | undefined>();

/** The path of an executable (a name looked up on PATH, or a path as given). */
export function findExecutable(tool: string): string | undefined {
  const key = `${process.env.PATH ?? ''}\0${tool}`;
  const cached = pathCache.get(key);
  if (cached !== undefined || pathCache.has(key)) return cached;
  let found: string | undefined;
  const candidates = tool.includes('/')
    ? [tool]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir || '.', tool));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {}
  }
  if (!tool.includes('/')) pathCache.set(key, found);
  return found;
}

/** The tool to run for a compression (undefined for gzip with no override: zlib). */
export function pickTool(
  compression: Compression,
  overrides: Readonly<Record<string, string>>,
): string | undefined {
  for (const key of OVERRIDE_KEYS[compression]) {
    const env = process.env[`RELENG_${key.toUpperCase()}`];
    const tool = overrides[key] ?? (env || undefined);
    if (tool) return tool;
  }
  if (compression === 'gzip') return undefined;
  const candidates = CANDIDATES[compression];
  return candidates.find((c) => findExecutable(c) !== undefined) ?? candidates.at(-1)!;
}

export function decompress(
  file: string,
  compression: Compression | undefined,
  overrides: Readonly<Record<string, string>>,
): Decompressed {
  if (compression === undefined) {
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    return {
      chunks: stream,
      via: 'none',
      done: async () => {},
      cancel: async () => {
        stream.destroy();
      },
    };
  }
  const tool = pickTool(compression, overrides);
  if (tool === undefined) return zlibGunzip(file);
  return viaTool(file, compression, tool);
}

function zlibGunzip(file: string): Decompressed {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  // A deep read-ahead buffer lets the thread pool inflate the next chunks
  // while the main thread writes files (the default 64 KiB would stall it).
  // zlib streams pass Transform options through; @types/node does not list them.
  const options: ZlibOptions & TransformOptions = {
    chunkSize: 256 << 10,
    readableHighWaterMark: 8 << 20,
  };
  const gunzip = createGunzip(options);
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  return {
    chunks: (async function* () {
      try {
        for await (const chunk of gunzip) yield chunk as Buffer;
      } catch (err) {
        throw new ExtractError(
          file,
          undefined,
          `gzip data is corrupt: ${(err as Error).message} (truncated or damaged download?)`,
        );
      }
    })(),
    via: 'node:zlib gunzip',
    done: async () => {},
    cancel: async () => {
      input.destroy();
      gunzip.destroy();
    },
  };
}

function viaTool(file: string, compression: Compression, tool: string): Decompressed {
  const resolved = findExecutable(tool);
  if (resolved === undefined) {
    throw new ExtractError(
      file,
      undefined,
      `${tool} is needed to decompress this ${compression} archive but was not found`,
      `install ${tool.includes('/') ? 'it' : `the Debian package ${PACKAGES[compression]}`}, or point override_extract_tools/override_tools (or RELENG_${basename(tool).toUpperCase()}) at a ${compression} decompressor`,
    );
  }
  const args = argsFor(tool, compression);
  const fd = openSync(file, 'r');
  const child = spawn(resolved, args, { stdio: [fd, 'pipe', 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  let spawnError: Error | undefined;
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve(-1);
    });
    child.on('close', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const via = [tool, ...args].join(' ');
  let cancelled = false;
  return {
    chunks: child.stdout!,
    via,
    done: async () => {
      const status = await exited;
      if (status === 0) return;
      if (spawnError) {
        throw new ExtractError(file, undefined, `cannot run ${tool}: ${spawnError.message}`);
      }
      const detail = stderr.trim().split('\n').slice(-3).join(' / ');
      throw new ExtractError(
        file,
        undefined,
        `${via} failed (${typeof status === 'number' ? `exit code ${status}` : status})${detail ? `: ${detail}` : ''} (truncated or damaged download?)`,
      );
    },
    cancel: async () => {
      if (cancelled) return;
      cancelled = true;
      child.stdout!.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
