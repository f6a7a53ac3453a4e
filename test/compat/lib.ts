// The compatibility harness: releng-tool's own test cases, re-expressed as
// command-line runs against a fixture project. A case never looks inside an
// implementation; it runs the CLI and checks exit codes, console output and
// files, so the same case is checked against releng-tool and against releng.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const TEMPLATES = join(HERE, 'templates');

/** How to start one implementation's CLI. */
export interface Impl {
  name: 'releng' | 'releng-tool';
  command: string;
  prefix: string[];
  env: Record<string, string>;
}

/**
 * The implementation under test, from RELENG_COMPAT_IMPL: `releng` (the
 * default, this checkout's bin/releng.mjs through the link bin/releng-tool) or `releng-tool=<source folder>`
 * (run as `python3 -m releng_tool` with that folder on PYTHONPATH).
 */
export function implFromEnv(spec = process.env.RELENG_COMPAT_IMPL ?? 'releng'): Impl {
  if (spec === 'releng') {
    return {
      name: 'releng',
      command: process.execPath,
      // Started under the name `releng-tool` (as the command this package
      // installs under that name), as a releng-tool user runs it.
      prefix: [join(HERE, 'bin', 'releng-tool')],
      env: {},
    };
  }
  const m = /^releng-tool(?:[=:](.+))?$/.exec(spec);
  if (!m) throw new Error(`RELENG_COMPAT_IMPL: "${spec}" is neither releng nor releng-tool=DIR`);
  const src = m[1] ? resolve(m[1]) : '';
  return {
    name: 'releng-tool',
    command: process.env.RELENG_COMPAT_PYTHON ?? 'python3',
    prefix: ['-m', 'releng_tool'],
    env: src ? { PYTHONPATH: src } : {},
  };
}

/** What one CLI run gave. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in order of arrival. */
  output: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Pass no --root-dir (the project is found from cwd). */
  noRoot?: boolean;
}

/** A case's view of its project folder and the implementation. */
export class Ctx {
  readonly impl: Impl;
  readonly dir: string;
  readonly runs: Array<{ args: string[]; result: RunResult }> = [];
  constructor(impl: Impl, dir: string) {
    this.impl = impl;
    this.dir = dir;
  }

  /** Runs the CLI on the project with the given arguments. */
  run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    const full = [
      ...this.impl.prefix,
      ...(options.noRoot ? [] : ['--root-dir', this.dir]),
      ...args,
    ];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      ...this.impl.env,
      ...options.env,
    };
    return new Promise((done, fail) => {
      const child = spawn(this.impl.command, full, {
        cwd: options.cwd ?? this.dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        output += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        output += d;
      });
      child.on('error', fail);
      child.on('close', (code, signal) => {
        const result = { code: code ?? (signal ? 128 : 1), stdout, stderr, output };
        this.runs.push({ args, result });
        done(result);
      });
    });
  }

  /** Runs and asserts the exit code (0 unless given). */
  async ok(args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(args, options);
    assert.equal(r.code, 0, `exit code ${r.code} for [${args.join(' ')}]:\n${tail(r.output)}`);
    return r;
  }

  /** Runs and asserts a failing exit code (any non-zero, or the given one). */
  async fails(args: string[] = [], code?: number, options: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(args, options);
    if (code === undefined) {
      assert.notEqual(r.code, 0, `expected a failure for [${args.join(' ')}]:\n${tail(r.output)}`);
    } else {
      assert.equal(r.code, code, `exit code ${r.code}, expected ${code}:\n${tail(r.output)}`);
    }
    return r;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
  exists(...parts: string[]): boolean {
    return existsSync(this.path(...parts));
  }
  read(...parts: string[]): string {
    return readFileSync(this.path(...parts), 'utf8');
  }
  write(rel: string, text: string): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), text);
  }
  remove(rel: string): void {
    rmSync(this.path(rel), { recursive: true, force: true });
  }
  ls(...parts: string[]): string[] {
    const p = this.path(...parts);
    return existsSync(p) ? readdirSync(p).sort() : [];
  }
  /** Files under a folder (relative to the project), recursively, whose path ends with `suffix`. */
  find(under: string, suffix: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
      for (const e of readdirSync(this.path(rel), { withFileTypes: true })) {
        const r = join(rel, e.name);
        if (e.isDirectory()) walk(r);
        else if (r.endsWith(suffix)) out.push(r);
      }
    };
    if (this.exists(under)) walk(under);
    return out.sort();
  }
  /** Reads a `KEY=VALUE`-lines file a case's script wrote (see env dumps). */
  kv(rel: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of this.read(rel).split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
  }
  assertExists(...parts: string[]): void {
    assert.ok(this.exists(...parts), `missing ${join(...parts)}`);
  }
  assertMissing(...parts: string[]): void {
    assert.ok(!this.exists(...parts), `should not exist: ${join(...parts)}`);
  }
}

/** Last lines of an output, for failure messages. */
export function tail(text: string, lines = 15): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** One re-expressed releng-tool test. */
export interface Case {
  /** `<group>/<name>`, unique. */
  name: string;
  /** Fixture under templates/ copied in as the project; none = an empty folder. */
  template?: string;
  /** The releng-tool test(s) this re-expresses (file::function), for the record. */
  from?: string;
  /** Needs a tool that may be absent: the case is reported as unavailable without it. */
  needs?: string[];
  run(t: Ctx): Promise<void>;
}

export type Outcome =
  | { name: string; status: 'pass'; ms: number }
  | { name: string; status: 'fail'; ms: number; message: string }
  | { name: string; status: 'unavailable'; ms: number; message: string };

const haveCache = new Map<string, boolean>();
function have(tool: string): boolean {
  let v = haveCache.get(tool);
  if (v === undefined) {
    v = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, tool)));
    haveCache.set(tool, v);
  }
  return v;
}

/** Runs one case in a fresh copy of its template. */
export async function runCase(c: Case, impl: Impl): Promise<Outcome> {
  const started = Date.now();
  const missing = (c.needs ?? []).filter((tool) => !have(tool));
  if (missing.length > 0) {
    return { name: c.name, status: 'unavailable', ms: 0, message: `needs ${missing.join(', ')}` };
  }
  const base = mkdtempSync(join(tmpdir(), 'releng-compat-'));
  const dir = join(base, 'prj');
  try {
    if (c.template) cpSync(join(TEMPLATES, c.template), dir, { recursive: true });
    else mkdirSync(dir);
    const t = new Ctx(impl, dir);
    try {
      await c.run(t);
      return { name: c.name, status: 'pass', ms: Date.now() - started };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        name: c.name,
        status: 'fail',
        ms: Date.now() - started,
        message: message.split('\n').slice(0, 12).join('\n'),
      };
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** Runs cases with at most `pool` at once, in list order. */
export async function runAll(
  cases: readonly Case[],
  impl: Impl,
  pool: number,
  onDone?: (o: Outcome) => void,
): Promise<Outcome[]> {
  const results: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      const o = await runCase(cases[i]!, impl);
      results[i] = o;
      onDone?.(o);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, pool) }, worker));
  return results;
}

/** known-failures.txt: `<case> # <reason>` per line; `#` lines are comments. */
export function readKnownFailures(file = join(HERE, 'known-failures.txt')): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const hash = line.indexOf(' #');
    const name = (hash < 0 ? line : line.slice(0, hash)).trim();
    const reason = hash < 0 ? '' : line.slice(hash + 2).trim();
    out.set(name, reason);
  }
  return out;
}

export { assert };

/**
 * Compares outcomes with the known-failures list: a failure outside it is
 * unexpected, a listed case that passes is fixed (and must leave the list).
 * With `complete`, listed names that are no case at all count as fixed too.
 */
export function compare(
  outcomes: readonly Outcome[],
  known: ReadonlyMap<string, string>,
  complete: boolean,
): { unexpected: string[]; fixed: string[] } {
  const unexpected: string[] = [];
  const fixed: string[] = [];
  const seen = new Set<string>();
  for (const o of outcomes) {
    seen.add(o.name);
    if (o.status === 'fail' && !known.has(o.name)) unexpected.push(o.name);
    if (o.status === 'pass' && known.has(o.name)) fixed.push(o.name);
  }
  if (complete) for (const n of known.keys()) if (!seen.has(n)) fixed.push(`${n} (no such case)`);
  return { unexpected, fixed };
}
