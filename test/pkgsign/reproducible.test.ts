/**
 * Signed packages under SOURCE_DATE_EPOCH: the rpm header signature, the
 * .deb origin signature and the clear-signed .changes are dated by it and
 * carry no random salt, so signing the same package twice gives the same
 * bytes; rpmkeys and debsig-verify still accept them. Without it the
 * signatures are dated now and salted (they differ).
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signArtifacts } from '../../src/recipes/sign.ts';
import { arMembers, writeDebsigPolicy } from '../../src/repository/debsig.ts';
import { signRpm } from '../../src/repository/rpmsign.ts';
import { openSigner, type Signer } from '../../src/repository/signing/index.ts';
import { reproducibleSigning } from '../../src/util/epoch.ts';
import { datedKeyFile } from '../signing/dated-key.ts';
import { buildPackages, description, have, run, SDE, tempDir } from './helpers.ts';

/** Signature creation times (seconds) in OpenPGP data, per gpg --list-packets. */
function signatureTimes(data: Buffer | string): number[] {
  const file = path.join(tempDir('releng-sigpackets-'), 'sig');
  writeFileSync(file, data);
  const out = run('gpg', ['--batch', '--list-packets', file]).stdout;
  return [...out.matchAll(/version \d+, created (\d+), md5len/g)].map((m) => Number(m[1]));
}

describe('reproducible package signatures (SOURCE_DATE_EPOCH)', () => {
  const dir = tempDir('releng-pkgsign-repro-');
  let rpm: string;
  let deb: string;
  let signer: Signer;
  let pub: string;
  const saved = process.env.SOURCE_DATE_EPOCH;

  before(async () => {
    [rpm] = (await buildPackages('rpm', path.join(dir, 'rpm'), [description('reprpm')])) as [
      string,
    ];
    [deb] = (await buildPackages('deb', path.join(dir, 'deb'), [description('repdeb')])) as [
      string,
    ];
    const key = await datedKeyFile(dir, 'ed25519');
    signer = await openSigner({ keyFile: key.keyFile });
    pub = key.publicKey;
  });
  after(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });

  /** Two signed copies of `src`, signed by `sign`. */
  async function twice(src: string, ext: string, sign: (f: string) => Promise<unknown>) {
    const copies = ['a', 'b'].map((x) => path.join(dir, `${x}-${path.basename(src, ext)}${ext}`));
    for (const c of copies) {
      copyFileSync(src, c);
      await sign(c);
    }
    return copies.map((c) => readFileSync(c)) as [Buffer, Buffer];
  }

  test('rpm: signRpm reads SOURCE_DATE_EPOCH; the same bytes twice; rpmkeys says OK', {
    skip: !have('rpmkeys') && 'rpm is not installed',
  }, async () => {
    process.env.SOURCE_DATE_EPOCH = String(SDE);
    const [a, b] = await twice(rpm, '.rpm', (f) => signRpm(f, signer));
    assert.ok(a.equals(b), 'the two signed rpms differ');
    const file = path.join(dir, `a-${path.basename(rpm)}`);
    const when = run('rpm', ['-qp', '--qf', '%{DSAHEADER:pgpsig}', file], { env: { TZ: 'UTC' } });
    assert.match(when.stdout, /EdDSA\/SHA512, Wed May {2}1 12:00:00 2024/);
    const db = tempDir('releng-rpmdb-');
    assert.equal(run('rpmkeys', ['--dbpath', db, '--import', pub]).code, 0);
    const ok = run('rpmkeys', ['--dbpath', db, '-Kv', file]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /Header V4 EdDSA\/SHA512 Signature, key ID [0-9a-f]{8}: OK/);

    delete process.env.SOURCE_DATE_EPOCH;
    const [c, d] = await twice(rpm, '.rpm', (f) => signRpm(f, signer));
    assert.ok(!c.equals(d), 'without SOURCE_DATE_EPOCH the signatures are salted');
  });

  test('deb: the origin signature is the same twice, dated SOURCE_DATE_EPOCH; debsig-verify accepts it', {
    skip: !have('debsig-verify') && 'debsig-verify is not installed',
  }, async () => {
    const signing = reproducibleSigning({ SOURCE_DATE_EPOCH: String(SDE) });
    delete process.env.SOURCE_DATE_EPOCH;
    const [a, b] = await twice(deb, '.deb', (f) => signArtifacts([f], signer, signing));
    assert.ok(a.equals(b), 'the two signed debs differ');
    const origin = arMembers(a, 'a.deb').find((m) => m.name === '_gpgorigin')!;
    assert.deepEqual(signatureTimes(a.subarray(origin.offset, origin.offset + origin.size)), [SDE]);
    const file = path.join(dir, `a-${path.basename(deb)}`);
    const layout = await writeDebsigPolicy(tempDir('releng-debsig-policy-'), signer);
    const v = run('debsig-verify', [
      '--policies-dir',
      layout.policiesDir,
      '--keyrings-dir',
      layout.keyringsDir,
      file,
    ]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('.changes: clear-signed the same twice, dated SOURCE_DATE_EPOCH', async () => {
    const signing = reproducibleSigning({ SOURCE_DATE_EPOCH: String(SDE) });
    const texts: string[] = [];
    for (const x of ['a', 'b']) {
      const f = path.join(dir, `${x}_1.0_amd64.changes`);
      writeFileSync(f, 'Format: 1.8\nSource: repdeb\nVersion: 1.0\n');
      await signArtifacts([f], signer, signing);
      texts.push(readFileSync(f, 'utf8'));
    }
    assert.equal(texts[0], texts[1]);
    assert.match(texts[0]!, /^-----BEGIN PGP SIGNED MESSAGE-----/);
    const sig = texts[0]!.slice(texts[0]!.indexOf('-----BEGIN PGP SIGNATURE-----'));
    assert.deepEqual(signatureTimes(sig), [SDE]);
  });
});
