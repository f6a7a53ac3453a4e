/**
 * Helpers for the host-tool site type tests: temporary folders cleaned up
 * after the file's tests, running the real tools, and native projects whose
 * packages fetch from a repository made in the test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after } from 'node:test';
import { makeProject, nativePackage, type RunResult, releng } from '../helpers.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A temporary folder removed after the test file. */
export async function tempDir(prefix = 'vcs'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `releng-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** Environment for the tools the tests drive: no user configuration, fixed identities. */
export function toolEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    HGUSER: 'Test <test@example.com>',
    HGPLAIN: '1',
    BRZ_EMAIL: 'Test <test@example.com>',
    BRZ_LOG: '/dev/null',
    TZ: 'UTC',
    LC_ALL: 'C',
  };
}

/** Runs a tool and returns its stdout; a failure throws with its stderr. */
export function tool(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** True when a host tool is on PATH. */
export function hasTool(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A native project (removed after the test file) listing the given packages;
 * each value is the object literal of a package definition.
 */
export async function vcsProject(
  packages: Record<string, string>,
  config: Record<string, unknown> = {},
): Promise<string> {
  const files: Record<string, string> = {
    'releng.config.ts': `export default ${JSON.stringify({ packages: Object.keys(packages), ...config })};\n`,
  };
  for (const [name, body] of Object.entries(packages)) {
    files[`package/${name}/${name}.ts`] = nativePackage(body);
  }
  const root = await makeProject(files);
  dirs.push(root);
  return root;
}

/** Runs `releng -R <root> ...args`; a non-zero exit fails with the output unless allowed. */
export async function run(
  root: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<RunResult> {
  return releng(['-R', root, ...args], { env });
}

/** Asserts a run succeeded, showing its output otherwise. */
export function ok(result: RunResult): RunResult {
  if (result.code !== 0) {
    throw new Error(
      `releng exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** Files and folders below `dir`, relative and sorted (folders end in `/`), without stage state. */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.name === '.releng-state') continue;
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        out.push(`${relative(dir, full)}/`);
        await walk(full);
      } else {
        out.push(relative(dir, full));
      }
    }
  };
  await walk(dir);
  return out.sort();
}

/** Permission bits of a file. */
export async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** The build folder of a package. */
export function buildDir(root: string, pkg: string, version: string): string {
  return join(root, 'output', 'build', `${pkg}-${version}`);
}

/** Names inside a .tar.gz, in archive order. */
export function tarList(archive: string): string[] {
  return tool('tar', ['-tzf', archive]).trim().split('\n');
}
