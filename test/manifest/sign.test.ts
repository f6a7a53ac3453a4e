/**
 * Signed publishing (pkgsign's signature actions), checked with the reference
 * `pkg` client: with `signature-policy require-signatures` and the CA approved
 * for the publisher, it installs and verifies what releng signed (RSA-SHA256,
 * a key protected by a passphrase, with and without an intermediate CA), and
 * refuses a package whose manifest was changed after signing, an unsigned one
 * and one whose CA it does not trust; hash-only signatures under the `verify`
 * policy; the same bytes for the same inputs and SOURCE_DATE_EPOCH; the
 * passphrase never in the output; pkgsign's option checks.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { releng } from '../helpers.ts';
import { filesUnder, pkgClientVerifyingSignatures, skipWithoutPkg5 } from './reference.ts';

const PASS = 'correct horse battery staple 7';
const ENV = { SOURCE_DATE_EPOCH: '1700000000', RELENG_TEST_PASS: PASS };

describe('manifest publish with signatures: the pkg client verifies them', {
  skip: skipWithoutPkg5,
}, () => {
  let dir: string;
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const pkg = (args: string[]) => pkgClientVerifyingSignatures(args, dir);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-sign-'));
    mkdirSync(join(dir, 'proto/usr/bin'), { recursive: true });
    writeFileSync(join(dir, 'proto/usr/bin/hello'), '#!/bin/sh\necho hello\n');
    chmodSync(join(dir, 'proto/usr/bin/hello'), 0o755);
    writeFileSync(join(dir, 'proto/COPYING'), 'Permission is granted.\n');
    writeFileSync(
      join(dir, 'hello.p5m'),
      [
        'set name=pkg.fmri value=pkg:/demo/hello@1.0,5.11-0.1',
        'set name=pkg.summary value="Says hello"',
        'set name=info.classification value="org.opensolaris.category.2008:Applications/Accessories"',
        'dir path=usr owner=root group=sys mode=0755',
        'dir path=usr/bin owner=root group=bin mode=0755',
        'file path=usr/bin/hello owner=root group=bin mode=0555',
        'link path=usr/bin/hi target=hello',
        'license COPYING license=MIT',
        '',
      ].join('\n'),
    );
    // A CA, an intermediate CA, and two signing keys (one per CA); extensions pkg(5) checks.
    writeFileSync(
      join(dir, 'ext.cnf'),
      [
        '[ca]',
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign',
        '[leaf]',
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        '',
      ].join('\n'),
    );
    const subj = (cn: string) => ['-subj', `/O=releng test/CN=${cn}`];
    ssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      ...subj('Test CA'),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const issue = (name: string, ca: string, section: string, encrypt: boolean) => {
      ssl([
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-out',
        `${name}.key`,
        ...(encrypt ? ['-aes-256-cbc', '-pass', `pass:${PASS}`] : []),
      ]);
      ssl([
        'req',
        '-new',
        '-key',
        `${name}.key`,
        ...(encrypt ? ['-passin', `pass:${PASS}`] : []),
        '-out',
        `${name}.csr`,
        ...subj(name),
      ]);
      ssl([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.pem`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-days',
        '3650',
        '-extfile',
        'ext.cnf',
        '-extensions',
        section,
        '-out',
        `${name}.pem`,
      ]);
      chmodSync(join(dir, `${name}.key`), 0o600);
    };
    issue('signer', 'ca', 'leaf', true);
    issue('inter', 'ca', 'ca', false);
    issue('signer2', 'inter', 'leaf', false);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const publish = async (repo: string, args: string[], manifest = 'hello.p5m') =>
    releng(['manifest', 'publish', '-s', repo, '-p', 'demo', '-d', 'proto', ...args, manifest], {
      cwd: dir,
      env: ENV,
    });
  const manifestOf = (repo: string): string => {
    const pkgDir = join(dir, repo, 'publisher/demo/pkg/demo%2Fhello');
    return readFileSync(join(pkgDir, readdirSync(pkgDir)[0] as string), 'utf8');
  };
  /** A new image of the repository, with a signature policy and (optionally) the CA approved. */
  const image = (name: string, repo: string, policy: string, ca?: string) => {
    const img = join(dir, name);
    let r = pkg(['image-create', '-p', `demo=file://${join(dir, repo)}`, img]);
    assert.equal(r.status, 0, r.stderr);
    r = pkg(['-R', img, 'set-property', 'signature-policy', policy]);
    assert.equal(r.status, 0, r.stderr);
    if (ca) {
      r = pkg(['-R', img, 'set-publisher', '--approve-ca-cert', join(dir, ca), 'demo']);
      assert.equal(r.status, 0, r.stderr);
    }
    return img;
  };
  /**
   * The signed manifest, changed after signing, published as it is (its signature
   * action kept) into another repository, with the payloads and certificates it names.
   */
  const tampered = async (from: string, to: string, change: (t: string) => string) => {
    const payloads = join(dir, `${to}-payloads`);
    mkdirSync(payloads, { recursive: true });
    for (const f of filesUnder(join(dir, from, 'publisher/demo/file'))) {
      const gz = readFileSync(join(dir, from, 'publisher/demo/file', f));
      writeFileSync(join(payloads, f.split('/').pop() as string), gunzipSync(gz));
      const dst = join(dir, to, 'publisher/demo/file', f);
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(join(dir, from, 'publisher/demo/file', f), dst);
    }
    const text = change(manifestOf(from));
    assert.notEqual(text, '');
    writeFileSync(join(dir, `${to}.p5m`), text);
    const r = await releng(
      ['manifest', 'publish', '-s', to, '-p', 'demo', '-d', payloads, `${to}.p5m`],
      { cwd: dir, env: ENV },
    );
    assert.equal(r.code, 0, r.stderr);
  };

  it('RSA-SHA256 with a protected key: installed and verified under require-signatures', async () => {
    const r = await publish('repo', [
      '-k',
      'signer.key',
      '-c',
      'signer.pem',
      '--passphrase-env',
      'RELENG_TEST_PASS',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(PASS));
    const text = manifestOf('repo');
    assert.match(
      text,
      /^signature [0-9a-f]{40} algorithm=rsa-sha256 chash=[0-9a-f]{40} pkg\.content-hash=gzip:sha256:[0-9a-f]{64} pkg\.csize=\d+ pkg\.size=\d+ value=[0-9a-f]{512} version=0$/m,
    );
    // Not trusted yet: refused.
    const untrusted = image('img-untrusted', 'repo', 'require-signatures');
    let p = pkg(['-R', untrusted, 'install', 'demo/hello']);
    assert.notEqual(p.status, 0, p.stdout);
    assert.match(p.stderr, /trust|Chain|certificate/i);
    const img = image('img', 'repo', 'require-signatures', 'ca.pem');
    p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.equal(p.status, 0, p.stderr);
    p = pkg(['-R', img, 'verify', '-v', 'demo/hello']);
    assert.equal(p.status, 0, `${p.stdout}${p.stderr}`);
    assert.equal(readFileSync(join(img, 'usr/bin/hello'), 'utf8'), '#!/bin/sh\necho hello\n');
  });

  it('a manifest changed after signing is refused', async () => {
    await tampered('repo', 'repo-tampered', (t) => t.replace('mode=0555', 'mode=4555'));
    const img = image('img-tampered', 'repo-tampered', 'require-signatures', 'ca.pem');
    const p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.notEqual(p.status, 0, p.stdout);
    assert.match(p.stderr, /signature value did not match/i);
    // Unchanged, the same steps install: the refusal is the change's.
    await tampered('repo', 'repo-copied', (t) => t);
    const ok = image('img-copied', 'repo-copied', 'require-signatures', 'ca.pem');
    const q = pkg(['-R', ok, 'install', 'demo/hello']);
    assert.equal(q.status, 0, q.stderr);
  });

  it('an unsigned package is refused under require-signatures', async () => {
    const r = await publish('repo-unsigned', []);
    assert.equal(r.code, 0, r.stderr);
    const img = image('img-unsigned', 'repo-unsigned', 'require-signatures', 'ca.pem');
    const p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.notEqual(p.status, 0, p.stdout);
    assert.match(p.stderr, /signature/i);
  });

  it('with an intermediate CA (-i): the chain is published and verified', async () => {
    const r = await publish('repo-chain', [
      '-k',
      'signer2.key',
      '-c',
      'signer2.pem',
      '-i',
      'inter.pem',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      manifestOf('repo-chain'),
      / chain=[0-9a-f]{40} chain\.chashes=[0-9a-f]{40} chain\.csizes=\d+ chain\.sizes=\d+ /,
    );
    const img = image('img-chain', 'repo-chain', 'require-signatures', 'ca.pem');
    const p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.equal(p.status, 0, p.stderr);
  });

  it('hash-only (-a sha256): verified under the verify policy, a change refused', async () => {
    const r = await publish('repo-hash', ['-a', 'sha256']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      manifestOf('repo-hash'),
      /^signature algorithm=sha256 value=[0-9a-f]{64} version=0$/m,
    );
    const img = image('img-hash', 'repo-hash', 'verify');
    let p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.equal(p.status, 0, p.stderr);
    await tampered('repo-hash', 'repo-hash-tampered', (t) =>
      t.replace('license=MIT', 'license=GPL'),
    );
    const bad = image('img-hash-tampered', 'repo-hash-tampered', 'verify');
    p = pkg(['-R', bad, 'install', 'demo/hello']);
    assert.notEqual(p.status, 0, p.stdout);
    assert.match(p.stderr, /signature value did not match/i);
  });

  it('the same inputs and SOURCE_DATE_EPOCH give the same bytes', async () => {
    for (const repo of ['same-a', 'same-b']) {
      const r = await publish(repo, [
        '-k',
        'signer.key',
        '-c',
        'signer.pem',
        '--passphrase-env',
        'RELENG_TEST_PASS',
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const files = filesUnder(join(dir, 'same-a'));
    assert.deepEqual(files, filesUnder(join(dir, 'same-b')));
    for (const f of files)
      assert.ok(
        readFileSync(join(dir, 'same-a', f)).equals(readFileSync(join(dir, 'same-b', f))),
        f,
      );
  });

  it('bad signing options and keys: clear errors, never the passphrase', async () => {
    writeFileSync(join(dir, 'wrong.pass'), 'not the passphrase\n');
    chmodSync(join(dir, 'wrong.pass'), 0o600);
    const cases: [string[], RegExp][] = [
      [['-k', 'signer.key'], /needs its certificate \(-c CERT\)/],
      [['-c', 'signer.pem'], /needs its private key \(-k KEY\)/],
      [['-a', 'md5'], /md5 is not a signature algorithm pkg\(5\) knows/],
      [['-a', 'rsa-sha256'], /needs a key and certificate/],
      [['-a', 'sha256', '-k', 'signer2.key', '-c', 'signer2.pem'], /is a hash only/],
      [
        ['-k', 'signer.key', '-c', 'signer.pem'],
        /signer\.key is protected by a passphrase, and none was given/,
      ],
      [
        ['-k', 'signer.key', '-c', 'signer.pem', '--passphrase-file', 'wrong.pass'],
        /could not be opened with the passphrase given/,
      ],
      [
        ['-k', 'signer2.key', '-c', 'signer.pem'],
        /signer\.pem is not the certificate of key .*signer2\.key/,
      ],
      [['-k', 'signer2.key', '-c', 'hello.p5m'], /hello\.p5m was expected to be a PEM certificate/],
    ];
    for (const [args, want] of cases) {
      const r = await publish('repo-bad', args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, want, args.join(' '));
      assert.ok(!`${r.stdout}${r.stderr}`.includes(PASS));
    }
    assert.ok(!filesUnder(dir).some((f) => f.startsWith('repo-bad/publisher')));
  });

  it('the pipeline signs what it publishes, and skips it when nothing changed', async () => {
    // A package with no dependency to resolve (the script's /usr/bin/sh is nobody's here).
    writeFileSync(
      join(dir, 'hello.p5m.pipe'),
      readFileSync(join(dir, 'hello.p5m'), 'utf8').replace('mode=0555', 'mode=0444'),
    );
    const args = [
      'manifest',
      'pipeline',
      '-b',
      'build',
      '-d',
      'proto',
      '-s',
      'repo-pipe',
      '-p',
      'demo',
      '-k',
      'signer.key',
      '-c',
      'signer.pem',
      '--passphrase-env',
      'RELENG_TEST_PASS',
      'hello.p5m.pipe',
    ];
    let r = await releng(args, { cwd: dir, env: ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.match(manifestOf('repo-pipe'), /^signature [0-9a-f]{40} algorithm=rsa-sha256 /m);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(PASS));
    r = await releng(args, { cwd: dir, env: ENV });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /skipped publish/);
    const img = image('img-pipe', 'repo-pipe', 'require-signatures', 'ca.pem');
    const p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.equal(p.status, 0, p.stderr);
  });
});
