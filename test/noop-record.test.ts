import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

const RECORD = 'output/.releng/noop-record.json';

/** The record's identity: changes whenever it is written again (atomic rename). */
function recordId(root: string): string | undefined {
  const s = statSync(join(root, RECORD), { throwIfNoEntry: false });
  return s ? `${s.ino}:${s.mtimeMs}` : undefined;
}

function runs(root: string): string[] {
  const file = join(root, 'output/runs.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

/** A releng-tool project: app depends on lib; each build says so and counts itself. */
async function relengToolProject(extra: Record<string, string> = {}): Promise<string> {
  const script = (pkg: string) =>
    `print('invoked ${pkg} package build stage')\n` +
    `with open(OUTPUT_DIR + '/runs.txt', 'a') as f:\n    f.write('${pkg}\\n')\n`;
  const root = await makeProject({
    'releng-tool.rt': "packages = ['app']\n",
    'package/app/app.rt': "APP_VERSION = '1.0'\nAPP_DEPENDENCIES = ['lib']\n",
    'package/app/app-build.rt': script('app'),
    'package/lib/lib.rt': "LIB_VERSION = '2.0'\n",
    'package/lib/lib-build.rt': script('lib'),
    ...extra,
  });
  roots.push(root);
  return root;
}

describe('no-op record', () => {
  it('replays a no-op byte for byte, and takes the full path once anything it read changed', async () => {
    const root = await relengToolProject();
    const first = await releng(['-R', root]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(runs(root), ['lib', 'app']);
    // the building run recorded what the next run prints
    const recorded = recordId(root);
    assert.ok(recorded, 'a building run leaves a record');

    const replayed = await releng(['-R', root]);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(recordId(root), recorded, 'the record was replayed, not written again');
    assert.match(replayed.stdout, /all packages have been processed/);
    assert.match(replayed.stdout, /\(success\) completed \(0:00:00\)\n$/);

    // without the record the same run takes the full path: it prints the same
    await rm(join(root, RECORD));
    const full = await releng(['-R', root]);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(full.stdout, replayed.stdout);
    assert.equal(full.stderr, replayed.stderr);
    assert.ok(recordId(root), 'a full no-op records itself');
    assert.deepEqual(runs(root), ['lib', 'app'], 'nothing was built again');

    // a definition changed: lib is built again, not replayed
    await writeFile(join(root, 'package/lib/lib.rt'), "LIB_VERSION = '2.1'\n");
    const changed = await releng(['-R', root]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(runs(root), ['lib', 'app', 'lib']);
    assert.match(changed.stdout, /invoked lib package build stage/);

    // a stage journal gone: that package is built again
    await rm(join(root, 'output/build/app-1.0/.releng-state'));
    const resumed = await releng(['-R', root]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(runs(root), ['lib', 'app', 'lib', 'app']);

    // a sysroot removed: the full path makes it again
    await releng(['-R', root]);
    await rm(join(root, 'output/target'), { recursive: true });
    const remade = await releng(['-R', root]);
    assert.equal(remade.code, 0, remade.stderr);
    assert.ok(existsSync(join(root, 'output/target')));
  });

  it('is not used by another command, environment or a run holding the lock', async () => {
    const root = await relengToolProject();
    assert.equal((await releng(['-R', root])).code, 0);
    const recorded = recordId(root);
    assert.ok(recorded);

    // other words: another key (its own record replaces this one)
    const j1 = await releng(['-R', root, '-j1']);
    assert.equal(j1.code, 0, j1.stderr);
    assert.notEqual(recordId(root), recorded);

    // another environment
    const before = recordId(root);
    const env = await releng(['-R', root, '-j1'], { env: { RELENG_TEST_NOOP: 'x' } });
    assert.equal(env.code, 0, env.stderr);
    assert.notEqual(recordId(root), before);

    // another run holds the output folder (this test's own, live pid): refused as always
    await releng(['-R', root]);
    assert.ok(recordId(root));
    await writeFile(join(root, 'output/.releng.lock'), `${process.pid}\n`);
    const locked = await releng(['-R', root]);
    await rm(join(root, 'output/.releng.lock'));
    assert.notEqual(locked.code, 0);
    assert.match(locked.stderr, /another releng run \(pid \d+\) is using/);

    // a reporting command leaves no record behind (its run may change nothing, but it is not a no-op build)
    assert.equal((await releng(['-R', root, 'printpkgs'])).code, 0);
    assert.equal(recordId(root), undefined);
  });

  it('records nothing for runs that do work every time: a post-build script, --werror', async () => {
    const root = await relengToolProject({
      'releng-tool-post-build.rt': "print('post-build ran')\n",
    });
    const first = await releng(['-R', root]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(recordId(root), undefined);
    const second = await releng(['-R', root]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /post-build ran/);
    assert.equal(recordId(root), undefined);

    const plain = await relengToolProject();
    assert.equal((await releng(['-R', plain])).code, 0);
    assert.ok(recordId(plain));
    // -W rewrites the SBOM and licenses on every run (to report their warnings)
    const strict = await releng(['-R', plain, '-W'], {
      env: { RELENG_IGNORE_RUNNING_AS_ROOT: '1' },
    });
    assert.equal(strict.code, 0, strict.stderr);
    assert.equal(recordId(plain), undefined);
  });

  it('records the warnings a command prints before the project loads (--relaxed-args)', async () => {
    const root = await relengToolProject();
    const words = ['-R', root, '--relaxed-args', '--no-such-option'];
    assert.equal((await releng(words)).code, 0);
    const recorded = recordId(root);
    assert.ok(recorded);
    const replayed = await releng(words);
    assert.equal(recordId(root), recorded);
    assert.match(replayed.stderr, /unknown argument ignored \(--relaxed-args\): --no-such-option/);
    await rm(join(root, RECORD));
    const full = await releng(words);
    assert.equal(full.stderr, replayed.stderr);
    assert.equal(full.stdout, replayed.stdout);
  });

  it('after kill -9 while the record is written, the re-run succeeds and no temporary file stays', async () => {
    const root = await relengToolProject();
    const killed = await releng(['-R', root], { env: { RELENG_TEST_KILL_AT: 'noop-record' } });
    assert.equal(killed.code, null, 'killed by its signal');
    assert.deepEqual(runs(root), ['lib', 'app'], 'the build itself had finished');
    const dir = join(root, 'output/.releng');
    assert.ok(
      readdirSync(dir).some((n) => n.startsWith('noop-record.json.tmp-')),
      'the kill left the half-made record',
    );
    assert.equal(recordId(root), undefined);
    const again = await releng(['-R', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['noop-record.json', 'project-cache.json']);
    const replayed = await releng(['-R', root]);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout, again.stdout);
    assert.deepEqual(runs(root), ['lib', 'app']);
  });

  it('replays a native project as its full no-op prints it', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['hello'] };\n`,
      'package/hello/hello.ts': nativePackage(`{
        version: '1',
        async build(ctx) {
          const fs = await import('node:fs');
          fs.appendFileSync(ctx.dirs.output + '/runs.txt', 'hello\\n');
        },
      }`),
    });
    roots.push(root);
    assert.equal((await releng(['-R', root, '--verbose'])).code, 0);
    const recorded = recordId(root);
    assert.ok(recorded);
    const replayed = await releng(['-R', root, '--verbose']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(recordId(root), recorded);
    await rm(join(root, RECORD));
    const full = await releng(['-R', root, '--verbose']);
    assert.equal(full.stdout, replayed.stdout);
    assert.equal(full.stderr, replayed.stderr);
    assert.match(full.stdout, /step over hello \(build\)/);
    assert.deepEqual(runs(root), ['hello']);
  });
});
