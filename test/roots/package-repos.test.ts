/**
 * Root-built packages published through the project's `repositories`: a
 * native project with a `debian-source` and an `rpm-spec` package and a
 * signed APT and YUM repository; apt-get and dnf install from them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeProject, releng, removeProject } from '../helpers.ts';
import { aptSandbox, have } from '../repository-apt/helpers.ts';
import { dnfInstall } from '../repository-yum/helpers.ts';
import { debianRules, ENV, ensureRoot, leftovers, ROOT, rootsUnavailable } from './helpers.ts';

const skip = rootsUnavailable();

describe('root-built packages in the project repositories', { skip }, () => {
  let dir = '';
  const run = (args: string[]) =>
    releng(['-R', dir, ...args], { env: { ...ENV, SOURCE_DATE_EPOCH: '1700000000' } });
  before(async () => {
    await ensureRoot();
    dir = await makeProject({
      'releng.config.ts': `export default {
        packages: ['deb-pub', 'rpm-pub'],
        repositories: [
          { type: 'apt', dir: 'repo/apt', suite: 'stable', signingKey: 'keys/signing.asc' },
          { type: 'yum', dir: 'repo/yum', signingKey: 'keys/signing.asc' },
        ],
      };\n`,
      'package/deb-pub/deb-pub.ts': `export default { version: '1.0', site: 'local', type: 'debian-source', buildRoot: '${ROOT}' };\n`,
      'package/deb-pub/local/deb-pub.sh': '#!/bin/sh\necho deb-pub\n',
      'package/deb-pub/local/debian/control':
        'Source: deb-pub\nMaintainer: T <t@example.org>\n\nPackage: deb-pub\nArchitecture: all\nDescription: tiny\n tiny.\n',
      'package/deb-pub/local/debian/changelog':
        'deb-pub (1.0) unstable; urgency=low\n\n  * x\n\n -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n',
      'package/deb-pub/local/debian/rules': debianRules('deb-pub'),
      'package/deb-pub/local/debian/source/format': '3.0 (native)\n',
      'package/rpm-pub/rpm-pub.ts': `export default { version: '1.0', site: 'local', type: 'rpm-spec', buildRoot: '${ROOT}' };\n`,
      'package/rpm-pub/local/rpm-pub.spec':
        'Name: rpm-pub\nVersion: 1.0\nRelease: 1\nSummary: tiny\nLicense: MIT\nBuildArch: noarch\nAutoReq: no\nSource0: rpm-pub.sh\n\n%description\ntiny\n\n%prep\n\n%build\n\n%install\ninstall -D -m 0755 %{SOURCE0} %{buildroot}/usr/bin/rpm-pub\n\n%files\n/usr/bin/rpm-pub\n',
      'package/rpm-pub/local/rpm-pub.sh': '#!/bin/sh\necho rpm-pub\n',
    });
    execFileSync('chmod', ['+x', path.join(dir, 'package/deb-pub/local/debian/rules')]);
    const k = await releng([
      'key',
      'generate',
      '--name',
      'Test Signer',
      '--email',
      'sign@example.org',
      '--out',
      path.join(dir, 'keys/signing.asc'),
      '--public-out',
      path.join(dir, 'keys/public.asc'),
    ]);
    assert.equal(k.code, 0, k.stderr);
  });
  after(async () => {
    if (dir) await removeProject(dir);
  });

  test('the build publishes them, signed; the repositories verify and list them', async () => {
    const r = await run(['-j2']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(leftovers(), []);
    const packages = readFileSync(
      path.join(dir, 'repo/apt/dists/stable/main/binary-amd64/Packages'),
      'utf8',
    );
    assert.match(packages, /^Package: deb-pub$/m);
    const primary = execFileSync(
      'sh',
      ['-c', 'zcat -f "$1"/repodata/*-primary.xml*', 'sh', path.join(dir, 'repo/yum')],
      {
        encoding: 'utf8',
      },
    );
    assert.match(primary, /<name>rpm-pub<\/name>/);
    assert.doesNotMatch(
      primary,
      /<arch>src<\/arch>/,
      'source rpms stay out of the binary repository',
    );
    for (const repo of ['repo/apt', 'repo/yum']) {
      const v = await releng([
        'repo',
        'verify',
        path.join(dir, repo),
        '--public-key',
        path.join(dir, 'keys/public.asc'),
      ]);
      assert.equal(v.code, 0, `${repo}: ${v.stdout}${v.stderr}`);
    }
    // The root-built rpm now carries the repository key's header signature: rpm -K accepts it.
    const rpm = path.join(dir, 'output/images/rpm-pub-1.0-1.noarch.rpm');
    const db = path.join(dir, 'rpmdb');
    execFileSync('rpm', ['--dbpath', db, '--initdb']);
    execFileSync('rpm', ['--dbpath', db, '--import', path.join(dir, 'keys/public.asc')]);
    const k = spawnSync('rpm', ['--dbpath', db, '-K', rpm], { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stdout + k.stderr);
    assert.match(k.stdout, /digests signatures OK/);
  });

  test('apt-get installs the .deb from the APT repository', {
    skip: !have('apt-get') && 'apt-get is not installed',
  }, async () => {
    const sb = aptSandbox('amd64', dir);
    sb.sources(
      `deb [signed-by=${path.join(dir, 'keys/public.asc')}] file://${path.join(dir, 'repo/apt')} stable main`,
    );
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
    const i = await sb.install(['deb-pub']);
    assert.equal(i.code, 0, i.stdout + i.stderr);
    assert.equal(
      readFileSync(path.join(sb.root, 'usr/bin/deb-pub'), 'utf8'),
      '#!/bin/sh\necho deb-pub\n',
    );
  });

  test('dnf installs the .rpm from the YUM repository with gpgcheck', {
    skip: !have('dnf') && 'dnf is not installed',
  }, async () => {
    const d = await dnfInstall(`file://${path.join(dir, 'repo/yum')}`, ['rpm-pub'], {
      key: path.join(dir, 'keys/public.asc'),
    });
    assert.equal(d.code, 0, d.output);
    assert.equal(
      readFileSync(path.join(d.root, 'usr/bin/rpm-pub'), 'utf8'),
      '#!/bin/sh\necho rpm-pub\n',
    );
  });

  test('a re-run with nothing rebuilt publishes the same packages again', async () => {
    const r = await run([]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /published 1 package\(s\) to .*repo\/apt/);
    assert.match(r.stdout + r.stderr, /published 1 package\(s\) to .*repo\/yum/);
  });

  test('punch rebuilds them in roots; the same signed bytes are published again', async () => {
    const held = path.join(dir, 'repo/yum/Packages/rpm-pub-1.0-1.noarch.rpm');
    const before = readFileSync(held);
    const r = await run(['punch']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /rpm-pub: wrote/, 'rebuilt in a root');
    assert.deepEqual(readFileSync(held), before);
    assert.deepEqual(
      readFileSync(path.join(dir, 'output/images/rpm-pub-1.0-1.noarch.rpm')),
      before,
    );
    assert.deepEqual(leftovers(), []);
  });

  test('kill -9 while signing: the re-run publishes, no temporary file stays', async () => {
    rmSync(path.join(dir, 'repo/yum'), { recursive: true });
    const env = { ...ENV, SOURCE_DATE_EPOCH: '1700000000' };
    const killed = await releng(['-R', dir, 'punch'], {
      env: { ...env, RELENG_TEST_KILL_AT: 'recipe-rpm-signed' },
    });
    assert.ok(killed.code === null || killed.code === 137, killed.stdout + killed.stderr);
    const images = path.join(dir, 'output/images');
    assert.ok(
      readdirSync(images).some((n) => n.includes('.releng-tmp-')),
      'killed half-way through writing the signed rpm',
    );
    const r = await run([]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(
      readdirSync(images).filter((n) => n.includes('tmp-')),
      [],
    );
    const v = await releng([
      'repo',
      'verify',
      path.join(dir, 'repo/yum'),
      '--public-key',
      path.join(dir, 'keys/public.asc'),
    ]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const d = await dnfInstall(`file://${path.join(dir, 'repo/yum')}`, ['rpm-pub'], {
      key: path.join(dir, 'keys/public.asc'),
    });
    assert.equal(d.code, 0, d.output);
    assert.deepEqual(leftovers(), []);
  });
});
