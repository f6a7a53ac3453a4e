/**
 * Signing API: key generation (v4, 0600, no overwrite), both backends
 * (openpgp.js and gpg), signatures checked by gpgv and by our own
 * verifiers, SHA-512 digests and never SHA-1, clear errors for a missing
 * key, a missing or wrong passphrase, a public key or a v6 key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as openpgp from 'openpgp';
import {
  generateKey,
  openSigner,
  type Signer,
  verifyClearsigned,
  verifyDetached,
} from '../../src/repository/signing/index.ts';
import { RelengError } from '../../src/util/errors.ts';
import { have, run, tempDir } from '../repository-apt/helpers.ts';

const dir = tempDir('releng-sign-');
const RELEASE = 'Origin: test\nSuite: stable\nDate: Sat, 01 Jun 2024 00:00:00 UTC\n';

/** Digest algorithms of every signature packet in OpenPGP data, per `gpg --list-packets`. */
function digestAlgos(file: string): number[] {
  const r = run('gpg', ['--batch', '--list-packets', file]);
  return [...r.stdout.matchAll(/digest algo (\d+)/g)].map((m) => Number(m[1]));
}

/** Runs gpgv; `hash` is the digest algorithm id of the good signature (VALIDSIG), 10 = SHA-512. */
function gpgv(pubFile: string, ...files: string[]): { code: number; out: string; hash?: number } {
  const keyring = path.join(dir, `ring-${path.basename(pubFile)}.gpg`);
  run('sh', ['-c', `gpg --dearmor < '${pubFile}' > '${keyring}'`]);
  const r = run('gpgv', ['--status-fd', '1', '--keyring', keyring, ...files]);
  const valid = /\[GNUPG:\] VALIDSIG (.*)/.exec(r.stdout)?.[1]?.split(' ');
  return { code: r.code, out: r.stdout + r.stderr, hash: valid ? Number(valid[7]) : undefined };
}

async function expectError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RelengError, `a RelengError, got ${String(err)}`);
    assert.match(err.message, re);
    return true;
  });
}

describe('generateKey', () => {
  test('Ed25519: a v4 key, private file 0600, SHA-512 self-signatures, public key returned', async () => {
    const out = path.join(dir, 'ed.asc');
    const k = await generateKey({ name: 'Repo Signer', email: 'repo@example.org', out });
    assert.match(k.fingerprint, /^[0-9A-F]{40}$/);
    assert.equal(k.keyId, k.fingerprint.slice(-16));
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /BEGIN PGP PRIVATE KEY BLOCK/);
    assert.match(k.publicKeyArmored, /BEGIN PGP PUBLIC KEY BLOCK/);
    assert.doesNotMatch(k.publicKeyArmored, /PRIVATE/);
    const key = await openpgp.readPrivateKey({ armoredKey: text });
    assert.equal(key.keyPacket.version, 4);
    assert.equal(key.getAlgorithmInfo().algorithm, 'eddsaLegacy');
    if (have('gpg')) {
      const algos = digestAlgos(out);
      assert.ok(algos.length > 0);
      assert.ok(
        algos.every((a) => a === 10),
        `self-signatures SHA-512, got ${algos}`,
      );
    }
  });

  test('refuses to overwrite an existing file', async () => {
    const out = path.join(dir, 'exists.asc');
    writeFileSync(out, 'keep me');
    await expectError(generateKey({ name: 'X', email: 'x@example.org', out }), /already exists/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
  });

  test('RSA: bit sizes below 2048 are refused; 2048 works', async () => {
    await expectError(
      generateKey({
        name: 'X',
        email: 'x@example.org',
        algorithm: 'rsa',
        rsaBits: 1024,
        out: path.join(dir, 'weak.asc'),
      }),
      /out of range/,
    );
    const k = await generateKey({
      name: 'RSA Signer',
      email: 'rsa@example.org',
      algorithm: 'rsa',
      rsaBits: 2048,
      out: path.join(dir, 'rsa.asc'),
    });
    const s = await openSigner({ keyFile: path.join(dir, 'rsa.asc') });
    assert.equal(s.algorithm, 'rsa');
    assert.equal(s.fingerprint, k.fingerprint);
  });
});

describe('openpgp backend', () => {
  let ed: Signer;
  let pubFile: string;
  before(async () => {
    await generateKey({
      name: 'Protected',
      email: 'p@example.org',
      passphrase: 'correct horse',
      out: path.join(dir, 'protected.asc'),
    });
    ed = await openSigner({ keyFile: path.join(dir, 'ed.asc') });
    pubFile = path.join(dir, 'ed.pub.asc');
    writeFileSync(pubFile, await ed.publicKeyArmored());
  });

  test('clearsign: gpgv accepts it, the digest is SHA-512, lines end in LF', {
    skip: !have('gpgv'),
  }, async () => {
    const signed = await ed.clearsign(RELEASE);
    assert.match(signed, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n/);
    assert.doesNotMatch(signed, /\r/);
    const f = path.join(dir, 'InRelease');
    writeFileSync(f, signed);
    const r = gpgv(pubFile, f);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /GOODSIG/);
    assert.equal(r.hash, 10);
  });

  test('detachSign: armored by default, binary with armor:false; gpgv accepts both', {
    skip: !have('gpgv'),
  }, async () => {
    const data = Buffer.from(RELEASE);
    const armored = await ed.detachSign(data);
    assert.equal(typeof armored, 'string');
    assert.match(armored as string, /BEGIN PGP SIGNATURE/);
    const binary = await ed.detachSign(data, { armor: false });
    assert.ok(binary instanceof Uint8Array);
    writeFileSync(path.join(dir, 'Release'), data);
    for (const [name, sig] of [
      ['Release.gpg', armored],
      ['Release.sig', binary],
    ] as const) {
      writeFileSync(path.join(dir, name), sig);
      const r = gpgv(pubFile, path.join(dir, name), path.join(dir, 'Release'));
      assert.equal(r.code, 0, r.out);
      assert.equal(r.hash, 10);
      assert.deepEqual(digestAlgos(path.join(dir, name)), [10]);
    }
  });

  test('verifyClearsigned / verifyDetached: good, altered, wrong key, trailing text', async () => {
    const pub = await ed.publicKeyArmored();
    const signed = await ed.clearsign(RELEASE);
    const ok = await verifyClearsigned({ text: signed, publicKey: pub });
    assert.equal(ok.valid, true);
    assert.equal(ok.fingerprint, ed.fingerprint);
    assert.equal(ok.hashAlgorithm, 'SHA512');
    assert.equal(ok.text, RELEASE);
    assert.equal(
      (await verifyClearsigned({ text: signed.replace('stable', 'stabl3'), publicKey: pub })).valid,
      false,
    );
    assert.equal(
      (await verifyClearsigned({ text: `${signed}Suite: evil\n`, publicKey: pub })).valid,
      false,
    );
    const other = await openSigner({ keyFile: path.join(dir, 'rsa.asc') });
    const wrong = await verifyClearsigned({
      text: signed,
      publicKey: await other.publicKeyArmored(),
    });
    assert.equal(wrong.valid, false);
    assert.match(wrong.error!, /unknown key/);
    const data = Buffer.from('payload');
    const sig = await ed.detachSign(data, { armor: false });
    assert.equal((await verifyDetached({ data, signature: sig, publicKey: pub })).valid, true);
    assert.equal(
      (await verifyDetached({ data: Buffer.from('Payload'), signature: sig, publicKey: pub }))
        .valid,
      false,
    );
    // Binary public keys (what signed-by=*.gpg holds) work too.
    const bin = await ed.publicKeyBinary();
    assert.equal((await verifyDetached({ data, signature: sig, publicKey: bin })).valid, true);
  });

  test('passphrases: needed, wrong, right (file or value)', async () => {
    const keyFile = path.join(dir, 'protected.asc');
    await expectError(openSigner({ keyFile }), /protected by a passphrase/);
    await expectError(openSigner({ keyFile, passphrase: 'wrong' }), /wrong passphrase/);
    const pf = path.join(dir, 'pass.txt');
    writeFileSync(pf, 'correct horse\n', { mode: 0o600 });
    const s = await openSigner({ keyFile, passphraseFile: pf });
    assert.match(await s.clearsign(RELEASE), /BEGIN PGP SIGNATURE/);
    const s2 = await openSigner({ keyFile, passphrase: 'correct horse' });
    assert.equal(s2.fingerprint, s.fingerprint);
  });

  test('missing key, public key instead of private, no key at all, v6 key', async () => {
    await expectError(openSigner({ keyFile: path.join(dir, 'nope.asc') }), /does not exist/);
    await expectError(
      openSigner({ keyFile: path.join(dir, 'ed.pub.asc') }),
      /public key, not a private key/,
    );
    await expectError(openSigner({}), /no signing key/);
    const v6 = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'V6', email: 'v6@example.org' }],
      format: 'armored',
      config: { v6Keys: true },
    });
    writeFileSync(path.join(dir, 'v6.asc'), v6.privateKey);
    await expectError(
      openSigner({ keyFile: path.join(dir, 'v6.asc') }),
      /v6 key; apt 2\.6 only verifies v4/,
    );
  });

  test('error messages never contain key material', async () => {
    const keyFile = path.join(dir, 'protected.asc');
    const secret = readFileSync(keyFile, 'utf8').split('\n').slice(3, 6).join('');
    try {
      await openSigner({ keyFile, passphrase: 'wrong' });
    } catch (err) {
      assert.ok(!(err as Error).message.includes(secret.slice(0, 20)));
      assert.doesNotMatch((err as Error).message, /PRIVATE KEY|correct horse/);
    }
  });
});

describe('gpg backend', { skip: !have('gpg') || !have('gpgv') }, () => {
  const home = tempDir('releng-gnupg-');
  let fpr = '';
  before(async () => {
    const k = await generateKey({
      name: 'Gpg Signer',
      email: 'gpg@example.org',
      passphrase: 'agent pass',
      out: path.join(dir, 'forgpg.asc'),
    });
    fpr = k.fingerprint;
    const r = spawnSync(
      'gpg',
      [
        '--homedir',
        home,
        '--batch',
        '--pinentry-mode',
        'loopback',
        '--passphrase',
        'agent pass',
        '--import',
        path.join(dir, 'forgpg.asc'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    rmSync(home, { recursive: true, force: true });
  });

  test('signs InRelease and Release.gpg with SHA-512; gpgv and our verifier accept them', async () => {
    const s = await openSigner({
      backend: 'gpg',
      gpgKey: fpr,
      gpgHome: home,
      passphrase: 'agent pass',
    });
    assert.equal(s.fingerprint, fpr);
    assert.equal(s.algorithm, 'ed25519');
    assert.equal(s.keyId, fpr.slice(-16));
    const pub = await s.publicKeyArmored();
    assert.match(pub, /BEGIN PGP PUBLIC KEY BLOCK/);
    const pubFile = path.join(dir, 'gpg.pub.asc');
    writeFileSync(pubFile, pub);
    const signed = await s.clearsign(RELEASE);
    assert.equal(
      (await verifyClearsigned({ text: signed, publicKey: pub })).hashAlgorithm,
      'SHA512',
    );
    writeFileSync(path.join(dir, 'gpg-InRelease'), signed);
    const g = gpgv(pubFile, path.join(dir, 'gpg-InRelease'));
    assert.equal(g.code, 0, g.out);
    assert.equal(g.hash, 10);
    const sig = await s.detachSign(Buffer.from(RELEASE), { armor: false });
    assert.ok(sig instanceof Uint8Array);
    const v = await verifyDetached({ data: Buffer.from(RELEASE), signature: sig, publicKey: pub });
    assert.equal(v.valid, true);
    assert.equal(v.hashAlgorithm, 'SHA512');
  });

  test('a SHA-1 signature (made by gpg) is rejected by our verifier', async () => {
    const rsaHome = tempDir('releng-gnupg-rsa-');
    try {
      const imp = run('gpg', [
        '--homedir',
        rsaHome,
        '--batch',
        '--import',
        path.join(dir, 'rsa.asc'),
      ]);
      assert.equal(imp.code, 0, imp.stderr);
      const data = path.join(dir, 'sha1-data');
      writeFileSync(data, 'old style\n');
      const r = run('gpg', [
        '--homedir',
        rsaHome,
        '--batch',
        '--yes',
        '--digest-algo',
        'SHA1',
        '--detach-sign',
        '-o',
        `${data}.sig`,
        data,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(digestAlgos(`${data}.sig`), [2]);
      const pub = await (
        await openSigner({ keyFile: path.join(dir, 'rsa.asc') })
      ).publicKeyArmored();
      const v = await verifyDetached({
        data: readFileSync(data),
        signature: readFileSync(`${data}.sig`),
        publicKey: pub,
      });
      assert.equal(v.valid, false);
    } finally {
      spawnSync('gpgconf', ['--homedir', rsaHome, '--kill', 'gpg-agent']);
      rmSync(rsaHome, { recursive: true, force: true });
    }
  });

  test('wrong passphrase and unknown key are clear errors', async () => {
    spawnSync('gpgconf', ['--homedir', home, '--reload', 'gpg-agent']); // forget cached passphrases
    const s = await openSigner({ backend: 'gpg', gpgKey: fpr, gpgHome: home, passphrase: 'nope' });
    await expectError(s.clearsign(RELEASE), /wrong passphrase/);
    await expectError(
      openSigner({ backend: 'gpg', gpgKey: 'nobody@example.org', gpgHome: home }),
      /no such secret key/,
    );
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));
