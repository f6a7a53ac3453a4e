/**
 * Builds side by side and builds killed: two revisions of one package built
 * at the same time (both run at once, artifacts distinct), and kill -9 of
 * releng mid-build — its root dies with it, the next command leaves no
 * build folder or mount behind, the base is intact and a re-run succeeds.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, releng, writeFiles } from '../helpers.ts';
import {
  basePath,
  CACHE,
  cacheMounts,
  ENV,
  ensureRoot,
  leftovers,
  ROOT,
  rootsUnavailable,
  treeChecksum,
} from './helpers.ts';

const skip = rootsUnavailable();

/** A tiny noarch package whose %build sleeps for the seconds in SOURCES/sleep-seconds. */
async function tinySpec(dir: string, release: number, seconds: number): Promise<void> {
  await writeFiles(dir, {
    'releng-tiny.spec': `Name: releng-tiny
Version: 1.0
Release: ${release}
Summary: A tiny package for the roots concurrency tests
License: MIT
BuildArch: noarch
Source0: releng-tiny.sh
Source1: sleep-seconds

%description
Prints its revision.

%prep

%build
sleep $(cat %{SOURCE1})

%install
install -D -m 0755 %{SOURCE0} %{buildroot}/usr/bin/releng-tiny

%files
/usr/bin/releng-tiny
`,
    'releng-tiny.sh': `#!/bin/sh\necho revision ${release}\n`,
    'sleep-seconds': `${seconds}\n`,
  });
}

/** Starts `releng root build` and resolves handles to its pid, output and exit. */
function startBuild(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'root', 'build', ROOT, ...args], {
    env: { ...process.env, ...ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return { child, done, out: () => stdout, err: () => stderr };
}

/**
 * This file's root processes: their command line names the cache's build
 * folders and this file's spec (the sandbox argv carries the command at every
 * step, setpriv to bwrap), so other test files' builds do not count.
 */
function rootProcesses(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(path.join(CACHE, 'builds')) && cmd.includes('releng-tiny.spec'))
        out.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
    } catch {
      // gone
    }
  }
  return out;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (cond()) return true;
  return cond();
}

describe('builds side by side, and builds killed', { skip }, () => {
  let work = '';
  before(async () => {
    await ensureRoot();
    work = await mkdtemp(path.join(tmpdir(), 'releng-roots-conc-'));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('two revisions of one package build at the same time', async () => {
    await tinySpec(path.join(work, 'r1'), 1, 4);
    await tinySpec(path.join(work, 'r2'), 2, 4);
    const out = path.join(work, 'out');
    const a = startBuild([path.join(work, 'r1'), '--out', out]);
    const b = startBuild([path.join(work, 'r2'), '--out', out]);
    let most = 0;
    let finished = false;
    void Promise.all([a.done, b.done]).then(() => {
      finished = true;
    });
    while (!finished) {
      const l = await releng(['root', 'list', '--json'], { env: ENV });
      const mine = (JSON.parse(l.stdout) as Array<{ name: string; running: number }>).find(
        (r) => r.name === ROOT,
      );
      most = Math.max(most, mine?.running ?? 0);
      await sleep(250);
    }
    assert.equal((await a.done).code, 0, a.err());
    assert.equal((await b.done).code, 0, b.err());
    assert.ok(most >= 2, `both builds ran at once (most seen running: ${most})`);
    for (const r of [1, 2])
      assert.ok(existsSync(path.join(out, `releng-tiny-1.0-${r}.noarch.rpm`)));
    assert.deepEqual(leftovers(), []);
  });

  test('kill -9 mid-build: nothing left after the next command, base intact, re-run works', async () => {
    const dir = path.join(work, 'r3');
    await tinySpec(dir, 3, 120);
    const base = treeChecksum(basePath());
    const out = path.join(work, 'out-kill');
    const run = startBuild([dir, '--out', out]);
    assert.ok(await waitFor(() => run.err().includes('+ sleep'), 60_000), run.err());
    assert.ok(rootProcesses().length > 0, 'the build is running in its root');
    run.child.kill('SIGKILL');
    await run.done;
    assert.ok(
      await waitFor(() => rootProcesses().length === 0, 10_000),
      rootProcesses().join('\n'),
    );
    const l = await releng(['root', 'list'], { env: ENV });
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual(leftovers(), []);
    assert.deepEqual(cacheMounts(), []);
    assert.equal(treeChecksum(basePath()), base, 'the base tree changed');
    await tinySpec(dir, 3, 0);
    const again = await releng(['root', 'build', ROOT, dir, '--out', out], { env: ENV });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(existsSync(path.join(out, 'releng-tiny-1.0-3.noarch.rpm')));
  });

  test('killed the instant the root process starts: it does not run on orphaned', async () => {
    const dir = path.join(work, 'r4');
    await tinySpec(dir, 4, 0);
    const out = path.join(work, 'out-kill2');
    const run = startBuild([dir, '--out', out], { RELENG_TEST_KILL_AT: 'root-started' });
    const { signal } = await run.done;
    assert.equal(signal, 'SIGKILL');
    assert.ok(
      await waitFor(() => rootProcesses().length === 0, 10_000),
      rootProcesses().join('\n'),
    );
    assert.ok(!existsSync(path.join(out, 'releng-tiny-1.0-4.noarch.rpm')));
    const again = await releng(['root', 'build', ROOT, dir, '--out', out], { env: ENV });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(leftovers(), []);
    assert.ok(existsSync(path.join(out, 'releng-tiny-1.0-4.noarch.rpm')));
  });

  test('remove while a command runs: it finishes on its base, which goes when it ends', async () => {
    // A second base without a second mmdebstrap: a hard-linked copy of the shared one.
    const real = basePath();
    const key = 'f0'.repeat(16);
    const copy = path.join(CACHE, 'bases', key);
    await rm(copy, { recursive: true, force: true });
    execFileSync('cp', ['-al', real, copy]);
    const meta = JSON.parse(readFileSync(`${real}.json`, 'utf8'));
    writeFileSync(path.join(CACHE, 'bases', `${key}.json`), JSON.stringify({ ...meta, key }));
    writeFileSync(path.join(CACHE, 'bases', `${key}.lock`), '');
    // A build-dependency layer made over it goes with it.
    const layer = path.join(CACHE, 'layers', 'e1'.repeat(16));
    mkdirSync(path.join(layer, 'usr'), { recursive: true });
    writeFileSync(`${layer}.base`, `${key}\n`);
    const pointer = JSON.parse(readFileSync(path.join(CACHE, 'names', `${ROOT}.json`), 'utf8'));
    writeFileSync(
      path.join(CACHE, 'names', 'test-gc.json'),
      JSON.stringify({ ...pointer, name: 'test-gc', key }),
    );
    const child = spawn(
      process.execPath,
      [BIN, 'root', 'exec', 'test-gc', '--', 'sh', '-c', 'sleep 3; echo finished'],
      {
        env: { ...process.env, ...ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    const done = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    const running = async () => {
      const l = await releng(['root', 'list', '--json'], { env: ENV });
      return (
        (JSON.parse(l.stdout) as Array<{ name: string; running: number }>).find(
          (r) => r.name === 'test-gc',
        )?.running ?? 0
      );
    };
    for (let i = 0; i < 50 && (await running()) === 0; i++) await sleep(100);
    const r = await releng(['root', 'remove', 'test-gc'], { env: ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(copy), 'the base stays while a command uses it');
    assert.equal(await done, 0);
    assert.equal(stdout.trim(), 'finished');
    assert.ok(!existsSync(copy), 'the unused base is removed when its last command ends');
    assert.ok(!existsSync(layer) && !existsSync(`${layer}.base`), 'its layers too');
    assert.ok(existsSync(real), 'the shared base is untouched');
    assert.deepEqual(leftovers(), []);
  });

  test('a passphrase from --passphrase-env signs and publishes but reaches no build', async () => {
    const secret = 's3cret-roots-passphrase';
    const env = { ...ENV, ROOTS_TEST_PASS: secret };
    const key = path.join(work, 'protected.asc');
    const pub = path.join(work, 'protected.pub.asc');
    const k = await releng(
      [
        'key',
        'generate',
        '--name',
        'T',
        '--email',
        't@example.org',
        '--out',
        key,
        '--public-out',
        pub,
        '--passphrase-env',
        'ROOTS_TEST_PASS',
      ],
      { env },
    );
    assert.equal(k.code, 0, k.stderr);
    const yum = path.join(work, 'yum-protected');
    const c = await releng(
      ['repo', 'create', yum, '--type', 'yum', '--key', key, '--passphrase-env', 'ROOTS_TEST_PASS'],
      { env },
    );
    assert.equal(c.code, 0, c.stderr);
    const dir = path.join(work, 'r5');
    await tinySpec(dir, 5, 0);
    // The build fails if the secret is anywhere in its environment (not traced: set +x).
    const spec = path.join(dir, 'releng-tiny.spec');
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace(
        '%build\n',
        `%build\n{ set +x; } 2>/dev/null\nif env | grep -q -e ${secret} -e ROOTS_TEST_PASS; then echo LEAKED; exit 1; fi\n`,
      ),
    );
    const out = path.join(work, 'out-secret');
    const r = await releng(
      [
        'root',
        'build',
        ROOT,
        dir,
        '--out',
        out,
        '--key',
        key,
        '--passphrase-env',
        'ROOTS_TEST_PASS',
        '--publish',
        yum,
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(secret));
    const db = path.join(work, 'rpmdb-secret');
    mkdirSync(db);
    execFileSync('rpmkeys', ['--dbpath', db, '--import', pub]);
    assert.match(
      execFileSync(
        'rpmkeys',
        ['--dbpath', db, '-K', path.join(out, 'releng-tiny-1.0-5.noarch.rpm')],
        { encoding: 'utf8' },
      ),
      /digests signatures OK/,
    );
    const v = await releng(['repo', 'verify', yum, '--public-key', pub]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('same sources and SOURCE_DATE_EPOCH give the same rpm bytes', async () => {
    const dir = path.join(work, 'r6');
    await tinySpec(dir, 6, 0);
    const sums: string[] = [];
    for (const n of [1, 2]) {
      const out = path.join(work, `out-repro-${n}`);
      const r = await releng(['root', 'build', ROOT, dir, '--out', out], {
        env: { ...ENV, SOURCE_DATE_EPOCH: '1700000000' },
      });
      assert.equal(r.code, 0, r.stderr);
      sums.push(
        ['releng-tiny-1.0-6.noarch.rpm', 'releng-tiny-1.0-6.src.rpm']
          .map((f) =>
            createHash('sha256')
              .update(readFileSync(path.join(out, f)))
              .digest('hex'),
          )
          .join(' '),
      );
    }
    assert.equal(sums[0], sums[1]);
  });
});
