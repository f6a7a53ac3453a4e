/**
 * archiveType and the finer points of extraction: GNU tar's way of counting
 * stripped components, pax global headers, modes, duplicates, and a
 * destination that already holds files.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sniffType } from '../../src/extract/formats.ts';
import { archiveType, extractArchive, normalizeType } from '../../src/extract/index.ts';
import {
  type ArchiveSpec,
  have,
  makeArchives,
  makeSourceTree,
  run,
  snapshot,
  tempDir,
} from './helpers.ts';

describe('archiveType', () => {
  const cases: Array<[string, string | undefined]> = [
    ['libfoo-1.0.tar', 'tar'],
    ['libfoo-1.0.tar.gz', 'tar.gz'],
    ['libfoo-1.0.tgz', 'tar.gz'],
    ['LIBFOO-1.0.TAR.GZ', 'tar.gz'],
    ['libfoo-1.0.tar.bz2', 'tar.bz2'],
    ['libfoo-1.0.tbz2', 'tar.bz2'],
    ['libfoo-1.0.tbz', 'tar.bz2'],
    ['libfoo-1.0.tb2', 'tar.bz2'],
    ['libfoo-1.0.tar.xz', 'tar.xz'],
    ['libfoo-1.0.txz', 'tar.xz'],
    ['libfoo-1.0.tar.zst', 'tar.zst'],
    ['libfoo-1.0.tar.zstd', 'tar.zst'],
    ['libfoo-1.0.tzst', 'tar.zst'],
    ['libfoo-1.0.tar.lz', 'tar.lz'],
    ['libfoo-1.0.tar.lzma', 'tar.lzma'],
    ['libfoo-1.0.tar.Z', 'tar.Z'],
    ['libfoo-1.0.zip', 'zip'],
    ['dl/some.dir/libfoo.zip', 'zip'],
    ['libfoo-1.0.gz', undefined],
    ['libfoo-1.0.txt', undefined],
    ['libfoo.tar.gz.sig', undefined],
    ['libfoo', undefined],
    ['.tar.gz', undefined],
  ];
  for (const [name, type] of cases) {
    test(`${name} → ${type}`, () => assert.equal(archiveType(name), type));
  }

  test('explicit types in any spelling', () => {
    assert.equal(normalizeType('tgz'), 'tar.gz');
    assert.equal(normalizeType('.tar.gz'), 'tar.gz');
    assert.equal(normalizeType('TBZ2'), 'tar.bz2');
    assert.equal(normalizeType('txz'), 'tar.xz');
    assert.equal(normalizeType('zip'), 'zip');
    assert.equal(normalizeType('tar'), 'tar');
    assert.equal(normalizeType('rar'), undefined);
    assert.equal(normalizeType(''), undefined);
  });

  test('sniffing the first bytes', () => {
    assert.equal(sniffType(Buffer.from([0x1f, 0x8b, 8, 0])), 'tar.gz');
    assert.equal(sniffType(Buffer.from('BZh91AY')), 'tar.bz2');
    assert.equal(sniffType(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])), 'tar.xz');
    assert.equal(sniffType(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'tar.zst');
    assert.equal(sniffType(Buffer.from('LZIP\x01')), 'tar.lz');
    assert.equal(sniffType(Buffer.from('PK\x03\x04')), 'zip');
    const ustar = Buffer.alloc(512);
    ustar.write('ustar', 257, 'latin1');
    assert.equal(sniffType(ustar), 'tar');
    assert.equal(sniffType(Buffer.from('<html>')), undefined);
  });
});

describe('extraction details', () => {
  let base: string;
  let src: string;
  const specs: ArchiveSpec[] = [];
  const at = (name: string) => path.join(base, name);

  before(() => {
    base = tempDir('releng-extract-behaviour-');
    src = makeSourceTree(base);
    specs.push(
      {
        out: at('global.tar'),
        format: 'pax',
        global_pax: { comment: '0123456789abcdef0123456789abcdef01234567' },
        entries: [
          { name: 'pkg/', type: 'dir' },
          { name: `pkg/${'long-'.repeat(30)}.txt`, data: 'pax long\n' },
        ],
      },
      {
        out: at('modes.tar'),
        entries: [
          { name: 'pkg/', type: 'dir' },
          { name: 'pkg/ro-dir/', type: 'dir', mode: 0o555 },
          { name: 'pkg/ro-dir/file', data: 'x\n', mode: 0o444 },
          { name: 'pkg/suid', data: 'x\n', mode: 0o4755 },
          { name: 'pkg/world', data: 'x\n', mode: 0o666 },
        ],
      },
      {
        out: at('dups.tar'),
        entries: [
          { name: 'pkg/', type: 'dir' },
          { name: 'pkg/file', data: 'first\n' },
          { name: 'pkg/file', data: 'second\n', mtime: 1_700_000_500 },
          { name: 'pkg/sub/', type: 'dir', mode: 0o700 },
          { name: 'pkg/sub/', type: 'dir', mode: 0o755, mtime: 1_700_000_900 },
        ],
      },
      {
        out: at('v7dir.tar'),
        format: 'ustar',
        entries: [
          { name: 'pkg/', type: 'dir' },
          { name: 'pkg/olddir/', type: 'file' },
          { name: 'pkg/olddir/f', data: 'v7\n' },
        ],
      },
    );
    makeArchives(specs);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  function freshDest(name: string): string {
    const dest = at(`dest-${name}`);
    mkdirSync(dest);
    return dest;
  }

  test('strip counts "." like GNU tar does (./pkg-1.0/... with strip 1 keeps pkg-1.0/)', async () => {
    const file = at('dot.tar.gz');
    run('tar', ['-czf', file, './pkg-1.0'], src);
    for (const strip of [1, 2]) {
      const ours = freshDest(`dot-ours-${strip}`);
      const gnu = freshDest(`dot-gnu-${strip}`);
      await extractArchive(file, ours, { stripCount: strip });
      run('tar', ['-xzf', file, '-C', gnu, `--strip-components=${strip}`]);
      assert.deepEqual(Object.fromEntries(snapshot(ours)), Object.fromEntries(snapshot(gnu)));
    }
    assert.ok(lstatSync(at('dest-dot-ours-1/pkg-1.0/README')).isFile());
  });

  test('pax global headers (as git archive writes) and pax long names', async () => {
    const dest = freshDest('global');
    await extractArchive(at('global.tar'), dest, { stripCount: 1 });
    assert.equal(readFileSync(path.join(dest, `${'long-'.repeat(30)}.txt`), 'utf8'), 'pax long\n');
  });

  test('modes: umask applies, set-id bits dropped, directories stay owner-writable', async () => {
    const dest = freshDest('modes');
    await extractArchive(at('modes.tar'), dest, { stripCount: 1 });
    const mode = (p: string) => lstatSync(path.join(dest, p)).mode & 0o7777;
    const umask = process.umask();
    assert.equal(mode('ro-dir'), 0o755 & ~umask);
    assert.equal(mode('ro-dir/file'), 0o444 & ~umask);
    assert.equal(mode('suid'), 0o755 & ~umask);
    assert.equal(mode('world'), 0o666 & ~umask);
  });

  test('duplicate entries: the later one wins', async () => {
    const dest = freshDest('dups');
    await extractArchive(at('dups.tar'), dest, { stripCount: 1 });
    assert.equal(readFileSync(path.join(dest, 'file'), 'utf8'), 'second\n');
    const sub = lstatSync(path.join(dest, 'sub'));
    assert.equal(sub.mode & 0o777, 0o755 & ~process.umask());
    assert.equal(Math.floor(sub.mtimeMs / 1000), 1_700_000_900);
  });

  test('a v7 regular entry whose name ends in / is a directory', async () => {
    const dest = freshDest('v7');
    await extractArchive(at('v7dir.tar'), dest, { stripCount: 1 });
    assert.equal(readFileSync(path.join(dest, 'olddir/f'), 'utf8'), 'v7\n');
  });

  test('files already in the destination (stage flags) are left alone', async () => {
    const file = at('flags.tar.gz');
    run('tar', ['-czf', file, 'pkg-1.0'], src);
    const dest = freshDest('flags');
    writeFileSync(path.join(dest, '.releng_tool-stage-fetch'), '');
    mkdirSync(path.join(dest, 'bin'));
    await extractArchive(file, dest, { stripCount: 1 });
    assert.ok(lstatSync(path.join(dest, '.releng_tool-stage-fetch')).isFile());
    assert.ok(lstatSync(path.join(dest, 'bin/run.sh')).isFile());
  });

  test('zip64, a streamed (> 16 MB) entry and a self-extracting stub', {
    skip: !have('zip') && 'no zip',
  }, async () => {
    const dir = at('zipsrc/p');
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(17 << 20, 1));
    writeFileSync(path.join(dir, 'sub/a'), 'a\n');
    run('zip', ['-qr', '-fz', at('z64.zip'), 'p'], at('zipsrc'));
    // Bytes before the archive, offsets left as they were (as `cat stub x.zip` gives).
    writeFileSync(
      at('sfx.zip'),
      Buffer.concat([Buffer.alloc(999, 7), readFileSync(at('z64.zip'))]),
    );
    for (const name of ['z64.zip', 'sfx.zip']) {
      const dest = freshDest(name);
      await extractArchive(at(name), dest, { stripCount: 1 });
      assert.ok(readFileSync(path.join(dest, 'big')).equals(Buffer.alloc(17 << 20, 1)));
      assert.equal(readFileSync(path.join(dest, 'sub/a'), 'utf8'), 'a\n');
    }
  });

  test('the destination is created when missing', async () => {
    const file = at('mk.tar.gz');
    run('tar', ['-czf', file, 'pkg-1.0'], src);
    const dest = at('not/yet/there');
    await extractArchive(file, dest, { stripCount: 1 });
    assert.equal(readFileSync(path.join(dest, 'README'), 'utf8'), 'hello\n');
  });
});
