import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, REPO, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

describe('the hello-world example (README quick start)', () => {
  it('builds end to end: staged library, linked program, archive, .deb and .rpm, reproducibly', async () => {
    const root = await makeProject({});
    roots.push(root);
    await cp(join(REPO, 'examples/hello-world'), root, {
      recursive: true,
      filter: (src) => !/\/(output|dl|cache)(\/|$)/.test(src.slice(REPO.length)),
    });
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const r = await releng(['-R', root], { env });
    assert.equal(r.code, 0, r.stderr);
    // The program was linked against the staged library and runs from the target.
    const out = execFileSync(join(root, 'output/target/usr/bin/hello'), ['tests']).toString();
    assert.equal(out, 'Hello, tests!\nlibgreet 1.2.0\n');
    // Staging holds the library, the target does not.
    execFileSync('test', ['-f', join(root, 'output/staging/usr/lib/libgreet.a')]);
    assert.throws(() =>
      execFileSync('test', ['-e', join(root, 'output/target/usr/lib/libgreet.a')]),
    );

    const images = join(root, 'output/images');
    const deb = join(images, 'hello-world_1.0.0-1_amd64.deb');
    const rpm = join(images, 'hello-world-1.0.0-1.x86_64.rpm');
    assert.equal(execFileSync('dpkg-deb', ['-f', deb, 'Package']).toString().trim(), 'hello-world');
    assert.match(execFileSync('dpkg-deb', ['--contents', deb]).toString(), /\.\/usr\/bin\/hello\n/);
    assert.match(
      execFileSync('rpm', ['-qp', '--list', rpm], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
      /^\/usr\/bin\/hello$/m,
    );
    const tarList = execFileSync('tar', ['tzf', join(images, 'hello-world-1.0.tar.gz')]).toString();
    assert.match(tarList, /^\.\/usr\/bin\/hello$/m);

    // Same inputs and SOURCE_DATE_EPOCH: the same bytes.
    const before = await Promise.all(
      [deb, rpm, join(images, 'hello-world-1.0.tar.gz')].map((f) => readFile(f)),
    );
    await rm(join(root, 'output'), { recursive: true });
    const again = await releng(['-R', root], { env });
    assert.equal(again.code, 0, again.stderr);
    const after2 = await Promise.all(
      [deb, rpm, join(images, 'hello-world-1.0.tar.gz')].map((f) => readFile(f)),
    );
    for (let i = 0; i < before.length; i++)
      assert.ok(before[i]!.equals(after2[i]!), `output ${i} differs`);
  });
});
