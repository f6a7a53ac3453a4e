/**
 * Shared helpers of the package-signing and YUM repository tests: scratch
 * directories, command runner, rpm/deb fixtures built with releng's writers,
 * and throw-away signing keys from the signing API.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { writeOutputs } from '../../src/outputs/index.ts';
import { generateKey, openSigner, type Signer } from '../../src/repository/signing/index.ts';
import { tempDir } from '../tmp.ts';

export { tempDir };

export const SDE = 1714564800;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, never throwing. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

const cache = new Map<string, Promise<Signer>>();

/**
 * A throw-away v4 signing key made with the signing API (Ed25519 legacy
 * EdDSA, or RSA 3072), one per algorithm and name and process. Its private
 * key file lives in a temporary folder outside any repository.
 */
export function testSigner(
  algorithm: 'rsa' | 'ed25519' = 'ed25519',
  name = 'Releng Test',
): Promise<Signer> {
  const key = `${algorithm}/${name}`;
  let s = cache.get(key);
  if (!s) {
    s = (async () => {
      const out = path.join(tempDir('releng-key-'), 'key.asc');
      await generateKey({ name, email: 'releng-test@example.org', algorithm, rsaBits: 3072, out });
      return openSigner({ backend: 'openpgp', keyFile: out });
    })();
    cache.set(key, s);
  }
  return s;
}

/** A small package description; `files` maps destination paths to contents. */
export function description(
  name: string,
  opts: {
    version?: string;
    release?: string;
    files?: Record<string, string>;
    depends?: string[];
    summary?: string;
  } = {},
): Record<string, unknown> {
  const files = opts.files ?? { [`/usr/share/${name}/hello.txt`]: `hello from ${name}\n` };
  return {
    name,
    version: opts.version ?? '1.0',
    release: opts.release ?? '1',
    maintainer: 'Releng Tests <releng@example.org>',
    license: 'MIT',
    summary: opts.summary ?? `Test package ${name}`,
    description: `${name} exists to test repositories and signatures.`,
    depends: opts.depends ?? [],
    contents: Object.entries(files).map(([dst, content]) => ({ content, dst })),
  };
}

/** Builds packages with releng's own writers; returns the written paths in order. */
export async function buildPackages(
  format: 'rpm' | 'deb',
  dir: string,
  descs: Record<string, unknown>[],
  compression: 'gzip' | 'xz' | 'zstd' = 'gzip',
): Promise<string[]> {
  const out: string[] = [];
  for (const d of descs) {
    const files = await writeOutputs(
      { ...d, format, compression },
      { sourceDir: dir, imagesDir: dir, sourceDateEpoch: SDE },
    );
    out.push(...files);
  }
  return out;
}

export const isRoot = process.getuid?.() === 0;
