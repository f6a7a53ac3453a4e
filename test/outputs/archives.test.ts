/** tar.* and zip archives. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildHello, have, run, tempDir } from './helpers.ts';

const EXPECTED = [
  'etc/',
  'etc/default/',
  'etc/default/releng-hello',
  'etc/releng-hello/',
  'etc/releng-hello/hello.conf',
  'usr/',
  'usr/bin/',
  'usr/bin/releng-hello',
  'usr/bin/rhello',
  'usr/share/',
  'usr/share/releng-hello/',
  'usr/share/releng-hello/data.txt',
  'usr/share/releng-hello/other.txt',
  'var/',
  'var/lib/',
  'var/lib/releng-hello/',
];

describe('archives', async () => {
  const { files } = await buildHello(['tar', 'tar.gz', 'tar.xz', 'tar.zst', 'zip']);

  test('file names', () => {
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      [
        'releng-hello-1.0.0.tar',
        'releng-hello-1.0.0.tar.gz',
        'releng-hello-1.0.0.tar.xz',
        'releng-hello-1.0.0.tar.zst',
        'releng-hello-1.0.0.zip',
      ],
    );
  });

  for (const [i, flag] of [
    [0, ''],
    [1, '--gzip'],
    [2, '--xz'],
    [3, '--zstd'],
  ] as const) {
    test(`${path.basename(files[i]!)}: GNU tar lists sorted entries with normalised owners and times`, () => {
      const r = run('tar', ['-tv', '--numeric-owner', ...(flag ? [flag] : []), '-f', files[i]!], {
        TZ: 'UTC',
      });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(
        lines.map((l) => l.split(/\s+/)[5]),
        EXPECTED,
      );
      assert.ok(
        lines.every((l) => / 0\/0 /.test(l) && l.includes('2024-05-01 12:00')),
        r.stdout,
      );
      assert.match(r.stdout, /^-rwxr-xr-x .* usr\/bin\/releng-hello$/m);
      assert.match(r.stdout, /^lrwxrwxrwx .* usr\/bin\/rhello -> releng-hello$/m);
    });
  }

  test('tar extracts identical contents', () => {
    const dir = tempDir();
    assert.equal(run('tar', ['-xf', files[2]!, '-C', dir]).code, 0);
    assert.equal(
      readFileSync(path.join(dir, 'usr/share/releng-hello/data.txt'), 'utf8'),
      'data one\n',
    );
  });

  test('zip: unzip lists and extracts; modes and symlinks survive', {
    skip: have('unzip') ? false : 'unzip is not installed',
  }, () => {
    const z = run('unzip', ['-Z', files[4]!]);
    assert.equal(z.code, 0, z.stderr);
    const names = z.stdout
      .trim()
      .split('\n')
      .slice(2, -1)
      .map((l) => l.split(/\s+/).pop());
    assert.deepEqual(names, EXPECTED);
    assert.match(z.stdout, /^-rwxr-xr-x .* usr\/bin\/releng-hello$/m);
    assert.match(z.stdout, /^lrwxrwxrwx .* usr\/bin\/rhello$/m);
    const dir = tempDir();
    const x = run('unzip', ['-q', files[4]!, '-d', dir]);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(
      readFileSync(path.join(dir, 'usr/bin/rhello'), 'utf8'),
      '#!/bin/sh\necho "hello, world"\n',
    );
    const t = run('unzip', ['-tq', files[4]!]);
    assert.match(t.stdout, /No errors detected/);
  });

  test('a prefix puts everything under one directory', async () => {
    const { files: out } = await buildHello(['tar.gz'], { override: { prefix: 'hello-1.0' } });
    const names = run('tar', ['-tzf', out[0]!]).stdout.trim().split('\n');
    assert.equal(names[0], 'hello-1.0/');
    assert.ok(names.slice(1).every((n) => n.startsWith('hello-1.0/')));
  });

  test('every archive is reproducible', async () => {
    const again = await buildHello(['tar', 'tar.gz', 'tar.xz', 'tar.zst', 'zip']);
    for (const [i, f] of files.entries()) {
      assert.ok(readFileSync(f).equals(readFileSync(again.files[i]!)), path.basename(f));
    }
  });
});
