/** `releng repo … --type yum` through runRepoCommand: the whole life of a signed YUM repository. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoCli } from '../helpers.ts';
import { buildPackages, description, tempDir } from '../pkgsign/helpers.ts';

const cli = (...argv: string[]) => repoCli(argv);

/** Every file under dir → SHA-256 (the lock excepted): equal snapshots mean nothing changed. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else if (!r.endsWith('/lock'))
        out.set(
          r,
          createHash('sha256')
            .update(readFileSync(path.join(dir, r)))
            .digest('hex'),
        );
    }
  };
  walk('');
  return out;
}

describe('releng repo (YUM)', () => {
  const work = tempDir('releng-yumcli-');
  const key = path.join(work, 'keys', 'yum.key');
  const pub = path.join(work, 'yum.asc');
  const otherKey = path.join(work, 'keys', 'other.key');
  const otherPub = path.join(work, 'other.asc');
  const repo = path.join(work, 'repo');
  let rpms: string[];
  after(() => rmSync(work, { recursive: true, force: true }));

  before(async () => {
    rpms = await buildPackages('rpm', path.join(work, 'rpms'), [
      description('alpha'),
      description('beta', { version: '2.0' }),
    ]);
    for (const [out, pubOut, name] of [
      [key, pub, 'YUM CLI'],
      [otherKey, otherPub, 'Someone Else'],
    ] as const) {
      const r = await cli(
        'key',
        'generate',
        '--name',
        name,
        '--email',
        'yum@example.org',
        '--out',
        out,
        '--public-out',
        pubOut,
      );
      assert.equal(r.code, 0, r.err);
    }
  });

  test('create, add, list, verify, remove, index, tampering and a wrong key', async () => {
    let r = await cli('repo', 'create', repo, '--type', 'yum', '--key', key);
    assert.equal(r.code, 0, r.err);
    assert.ok(statSync(path.join(repo, 'repodata/repomd.xml.asc')).size > 0);

    r = await cli('repo', 'add', repo, ...rpms, '--key', key);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /added alpha-1\.0-1\.noarch/);
    assert.match(r.out, /added beta-2\.0-1\.noarch/);
    assert.match(r.out, /\(2 packages, signed by [0-9A-F]{40}\)/);

    r = await cli('repo', 'list', repo);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), [
      'alpha-1.0-1.noarch Packages/alpha-1.0-1.noarch.rpm',
      'beta-2.0-1.noarch Packages/beta-2.0-1.noarch.rpm',
    ]);

    r = await cli('repo', 'verify', repo, '--public-key', pub);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /3 data files, signed by [0-9A-F]{40}/);
    assert.match(r.out, /2 package files checked\nOK/);

    r = await cli('repo', 'verify', repo, '--public-key', otherPub);
    assert.equal(r.code, 1);
    assert.match(r.out, /\(problem\) .*repomd\.xml\.asc/);

    r = await cli('repo', 'verify', repo);
    assert.equal(r.code, 2, 'a usage error without --public-key or --unsigned');

    r = await cli('repo', 'remove', repo, 'beta-2.0-1.noarch', '--key', key);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /removed beta-2\.0-1\.noarch/);
    r = await cli('repo', 'list', repo);
    assert.equal(r.out.trim(), 'alpha-1.0-1.noarch Packages/alpha-1.0-1.noarch.rpm');

    r = await cli('repo', 'index', repo, '--key', key);
    assert.equal(r.code, 0, r.err);
    // Nothing changed: nothing is written, not even a new signature.
    assert.match(r.out, /unchanged: nothing to publish \(.*, 1 packages, signed by/);

    // A package changed after indexing shows in verify's exit code.
    const alpha = path.join(repo, 'Packages/alpha-1.0-1.noarch.rpm');
    const saved = readFileSync(alpha);
    writeFileSync(alpha, Buffer.concat([saved, Buffer.from('tampered')]));
    r = await cli('repo', 'verify', repo, '--public-key', pub);
    assert.equal(r.code, 1);
    assert.match(r.out, /\(problem\) Packages\/alpha-1\.0-1\.noarch\.rpm: size differs/);
    r = await cli('repo', 'verify', repo, '--public-key', pub, '--no-pool');
    assert.equal(r.code, 0, `--no-pool skips the packages: ${r.out}`);
    writeFileSync(alpha, saved);
  });

  test('bad input leaves the repository exactly as it was', async () => {
    const before = snapshot(repo);
    const notRpm = path.join(work, 'not-an.rpm');
    writeFileSync(notRpm, 'this is not an rpm\n');
    let r = await cli('repo', 'add', repo, notRpm, '--key', key);
    assert.equal(r.code, 1);
    assert.match(r.err, /not-an\.rpm/);

    r = await cli('repo', 'add', repo, rpms[1]!);
    assert.equal(r.code, 1, 'a signed repository is not published unsigned');
    assert.match(r.err, /this repository is signed; publishing needs the signing key/);

    r = await cli('repo', 'remove', repo, 'nothing-1-1.noarch', '--key', key);
    assert.equal(r.code, 1);
    assert.match(r.err, /nothing-1-1\.noarch: no such package/);
    assert.deepEqual(snapshot(repo), before);
  });
});
