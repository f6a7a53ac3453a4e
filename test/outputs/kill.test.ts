/**
 * `releng package` killed (-9) after a package was written but before it was
 * renamed into place: the same command run again succeeds, writes the same
 * bytes as an uninterrupted run, and leaves neither the temporary package nor
 * the killed run's work folder behind.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { tempDir } from './helpers.ts';

const description = `name: hello
version: "1.0.0"
summary: Says hello
description: A greeting.
license: MIT
maintainer: Jane Doe <jane@example.org>
formats: [deb, tar]
contents:
  - { src: usr/bin/hello, dst: /usr/bin/hello }
`;

describe('releng package after kill -9', () => {
  it('re-runs cleanly: no temporary package, no stale work folder, same bytes', async () => {
    const dir = tempDir('releng-out-kill-');
    const tmp = join(dir, 'tmp');
    mkdirSync(join(dir, 'root/usr/bin'), { recursive: true });
    mkdirSync(tmp);
    writeFileSync(join(dir, 'root/usr/bin/hello'), '#!/bin/sh\necho hello\n');
    chmodSync(join(dir, 'root/usr/bin/hello'), 0o755);
    writeFileSync(join(dir, 'hello.yaml'), description);
    const env = { SOURCE_DATE_EPOCH: '1700000000', TMPDIR: tmp };
    const args = (out: string) => ['package', 'hello.yaml', '--source', 'root', '--out', out];

    const killed = await releng(args('dist'), {
      cwd: dir,
      env: { ...env, RELENG_TEST_KILL_AT: 'output-before-rename' },
    });
    assert.notEqual(killed.code, 0, 'the fault point stopped the run');
    const left = readdirSync(join(dir, 'dist'));
    assert.ok(
      left.some((n) => /\.tmp-\d+-/.test(n)),
      `the killed run left its temporary package: ${left.join(', ')}`,
    );
    assert.ok(
      readdirSync(tmp).some((n) => n.startsWith('releng-binaries-')),
      'the killed run left its work folder',
    );

    const again = await releng(args('dist'), { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    const clean = await releng(args('clean'), { cwd: dir, env });
    assert.equal(clean.code, 0, clean.stderr);
    const names = readdirSync(join(dir, 'dist')).sort();
    assert.deepEqual(names, readdirSync(join(dir, 'clean')).sort());
    assert.ok(!names.some((n) => n.includes('.tmp-')), names.join(', '));
    for (const n of names)
      assert.ok(readFileSync(join(dir, 'dist', n)).equals(readFileSync(join(dir, 'clean', n))), n);
    assert.deepEqual(readdirSync(tmp), [], 'no work folder stays in TMPDIR');
  });
});
