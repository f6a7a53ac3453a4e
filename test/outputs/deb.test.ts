/** .deb writer, checked by dpkg-deb, dpkg and lintian. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildHello, have, run, tempDir } from './helpers.ts';

const skip = have('dpkg-deb') ? false : 'dpkg-deb is not installed';

describe('deb writer', { skip }, async () => {
  const { files } = await buildHello(['deb']);
  const deb = files[0]!;

  test('file name follows Debian conventions', () => {
    assert.equal(path.basename(deb), 'releng-hello_1.0.0-2_all.deb');
  });

  test('ar members are in dpkg order with xz compression', () => {
    const r = run('ar', ['t', deb]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'debian-binary',
      'control.tar.xz',
      'data.tar.xz',
    ]);
  });

  test('dpkg-deb -f reports the description', () => {
    const f = (name: string): string => run('dpkg-deb', ['-f', deb, name]).stdout.trim();
    assert.equal(f('Package'), 'releng-hello');
    assert.equal(f('Version'), '1.0.0-2');
    assert.equal(f('Architecture'), 'all');
    assert.equal(f('Maintainer'), 'Releng Tests <releng@example.org>');
    assert.equal(f('Depends'), 'coreutils (>= 8.0), procps | busybox (>= 1.30)');
    assert.equal(f('Recommends'), 'less');
    assert.equal(f('Suggests'), 'man-db');
    assert.equal(f('Conflicts'), 'hello-legacy (<< 1.0)');
    assert.equal(f('Replaces'), 'hello-legacy (<< 1.0)');
    assert.equal(f('Provides'), 'greeter');
    assert.equal(f('Section'), 'utils');
    assert.equal(f('Priority'), 'optional');
    assert.equal(f('Homepage'), 'https://example.org/releng-hello');
    assert.match(
      f('Description'),
      /^Greeting program used to test releng's package writers\n releng-hello prints/,
    );
    assert.match(f('Description'), /\n \.\n This second paragraph/);
    assert.ok(Number(f('Installed-Size')) > 0);
  });

  test('dpkg-deb --info lists control members; conffiles and md5sums are right', () => {
    const info = run('dpkg-deb', ['--info', deb]);
    assert.equal(info.code, 0, info.stderr);
    for (const m of ['control', 'md5sums', 'conffiles', 'postinst', 'prerm'])
      assert.match(info.stdout, new RegExp(`\\b${m}\\b`));
    const conffiles = run('dpkg-deb', ['--info', deb, 'conffiles']).stdout.trim().split('\n');
    assert.deepEqual(conffiles, ['/etc/default/releng-hello', '/etc/releng-hello/hello.conf']);
    const md5 = run('dpkg-deb', ['--info', deb, 'md5sums']).stdout;
    assert.match(md5, /^[0-9a-f]{32} {2}usr\/bin\/releng-hello$/m);
    assert.doesNotMatch(md5, /etc\//);
  });

  test('dpkg-deb --contents: every parent directory, owners, modes, times, no ghost', () => {
    const r = run('dpkg-deb', ['--contents', deb]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const names = lines.map((l) => l.split(/\s+/)[5]);
    assert.equal(names[0], './');
    for (const n of names) {
      let p = path.posix.dirname(n!.replace(/\/$/, ''));
      while (p !== '.' && p !== '/') {
        assert.ok(names.includes(`${p}/`), `parent ${p}/ of ${n} is present`);
        p = path.posix.dirname(p);
      }
    }
    assert.ok(lines.every((l) => l.includes(' root/root ')));
    assert.ok(lines.every((l) => l.includes('2024-05-01 12:00')));
    assert.match(r.stdout, /-rwxr-xr-x root\/root +30 .* \.\/usr\/bin\/releng-hello\n/);
    assert.match(r.stdout, /lrwxrwxrwx .* \.\/usr\/bin\/rhello -> releng-hello/);
    assert.match(r.stdout, /\.\/usr\/share\/doc\/releng-hello\/copyright/);
    assert.match(r.stdout, /\.\/usr\/share\/doc\/releng-hello\/changelog\.Debian\.gz/);
    assert.doesNotMatch(r.stdout, /releng-hello\.log|\.\/var\/log/);
  });

  test('the template was rendered into the default config', () => {
    const dir = tempDir();
    assert.equal(run('dpkg-deb', ['-x', deb, dir]).code, 0);
    const text = readFileSync(path.join(dir, 'etc/default/releng-hello'), 'utf8');
    assert.equal(text, '# releng-hello defaults for releng-hello 1.0.0 (all)\nGREETING=hello\n');
    const changelog = run('sh', [
      '-c',
      `zcat ${dir}/usr/share/doc/releng-hello/changelog.Debian.gz`,
    ]).stdout;
    assert.match(
      changelog,
      /^releng-hello \(1\.0\.0-2\) unstable; urgency=medium\n\n {2}\* Second release\.\n/,
    );
    assert.match(
      changelog,
      / -- Releng Tests <releng@example\.org> {2}Wed, 01 May 2024 12:00:00 \+0000\n/,
    );
  });

  test('dpkg installs it into a scratch root; scripts run, conffiles are kept, --verify is clean', () => {
    const root = tempDir('releng-dpkg-');
    mkdirSync(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
    mkdirSync(path.join(root, 'var/lib/dpkg/updates'), { recursive: true });
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
    writeFileSync(path.join(root, 'var/lib/dpkg/available'), '');
    const dpkg = (...args: string[]) =>
      run('dpkg', [
        `--root=${root}`,
        '--force-script-chrootless',
        '--force-depends',
        '--force-not-root',
        ...args,
      ]);
    let r = dpkg('-i', deb);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(path.join(root, 'var/lib/releng-hello/script.log'), 'utf8'),
      'postinst configure\n',
    );
    r = dpkg('--verify');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    const conf = path.join(root, 'etc/releng-hello/hello.conf');
    writeFileSync(conf, 'greeting=local\n');
    r = dpkg('--verify');
    assert.match(r.stdout, /\?\?5\?\?\?\?\?\? c \/etc\/releng-hello\/hello\.conf/);
    r = dpkg('--force-confold', '-i', deb);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(conf, 'utf8'), 'greeting=local\n');
    r = dpkg('-r', 'releng-hello');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(conf, 'utf8'), 'greeting=local\n', 'conffiles survive remove');
    assert.throws(() => readFileSync(path.join(root, 'usr/bin/releng-hello')));
  });

  test('lintian reports no errors', {
    skip: have('lintian') ? false : 'lintian is not installed',
  }, () => {
    const r = run('lintian', ['--fail-on', 'error', deb]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /^E:/m);
  });

  test('two builds give identical bytes; SOURCE_DATE_EPOCH changes them', async () => {
    const again = await buildHello(['deb']);
    assert.ok(readFileSync(deb).equals(readFileSync(again.files[0]!)));
    const other = await buildHello(['deb'], { sourceDateEpoch: SDE_OTHER });
    assert.ok(!readFileSync(deb).equals(readFileSync(other.files[0]!)));
  });

  for (const compression of ['gzip', 'zstd', 'none'] as const) {
    test(`compression ${compression} is readable by dpkg-deb`, async () => {
      const { files: out } = await buildHello(['deb'], { override: { compression } });
      const members = run('ar', ['t', out[0]!]).stdout.trim().split('\n');
      const ext = { gzip: '.gz', zstd: '.zst', none: '' }[compression];
      assert.deepEqual(members, ['debian-binary', `control.tar${ext}`, `data.tar${ext}`]);
      const r = run('dpkg-deb', ['--contents', out[0]!]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /usr\/bin\/releng-hello/);
    });
  }
});

const SDE_OTHER = 1714651200;
