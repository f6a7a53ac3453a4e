import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, makeProject, nativePackage, releng, removeProject } from './helpers.ts';

/**
 * bin/releng.mjs under a Node older than 22.18 re-executes itself with the
 * pinned Node: signals sent to the outer process must reach the inner one.
 * Debian's own Node (the `nodejs` package, 18.x on Debian 12) is that older Node.
 */
const OLD_NODE = '/usr/bin/node';

let root: string;
before(async () => {
  const version = execFileSync(OLD_NODE, ['-p', 'process.versions.node']).toString().trim();
  const [major, minor] = version.split('.').map(Number) as [number, number];
  assert.ok(
    major < 22 || (major === 22 && minor < 18),
    `${OLD_NODE} is Node ${version}: these tests need one older than 22.18 (Debian's nodejs package)`,
  );
  root = await makeProject({
    'releng.config.ts': `import { defineProject } from 'releng';\nexport default defineProject({ packages: ['slow'] });\n`,
    // Sleeps SLEEP seconds in its build (a KEY=VALUE word), so a re-run can be quick.
    'package/slow/slow.ts': nativePackage(
      `{ version: '1', async build(ctx) { await ctx.exec('sleep', [ctx.env.SLEEP ?? '60']); } }`,
    ),
  });
});
after(async () => {
  await removeProject(root);
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  innerPid: number;
}

/** Starts the build under the old Node, waits for the build stage, sends `signal`, waits for the end. */
function interruptBuild(signal: NodeJS.Signals, toGroup: boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(OLD_NODE, [BIN, '-R', root, '-j1'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a Ctrl-C (the whole group signalled) can be imitated.
      detached: toGroup,
    });
    let stdout = '';
    let stderr = '';
    let innerPid = 0;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!innerPid && stdout.includes('building slow...')) {
        // The lock holds the pid of the process running the build: the inner one.
        innerPid = Number(readFileSync(join(root, 'output/.releng.lock'), 'utf8').trim());
        assert.notEqual(innerPid, child.pid, 'the build runs in a re-executed Node');
        process.kill(toGroup ? -child.pid! : child.pid!, signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr, innerPid }));
  });
}

/** A child process of `parent`, from /proc (no procps needed). */
function childOf(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bin/releng.mjs re-executed under an old Node', () => {
  for (const [signal, code, toGroup] of [
    ['SIGTERM', 143, false],
    ['SIGHUP', 129, false],
    ['SIGINT', 130, false],
    // Ctrl-C: the terminal signals the outer and the inner process, and the
    // outer forwards its copy too. The inner one must still clean up.
    ['SIGINT', 130, true],
  ] as const) {
    it(`passes ${signal}${toGroup ? ' sent to the whole process group' : ''} on: the inner run stops and releases the lock`, async () => {
      const r = await interruptBuild(signal, toGroup);
      assert.ok(r.innerPid > 0, r.stdout + r.stderr);
      assert.equal(r.code, code, `exit status (signal ${r.signal}): ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`\\(error\\) interrupted \\(${signal}\\)`));
      assert.equal(r.stderr.match(/interrupted/g)?.length, 1, r.stderr);
      assert.equal(alive(r.innerPid), false, 'the inner process has ended');
      assert.equal(existsSync(join(root, 'output/.releng.lock')), false, 'the lock is released');
    });
  }

  it('dies by the same signal when the inner process is killed by it (no run under way)', async () => {
    // `key generate` blocks opening a FIFO nobody writes to: no run, no signal handlers.
    const fifo = join(root, 'passphrase.fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(
      OLD_NODE,
      [
        BIN,
        'key',
        'generate',
        '--name',
        'A',
        '--email',
        'a@example.org',
        '--out',
        join(root, 'k.asc'),
        '--passphrase-file',
        fifo,
      ],
      { stdio: 'ignore' },
    );
    // Wait until the inner Node is running (a child of the outer one).
    let inner = 0;
    for (let i = 0; i < 100 && !inner; i++) {
      await new Promise((r) => setTimeout(r, 100));
      inner = childOf(child.pid!) ?? 0;
    }
    assert.ok(inner > 0, 'the inner Node started');
    await new Promise((r) => setTimeout(r, 300));
    const ended = new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (code, signal) => resolve([code, signal])),
    );
    child.kill('SIGTERM');
    assert.deepEqual(await ended, [null, 'SIGTERM']);
    assert.equal(alive(inner), false, 'the inner process has ended');
  });

  it('a re-run after the interrupt completes', async () => {
    const r = await releng(['-R', root, 'SLEEP=0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\(success\) completed/);
  });
});
