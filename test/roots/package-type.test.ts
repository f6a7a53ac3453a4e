/**
 * `type: 'debian-source'` and `type: 'rpm-spec'` packages in a native
 * project: built by their recipes in fresh roots during the project build
 * (in parallel with -j2), the packages written to output/images.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeProject, releng, removeProject } from '../helpers.ts';
import { debianRules, ENV, ensureRoot, leftovers, ROOT, rootsUnavailable } from './helpers.ts';

const skip = rootsUnavailable();

describe('debian-source and rpm-spec package types in a project', { skip }, () => {
  let dir = '';
  before(async () => {
    await ensureRoot();
    dir = await makeProject({
      // The rpm package uses a root the project declares (same spec as the shared one, so the
      // same cached base); the Debian one a root made with `releng root create`.
      'releng.config.ts': `export default { packages: ['deb-tiny', 'rpm-tiny'], roots: { 'test-project-root': { include: ['rpm', 'file'] } } };\n`,
      'package/deb-tiny/deb-tiny.ts': `export default { version: '1.0', site: 'local', type: 'debian-source', buildRoot: '${ROOT}' };\n`,
      'package/deb-tiny/local/deb-tiny.sh': '#!/bin/sh\necho deb-tiny\n',
      'package/deb-tiny/local/debian/control':
        'Source: deb-tiny\nMaintainer: T <t@example.org>\n\nPackage: deb-tiny\nArchitecture: all\nDescription: tiny\n tiny.\n',
      'package/deb-tiny/local/debian/changelog':
        'deb-tiny (1.0) unstable; urgency=low\n\n  * x\n\n -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n',
      'package/deb-tiny/local/debian/rules': debianRules('deb-tiny'),
      'package/deb-tiny/local/debian/source/format': '3.0 (native)\n',
      'package/rpm-tiny/rpm-tiny.ts': `export default { version: '1.0', site: 'local', type: 'rpm-spec', buildRoot: 'test-project-root' };\n`,
      'package/rpm-tiny/local/rpm-tiny.spec':
        'Name: rpm-tiny\nVersion: 1.0\nRelease: 1\nSummary: tiny\nLicense: MIT\nBuildArch: noarch\nSource0: rpm-tiny.sh\n\n%description\ntiny\n\n%prep\n\n%build\n\n%install\ninstall -D -m 0755 %{SOURCE0} %{buildroot}/usr/bin/rpm-tiny\n\n%files\n/usr/bin/rpm-tiny\n',
      'package/rpm-tiny/local/rpm-tiny.sh': '#!/bin/sh\necho rpm-tiny\n',
    });
    execFileSync('chmod', ['+x', path.join(dir, 'package/deb-tiny/local/debian/rules')]);
  });
  after(async () => {
    if (dir) await removeProject(dir);
  });

  test('both build in roots during the project build', async () => {
    const r = await releng(['-j2'], { cwd: dir, env: ENV });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const images = readdirSync(path.join(dir, 'output', 'images')).sort();
    assert.ok(images.includes('deb-tiny_1.0_all.deb'), images.join(' '));
    assert.ok(images.includes('rpm-tiny-1.0-1.noarch.rpm'), images.join(' '));
    assert.ok(images.includes('rpm-tiny-1.0-1.src.rpm'), images.join(' '));
    assert.match(
      execFileSync('dpkg-deb', ['-c', path.join(dir, 'output/images/deb-tiny_1.0_all.deb')], {
        encoding: 'utf8',
      }),
      /usr\/bin\/deb-tiny/,
    );
    assert.deepEqual(leftovers(), []);
    // The declared root now exists, on the shared base.
    const l = await releng(['root', 'list', '--json'], { env: ENV });
    const roots = JSON.parse(l.stdout) as Array<{ name: string; key: string }>;
    const declared = roots.find((r) => r.name === 'test-project-root');
    assert.equal(declared?.key, roots.find((r) => r.name === ROOT)?.key);
  });

  test('a debian/ tree built twice gives the same .deb bytes', async () => {
    const tree = path.join(dir, 'package', 'deb-tiny', 'local');
    const sums: string[] = [];
    for (const n of [1, 2]) {
      const out = path.join(dir, `out-repro-${n}`);
      const r = await releng(['root', 'build', ROOT, tree, '--out', out], { env: ENV });
      assert.equal(r.code, 0, r.stderr);
      sums.push(
        createHash('sha256')
          .update(readFileSync(path.join(out, 'deb-tiny_1.0_all.deb')))
          .digest('hex'),
      );
    }
    assert.equal(sums[0], sums[1]);
  });

  test('releng root create NAME makes the root the project declares', async () => {
    // No base options: the project's roots section describes the base (here and with -R),
    // the same spec as the shared root, so the same cached base.
    const l = await releng(['root', 'list', '--json'], { env: ENV });
    const shared = (JSON.parse(l.stdout) as Array<{ name: string; key: string }>).find(
      (x) => x.name === ROOT,
    );
    for (const how of [
      { cwd: dir, args: [] },
      { cwd: undefined, args: ['-R', dir] },
    ]) {
      const c = await releng(['root', 'create', 'test-project-root', ...how.args, '--json'], {
        ...(how.cwd ? { cwd: how.cwd } : {}),
        env: ENV,
      });
      assert.equal(c.code, 0, c.stderr);
      const made = JSON.parse(c.stdout) as { key: string; spec: { packages: string[] } };
      assert.deepEqual(made.spec.packages, ['rpm', 'file']);
      assert.equal(made.key, shared?.key);
    }
  });

  test('root create -R: an undeclared name or base options beside it are refused', async () => {
    const undeclared = await releng(['root', 'create', 'nope', '-R', dir], { env: ENV });
    assert.notEqual(undeclared.code, 0);
    assert.match(undeclared.stderr, /root "nope" is not declared in the project's roots section/);
    assert.match(undeclared.stderr, /releng\.config\.ts/);
    const both = await releng(['root', 'create', 'x', '-R', dir, '--suite', 'bookworm'], {
      env: ENV,
    });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either -R\/--root-dir or the base options/);
  });

  test('a package without buildRoot fails naming the option', async () => {
    const p = await makeProject({
      'releng.config.ts': `export default { packages: ['x'] };\n`,
      'package/x/x.ts': `export default { version: '1', site: 'local', type: 'rpm-spec' };\n`,
      'package/x/local/x.spec': 'Name: x\nVersion: 1\n',
    });
    try {
      const r = await releng([], { cwd: p, env: ENV });
      assert.equal(r.code, 1);
      assert.match(r.stdout + r.stderr, /needs buildRoot/);
    } finally {
      await removeProject(p);
    }
  });
});
