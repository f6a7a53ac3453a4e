/** Resolving contents into a file set. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ContentEntry } from '../../src/outputs/description.ts';
import { globToRegExp, resolveFileset, rpmOwns } from '../../src/outputs/fileset.ts';
import { tempDir } from './helpers.ts';

function tree(): string {
  const root = tempDir();
  for (const [p, text] of Object.entries({
    'bin/tool': '#!/bin/sh\n',
    'bin/helper': '#!/bin/sh\n',
    'lib/a/x.so': 'x',
    'lib/a/b/y.so': 'y',
    'lib/a/b/readme.txt': 'r',
    'share/doc.md': 'd',
  })) {
    mkdirSync(path.join(root, path.dirname(p)), { recursive: true });
    writeFileSync(path.join(root, p), text);
  }
  chmodSync(path.join(root, 'bin/tool'), 0o775);
  symlinkSync('tool', path.join(root, 'bin/t'));
  return root;
}

const resolve = (contents: ContentEntry[], sourceDir: string) =>
  resolveFileset(contents, {
    output: 'demo (deb)',
    sourceDir,
    descriptionDir: sourceDir,
    mtime: 1700000000,
    render: (t) => t.toUpperCase(),
  });

describe('file set', () => {
  test('globs', () => {
    assert.ok(globToRegExp('**/*.so').test('a/b/y.so'));
    assert.ok(globToRegExp('**/*.so').test('x.so'));
    assert.ok(!globToRegExp('*.so').test('a/x.so'));
    assert.ok(globToRegExp('{bin,lib}/?ool').test('bin/tool'));
    assert.ok(globToRegExp('[!a]*').test('bcd'));
  });

  test('renames, globs with **, trees, modes, symlinks and parents, sorted', async () => {
    const root = tree();
    const files = await resolve(
      [
        { src: 'bin/tool', dst: '/usr/bin/mytool' },
        { src: 'lib/**/*.so', dst: '/usr/lib/demo/' },
        { src: 'bin', dst: '/opt/demo/bin', exclude: ['helper'] },
        {
          src: 'share/doc.md',
          dst: '/usr/share/doc/demo/',
          mode: '0600',
          owner: 'daemon',
          mtime: '2024-01-01T00:00:00Z',
        },
        { content: 'v={{x}}', dst: '/etc/demo.conf', template: true },
      ],
      root,
    );
    const paths = files.map((f) => `${f.type[0]} ${f.path} ${f.mode.toString(8)}`);
    assert.deepEqual(paths, [
      'd /etc 755',
      'f /etc/demo.conf 644',
      'd /opt 755',
      'd /opt/demo 755',
      'd /opt/demo/bin 755',
      's /opt/demo/bin/t 777',
      'f /opt/demo/bin/tool 755',
      'd /usr 755',
      'd /usr/bin 755',
      'f /usr/bin/mytool 755',
      'd /usr/lib 755',
      'd /usr/lib/demo 755',
      'd /usr/lib/demo/a 755',
      'd /usr/lib/demo/a/b 755',
      'f /usr/lib/demo/a/b/y.so 644',
      'f /usr/lib/demo/a/x.so 644',
      'd /usr/share 755',
      'd /usr/share/doc 755',
      'd /usr/share/doc/demo 755',
      'f /usr/share/doc/demo/doc.md 600',
    ]);
    const doc = files.find((f) => f.path === '/usr/share/doc/demo/doc.md')!;
    assert.equal(doc.owner, 'daemon');
    assert.equal(doc.mtime, 1704067200);
    assert.equal(files.find((f) => f.path === '/etc/demo.conf')!.content!.toString(), 'V={{X}}');
    assert.equal(files.find((f) => f.path === '/opt/demo/bin/t')!.target, 'tool');
    assert.equal(files.find((f) => f.path === '/usr/bin')!.mtime, 1700000000);
    // rpm owns the package's own directories but not shared system ones.
    const owned = files.filter((f) => f.type === 'dir' && rpmOwns(f)).map((f) => f.path);
    assert.deepEqual(owned, [
      '/opt/demo',
      '/opt/demo/bin',
      '/usr/lib/demo',
      '/usr/lib/demo/a',
      '/usr/lib/demo/a/b',
      '/usr/share/doc/demo',
    ]);
  });

  test('a file cannot be the parent of another entry', async () => {
    const root = tree();
    await assert.rejects(
      resolve(
        [
          { src: 'share/doc.md', dst: '/opt/x' },
          { src: 'bin/tool', dst: '/opt/x/tool' },
        ],
        root,
      ),
      /needs '\/opt\/x' to be a directory/,
    );
  });

  test('relative destinations are rejected', async () => {
    const root = tree();
    await assert.rejects(
      resolve([{ src: 'bin/tool', dst: 'usr/bin/x' }], root),
      /contents\[0\]\.dst.*absolute/,
    );
  });
});
