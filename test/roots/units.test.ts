/** The pure parts of roots and recipes, and the CLI's usage errors (no root needed). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { collectFiles } from '../../src/recipes/common.ts';
import { detectLayout } from '../../src/recipes/detect.ts';
import { updateChecksums } from '../../src/recipes/sign.ts';
import { readSpec } from '../../src/recipes/spec-file.ts';
import { parseSourceLine } from '../../src/roots/archive.ts';
import { parseSimulation, unmetDependencies } from '../../src/roots/build-deps.ts';
import { checkRootName, mountsUnder, rootsCacheDir } from '../../src/roots/cache.ts';
import { sandboxArgv } from '../../src/roots/sandbox.ts';
import { releng, writeFiles } from '../helpers.ts';

describe('roots: pure parts', () => {
  test('a fresh root: pdeathsig, private mount namespace, overlay options, bwrap without network', () => {
    const argv = sandboxArgv({
      baseLock: '/c/bases/k.lock',
      base: '/c/bases/k',
      layers: ['/c/layers/l'],
      upper: '/c/builds/i/upper',
      work: '/c/builds/i/work',
      mountpoint: '/c/builds/i/root',
      command: ['make', 'check'],
      network: false,
      cwd: '/build',
      roBinds: [],
      hostname: 'h',
      parentPid: 1234,
    });
    assert.deepEqual(argv.slice(0, 8), [
      'setpriv',
      '--pdeathsig',
      'KILL',
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
    ]);
    assert.ok(
      argv.includes(
        'lowerdir=/c/layers/l:/c/bases/k,upperdir=/c/builds/i/upper,workdir=/c/builds/i/work',
      ),
    );
    assert.equal(argv[argv.indexOf('-c') + 2], 'sh');
    assert.equal(argv[argv.indexOf('-c') + 3], '1234');
    assert.ok(argv.includes('--unshare-net'));
    assert.ok(!argv.includes('--unshare-all'), 'no user namespace: apt drops to _apt');
    assert.deepEqual(argv.slice(-4), ['/build', '--', 'make', 'check']);
    const i = argv.indexOf('--tmpfs');
    assert.deepEqual(argv.slice(i - 2, i + 2), ['--perms', '1777', '--tmpfs', '/tmp']);
  });

  test('apt simulation and unmet dependencies', () => {
    const sim =
      'Inst debhelper (13.11.4 Debian:12.12/stable [all])\nInst libfoo1 [1.0-1] (1.1-1 Debian:12/stable [amd64])\nConf debhelper (13.11.4)\n';
    assert.deepEqual(parseSimulation(sim), ['debhelper=13.11.4', 'libfoo1=1.1-1']);
    const err =
      ' builddeps:command line : Depends: releng-nope but it is not installable\nE: Unable to locate package other-nope\n';
    assert.deepEqual(unmetDependencies(err), ['releng-nope', 'other-nope']);
  });

  test('spec fields with macros; unexpandable sources and missing Name refused', () => {
    const s = readSpec(
      '%global srcname hi\nName: %{srcname}\nVersion: 1.2\nSource0: https://x.org/%{name}-%{version}.tar.gz\nPatch1: fix.patch\nBuildRequires: gcc, make >= 4\n%description\n',
      'a.spec',
    );
    assert.equal(s.name, 'hi');
    assert.deepEqual(s.sources, ['hi-1.2.tar.gz', 'fix.patch']);
    assert.deepEqual(s.buildRequires, ['gcc', 'make >= 4']);
    assert.throws(
      () => readSpec('Name: x\nVersion: 1\nSource0: %{undefined_macro}.tar.gz\n', 'b.spec'),
      /cannot expand/,
    );
    assert.throws(() => readSpec('Version: 1\n', 'c.spec'), /no Name or Version/);
    assert.throws(() => readSpec('Name: ../../x\nVersion: 1\n', 'd.spec'), /not a plain file name/);
  });

  test('changes checksums rewritten for re-signed files only', () => {
    const bytes = Buffer.from('new deb');
    const text =
      'Format: 1.8\nChecksums-Sha256:\n 00 5 a.deb\n 11 6 b.deb\nFiles:\n 22 5 devel optional a.deb\n';
    const out = updateChecksums(text, new Map([['a.deb', bytes]]));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const md5 = createHash('md5').update(bytes).digest('hex');
    assert.equal(
      out,
      `Format: 1.8\nChecksums-Sha256:\n ${sha} 7 a.deb\n 11 6 b.deb\nFiles:\n ${md5} 7 devel optional a.deb\n`,
    );
  });

  test('names, sources and the cache folder are checked', () => {
    assert.throws(() => checkRootName('../etc'), /invalid root name/);
    assert.throws(() => checkRootName('A B'), /invalid root name/);
    checkRootName('bookworm-rpm');
    assert.throws(() => parseSourceLine('deb ftp://x bookworm main'), /invalid APT source/);
    assert.deepEqual(
      parseSourceLine('deb http://deb.debian.org/debian-security/ bookworm-security main'),
      {
        uri: 'http://deb.debian.org/debian-security',
        suite: 'bookworm-security',
        components: ['main'],
      },
    );
    assert.throws(() => rootsCacheDir('/tmp/a,b'), /contains/);
    // Stale clean-up never deletes through a mount point.
    assert.ok(mountsUnder('/proc').includes('/proc'));
    assert.deepEqual(mountsUnder('/nonexistent-releng-dir'), []);
  });

  test('layouts detected', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'releng-layouts-'));
    try {
      await writeFiles(dir, {
        'deb/debian/control': 'Source: x\n',
        'std/x.spec': 'Name: x\n',
        'x.dsc': '',
        'x.src.rpm': '',
        'spec-repo/centos7/rpm/SPECS/x.spec': '',
        'other/README': '',
      });
      assert.equal(detectLayout([path.join(dir, 'deb')]), 'debian-tree');
      assert.equal(detectLayout([path.join(dir, 'std')]), 'rpm-standard');
      assert.equal(detectLayout([path.join(dir, 'x.dsc')]), 'dsc');
      assert.equal(detectLayout([path.join(dir, 'x.src.rpm')]), 'srpm');
      assert.equal(
        detectLayout([path.join(dir, 'std'), path.join(dir, 'spec-repo')]),
        'rpm-two-repo',
      );
      assert.throws(() => detectLayout([path.join(dir, 'other')]), /cannot tell its source layout/);
      assert.throws(() => detectLayout([path.join(dir, 'missing')]), /no such file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('collecting outputs', () => {
  test('only regular files with safe names are collected (a symlink would resolve on the host)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'releng-collect-'));
    try {
      await writeFiles(dir, { 'build/a_1_all.deb': 'deb', 'build/-x.deb': 'bad name' });
      await symlink('/etc/passwd', path.join(dir, 'build', 'evil_1_all.deb'));
      const got = await collectFiles(path.join(dir, 'build'), /\.deb$/, path.join(dir, 'out'));
      assert.deepEqual(got, [path.join(dir, 'out', 'a_1_all.deb')]);
      assert.equal(readFileSync(got[0]!, 'utf8'), 'deb');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('releng root: usage', () => {
  test('help, unknown command, unknown option, bad name', async () => {
    const h = await releng(['root', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /releng root build NAME SOURCE/);
    const u = await releng(['root', 'biuld']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /unknown command 'root biuld' \(did you mean "build"\?\)/);
    const o = await releng(['root', 'list', '--netwrk']);
    assert.equal(o.code, 2);
    assert.match(o.stderr, /unknown option --netwrk/);
    const l = await releng(['root', 'build', 'x', '/nonexistent', '--layout', 'rpmstandard']);
    assert.equal(l.code, 2);
    assert.match(l.stderr, /unknown layout "rpmstandard"/);
  });
});
