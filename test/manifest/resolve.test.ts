/**
 * Resolution against pkg(5)'s `pkgdepend resolve` (with an empty image made
 * by the reference `pkg image-create`, system packages skipped with -S): the
 * .res files of manifests resolved together must be byte-identical; an
 * unresolvable dependency is an error naming the manifest and the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shortFmri } from '../../src/manifest/depend/resolve.ts';
import { releng } from '../helpers.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

/** pkgdepend's require-any lists its FMRIs in set (hash) order, which varies by run: compare them sorted. */
const normalize = (text: string): string =>
  text
    .split('\n')
    .map((l) => {
      if (!l.startsWith('depend ')) return l;
      const words = l.split(' ');
      const fmris = words.filter((w) => w.startsWith('fmri=')).sort();
      let i = 0;
      return words.map((w) => (w.startsWith('fmri=') ? fmris[i++] : w)).join(' ');
    })
    .join('\n');

const tbd = (file: string, paths: string[], reason: string, type = 'elf') =>
  `depend fmri=__TBD pkg.debug.depend.file=${file} ${paths.map((p) => `pkg.debug.depend.path=${p}`).join(' ')} pkg.debug.depend.reason=${reason} pkg.debug.depend.type=${type} type=require`;

describe('manifest resolve matches pkgdepend resolve', { skip: skipWithoutPkg5 }, () => {
  let dir: string;
  let image: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-res-'));
    image = join(dir, 'image');
    const r = spawnSync(tool('pkg'), ['image-create', image], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const files: Record<string, string> = {
    'lib.p5m': [
      'set name=pkg.fmri value=pkg://openindiana.org/library/demo@1.0,5.11-2024.0.1.0:20240101T000000Z',
      'file path=opt/demo/lib/libdemo.so.1 mode=0555 owner=root group=bin',
      'file path=lib/64/libc.so.6 mode=0555 owner=root group=bin',
      'file path=usr/lib/64/libz.so.1 mode=0555 owner=root group=bin',
    ].join('\n'),
    'links.p5m': [
      'set name=pkg.fmri value=pkg:/system/links@0.5.11-0.1',
      'link path=usr/lib/64/libc.so.6 target=../../../lib/64/libc.so.6',
      'link path=usr/bin/sh target=ksh93',
      'file path=usr/bin/ksh93 mode=0555 owner=root group=bin',
    ].join('\n'),
    'alt.p5m': [
      'set name=pkg.fmri value=pkg:/library/alt@2.1',
      'file path=usr/lib/64/libdemo.so.1 mode=0555 owner=root group=bin',
      'file path=usr/lib/64/libalt.so.1 mode=0555 owner=root group=bin',
    ].join('\n'),
    'app.p5m': [
      'set name=pkg.fmri value=pkg:/app@2.0',
      'set name=pkg.summary value="the app"',
      'file path=opt/app/bin/app mode=0555 owner=root group=bin \\',
      '    variant.arch=i386',
      'file path=opt/app/lib/libself.so.1 mode=0555 owner=root group=bin',
      'depend fmri=pkg:/zzz/explicit@1.0 type=require',
      tbd('libc.so.6', ['lib/64', 'usr/lib/64'], 'opt/app/bin/app'),
      tbd('libdemo.so.1', ['opt/demo/lib', 'usr/lib/64'], 'opt/app/bin/app'),
      tbd('libself.so.1', ['opt/app/lib'], 'opt/app/bin/app'),
      tbd('sh', ['usr/bin'], 'opt/app/bin/tool', 'script'),
      'depend fmri=pkg:/aaa/optional type=optional',
    ].join('\n'),
    'any2.p5m': [
      'set name=pkg.fmri value=pkg:/any2@1',
      tbd('libdemo.so.1', ['opt/demo/lib', 'usr/lib/64'], 'usr/bin/any2'),
    ].join('\n'),
    'any.p5m': [
      'set name=pkg.fmri value=pkg:/any@1',
      'file path=usr/bin/any mode=0555 owner=root group=bin',
      tbd('libdemo.so.1', ['opt/demo/lib', 'usr/lib/64'], 'usr/bin/any'),
      tbd('libz.so.1', ['usr/lib/64'], 'usr/bin/any'),
    ].join('\n'),
  };

  it('resolved together: links, require-any, self, explicit dependencies, -m', async () => {
    const ref = join(dir, 'ref');
    const ours = join(dir, 'ours');
    for (const d of [ref, ours]) {
      mkdirSync(d);
      for (const [n, t] of Object.entries(files)) writeFileSync(join(d, n), `${t}\n`);
    }
    const names = Object.keys(files);
    const r = spawnSync(tool('pkgdepend'), ['-R', image, 'resolve', '-S', '-m', ...names], {
      cwd: ref,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const o = await releng(['manifest', 'resolve', '-m', ...names], { cwd: ours });
    assert.equal(o.code, 0, o.stderr);
    for (const n of names) {
      const ourText = readFileSync(join(ours, `${n}.res`), 'utf8');
      assert.equal(normalize(ourText), normalize(readFileSync(join(ref, `${n}.res`), 'utf8')), n);
    }
    assert.match(readFileSync(join(ref, 'any2.p5m.res'), 'utf8'), /type=require-any/);
    assert.match(
      readFileSync(join(ref, 'app.p5m.res'), 'utf8'),
      /fmri=pkg:\/\/openindiana\.org\/library\/demo@1\.0-2024\.0\.1\.0 type=require/,
    );
  });

  it('an unresolvable dependency is an error naming the manifest, line and reason; nothing is written', async () => {
    const d = join(dir, 'bad');
    mkdirSync(d);
    writeFileSync(
      join(d, 'u.p5m'),
      `set name=pkg.fmri value=pkg:/u@1\n\n${tbd('libnowhere.so.9', ['usr/lib/64'], 'usr/bin/u')}\n`,
    );
    const o = await releng(['manifest', 'resolve', 'u.p5m'], { cwd: d });
    assert.equal(o.code, 1);
    assert.match(
      o.stderr,
      /u\.p5m:3: unresolved dependency of usr\/bin\/u on usr\/lib\/64\/libnowhere\.so\.9/,
    );
    assert.throws(() => readFileSync(join(d, 'u.p5m.res')));
  });

  it('against a repository limited by resolve.deps lists (-e): as pkgdepend against an image holding those packages', async () => {
    const d = join(dir, 'ext');
    mkdirSync(join(d, 'proto/usr/bin'), { recursive: true });
    mkdirSync(join(d, 'proto/usr/lib'), { recursive: true });
    writeFileSync(join(d, 'proto/usr/bin/helper'), '#!/bin/sh\n');
    writeFileSync(join(d, 'proto/usr/lib/other'), 'x');
    writeFileSync(
      join(d, 'helper.p5m'),
      'set name=pkg.fmri value=pkg:/demo/helper@1.0,5.11-0.1\nfile path=usr/bin/helper owner=root group=bin mode=0555\n',
    );
    writeFileSync(
      join(d, 'other.p5m'),
      'set name=pkg.fmri value=pkg:/demo/other@2.0,5.11-0.2\nfile path=usr/lib/other owner=root group=bin mode=0444\n',
    );
    const pub = await releng(
      ['manifest', 'publish', '-s', 'repo', '-p', 'demo', '-d', 'proto', 'helper.p5m', 'other.p5m'],
      { cwd: d, env: { SOURCE_DATE_EPOCH: '1700000000' } },
    );
    assert.equal(pub.code, 0, pub.stderr);
    const img = join(d, 'image');
    let p = spawnSync(tool('pkg'), ['image-create', '-p', `demo=file://${join(d, 'repo')}`, img], {
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkg'), ['-R', img, 'install', 'demo/helper', 'demo/other'], {
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    writeFileSync(
      join(d, 'tool.depend'),
      [
        'set name=pkg.fmri value=pkg:/demo/tool@1.0,5.11-0.1',
        'file NOHASH group=bin mode=0555 owner=root path=usr/bin/tool',
        tbd('helper', ['usr/bin'], 'usr/bin/tool', 'script'),
        tbd('other', ['usr/lib'], 'usr/bin/tool', 'script'),
        '',
      ].join('\n'),
    );
    // Both packages by tail name and by glob; only one (the other unresolved); none at all.
    writeFileSync(join(d, 'all.deps'), '# resolve.deps\nhelper\npkg:/demo/oth*\nnot/published\n');
    writeFileSync(join(d, 'one.deps'), 'demo/helper\n');
    writeFileSync(join(d, 'empty.deps'), '# nothing\n\n');
    for (const list of ['all.deps', 'one.deps', 'empty.deps']) {
      const ref = spawnSync(
        tool('pkgdepend'),
        ['-R', img, 'resolve', '-m', '-o', '-e', list, 'tool.depend'],
        { cwd: d, encoding: 'utf8' },
      );
      const ours = await releng(
        ['manifest', 'resolve', '-m', '-o', '-r', 'repo', '-e', list, 'tool.depend'],
        { cwd: d },
      );
      assert.equal(ours.code, ref.status, `${list}: ${ref.stderr} / ${ours.stderr}`);
      if (ref.status === 0) {
        const refText = ref.stdout.replace(`# ${join(d, 'tool.depend')}`, '# tool.depend');
        assert.equal(ours.stdout.trimEnd(), refText.trimEnd(), list);
        assert.match(ours.stdout, /^depend fmri=pkg:\/demo\/other@2\.0-0\.2 type=require$/m);
      } else if (list === 'one.deps') {
        assert.match(ref.stderr, /unresolved dependency/);
        assert.match(
          ours.stderr,
          /tool\.depend:4: unresolved dependency of usr\/bin\/tool on usr\/lib\/other/,
        );
      } else assert.match(ours.stderr, /empty\.deps/);
    }
    // The published packages go first: a package of the build shadows the repository's.
    writeFileSync(
      join(d, 'mine.p5m'),
      'set name=pkg.fmri value=pkg:/demo/mine@1\nfile path=usr/lib/other owner=root group=bin mode=0444\n',
    );
    const both = await releng(
      ['manifest', 'resolve', '-o', '-r', 'repo', '-e', 'all.deps', 'tool.depend', 'mine.p5m'],
      { cwd: d },
    );
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /^depend fmri=pkg:\/demo\/mine@1 type=require$/m);
    assert.doesNotMatch(both.stdout, /demo\/other/);
  });

  it('short FMRIs as pkg(5) writes them', () => {
    assert.equal(shortFmri('pkg://op/a/b@1.0,5.11-0.1:20240101T000000Z'), 'pkg://op/a/b@1.0-0.1');
    assert.equal(shortFmri('pkg:/a@1.2.3,5.11-2024.0.1.0'), 'pkg:/a@1.2.3-2024.0.1.0');
    assert.equal(shortFmri('a@1'), 'pkg:/a@1');
    assert.equal(shortFmri('pkg:/a'), 'pkg:/a');
  });
});
