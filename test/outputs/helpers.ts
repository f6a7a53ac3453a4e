/** Shared helpers for the outputs tests. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDescriptionFile, writeOutputs } from '../../src/outputs/index.ts';
import { tempDir as makeTempDir } from '../tmp.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const HELLO = path.join(FIXTURES, 'hello');
export const RPMLINTRC = path.join(FIXTURES, 'rpmlintrc.toml');
export const SDE = 1714564800; // 2024-05-01T12:00:00Z

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, never throwing. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Whether a program is on PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A fresh folder under the system's temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'releng-outputs-'): string {
  return makeTempDir(prefix);
}

/** Builds the hello fixture in the given formats into a fresh directory. */
export async function buildHello(
  formats: string[],
  opts: { sourceDateEpoch?: number; imagesDir?: string; override?: Record<string, unknown> } = {},
): Promise<{ dir: string; files: string[] }> {
  const loaded = await loadDescriptionFile(path.join(HELLO, 'hello.yaml'));
  const desc = {
    ...(loaded.description as Record<string, unknown>),
    formats,
    ...opts.override,
  };
  const dir = opts.imagesDir ?? tempDir();
  const files = await writeOutputs(
    { ...loaded, description: desc },
    {
      sourceDir: HELLO,
      imagesDir: dir,
      variables: { hello_version: '1.0.0' },
      sourceDateEpoch: opts.sourceDateEpoch ?? SDE,
    },
  );
  return { dir, files };
}

/**
 * A scratch root with a working /bin/sh (dash and its libraries), so that
 * `rpm --root` can run scriptlets inside it. Needs root (chroot).
 */
export function shellRoot(): string {
  const root = tempDir('releng-root-');
  const copy = (src: string, dst = src): void => {
    mkdirSync(path.join(root, path.dirname(dst)), { recursive: true });
    copyFileSync(src, path.join(root, dst));
  };
  copy('/bin/dash', '/bin/sh');
  const ldd = run('ldd', ['/bin/dash']).stdout;
  for (const m of ldd.matchAll(/(\/\S+)\s+\(0x/g)) copy(m[1]!);
  return root;
}

export const isRoot = process.getuid?.() === 0;
