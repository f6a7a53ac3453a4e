/** Shared helpers for the APT repository tests: packages made by releng's own .deb writer, apt in a throwaway configuration. */
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeOutputs } from '../../src/outputs/index.ts';

import { type RunResult, SDE } from '../pkgsign/helpers.ts';
import { tempDir as makeTempDir } from '../tmp.ts';

export { have, type RunResult, run, SDE } from '../pkgsign/helpers.ts';

export function tempDir(prefix = 'releng-apt-'): string {
  return makeTempDir(prefix);
}

/** Runs a command asynchronously (so an in-process HTTP server keeps serving). */
export function runAsync(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.on('error', (e) => resolve({ code: -1, stdout, stderr: String(e) }));
  });
}

export interface DebSpec {
  name: string;
  version: string;
  arch?: string;
  /** Extra text in the payload, so two builds of one version can differ. */
  payload?: string;
  depends?: string[];
  compression?: 'xz' | 'gzip' | 'zstd' | 'none';
  source?: string;
  epoch?: number;
}

/** Writes one .deb with releng's writer; returns its path. */
export async function makeDeb(outDir: string, spec: DebSpec): Promise<string> {
  const srcDir = path.join(outDir, '.src');
  mkdirSync(srcDir, { recursive: true });
  const description: Record<string, unknown> = {
    name: spec.name,
    version: spec.version,
    release: '1',
    architecture: spec.arch ?? 'all',
    maintainer: 'Releng Tests <releng@example.org>',
    summary: `test package ${spec.name}`,
    description: `The ${spec.name} package, made for the repository tests.`,
    license: 'MIT',
    depends: spec.depends ?? [],
    compression: spec.compression ?? 'gzip',
    format: 'deb',
    contents: [
      {
        content: `${spec.name} ${spec.version} ${spec.payload ?? ''}\n`,
        dst: `/usr/share/${spec.name}/VERSION`,
      },
    ],
  };
  if (spec.epoch !== undefined) description.epoch = spec.epoch;
  if (spec.source) description.deb = { fields: { Source: spec.source } };
  const [file] = await writeOutputs(description as never, {
    sourceDir: srcDir,
    imagesDir: outDir,
    sourceDateEpoch: SDE,
  });
  return file!;
}

/** A loopback HTTP server for a folder (GET and HEAD); counts requests by path. */
export async function serveDir(
  root: string,
): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer(async (req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    hits.push(url);
    const file = path.join(root, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-length': st.size, 'last-modified': st.mtime.toUTCString() });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, hits };
}

/** A throwaway apt configuration (its own state, lists, cache and sources); no root needed for `update`/`download`. */
export interface AptSandbox {
  dir: string;
  /** A dpkg root (empty status database) that {@link install} installs into. */
  root: string;
  /** Runs apt-get with the sandbox's configuration (and only it: APT_CONFIG), in `dir/download`. */
  aptGet(args: string[]): Promise<RunResult>;
  /** `apt-get install` into {@link root} (dpkg --root), no root file system touched. */
  install(pkgs: string[]): Promise<RunResult>;
  /** Replaces sources.list. */
  sources(line: string): void;
}

export function aptSandbox(arch = 'amd64', parent?: string): AptSandbox {
  const dir = parent ? mkdtempSync(path.join(parent, 'apt-')) : tempDir('releng-aptsb-');
  for (const d of [
    'etc/apt/apt.conf.d',
    'etc/apt/preferences.d',
    'etc/apt/trusted.gpg.d',
    'var/lib/apt/lists/partial',
    'var/cache/apt/archives/partial',
    'var/lib/dpkg',
    'etc/apt/sources.list.d',
    'log',
    'download',
    'root/var/lib/dpkg/info',
    'root/var/lib/dpkg/updates',
    'root/var/lib/dpkg/triggers',
  ])
    mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'var/lib/dpkg/status'), '');
  const root = path.join(dir, 'root');
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
  const conf = [
    `Dir "${dir}/";`,
    `Dir::State "${dir}/var/lib/apt/";`,
    `Dir::State::status "${dir}/var/lib/dpkg/status";`,
    `Dir::Cache "${dir}/var/cache/apt/";`,
    `Dir::Etc "${dir}/etc/apt/";`,
    `Dir::Etc::sourcelist "${dir}/etc/apt/sources.list";`,
    `Dir::Etc::sourceparts "${dir}/etc/apt/sources.list.d";`,
    `Dir::Etc::parts "${dir}/etc/apt/apt.conf.d";`,
    `Dir::Etc::preferencesparts "${dir}/etc/apt/preferences.d";`,
    `Dir::Etc::trusted "${dir}/etc/apt/trusted.gpg";`,
    `Dir::Etc::trustedparts "${dir}/etc/apt/trusted.gpg.d";`,
    `Dir::Log "${dir}/log";`,
    `APT::Architecture "${arch}";`,
    `APT::Architectures { "${arch}"; };`,
    'APT::Get::AllowUnauthenticated "false";',
    'Acquire::AllowInsecureRepositories "false";',
    'Acquire::Languages "none";',
    'Acquire::Retries "0";',
    'APT::Sandbox::User "root";',
    'Debug::NoLocking "true";',
    'Dpkg::Use-Pty "0";',
  ].join('\n');
  const confFile = path.join(dir, 'apt.conf');
  writeFileSync(confFile, `${conf}\n`);
  writeFileSync(path.join(dir, 'etc/apt/sources.list'), '');
  const aptGet = (args: string[]): Promise<RunResult> =>
    runAsync('apt-get', ['-q', '-y', ...args], {
      cwd: path.join(dir, 'download'),
      env: { APT_CONFIG: confFile, LC_ALL: 'C' },
    });
  return {
    dir,
    root,
    aptGet,
    install(pkgs) {
      return aptGet([
        'install',
        '-o',
        `Dir::State::status=${root}/var/lib/dpkg/status`,
        '-o',
        `DPkg::Options::=--root=${root}`,
        '-o',
        `DPkg::Options::=--admindir=${root}/var/lib/dpkg`,
        '-o',
        'DPkg::Options::=--force-script-chrootless',
        ...pkgs,
      ]);
    },
    sources(line) {
      writeFileSync(path.join(dir, 'etc/apt/sources.list'), `${line}\n`);
    },
  };
}
