/**
 * kill -9 at every step of `releng release apply`, then the same command
 * again: the release ends complete and consistent (the tag on the release
 * commit, whose parent is the base), or `abort` puts everything back.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { releng } from '../helpers.ts';
import { git, PROJECT_FILES, releaseRepo } from './fixture.ts';

const POINTS = [
  'release-after-journal',
  'release-after-edit',
  'release-after-edits',
  'release-after-commit',
  'release-after-tag',
];

/** Every file under root (but .git) whose name marks a temporary. */
function temporaries(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git' && dir === root) continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.tmp-\d+/.test(e.name)) found.push(join(dir, e.name));
    }
  };
  walk(root);
  for (const e of readdirSync(join(root, '.git'))) if (/\.tmp-\d+/.test(e)) found.push(e);
  return found;
}

for (const point of POINTS) {
  test(`killed at ${point}: the re-run finishes the same release`, async () => {
    const { root, env } = await releaseRepo();
    const base = git(root, env, 'rev-parse', 'HEAD').trim();
    const killed = await releng(['release', 'apply'], {
      cwd: root,
      env: { ...env, RELENG_TEST_KILL_AT: point },
    });
    assert.equal(killed.code, null, `expected a kill at ${point}: ${killed.stderr}`);
    const status = await releng(['release', 'status'], { cwd: root, env });
    assert.match(status.stdout, /interrupted release of 1\.3\.0/);
    // Someone commits nothing meanwhile; the same command again completes it.
    const again = await releng(['release', 'apply'], { cwd: root, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /released 1\.3\.0: v1\.3\.0/);
    const head = git(root, env, 'rev-parse', 'HEAD').trim();
    assert.equal(git(root, env, 'rev-parse', 'v1.3.0^{commit}').trim(), head);
    assert.equal(git(root, env, 'rev-parse', 'HEAD^').trim(), base);
    assert.equal(git(root, env, 'status', '--porcelain'), '');
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version, '1.3.0');
    assert.equal(git(root, env, 'tag', '--list').split('\n').filter(Boolean).length, 2);
    assert.equal(existsSync(join(root, '.git', 'releng-release.json')), false);
    assert.deepEqual(temporaries(root), []);
  });
}

for (const point of ['release-after-edit', 'release-after-commit']) {
  test(`killed at ${point}: abort puts the files and the branch back`, async () => {
    const { root, env } = await releaseRepo();
    const base = git(root, env, 'rev-parse', 'HEAD').trim();
    const killed = await releng(['release', 'apply'], {
      cwd: root,
      env: { ...env, RELENG_TEST_KILL_AT: point },
    });
    assert.equal(killed.code, null);
    const plan = await releng(['release', 'plan'], { cwd: root, env });
    assert.match(plan.stdout, /an interrupted release is pending/);
    const abort = await releng(['release', 'abort'], { cwd: root, env });
    assert.equal(abort.code, 0, abort.stderr);
    assert.equal(git(root, env, 'rev-parse', 'HEAD').trim(), base);
    assert.equal(git(root, env, 'status', '--porcelain'), '');
    assert.equal(readFileSync(join(root, 'package.json'), 'utf8'), PROJECT_FILES['package.json']);
    assert.equal(git(root, env, 'tag', '--list').trim(), 'v1.2.3');
    assert.deepEqual(temporaries(root), []);
  });
}

test('a release another live process is applying is left alone', async () => {
  const { root, env } = await releaseRepo();
  await releng(['release', 'apply'], {
    cwd: root,
    env: { ...env, RELENG_TEST_KILL_AT: 'release-after-edit' },
  });
  const journal = join(root, '.git', 'releng-release.json');
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const sleeper = spawn('sleep', ['60']);
  try {
    writeFileSync(
      journal,
      JSON.stringify({ ...JSON.parse(readFileSync(journal, 'utf8')), pid: sleeper.pid }),
    );
    for (const cmd of ['apply', 'abort']) {
      const r = await releng(['release', cmd], { cwd: root, env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`being applied by process ${sleeper.pid}`));
    }
    assert.equal((await releng(['release', 'status'], { cwd: root, env })).code, 0);
  } finally {
    sleeper.kill();
  }
  await new Promise((r) => sleeper.once('exit', r));
  const done = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(done.code, 0, done.stderr);
  assert.equal(git(root, env, 'status', '--porcelain'), '');
});

test('an interrupted release whose files were changed meanwhile stops instead of guessing', async () => {
  const { root, env } = await releaseRepo();
  await releng(['release', 'apply'], {
    cwd: root,
    env: { ...env, RELENG_TEST_KILL_AT: 'release-after-edit' },
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(root, 'package.json'), '{ "version": "9.9.9" }\n');
  const r = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot continue: package\.json changed since/);
  assert.equal(git(root, env, 'tag', '--list').trim(), 'v1.2.3');
});
