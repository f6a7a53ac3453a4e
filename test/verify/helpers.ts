import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePaths } from '../../src/engine/env.ts';
import type { PackageLog } from '../../src/engine/package-log.ts';
import { projectDirs } from '../../src/project/dirs.ts';
import type { PackageModel, ProjectModel } from '../../src/project/model.ts';
import type { SiteContext } from '../../src/sources/types.ts';
import { RelengError } from '../../src/util/errors.ts';
import { execStreaming } from '../../src/util/exec.ts';

/** A SiteContext that records warnings, log notes and commands instead of reporting them. */
export interface FakeContext extends SiteContext {
  readonly warnings: string[];
  readonly notes: string[];
  readonly commands: string[][];
  /** Output of the commands run (the package log). */
  readonly output: string[];
}

export interface FakeOptions {
  pkg?: Partial<PackageModel>;
  werror?: boolean;
  devmode?: string | true;
  /** Extra environment for commands (GNUPGHOME, RELENG_GPG, ...). */
  env?: Record<string, string>;
}

/** A package `pkg` in a fresh project under os.tmpdir(). */
export async function tempProject(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `releng-${prefix}-`));
}

export async function removeTemp(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function write(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

export function fakeContext(root: string, options: FakeOptions = {}): FakeContext {
  const name = options.pkg?.name ?? 'pkg';
  const pkg: PackageModel = {
    name,
    key: name.toUpperCase(),
    defDir: join(root, 'package', name),
    definitionFile: join(root, 'package', name, `${name}.rt`),
    version: '1.0',
    vcsType: 'url',
    type: 'script',
    dependencies: [],
    license: [],
    licenseFiles: [],
    installType: 'target',
    internal: false,
    revision: '1.0',
    stripCount: 1,
    hooks: {},
    options: {},
    ...options.pkg,
  };
  const dirs = projectDirs(root);
  const warnings: string[] = [];
  const notes: string[] = [];
  const commands: string[][] = [];
  const output: string[] = [];
  const env = { ...(process.env as Record<string, string>), ...options.env };
  const log = {
    note: (line: string) => notes.push(line),
    write: (chunk: Buffer | string) => output.push(chunk.toString()),
  } as unknown as PackageLog;
  const run = (
    command: string,
    args: readonly string[],
    o: { cwd?: string; env?: Record<string, string | undefined> } = {},
  ) => {
    commands.push([command, ...args]);
    return {
      cwd: o.cwd ?? root,
      env: { ...env, ...o.env },
      onOutput: (chunk: Buffer) => output.push(chunk.toString()),
    };
  };
  return {
    pkg,
    project: { root } as ProjectModel,
    dirs,
    paths: packagePaths(dirs, pkg),
    log,
    env,
    options: {
      onlyMirror: false,
      werror: options.werror ?? false,
      force: false,
      ...(options.devmode === undefined ? {} : { devmode: options.devmode }),
    },
    warnings,
    notes,
    commands,
    output,
    exec: (command, args, o) => execStreaming(command, args, run(command, args, o)),
    capture: async () => {
      throw new Error('not used');
    },
    warn(message) {
      if (options.werror)
        throw new RelengError(message, { pkg: name, hint: 'warnings are errors (--werror)' });
      warnings.push(message);
    },
  };
}
