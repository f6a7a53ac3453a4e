/**
 * Uploads into releng's APT and YUM repositories: the release's .deb and
 * .rpm added and the repositories signed, `releng repo verify` passing, a
 * re-upload adding nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { releng } from '../helpers.ts';
import { releaseRepo } from './fixture.ts';

const tools = ['dpkg-deb', 'rpmbuild'].every((t) => spawnSync(t, ['--version']).status === 0);

/** A real .deb and .rpm of version 1.3.0, built with the distributions' own tools. */
function buildPackages(images: string, work: string): void {
  const deb = join(work, 'deb');
  mkdirSync(join(deb, 'DEBIAN'), { recursive: true });
  mkdirSync(join(deb, 'usr/share/demo'), { recursive: true });
  writeFileSync(join(deb, 'usr/share/demo/README'), 'demo\n');
  writeFileSync(
    join(deb, 'DEBIAN/control'),
    'Package: demo\nVersion: 1.3.0-1\nArchitecture: all\nMaintainer: Rel Eng <releng@example.invalid>\nDescription: demo\n demo package\n',
  );
  execFileSync(
    'dpkg-deb',
    ['--root-owner-group', '-Zgzip', '-b', deb, join(images, 'demo_1.3.0-1_all.deb')],
    { stdio: 'ignore' },
  );
  const top = join(work, 'rpm');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  writeFileSync(
    join(top, 'SPECS/demo.spec'),
    'Name: demo\nVersion: 1.3.0\nRelease: 1\nSummary: demo\nLicense: MIT\nBuildArch: noarch\n%description\ndemo\n%install\nmkdir -p %{buildroot}/usr/share/demo\necho demo > %{buildroot}/usr/share/demo/README\n%files\n/usr/share/demo/README\n',
  );
  execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '-bb', join(top, 'SPECS/demo.spec')], {
    stdio: 'ignore',
  });
  execFileSync('sh', ['-c', `cp ${top}/RPMS/noarch/*.rpm ${images}/`]);
}

test('apt and yum uploads: packages published and signed, verified, re-upload adds nothing', {
  skip: !tools && 'dpkg-deb or rpmbuild is missing',
}, async () => {
  const { root, env, home } = await releaseRepo({
    'releng.config.ts': `export default { packages: [], release: {
  name: 'demo',
  files: [{ path: 'VERSION', search: '{version}' }],
  artifacts: ['output/images/*.deb', 'output/images/*.rpm'],
  uploads: [
    { type: 'apt', dir: 'output/repos/apt', signingKey: 'keys/repo.key' },
    { type: 'yum', dir: 'output/repos/yum', signingKey: 'keys/repo.key' },
  ],
} };\n`,
    VERSION: '1.2.3\n',
    '.gitignore': 'output/\nkeys/\n',
  });
  const images = join(root, 'output', 'images');
  mkdirSync(images, { recursive: true });
  buildPackages(images, home);
  const key = join(root, 'keys', 'repo.key');
  const pub = join(home, 'repo.pub');
  assert.equal(
    (
      await releng(
        [
          'key',
          'generate',
          '--name',
          'Repo',
          '--email',
          'repo@example.invalid',
          '--out',
          key,
          '--public-out',
          pub,
        ],
        { env },
      )
    ).code,
    0,
  );
  const r = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /apt repository .*: 1 added/);
  assert.match(r.stderr, /yum repository .*: 1 added/);
  for (const type of ['apt', 'yum']) {
    const v = await releng(
      ['repo', 'verify', join(root, 'output', 'repos', type), '--public-key', pub],
      { env },
    );
    assert.equal(v.code, 0, `${type}: ${v.stdout}${v.stderr}`);
  }
  const again = await releng(['release', 'upload', '--json'], { cwd: root, env });
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout.trim().split('\n').pop() as string);
  assert.deepEqual(
    report.uploads.map((u: { uploaded: string[] }) => u.uploaded),
    [[], []],
  );
  assert.deepEqual(
    report.uploads.map((u: { unchanged: string[] }) => u.unchanged.length),
    [1, 1],
  );
});
