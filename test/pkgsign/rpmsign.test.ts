/** .rpm header signatures written natively, checked by rpm 4.18's rpmkeys. */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { PackageSignError, parseSignature, signRpm } from '../../src/repository/rpmsign.ts';
import { parseRpm, SIG } from '../../src/repository/yum/rpmfile.ts';
import { buildPackages, description, have, isRoot, run, tempDir, testSigner } from './helpers.ts';

const skip = have('rpmkeys') && have('rpm') ? false : 'rpm is not installed';

/** `rpmkeys -Kv` with its own key database (empty unless keys are imported). */
function checkSig(file: string, db: string): { code: number; out: string } {
  const r = run('rpmkeys', ['--dbpath', db, '-Kv', file]);
  return { code: r.code, out: r.stdout + r.stderr };
}

function importKey(db: string, keyFile: string): void {
  const r = run('rpmkeys', ['--dbpath', db, '--import', keyFile]);
  assert.equal(r.code, 0, r.stderr);
}

describe('signRpm', { skip }, () => {
  let dir: string;
  let unsigned: string;

  before(async () => {
    dir = tempDir('releng-rpmsign-');
    const built = await buildPackages('rpm', dir, [
      description('signme', {
        files: { '/usr/bin/signme': '#!/bin/sh\necho hi\n', '/etc/signme.conf': 'a=1\n' },
      }),
    ]);
    unsigned = built[0]!;
  });

  test('an unsigned package still shows its digests OK', () => {
    const r = run('rpm', ['-Kv', unsigned]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Header SHA256 digest: OK/);
    assert.match(r.stdout, /Payload SHA256 digest: OK/);
    assert.doesNotMatch(r.stdout, /Signature/);
  });

  for (const algorithm of ['ed25519', 'rsa'] as const) {
    test(`${algorithm}: rpmkeys says NOKEY without the key and OK with it`, async () => {
      const signer = await testSigner(algorithm);
      const file = path.join(dir, `${algorithm}.rpm`);
      copyFileSync(unsigned, file);
      const before = readFileSync(file);
      const res = await signRpm(file, signer);
      const label = algorithm === 'rsa' ? 'RSA' : 'EdDSA';
      // rpm 4.18 (rpmgensig.c): RSA → RSAHEADER 268; DSA/ECDSA/EdDSA → DSAHEADER 267.
      assert.equal(res.tag, algorithm === 'rsa' ? SIG.rsaHeader : SIG.dsaHeader);
      assert.equal(res.algorithm, label);
      assert.equal(res.hash, 'SHA512');
      assert.equal(res.issuer, signer.keyId);

      const db = tempDir('releng-rpmdb-');
      const nokey = checkSig(file, db);
      assert.notEqual(nokey.code, 0);
      assert.match(
        nokey.out,
        new RegExp(
          `Header V4 ${label}/SHA512 Signature, key ID ${signer.keyId.slice(-8).toLowerCase()}: NOKEY`,
        ),
      );
      assert.match(nokey.out, /Header SHA256 digest: OK/);
      assert.match(nokey.out, /Payload SHA256 digest: OK/);

      const keyFile = path.join(db, 'key.asc');
      writeFileSync(keyFile, await signer.publicKeyArmored());
      importKey(db, keyFile);
      const ok = checkSig(file, db);
      assert.equal(ok.code, 0, ok.out);
      assert.match(
        ok.out,
        new RegExp(`Header V4 ${label}/SHA512 Signature, key ID [0-9a-f]{8}: OK`),
      );

      // Lead, main header and payload are untouched.
      const after = readFileSync(file);
      const a = parseRpm(before, 'before');
      const b = parseRpm(after, 'after');
      assert.deepEqual(after.subarray(0, 96), before.subarray(0, 96));
      assert.deepEqual(after.subarray(b.headerStart), before.subarray(a.headerStart));
      // rpm -qp reads the signature as the same key.
      const q = run('rpm', [
        '-qp',
        '--qf',
        '%{SIGPGP:pgpsig}%{RSAHEADER:pgpsig}|%{DSAHEADER:pgpsig}\n',
        file,
      ]);
      assert.match(q.stdout, new RegExp(signer.keyId.toLowerCase()));
    });
  }

  test('a package signed by another key is NOKEY even with a key imported', async () => {
    const a = await testSigner('ed25519');
    const b = await testSigner('ed25519', 'Other Key');
    const file = path.join(dir, 'other.rpm');
    await signRpm(unsigned, b, { out: file });
    const db = tempDir('releng-rpmdb-');
    const keyFile = path.join(db, 'key.asc');
    writeFileSync(keyFile, await a.publicKeyArmored());
    importKey(db, keyFile);
    const r = checkSig(file, db);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /NOKEY/);
  });

  test('signing again replaces the signature; out: leaves the source alone', async () => {
    const a = await testSigner('ed25519');
    const rsa = await testSigner('rsa');
    const file = path.join(dir, 'twice.rpm');
    const original = readFileSync(unsigned);
    await signRpm(unsigned, a, { out: file });
    assert.deepEqual(readFileSync(unsigned), original);
    await signRpm(file, rsa);
    const sig = parseRpm(readFileSync(file), file).signature;
    assert.equal(sig.has(SIG.dsaHeader), false, 'the EdDSA signature is gone');
    assert.equal(sig.has(SIG.rsaHeader), true);
    assert.equal(parseSignature(sig.bin(SIG.rsaHeader)!).issuer, rsa.keyId);
  });

  test('installs with signature checking enforced', { skip: !isRoot && 'needs root' }, async () => {
    const signer = await testSigner('ed25519');
    const file = path.join(dir, 'install.rpm');
    await signRpm(unsigned, signer, { out: file });
    const root = tempDir('releng-rpmroot-');
    const keyFile = path.join(root, 'key.asc');
    writeFileSync(keyFile, await signer.publicKeyArmored());
    const args = ['--root', root, '--define', '_pkgverify_level signature'];
    assert.equal(run('rpm', [...args, '--initdb']).code, 0);
    assert.equal(run('rpmkeys', [...args, '--import', keyFile]).code, 0);
    const r = run('rpm', [...args, '-i', '--nodeps', '--noscripts', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(run('rpm', ['--root', root, '-q', 'signme']).stdout.trim(), 'signme-1.0-1.noarch');
    // And the unsigned one is refused at that level.
    const u = run('rpm', [...args, '-i', '--nodeps', '--noscripts', '--replacepkgs', unsigned]);
    assert.notEqual(u.code, 0);
  });

  test('a damaged header is refused and the file is left unchanged', async () => {
    const file = path.join(dir, 'damaged.rpm');
    const buf = readFileSync(unsigned);
    const p = parseRpm(buf, file);
    // Flip a byte of the main header's data store (not its index).
    buf[p.headerEnd - 40]! ^= 0x20;
    writeFileSync(file, buf);
    const signer = await testSigner('ed25519');
    await assert.rejects(signRpm(file, signer), /header SHA256 digest does not match/);
    assert.deepEqual(readFileSync(file), buf);
  });

  test('a SHA-1 signature is refused', async () => {
    const real = await testSigner('ed25519');
    // A signer whose packets claim SHA-1 (hash algorithm 2): refused before use.
    const sha1Signer = {
      detachSign: async (data: Uint8Array) => {
        const sig = Buffer.from((await real.detachSign(data, { armor: false })) as Uint8Array);
        const o = sig[1]!;
        const body = sig[0]! & 0x40 ? (o < 192 ? 2 : o < 224 ? 3 : 6) : 2 + (1 << (sig[0]! & 3));
        sig[body + 3] = 2;
        return sig;
      },
    };
    const file = path.join(dir, 'sha1.rpm');
    copyFileSync(unsigned, file);
    const mtime = statSync(file).mtimeMs;
    await assert.rejects(signRpm(file, sha1Signer), (err: unknown) => {
      assert.ok(err instanceof PackageSignError);
      assert.match((err as Error).message, /SHA1/);
      return true;
    });
    assert.equal(statSync(file).mtimeMs, mtime);
  });

  test('not an rpm', async () => {
    const file = path.join(dir, 'junk.rpm');
    writeFileSync(
      file,
      'not an rpm at all, just text that is long enough to have a lead...'.repeat(4),
    );
    await assert.rejects(signRpm(file, await testSigner('ed25519')), /not a valid rpm package/);
  });
});
