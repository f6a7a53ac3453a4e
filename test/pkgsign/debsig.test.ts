/** .deb origin signatures (debsigs format), checked by debsig-verify and dpkg-deb. */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import {
  arMembers,
  debsigPolicy,
  signDeb,
  writeDebsigPolicy,
} from '../../src/repository/debsig.ts';
import { parseSignature } from '../../src/repository/rpmsign.ts';
import { buildPackages, description, have, run, tempDir, testSigner } from './helpers.ts';

const skip = have('debsig-verify') ? false : 'debsig-verify is not installed';

function verify(file: string, layout: { policiesDir: string; keyringsDir: string }) {
  const r = run('debsig-verify', [
    '--policies-dir',
    layout.policiesDir,
    '--keyrings-dir',
    layout.keyringsDir,
    file,
  ]);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('signDeb', { skip }, () => {
  let dir: string;
  let xzDeb: string;
  let gzDeb: string;

  before(async () => {
    dir = tempDir('releng-debsig-');
    [xzDeb] = (await buildPackages(
      'deb',
      path.join(dir, 'xz'),
      [description('debsigxz')],
      'xz',
    )) as [string];
    [gzDeb] = (await buildPackages(
      'deb',
      path.join(dir, 'gz'),
      [description('debsiggz')],
      'gzip',
    )) as [string];
  });

  for (const algorithm of ['ed25519', 'rsa'] as const) {
    test(`${algorithm}: debsig-verify accepts the signature; tampering is caught`, async () => {
      const signer = await testSigner(algorithm);
      const layout = await writeDebsigPolicy(tempDir('releng-debsig-policy-'), signer);
      const file = path.join(dir, `${algorithm}.deb`);
      copyFileSync(xzDeb, file);
      const res = await signDeb(file, signer);
      assert.equal(res.issuer, signer.keyId);

      const ok = verify(file, layout);
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /Verified package from 'releng'/);

      // The package itself is intact for dpkg.
      assert.deepEqual(run('ar', ['t', file]).stdout.trim().split('\n'), [
        'debian-binary',
        'control.tar.xz',
        'data.tar.xz',
        '_gpgorigin',
      ]);
      const info = run('dpkg-deb', ['--info', file]);
      assert.equal(info.code, 0, info.stderr);
      assert.match(info.stdout, /Package: debsigxz/);
      assert.equal(run('dpkg-deb', ['--contents', file]).code, 0);

      // A byte changed in data.tar (the last signed member) fails verification.
      const buf = readFileSync(file);
      const data = arMembers(buf, file).find((m) => m.name.startsWith('data.tar'))!;
      buf[data.offset + Math.floor(data.size / 2)]! ^= 0x01;
      const bad = path.join(dir, `${algorithm}-bad.deb`);
      writeFileSync(bad, buf);
      const r = verify(bad, layout);
      assert.equal(r.code, 13, r.out);
      assert.match(r.out, /Failed verification/);
    });
  }

  test('an unsigned package and one signed by an unknown key are refused', async () => {
    const signer = await testSigner('ed25519');
    const layout = await writeDebsigPolicy(tempDir('releng-debsig-policy-'), signer);
    const none = verify(gzDeb, layout);
    assert.equal(none.code, 10, none.out); // no origin signature
    const other = await testSigner('ed25519', 'Unknown Signer');
    const file = path.join(dir, 'other.deb');
    await signDeb(gzDeb, other, { out: file });
    const r = verify(file, layout);
    assert.equal(r.code, 11, r.out); // no policy for that key ID
  });

  test('gzip members; signing again replaces the origin signature', async () => {
    const a = await testSigner('ed25519');
    const b = await testSigner('rsa');
    const file = path.join(dir, 'twice.deb');
    const original = readFileSync(gzDeb);
    await signDeb(gzDeb, a, { out: file });
    assert.deepEqual(readFileSync(gzDeb), original, 'out: leaves the source alone');
    await signDeb(file, b);
    const buf = readFileSync(file);
    const members = arMembers(buf, file);
    assert.deepEqual(
      members.map((m) => m.name),
      ['debian-binary', 'control.tar.gz', 'data.tar.gz', '_gpgorigin'],
    );
    const sig = members[3]!;
    assert.equal(parseSignature(buf.subarray(sig.offset, sig.offset + sig.size)).issuer, b.keyId);
    const layout = await writeDebsigPolicy(tempDir('releng-debsig-policy-'), b);
    assert.equal(verify(file, layout).code, 0);
    // The untouched members are byte for byte the original ones.
    assert.deepEqual(buf.subarray(0, sig.headerOffset), original);
  });

  test('the policy names the key in all three places', () => {
    const xml = debsigPolicy({ keyId: 'abcdef0123456789', name: 'Example' });
    assert.equal(xml.match(/id="ABCDEF0123456789"/g)?.length, 3);
    assert.match(xml, /<Origin Name="Example"/);
  });

  test('not a .deb', async () => {
    const file = path.join(dir, 'junk.deb');
    writeFileSync(file, 'junk');
    await assert.rejects(signDeb(file, await testSigner('ed25519')), /not a \.deb/);
  });
});
