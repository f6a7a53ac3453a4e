/**
 * Hostile archives are refused with an error naming the archive and the
 * offending entry, and nothing outside the destination changes: a sentinel
 * file beside it keeps its content and no new path appears outside.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ExtractError, extractArchive } from '../../src/extract/index.ts';
import {
  type ArchiveEntrySpec,
  type ArchiveSpec,
  listing,
  makeArchives,
  tempDir,
} from './helpers.ts';

const root = tempDir('releng-hostile-');
after(() => rmSync(root, { recursive: true, force: true }));

interface Setup {
  base: string;
  outside: string;
  sentinel: string;
  dest: string;
}

let counter = 0;
function setup(): Setup {
  const base = path.join(root, `case-${counter++}`);
  const outside = path.join(base, 'outside');
  const dest = path.join(base, 'dest');
  mkdirSync(outside, { recursive: true });
  mkdirSync(dest);
  const sentinel = path.join(outside, 'sentinel');
  writeFileSync(sentinel, 'original\n');
  return { base, outside, sentinel, dest };
}

/**
 * Archives to make, all in one python3 run before the tests (each test gets
 * its own directory with a sentinel file beside the destination).
 */
const pending: ArchiveSpec[] = [];
function prepare(
  fileName: string,
  entries: (s: Setup) => ArchiveEntrySpec[],
  opts: Partial<ArchiveSpec> = {},
): { s: Setup; archive: string } {
  const s = setup();
  const archive = path.join(s.base, fileName);
  pending.push({ ...opts, out: archive, entries: entries(s) });
  return { s, archive };
}
let built = false;
/** Makes every archive registered with prepare (on first use, after all were registered). */
function ready(): void {
  if (built) return;
  makeArchives(pending);
  built = true;
}

/** Everything under base except the destination. */
function outsideListing(s: Setup): string[] {
  return listing(s.base).filter((l) => !l.startsWith('dest/') && !l.startsWith('dest '));
}

async function expectRefused(
  s: Setup,
  archive: string,
  entry: string,
  reason: RegExp,
  strip = 1,
): Promise<void> {
  ready();
  const before = outsideListing(s);
  await assert.rejects(extractArchive(archive, s.dest, { stripCount: strip }), (err: unknown) => {
    assert.ok(err instanceof ExtractError, `not an ExtractError: ${err}`);
    assert.equal(err.file, archive);
    assert.equal(err.entry, entry);
    assert.match(err.reason, reason);
    assert.ok(err.message.includes(path.basename(archive)), err.message);
    assert.ok(err.message.includes(JSON.stringify(entry)), err.message);
    return true;
  });
  assert.equal(readFileSync(s.sentinel, 'utf8'), 'original\n');
  assert.equal(lstatSync(s.sentinel).nlink, 1, 'sentinel got a hard link');
  assert.deepEqual(outsideListing(s), before);
}

type Case = {
  title: string;
  entries: (s: Setup) => ArchiveEntrySpec[];
  entry: (s: Setup) => string;
  reason: RegExp;
  strip?: number;
  format?: 'gnu' | 'pax' | 'ustar';
};

const file = (name: string, data = 'evil\n'): ArchiveEntrySpec => ({ name, data });
const dir = (name: string): ArchiveEntrySpec => ({ name, type: 'dir' });

const TAR_CASES: Case[] = [
  {
    title: '../ entry',
    entries: () => [dir('pkg'), file('pkg/ok'), file('../outside/sentinel')],
    entry: () => '../outside/sentinel',
    reason: /contains "\.\."/,
  },
  {
    title: '.. hidden by the strip count',
    entries: () => [dir('pkg'), file('pkg/../../outside/evil')],
    entry: () => 'pkg/../../outside/evil',
    reason: /contains "\.\."/,
  },
  {
    title: 'absolute path',
    entries: (s) => [dir('pkg'), file(`${s.outside}/evil`)],
    entry: (s) => `${s.outside}/evil`,
    reason: /absolute/,
  },
  {
    title: 'absolute path at strip 0',
    entries: (s) => [file(s.sentinel)],
    entry: (s) => s.sentinel,
    reason: /absolute/,
    strip: 0,
  },
  {
    title: 'file through an absolute symlink made earlier in the archive',
    entries: (s) => [
      dir('pkg'),
      { name: 'pkg/link', type: 'symlink', linkname: s.outside },
      file('pkg/link/sentinel'),
    ],
    entry: () => 'pkg/link/sentinel',
    reason: /symbolic link/,
  },
  {
    title: 'file through a relative symlink to outside',
    entries: () => [
      dir('pkg'),
      { name: 'pkg/link', type: 'symlink', linkname: '../../outside' },
      file('pkg/link/new-file'),
    ],
    entry: () => 'pkg/link/new-file',
    reason: /symbolic link/,
  },
  {
    title: 'file through a chain of symlinks',
    entries: () => [
      dir('pkg'),
      { name: 'pkg/a', type: 'symlink', linkname: '.' },
      { name: 'pkg/b', type: 'symlink', linkname: 'a/../../outside' },
      file('pkg/b/new-file'),
    ],
    entry: () => 'pkg/b/new-file',
    reason: /symbolic link/,
  },
  {
    title: 'directory through a symlink',
    entries: (s) => [
      dir('pkg'),
      { name: 'pkg/link', type: 'symlink', linkname: s.outside },
      dir('pkg/link/newdir'),
    ],
    entry: () => 'pkg/link/newdir/',
    reason: /symbolic link/,
  },
  {
    title: 'symlink through a symlink',
    entries: (s) => [
      dir('pkg'),
      { name: 'pkg/link', type: 'symlink', linkname: s.outside },
      { name: 'pkg/link/sentinel', type: 'symlink', linkname: '/etc/passwd' },
    ],
    entry: () => 'pkg/link/sentinel',
    reason: /symbolic link/,
  },
  {
    title: 'symlink pointing inside, written through all the same',
    entries: () => [
      dir('pkg'),
      dir('pkg/real'),
      { name: 'pkg/alias', type: 'symlink', linkname: 'real' },
      file('pkg/alias/file'),
    ],
    entry: () => 'pkg/alias/file',
    reason: /symbolic link/,
  },
  {
    title: 'hard link to an absolute path',
    entries: (s) => [dir('pkg'), { name: 'pkg/h', type: 'hardlink', linkname: s.sentinel }],
    entry: () => 'pkg/h',
    reason: /absolute/,
  },
  {
    title: 'hard link to ../',
    entries: () => [
      dir('pkg'),
      { name: 'pkg/h', type: 'hardlink', linkname: 'pkg/../../outside/sentinel' },
    ],
    entry: () => 'pkg/h',
    reason: /contains "\.\."/,
  },
  {
    title: 'hard link through a symlink',
    entries: (s) => [
      dir('pkg'),
      { name: 'pkg/link', type: 'symlink', linkname: s.outside },
      { name: 'pkg/h', type: 'hardlink', linkname: 'pkg/link/sentinel' },
    ],
    entry: () => 'pkg/h',
    reason: /not a file extracted earlier/,
  },
  {
    title: 'hard link to a member that was never extracted',
    entries: () => [dir('pkg'), { name: 'pkg/h', type: 'hardlink', linkname: 'pkg/missing' }],
    entry: () => 'pkg/h',
    reason: /not a file extracted earlier/,
  },
  {
    title: 'character device',
    entries: () => [dir('pkg'), { name: 'pkg/null', type: 'chr' }],
    entry: () => 'pkg/null',
    reason: /device/,
  },
  {
    title: 'block device',
    entries: () => [dir('pkg'), { name: 'pkg/sda', type: 'blk' }],
    entry: () => 'pkg/sda',
    reason: /device/,
  },
  {
    title: 'FIFO',
    entries: () => [dir('pkg'), { name: 'pkg/pipe', type: 'fifo' }],
    entry: () => 'pkg/pipe',
    reason: /FIFO/,
  },
  {
    title: 'pax path header with ..',
    entries: () => [
      dir('pkg'),
      { name: 'pkg/innocent', data: 'evil\n', pax: { path: 'pkg/../../outside/sentinel' } },
    ],
    entry: () => 'pkg/../../outside/sentinel',
    reason: /contains "\.\."/,
    format: 'pax',
  },
  {
    title: 'pax linkpath header to outside',
    entries: (s) => [
      dir('pkg'),
      { name: 'pkg/h', type: 'hardlink', linkname: 'pkg/x', pax: { linkpath: s.sentinel } },
    ],
    entry: () => 'pkg/h',
    reason: /absolute/,
    format: 'pax',
  },
  {
    title: 'GNU long name with ..',
    entries: () => [dir('pkg'), file(`pkg/${'x/'.repeat(60)}../../../${'../'.repeat(60)}evil`)],
    entry: () => `pkg/${'x/'.repeat(60)}../../../${'../'.repeat(60)}evil`,
    reason: /contains "\.\."/,
    format: 'gnu',
  },
];

describe('hostile tar archives are refused', () => {
  for (const c of TAR_CASES) {
    const { s, archive } = prepare('hostile.tar.gz', c.entries, {
      compression: 'gz',
      format: c.format ?? 'gnu',
    });
    test(c.title, () => expectRefused(s, archive, c.entry(s), c.reason, c.strip));
  }
});

describe('hostile zip archives are refused', () => {
  const ZIP_CASES: Case[] = [
    {
      title: '../ entry',
      entries: () => [dir('pkg/'), file('pkg/../../outside/sentinel')],
      entry: () => 'pkg/../../outside/sentinel',
      reason: /contains "\.\."/,
    },
    {
      title: 'backslash ..\\ entry (made on Windows)',
      entries: () => [dir('pkg/'), file('pkg\\..\\..\\outside\\sentinel')],
      entry: () => 'pkg\\..\\..\\outside\\sentinel',
      reason: /contains "\.\."/,
    },
    {
      title: 'absolute path',
      entries: (s) => [file(s.sentinel)],
      entry: (s) => s.sentinel,
      reason: /absolute/,
    },
    {
      title: 'file through a symlink made earlier in the archive',
      entries: (s) => [
        dir('pkg/'),
        { name: 'pkg/link', type: 'symlink', linkname: s.outside },
        file('pkg/link/sentinel'),
      ],
      entry: () => 'pkg/link/sentinel',
      reason: /symbolic link/,
    },
    {
      title: 'character device',
      entries: () => [dir('pkg/'), { name: 'pkg/null', type: 'chr' }],
      entry: () => 'pkg/null',
      reason: /device node, FIFO or socket/,
    },
  ];
  for (const c of ZIP_CASES) {
    const { s, archive } = prepare('hostile.zip', c.entries, { kind: 'zip' });
    test(c.title, () => expectRefused(s, archive, c.entry(s), c.reason, c.strip));
  }
});

describe('symlinks that point outside may exist but are never followed', () => {
  const links = prepare('links.tar', (s) => [
    dir('pkg'),
    { name: 'pkg/abs', type: 'symlink', linkname: s.sentinel },
    { name: 'pkg/rel', type: 'symlink', linkname: '../../outside/sentinel' },
    file('pkg/after', 'fine\n'),
  ]);
  test('absolute and ../ symlinks are created as links', async () => {
    ready();
    const { s, archive } = links;
    const before = outsideListing(s);
    await extractArchive(archive, s.dest, { stripCount: 1 });
    assert.ok(lstatSync(path.join(s.dest, 'abs')).isSymbolicLink());
    assert.ok(lstatSync(path.join(s.dest, 'rel')).isSymbolicLink());
    assert.equal(readFileSync(path.join(s.dest, 'after'), 'utf8'), 'fine\n');
    assert.equal(readFileSync(s.sentinel, 'utf8'), 'original\n');
    assert.deepEqual(outsideListing(s), before);
  });

  const replace = prepare('replace.tar', (s) => [
    dir('pkg'),
    { name: 'pkg/a', type: 'symlink', linkname: s.sentinel },
    file('pkg/a', 'replaced\n'),
    { name: 'pkg/b', type: 'symlink', linkname: s.outside },
    dir('pkg/b'),
    file('pkg/b/inside', 'inside\n'),
    { name: 'pkg/c', type: 'symlink', linkname: s.sentinel },
    { name: 'pkg/c', type: 'hardlink', linkname: 'pkg/a' },
  ]);
  test('a later entry of the same name replaces the link instead of writing through it', async () => {
    ready();
    const { s, archive } = replace;
    const before = outsideListing(s);
    await extractArchive(archive, s.dest, { stripCount: 1 });
    assert.ok(lstatSync(path.join(s.dest, 'a')).isFile());
    assert.equal(readFileSync(path.join(s.dest, 'a'), 'utf8'), 'replaced\n');
    assert.ok(lstatSync(path.join(s.dest, 'b')).isDirectory());
    assert.equal(readFileSync(path.join(s.dest, 'b/inside'), 'utf8'), 'inside\n');
    assert.equal(lstatSync(path.join(s.dest, 'c')).ino, lstatSync(path.join(s.dest, 'a')).ino);
    assert.equal(readFileSync(s.sentinel, 'utf8'), 'original\n');
    assert.deepEqual(outsideListing(s), before);
  });

  const pre = prepare('pre.tar', () => [dir('pkg'), file('pkg/pre/sentinel')]);
  test('a symlink already in the destination is not written through', async () => {
    ready();
    const { s, archive } = pre;
    symlinkSync(s.outside, path.join(s.dest, 'pre'));
    await expectRefused(s, archive, 'pkg/pre/sentinel', /not a directory/);
  });
});
