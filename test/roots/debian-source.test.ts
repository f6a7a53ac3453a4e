/**
 * The real GNU hello source package from Debian's archive, built by
 * `releng root build` in a fresh root with the network off: .deb, -dbgsym,
 * .buildinfo and .changes; the base unchanged; nothing left mounted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeProject, releng } from '../helpers.ts';
import {
  basePath,
  cacheMounts,
  ENV,
  ensureRoot,
  generateKey,
  helloSource,
  leftovers,
  ROOT,
  rootsUnavailable,
  treeChecksum,
} from './helpers.ts';

const skip = rootsUnavailable();

describe('Debian source packages in a fresh root', { skip }, () => {
  let out = '';
  let work = '';
  let key = '';
  let pub = '';
  let repo = '';
  before(async () => {
    await ensureRoot();
    work = await mkdtemp(path.join(tmpdir(), 'releng-roots-deb-'));
    out = path.join(work, 'out');
    key = path.join(work, 'key.asc');
    pub = path.join(work, 'pub.asc');
    repo = path.join(work, 'apt');
    await generateKey(key, pub);
    // created under the epoch the build publishes with: releng refuses a
    // publish dated before the repository's Release (apt would ignore it)
    const c = await releng(
      ['repo', 'create', repo, '--type', 'apt', '--suite', 'stable', '--key', key],
      { env: { SOURCE_DATE_EPOCH: '1700000000' } },
    );
    assert.equal(c.code, 0, c.stderr);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the network is off inside a root unless asked for', async () => {
    const off = await releng(['root', 'exec', ROOT, '--', 'cat', '/proc/net/dev'], { env: ENV });
    assert.equal(off.code, 0, off.stderr);
    const ifaces = off.stdout
      .split('\n')
      .slice(2)
      .filter(Boolean)
      .map((l) => l.split(':')[0]!.trim());
    assert.deepEqual(ifaces, ['lo']);
    const on = await releng(['root', 'exec', ROOT, '--network', '--', 'cat', '/proc/net/dev'], {
      env: ENV,
    });
    assert.ok(on.stdout.split('\n').slice(2).filter(Boolean).length > 1, on.stdout);
  });

  test('hello .dsc → .deb, -dbgsym, .buildinfo, .changes, signed and published; base unchanged', async () => {
    const { dsc } = await helloSource();
    const before = treeChecksum(basePath());
    const r = await releng(
      ['root', 'build', ROOT, dsc, '--out', out, '--key', key, '--publish', repo, '--json'],
      {
        env: { ...ENV, SOURCE_DATE_EPOCH: '1700000000' },
      },
    );
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const result = JSON.parse(r.stdout);
    assert.equal(result.layout, 'dsc');
    const names = readdirSync(out).sort();
    for (const re of [
      /^hello_.*_amd64\.deb$/,
      /^hello-dbgsym_.*\.deb$/,
      /\.buildinfo$/,
      /\.changes$/,
    ])
      assert.ok(
        names.some((n) => re.test(n)),
        `${re} in ${names.join(' ')}`,
      );
    const deb = path.join(out, names.find((n) => /^hello_.*\.deb$/.test(n))!);
    assert.match(
      execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }),
      /\.\/usr\/bin\/hello/,
    );
    // The build ran offline: the build log records dpkg-buildpackage finishing.
    assert.match(r.stderr, /dpkg-buildpackage: info: binary-only upload/);
    // Signed: an origin signature in each .deb, the .changes clear-signed with matching checksums.
    assert.match(execFileSync('ar', ['t', deb], { encoding: 'utf8' }), /_gpgorigin/);
    const changes = readFileSync(
      path.join(out, names.find((n) => n.endsWith('.changes'))!),
      'utf8',
    );
    assert.match(changes, /^-----BEGIN PGP SIGNED MESSAGE-----/);
    const sha = createHash('sha256').update(readFileSync(deb)).digest('hex');
    assert.ok(changes.includes(`${sha} `), 'the .changes lists the signed .deb');
    // Published: the repository has hello and verifies with the key.
    assert.ok(
      result.published.some((l: string) => /added hello 2\.10-3/.test(l)),
      result.published.join('\n'),
    );
    const v = await releng(['repo', 'verify', repo, '--public-key', pub]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.equal(treeChecksum(basePath()), before, 'the base tree changed');
    assert.deepEqual(cacheMounts(), []);
    assert.deepEqual(leftovers(), []);
  });

  test('update against an unchanged archive keeps the base', async () => {
    const key = path.basename(basePath());
    const r = await releng(['root', 'update', ROOT], { env: ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the archive has not changed; base \w+ kept/);
    assert.equal(path.basename(basePath()), key);
  });

  test('a missing build dependency fails naming it', async () => {
    const dir = await makeProject({
      'debian/control':
        'Source: needs-missing\nMaintainer: T <t@example.org>\nBuild-Depends: debhelper-compat (= 13), releng-no-such-package-xyz\n\nPackage: needs-missing\nArchitecture: all\nDescription: test\n x\n',
      'debian/changelog':
        'needs-missing (1.0) unstable; urgency=low\n\n  * x\n\n -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n',
      'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    });
    try {
      const r = await releng(['root', 'build', ROOT, dir, '--out', out], { env: ENV });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /missing build dependency: releng-no-such-package-xyz/);
      assert.ok(!existsSync(path.join(out, 'needs-missing_1.0_all.deb')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
