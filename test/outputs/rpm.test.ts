/** .rpm writer, checked by rpm and rpmlint. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildHello, have, isRoot, RPMLINTRC, run, SDE, shellRoot } from './helpers.ts';

const skip = have('rpm') ? false : 'rpm is not installed';
// Debian's rpm points %__gpg at a missing gpg2 and prints an "use alien" warning; both harmless.
const RPM_ARGS = ['--define', '__gpg /usr/bin/gpg'];
const rpm = (...args: string[]) => run('rpm', [...RPM_ARGS, ...args]);
const query = (file: string, ...args: string[]) => rpm('-qp', ...args, file).stdout;

function xmlTag(xml: string, name: string): string[] {
  const m = new RegExp(`<rpmTag name="${name}">([\\s\\S]*?)</rpmTag>`).exec(xml);
  if (!m) return [];
  return [...m[1]!.matchAll(/<(?:string|integer)>([\s\S]*?)<\/(?:string|integer)>/g)].map((x) =>
    x[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/&apos;/g, "'")
      .replace(/&quot;/g, '"'),
  );
}

describe('rpm writer', { skip }, async () => {
  const { files } = await buildHello(['rpm']);
  const pkg = files[0]!;

  test('file name follows RPM conventions', () => {
    assert.equal(path.basename(pkg), 'releng-hello-1.0.0-2.noarch.rpm');
  });

  test('rpm -qpi shows the metadata', () => {
    const r = rpm('-qpi', pkg);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name +: releng-hello$/m);
    assert.match(r.stdout, /^Version +: 1\.0\.0$/m);
    assert.match(r.stdout, /^Release +: 2$/m);
    assert.match(r.stdout, /^Architecture: noarch$/m);
    assert.match(r.stdout, /^License +: MIT$/m);
    assert.match(r.stdout, /^Group +: Applications\/System$/m);
    assert.match(r.stdout, /^Vendor +: Releng Project$/m);
    assert.match(r.stdout, /^URL +: https:\/\/example\.org\/releng-hello$/m);
    assert.match(r.stdout, /^Packager +: Releng Tests <releng@example\.org>$/m);
    assert.match(r.stdout, /^Source RPM +: releng-hello-1\.0\.0-2\.src\.rpm$/m);
  });

  test('rpm -qp --xml round-trips the description', () => {
    const xml = query(pkg, '--xml');
    assert.deepEqual(xmlTag(xml, 'Name'), ['releng-hello']);
    assert.deepEqual(xmlTag(xml, 'Summary'), [
      "Greeting program used to test releng's package writers",
    ]);
    assert.equal(
      xmlTag(xml, 'Description')[0],
      'releng-hello prints a friendly greeting. It exists to exercise the\npackage writers of releng.\n\nThis second paragraph checks multi-paragraph descriptions.',
    );
    assert.deepEqual(xmlTag(xml, 'Buildtime'), [String(SDE)]);
    assert.deepEqual(xmlTag(xml, 'Payloadcompressor'), ['xz']);
    assert.deepEqual(xmlTag(xml, 'Filedigestalgo'), ['8']);
    assert.deepEqual(xmlTag(xml, 'Recommendname'), ['less']);
    assert.deepEqual(xmlTag(xml, 'Suggestname'), ['man-db']);
  });

  test('dependencies carry version flags', () => {
    const requires = query(pkg, '--requires').trim().split('\n');
    assert.ok(requires.includes('coreutils >= 8.0'));
    assert.ok(requires.includes('(procps or busybox >= 1.30)'));
    assert.ok(requires.includes('rpmlib(PayloadIsXz) <= 5.2-1'));
    assert.ok(requires.includes('/bin/sh'));
    assert.deepEqual(query(pkg, '--provides').trim().split('\n'), [
      'greeter',
      'releng-hello = 1.0.0-2',
    ]);
    assert.deepEqual(query(pkg, '--conflicts').trim().split('\n'), ['hello-legacy < 1.0']);
    assert.deepEqual(query(pkg, '--obsoletes').trim().split('\n'), ['hello-legacy < 1.0']);
  });

  test('scriptlets and changelog', () => {
    const scripts = query(pkg, '--scripts');
    assert.match(scripts, /^postinstall scriptlet \(using \/bin\/sh\):\n#!\/bin\/sh\nset -e\n/m);
    assert.match(scripts, /^preuninstall scriptlet \(using \/bin\/sh\):/m);
    const changelog = query(pkg, '--changelog');
    assert.match(
      changelog,
      /^\* Wed May 01 2024 Releng Tests <releng@example\.org> - 1\.0\.0-2\n- Second release\.\n- Adds a default configuration\.\n/,
    );
    assert.match(
      changelog,
      /^\* Mon Jan 15 2024 Releng Tests <releng@example\.org> - 0\.9-1\n- First release\./m,
    );
  });

  test('file list, flags, and no shared system directories', () => {
    const list = query(pkg, '-l').trim().split('\n');
    assert.deepEqual(list, [
      '/etc/default/releng-hello',
      '/etc/releng-hello',
      '/etc/releng-hello/hello.conf',
      '/usr/bin/releng-hello',
      '/usr/bin/rhello',
      '/usr/share/releng-hello',
      '/usr/share/releng-hello/data.txt',
      '/usr/share/releng-hello/other.txt',
      '/var/lib/releng-hello',
      '/var/log/releng-hello.log',
    ]);
    const flags = query(pkg, '--qf', '[%{FILENAMES} %{FILEFLAGS:fflags}\\n]');
    assert.match(flags, /^\/etc\/default\/releng-hello c$/m);
    assert.match(flags, /^\/etc\/releng-hello\/hello\.conf cn$/m);
    assert.match(flags, /^\/var\/log\/releng-hello\.log g$/m);
    const modes = query(
      pkg,
      '--qf',
      '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEMTIMES}\\n]',
    );
    assert.match(modes, /^\/usr\/bin\/releng-hello -rwxr-xr-x root 1714564800$/m);
    assert.match(modes, /^\/usr\/bin\/rhello lrwxrwxrwx root/m);
  });

  test('rpm -Kv: header and payload digests are OK', () => {
    const r = rpm('-Kv', pkg);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Header SHA256 digest: OK/);
    assert.match(r.stdout, /Payload SHA256 digest: OK/);
  });

  test('a corrupted payload fails rpm -K', () => {
    const bytes = readFileSync(pkg);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    const bad = `${pkg}.bad.rpm`;
    writeFileSync(bad, bytes);
    assert.notEqual(rpm('-K', bad).code, 0);
  });

  test('installs into a scratch root, scriptlets run, rpm -V is clean', {
    skip: isRoot ? false : 'needs root for chroot',
  }, () => {
    const root = shellRoot();
    let r = rpm('--root', root, '--initdb');
    assert.equal(r.code, 0, r.stderr);
    r = rpm('--root', root, '-ivh', '--nodeps', pkg);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, /scriptlet failed/);
    assert.equal(
      readFileSync(path.join(root, 'var/lib/releng-hello/script.log'), 'utf8'),
      'postinst 1\n',
    );
    assert.ok(existsSync(path.join(root, 'usr/bin/releng-hello')));
    r = rpm('--root', root, '-V', '--nodeps', 'releng-hello');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    writeFileSync(path.join(root, 'etc/releng-hello/hello.conf'), 'greeting=local\n');
    r = rpm('--root', root, '-V', '--nodeps', 'releng-hello');
    assert.match(r.stdout, /^\S*5\S* +c \/etc\/releng-hello\/hello\.conf$/m);
    r = rpm('--root', root, '-e', '--nodeps', 'releng-hello');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(!existsSync(path.join(root, 'usr/bin/releng-hello')));
    assert.ok(
      existsSync(path.join(root, 'etc/releng-hello/hello.conf.rpmsave')),
      'modified noreplace config is saved',
    );
  });

  test('rpmlint reports no errors', {
    skip: have('rpmlint') ? false : 'rpmlint is not installed',
  }, () => {
    const r = run('rpmlint', ['-c', RPMLINTRC, pkg]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, / 0 errors/);
  });

  test('without group, changelog or doc marks: Group from the section, a changelog, %doc under /usr/share/doc', async () => {
    const { files: out } = await buildHello(['rpm'], {
      override: {
        rpm: {},
        section: 'libs',
        changelog: undefined,
        contents: [
          { src: 'root/usr/bin/hello', dst: '/usr/bin/releng-hello' },
          { src: 'root/usr/share/hello/data.txt', dst: '/usr/share/doc/releng-hello/README' },
        ],
      },
    });
    const p = out[0]!;
    assert.match(query(p, '-i'), /^Group +: System Environment\/Libraries$/m);
    assert.equal(
      query(p, '--changelog').trim(),
      '* Wed May 01 2024 Releng Tests <releng@example.org> - 1.0.0-2\n- Release 1.0.0.',
    );
    assert.deepEqual(query(p, '--docfiles').trim().split('\n'), [
      '/usr/share/doc/releng-hello/README',
    ]);
    if (have('rpmlint')) {
      const r = run('rpmlint', ['-c', RPMLINTRC, p]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(
        r.stdout,
        /no-group-tag|no-changelogname-tag|not-listed-as-documentation/,
      );
    }
  });

  test('two builds give identical bytes', async () => {
    const again = await buildHello(['rpm']);
    assert.ok(readFileSync(pkg).equals(readFileSync(again.files[0]!)));
  });

  for (const compression of ['gzip', 'zstd'] as const) {
    test(`compression ${compression}: rpm -K and listing work`, async () => {
      const { files: out } = await buildHello(['rpm'], { override: { compression } });
      const r = rpm('-K', out[0]!);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(query(out[0]!, '--qf', '%{PAYLOADCOMPRESSOR}'), compression);
      assert.match(query(out[0]!, '-l'), /\/usr\/bin\/releng-hello/);
    });
  }

  test('architecture and epoch are mapped', async () => {
    const { files: out } = await buildHello(['rpm', 'deb'], {
      override: { architecture: 'amd64', epoch: 2 },
    });
    assert.equal(path.basename(out[0]!), 'releng-hello-1.0.0-2.x86_64.rpm');
    assert.equal(query(out[0]!, '--qf', '%{ARCH} %{EPOCH}'), 'x86_64 2');
    assert.match(query(out[0]!, '--provides'), /releng-hello = 2:1\.0\.0-2/);
    assert.equal(path.basename(out[1]!), 'releng-hello_1.0.0-2_amd64.deb');
    assert.equal(run('dpkg-deb', ['-f', out[1]!, 'Version']).stdout.trim(), '2:1.0.0-2');
  });
});
