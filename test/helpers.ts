import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.ts';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(REPO, 'bin', 'releng.mjs');

/** Creates a temporary project from a map of relative path → content. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  const root = tempDir('releng-test-');
  await writeFiles(root, files);
  return root;
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

export async function removeProject(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the releng CLI with the Node running the tests. */
export function releng(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    onSpawn?: (pid: number) => void;
  } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      NO_COLOR: '1',
      FORCE_COLOR: undefined,
      ...options.env,
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A native package definition from a literal body. */
export function nativePackage(body: string): string {
  return `import { definePackage } from 'releng';\nexport default definePackage(${body});\n`;
}

/**
 * `releng repo …` / `releng key …` in process (runRepoCommand), with
 * stdout and stderr captured; `env` is added to the process environment.
 */
export async function repoCli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const { runRepoCommand } = await import('../src/repository/cli.ts');
  let out = '';
  let err = '';
  const code = await runRepoCommand(argv, {
    stdout: {
      write: (s: string | Uint8Array) =>
        (out += typeof s === 'string' ? s : Buffer.from(s).toString()),
    },
    stderr: { write: (s: string) => (err += s) },
    env: { ...process.env, ...env },
  });
  return { code, out, err };
}

/** Every file under `dir`, recursively (for "this secret is in no output file" checks). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
