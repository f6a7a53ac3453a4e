/**
 * The git operations a release needs, each one command. Everything reads
 * through `git` itself (no libgit2): what releng sees is what the user's git
 * sees, hooks, config and signing included.
 */
import { spawn } from 'node:child_process';
import { RelengError } from '../util/errors.ts';

/** Result of one git command. */
interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A git working tree that releases are made from. */
export class Git {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(cwd: string, env: NodeJS.ProcessEnv = process.env) {
    this.cwd = cwd;
    this.env = env;
  }

  /** Runs git; resolves whatever the exit code. */
  run(args: readonly string[], input?: string | Uint8Array): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, {
        cwd: this.cwd,
        env: this.env,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (c: Buffer) => out.push(c));
      child.stderr?.on('data', (c: Buffer) => err.push(c));
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          new RelengError(
            e.code === 'ENOENT' ? 'command not found: git' : `cannot run git: ${e.message}`,
            { hint: 'install git (apt-get install git)' },
          ),
        ),
      );
      child.on('close', (code) =>
        resolve({
          code: code ?? 128,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        }),
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Runs git and returns stdout; a failure is a RelengError quoting git's message. */
  async ok(args: readonly string[], input?: string | Uint8Array): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) {
      throw new RelengError(`git ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim()}`, {
        exitCode: r.code,
      });
    }
    return r.stdout;
  }

  /** The top of the working tree, or undefined outside a repository. */
  async topLevel(): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--show-toplevel']);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The .git folder (absolute), where the release journal lives. */
  async gitDir(): Promise<string> {
    return (await this.ok(['rev-parse', '--absolute-git-dir'])).trim();
  }

  /** The branch checked out, or undefined on a detached HEAD. */
  async branch(): Promise<string | undefined> {
    const r = await this.run(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The commit HEAD names, or undefined in a repository with no commit yet. */
  async head(): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** Paths with changes (staged, unstaged or untracked), as `git status` shows them. */
  async changedPaths(): Promise<string[]> {
    const out = await this.ok(['status', '--porcelain=v1', '-z', '--untracked-files=normal']);
    const paths: string[] = [];
    const fields = out.split('\0').filter((f) => f !== '');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string;
      paths.push(f.slice(3));
      // A rename or copy carries its source as the next field.
      if (f[0] === 'R' || f[0] === 'C') i++;
    }
    return paths;
  }

  /** The commit a tag points to, or undefined when there is no such tag. */
  async tagCommit(tag: string): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The nearest tag reachable from HEAD matching a glob, or undefined. */
  async lastTag(match: string): Promise<string | undefined> {
    const r = await this.run(['describe', '--tags', '--abbrev=0', `--match=${match}`, 'HEAD']);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** Commits after `since` (all of them when undefined) up to HEAD, oldest first. */
  async commitsSince(since: string | undefined): Promise<Array<{ hash: string; message: string }>> {
    if ((await this.head()) === undefined) return [];
    const range = since === undefined ? 'HEAD' : `${since}..HEAD`;
    const out = await this.ok(['log', '--reverse', '--format=%H%x00%B%x00%x01', range]);
    return out
      .split('\x01')
      .map((r) => r.replace(/^\n/, ''))
      .filter((r) => r.includes('\0'))
      .map((r) => {
        const [hash, message] = r.split('\0');
        return { hash: (hash as string).trim(), message: (message as string).trim() };
      });
  }

  /** The content of a path in a commit, or undefined when it has no such path. */
  async show(commit: string, path: string): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['show', `${commit}:${path}`], {
        cwd: this.cwd,
        env: this.env,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.on('error', reject);
      child.on('close', (code) => resolve(code === 0 ? Buffer.concat(out) : undefined));
    });
  }

  /** The parent commits and message of a commit. */
  async commitInfo(commit: string): Promise<{ parents: string[]; message: string }> {
    const out = await this.ok(['log', '-1', '--format=%P%x00%B', commit]);
    const [parents, message] = out.split('\0');
    return {
      parents: (parents as string).trim().split(' ').filter(Boolean),
      message: (message ?? '').trim(),
    };
  }

  /** A git config value, or undefined. */
  async config(key: string): Promise<string | undefined> {
    const r = await this.run(['config', '--get', key]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }
}
