/**
 * Contents come from inside the source folder (after resolving symlinks)
 * unless an entry says `from: host`: `../`, absolute paths and symlinks
 * pointing outside are refused with an error naming the description file,
 * the entry and what to do.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ContentEntry } from '../../src/outputs/description.ts';
import { resolveFileset } from '../../src/outputs/fileset.ts';
import { releng } from '../helpers.ts';
import { tempDir } from './helpers.ts';

/** A source folder with one file, and a "secret" file next to it, outside. */
function layout(): { src: string; secret: string; outside: string } {
  const base = tempDir('releng-confine-');
  const src = path.join(base, 'src');
  const outside = path.join(base, 'host');
  mkdirSync(path.join(src, 'usr/bin'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(src, 'usr/bin/tool'), '#!/bin/sh\n');
  const secret = path.join(outside, 'shadow');
  writeFileSync(secret, 'root:secret\n');
  // A symlink inside the source folder pointing outside it.
  symlinkSync(outside, path.join(src, 'hostdir'));
  symlinkSync(secret, path.join(src, 'shadowlink'));
  return { src, secret, outside };
}

const resolve = (contents: ContentEntry[], sourceDir: string) =>
  resolveFileset(contents, {
    output: 'demo (deb)',
    sourceDir,
    descriptionDir: sourceDir,
    descriptionFile: '/proj/demo.yaml',
    mtime: 1700000000,
    render: (t) => t,
  });

describe('contents are confined to the source folder', () => {
  test('../ climbing out is refused, naming the file, the entry and from: host', async () => {
    const { src, secret } = layout();
    const rel = path.relative(src, secret);
    await assert.rejects(
      resolve(
        [
          { src: 'usr/bin/tool', dst: '/usr/bin/tool' },
          { src: rel, dst: '/etc/shadow' },
        ],
        src,
      ),
      (err: Error) => {
        assert.match(err.message, /^\/proj\/demo\.yaml: demo \(deb\): contents\[1\]\.src: /);
        assert.match(err.message, new RegExp(`resolves to ${secret}, outside the source folder`));
        assert.match(err.message, /from: host/);
        return true;
      },
    );
  });

  test('an absolute path outside is refused; one inside is fine', async () => {
    const { src, secret } = layout();
    await assert.rejects(resolve([{ src: secret, dst: '/etc/shadow' }], src), /outside the source/);
    const ok = await resolve([{ src: path.join(src, 'usr/bin/tool'), dst: '/usr/bin/t' }], src);
    assert.ok(ok.some((f) => f.path === '/usr/bin/t' && f.type === 'file'));
  });

  test('a path through a symlinked directory pointing outside is refused (file and glob)', async () => {
    const { src } = layout();
    await assert.rejects(
      resolve([{ src: 'hostdir/shadow', dst: '/etc/shadow' }], src),
      /contents\[0\]\.src: 'hostdir\/shadow' resolves to .*host\/shadow, outside/,
    );
    await assert.rejects(
      resolve([{ src: 'hostdir/*', dst: '/etc/' }], src),
      /contents\[0\]\.src: 'hostdir\/\*' resolves to .*host, outside/,
    );
  });

  test('a symlink itself is packaged as a link, never followed', async () => {
    const { src, secret } = layout();
    const files = await resolve([{ src: 'shadowlink', dst: '/etc/shadow' }], src);
    const e = files.find((f) => f.path === '/etc/shadow')!;
    assert.equal(e.type, 'symlink');
    assert.equal(e.target, secret);
    assert.equal(e.source, undefined);
  });

  test('from: host takes an absolute host path; a relative one is refused', async () => {
    const { src, secret, outside } = layout();
    const files = await resolve(
      [
        { src: secret, from: 'host', dst: '/etc/shadow' },
        { src: `${outside}/*`, from: 'host', dst: '/srv/host/' },
      ],
      src,
    );
    assert.equal(files.find((f) => f.path === '/etc/shadow')!.source, secret);
    assert.ok(files.some((f) => f.path === '/srv/host/shadow'));
    await assert.rejects(
      resolve([{ src: '../host/shadow', from: 'host', dst: '/etc/shadow' }], src),
      /contents\[0\]\.src: '\.\.\/host\/shadow' must be an absolute path with from: host/,
    );
  });

  test('from: description is confined to the description folder', async () => {
    const { src, secret } = layout();
    await assert.rejects(
      resolveFileset([{ src: secret, from: 'description', dst: '/etc/x' }], {
        output: 'demo (deb)',
        sourceDir: src,
        descriptionDir: path.join(src, 'usr'),
        mtime: 1,
        render: (t) => t,
      }),
      /outside the description's folder/,
    );
  });

  test('releng package: exit 1, the description file named, nothing written', async () => {
    const { src, secret } = layout();
    const work = tempDir('releng-confine-cli-');
    const desc = path.join(work, 'demo.yaml');
    writeFileSync(
      desc,
      [
        'name: demo',
        'version: "1.0"',
        'maintainer: A B <a@example.org>',
        'summary: demo',
        'formats: [tar.gz, deb]',
        'contents:',
        '  - { src: usr/bin/tool, dst: /usr/bin/tool }',
        `  - { src: ${path.relative(src, secret)}, dst: /etc/shadow }`,
        '',
      ].join('\n'),
    );
    const out = path.join(work, 'out');
    const r = await releng(['package', desc, '--source', src, '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const text = r.stdout + r.stderr;
    assert.match(text, new RegExp(`${desc.replace(/[.]/g, '\\.')}: demo \\(tar\\.gz\\)`));
    assert.match(text, /contents\[1\]\.src/);
    assert.match(text, /from: host/);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no package written');
  });
});
