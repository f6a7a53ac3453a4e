/**
 * Truncated and corrupted rpms: refused by `repo add` (sizes, header and
 * payload digests, as rpm itself checks them) and reported by `repo verify`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoCli } from '../helpers.ts';
import { buildPackages, description, run, tempDir } from '../pkgsign/helpers.ts';

/** A real rpm from rpmbuild with an incompressible 300 KB file. */
function rpmbuildPackage(dir: string): string {
  const top = path.join(dir, 'rpmbuild');
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS', 'BUILDROOT'])
    mkdirSync(path.join(top, d), { recursive: true });
  writeFileSync(path.join(top, 'SOURCES', 'blob.bin'), randomBytes(300_000));
  const spec = path.join(top, 'SPECS', 'bulky.spec');
  writeFileSync(
    spec,
    [
      'Name: bulky',
      'Version: 1.0',
      'Release: 1',
      'Summary: A package with a large payload',
      'License: MIT',
      'BuildArch: noarch',
      'Source0: blob.bin',
      '%description',
      'Test payload.',
      '%install',
      'mkdir -p %{buildroot}/usr/share/bulky',
      'cp %{SOURCE0} %{buildroot}/usr/share/bulky/blob.bin',
      '%files',
      '/usr/share/bulky/blob.bin',
      '',
    ].join('\n'),
  );
  const r = run('rpmbuild', [
    '--define',
    `_topdir ${top}`,
    '--define',
    '_binary_payload w2.xzdio',
    '-bb',
    spec,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return path.join(top, 'RPMS', 'noarch', 'bulky-1.0-1.noarch.rpm');
}

describe('rpm integrity', () => {
  const work = tempDir('releng-rpmint-');
  let real: string;
  let ours: string;
  after(() => rmSync(work, { recursive: true, force: true }));
  before(async () => {
    real = rpmbuildPackage(work);
    const src = path.join(work, 'src');
    mkdirSync(src);
    const built = await buildPackages('rpm', src, [
      description('ours', {
        files: { '/usr/share/ours/blob': randomBytes(200_000).toString('hex') },
      }),
    ]);
    ours = built[0]!;
  });

  const truncated = (file: string, name: string): string => {
    const out = path.join(work, name);
    writeFileSync(out, readFileSync(file).subarray(0, 100_000));
    return out;
  };

  test('a truncated rpm (head -c 100000) is refused by repo add; nothing is published', async () => {
    const repo = path.join(work, 'repo-trunc');
    assert.equal((await repoCli(['repo', 'create', repo, '--type', 'yum'])).code, 0);
    for (const [file, label] of [
      [real!, 'bulky'],
      [ours!, 'ours'],
    ] as const) {
      const bad = truncated(file, `${label}-truncated.rpm`);
      const r = await repoCli(['repo', 'add', repo, bad]);
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.err,
        new RegExp(`${label}-truncated\\.rpm: not a valid rpm package: truncated`),
      );
      const list = await repoCli(['repo', 'list', repo]);
      assert.match(list.out, /no packages/);
    }
    // The intact packages go in.
    const ok = await repoCli(['repo', 'add', repo, real!, ours!]);
    assert.equal(ok.code, 0, ok.err);
  });

  test('a payload corrupted in place (same size) is refused', async () => {
    const data = readFileSync(real!);
    data[data.length - 5000]! ^= 0xff;
    const bad = path.join(work, 'bulky-corrupt.rpm');
    writeFileSync(bad, data);
    assert.notEqual(run('rpm', ['-K', '--nosignature', bad]).code, 0, 'rpm itself refuses it');
    const repo = path.join(work, 'repo-corrupt');
    const r = await repoCli(['repo', 'create', repo, '--type', 'yum']);
    assert.equal(r.code, 0, r.err);
    const add = await repoCli(['repo', 'add', repo, bad]);
    assert.equal(add.code, 1);
    assert.match(add.err, /payload does not match its SHA256 digest/);
  });

  test('repo verify reports a truncated rpm that another tool indexed', async () => {
    const repo = path.join(work, 'repo-createrepo');
    mkdirSync(repo);
    truncated(real!, 'repo-createrepo/bulky-1.0-1.noarch.rpm');
    const c = run('createrepo_c', ['--no-database', repo]);
    assert.equal(c.code, 0, c.stderr);
    const v = await repoCli(['repo', 'verify', repo, '--unsigned']);
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, /bulky-1\.0-1\.noarch\.rpm: not a valid rpm package: truncated/);
  });
});
