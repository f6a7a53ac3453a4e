/**
 * Reproducible APT repositories: with SOURCE_DATE_EPOCH the Release Date and
 * the signatures' time come from it, and the signatures are deterministic,
 * so two publishes of the same packages with the same key give the same
 * bytes (Ed25519 and RSA, openpgp.js and gpg). apt 2.6 still accepts the
 * repository; what apt would refuse or silently ignore (a future Date, a
 * past Valid-Until, a Date older than the published one) is refused before
 * anything is written. Without SOURCE_DATE_EPOCH the time is now.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { aptRepository } from '../../src/repository/apt/index.ts';
import { releaseDate } from '../../src/repository/apt/release.ts';
import { openSigner, verifyClearsigned } from '../../src/repository/signing/index.ts';
import { repoCli } from '../helpers.ts';
import { assertSameTree, fileTree } from '../same-tree.ts';
import { datedKeyFile, extendedKeyFile, KEY_CREATED } from '../signing/dated-key.ts';
import { aptSandbox, have, makeDeb, run, SDE, tempDir } from './helpers.ts';

const haveApt = have('apt-get') && have('gpgv');

/** gpg --list-packets of a file's signature block (InRelease: only its signature part). */
function listPackets(file: string): string {
  const text = readFileSync(file, 'utf8');
  const sig = text.slice(text.indexOf('-----BEGIN PGP SIGNATURE-----'));
  return run('gpg', ['--batch', '--list-packets'], { input: sig }).stdout;
}

/** The creation time (seconds) of every signature packet, per gpg --list-packets. */
function signatureTimes(file: string): number[] {
  return [
    ...listPackets(file).matchAll(/signature packet:.*\n(?:.*\n)*?\s+version \d+, created (\d+)/g),
  ].map((m) => Number(m[1]));
}

describe('reproducible APT repositories (SOURCE_DATE_EPOCH)', () => {
  const work = tempDir('releng-apt-repro-');
  const debs = path.join(work, 'debs');
  let alpha: string;
  let beta: string;
  let ed: Awaited<ReturnType<typeof datedKeyFile>>;
  let rsa: Awaited<ReturnType<typeof datedKeyFile>>;
  const env = { SOURCE_DATE_EPOCH: String(SDE) };

  before(async () => {
    alpha = await makeDeb(debs, { name: 'alpha', version: '1.0', arch: 'amd64' });
    beta = await makeDeb(debs, { name: 'beta', version: '2.0', depends: ['alpha'] });
    ed = await datedKeyFile(work, 'ed25519');
    rsa = await datedKeyFile(work, 'rsa');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** `repo create` + `repo add` through the CLI, with the given environment. */
  async function publish(dir: string, key: string, e: NodeJS.ProcessEnv, ...extra: string[]) {
    let r = await repoCli(['repo', 'create', dir, '--key', key, ...extra], e);
    assert.equal(r.code, 0, r.err);
    r = await repoCli(['repo', 'add', dir, alpha, beta, '--key', key], e);
    assert.equal(r.code, 0, r.err);
  }

  for (const alg of ['ed25519', 'rsa'] as const)
    test(`${alg}: two publishes into two folders give the same bytes, dated SOURCE_DATE_EPOCH`, async () => {
      const key = alg === 'rsa' ? rsa : ed;
      const a = path.join(work, `${alg}-a`);
      const b = path.join(work, `${alg}-b`);
      await publish(a, key.keyFile, env, '--origin', 'Repro');
      await publish(b, key.keyFile, env, '--origin', 'Repro');
      assertSameTree(a, b);
      const dist = path.join(a, 'dists/stable');
      const release = readFileSync(path.join(dist, 'Release'), 'utf8');
      assert.match(release, new RegExp(`^Date: ${releaseDate(new Date(SDE * 1000))}$`, 'm'));
      assert.equal(releaseDate(new Date(SDE * 1000)), 'Wed, 01 May 2024 12:00:00 UTC');
      for (const f of ['InRelease', 'Release.gpg'])
        assert.deepEqual(signatureTimes(path.join(dist, f)), [SDE], f);
      // No random salt notation (openpgp.js's default) in either signature.
      for (const f of ['InRelease', 'Release.gpg'])
        assert.doesNotMatch(listPackets(path.join(dist, f)), /salt@notations\.openpgpjs\.org/);
    });

  test('apt-get accepts the repository dated in the past and installs from it', {
    skip: !haveApt && 'apt-get and gpgv are needed',
  }, async () => {
    const dir = path.join(work, 'ed25519-a');
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${ed.publicKey}] file://${dir} stable main`);
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
    const i = await sb.install(['beta']);
    assert.equal(i.code, 0, i.stdout + i.stderr);
    assert.match(i.stdout, /Setting up beta \(2\.0-1\)/);
  });

  test('a key newer than SOURCE_DATE_EPOCH: the signatures carry the key creation time, apt accepts them', {
    skip: !haveApt && 'apt-get and gpgv are needed',
  }, async () => {
    const created = Math.floor(Date.now() / 1000) - 60;
    const young = await datedKeyFile(path.join(work, 'debs'), 'ed25519', new Date(created * 1000));
    const dir = path.join(work, 'young');
    await publish(dir, young.keyFile, env);
    const dist = path.join(dir, 'dists/stable');
    assert.match(readFileSync(path.join(dist, 'Release'), 'utf8'), /^Date: Wed, 01 May 2024 /m);
    assert.deepEqual(signatureTimes(path.join(dist, 'InRelease')), [created]);
    assert.deepEqual(signatureTimes(path.join(dist, 'Release.gpg')), [created]);
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${young.publicKey}] file://${dir} stable main`);
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
  });

  test('a key whose expiry was extended after SOURCE_DATE_EPOCH: dated its newest self-signature, reproducible, apt accepts', {
    skip: (!haveApt || !have('gpg')) && 'apt-get, gpgv and gpg are needed',
  }, async () => {
    const ext = await extendedKeyFile(work, path.join(work, 'gnupg-extended'));
    const dirs = ['ext-a', 'ext-b'].map((x) => path.join(work, x)) as [string, string];
    for (const d of dirs) await publish(d, ext.keyFile, env);
    assertSameTree(dirs[0], dirs[1]);
    const [t] = signatureTimes(path.join(dirs[0], 'dists/stable/InRelease'));
    assert.ok(t! >= ext.extendedAt && t! < ext.extendedAt + 60, `${t} vs ${ext.extendedAt}`);
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${ext.publicKey}] file://${dirs[0]} stable main`);
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
  });

  test('the same SOURCE_DATE_EPOCH again with another package: written, and apt sees it', {
    skip: !haveApt && 'apt-get and gpgv are needed',
  }, async () => {
    const dir = path.join(work, 'grow');
    let r = await repoCli(['repo', 'create', dir, '--key', ed.keyFile], env);
    assert.equal(r.code, 0, r.err);
    r = await repoCli(['repo', 'add', dir, alpha, '--key', ed.keyFile], env);
    assert.equal(r.code, 0, r.err);
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${ed.publicKey}] file://${dir} stable main`);
    assert.equal((await sb.aptGet(['update'])).code, 0);
    r = await repoCli(['repo', 'add', dir, beta, '--key', ed.keyFile], env);
    assert.equal(r.code, 0, r.err);
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    const d = await sb.aptGet(['download', 'beta']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
  });

  test('refused, nothing written: a Date older than the published one (apt would ignore it)', async () => {
    const dir = path.join(work, 'older');
    let r = await repoCli(['repo', 'create', dir, '--key', ed.keyFile], env);
    assert.equal(r.code, 0, r.err);
    const before = fileTree(dir);
    r = await repoCli(['repo', 'add', dir, alpha, '--key', ed.keyFile], {
      SOURCE_DATE_EPOCH: String(SDE - 86400),
    });
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /SOURCE_DATE_EPOCH \(Tue, 30 Apr 2024 12:00:00 UTC\) is older than the Date/,
    );
    assert.match(r.err, /apt would keep its old lists/);
    assert.deepEqual([...fileTree(dir).keys()].sort(), [...before.keys()].sort());
    assert.ok(
      readFileSync(path.join(dir, 'dists/stable/Release')).equals(
        before.get('dists/stable/Release')!,
      ),
    );
  });

  test('refused, nothing written: Valid-Until already past, or a Date in the future', async () => {
    const dir = path.join(work, 'expired');
    let r = await repoCli(['repo', 'create', dir, '--key', ed.keyFile, '--valid-for', '7d'], env);
    assert.equal(r.code, 1);
    assert.match(r.err, /Valid-Until Wed, 08 May 2024 12:00:00 UTC, already past/);
    assert.match(r.err, /repo sign|--valid-for/);
    assert.equal(statSync(path.join(dir, 'dists'), { throwIfNoEntry: false }), undefined);
    // Valid-Until in the future: accepted.
    const far = path.join(work, 'valid');
    r = await repoCli(['repo', 'create', far, '--key', ed.keyFile, '--valid-for', '5000w'], env);
    assert.equal(r.code, 0, r.err);
    assert.match(
      readFileSync(path.join(far, 'dists/stable/Release'), 'utf8'),
      /^Valid-Until: .* UTC$/m,
    );
    const future = path.join(work, 'future');
    r = await repoCli(['repo', 'create', future, '--key', ed.keyFile], {
      SOURCE_DATE_EPOCH: String(Math.floor(Date.now() / 1000) + 86400),
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /is in the future: apt refuses the Release/);
  });

  test('a malformed SOURCE_DATE_EPOCH is an error, not "now"', async () => {
    const r = await repoCli(['repo', 'create', path.join(work, 'bad'), '--key', ed.keyFile], {
      SOURCE_DATE_EPOCH: '2024-05-01',
    });
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, not '2024-05-01'/,
    );
  });

  test('without SOURCE_DATE_EPOCH: dated now, and the signatures are salted (they differ)', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    delete process.env.SOURCE_DATE_EPOCH;
    try {
      const signer = await openSigner({ keyFile: ed.keyFile });
      const dirs = ['now-a', 'now-b'].map((d) => path.join(work, d));
      const t0 = Date.now();
      for (const d of dirs) {
        const repo = await aptRepository(d, {});
        await repo.add([alpha]);
        await repo.publish({ signer });
      }
      const [a, b] = dirs.map((d) => readFileSync(path.join(d, 'dists/stable/InRelease'), 'utf8'));
      assert.notEqual(a, b);
      assert.match(listPackets(path.join(dirs[0]!, 'dists/stable/InRelease')), /salt@notations/);
      const v = await verifyClearsigned({ text: a!, publicKey: readFileSync(ed.publicKey) });
      assert.ok(v.valid, v.error);
      assert.ok(v.created!.getTime() >= Math.floor(t0 / 1000) * 1000, String(v.created));
      const date = Date.parse(/^Date: (.*)$/m.exec(a!)![1]!);
      assert.ok(Math.abs(date - t0) < 60_000, `Date ${new Date(date).toISOString()} is now`);
    } finally {
      if (saved !== undefined) process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  test('the library: publish({ date }) fixes the time like SOURCE_DATE_EPOCH does', async () => {
    const signer = await openSigner({ keyFile: rsa.keyFile });
    const date = new Date('2023-03-01T00:00:00Z');
    const dirs = ['lib-a', 'lib-b'].map((d) => path.join(work, d));
    for (const d of dirs) {
      const repo = await aptRepository(d, { layout: 'flat' });
      await repo.add([alpha, beta]);
      await repo.publish({ signer, date });
    }
    assertSameTree(dirs[0]!, dirs[1]!);
    assert.match(readFileSync(path.join(dirs[0]!, 'Release'), 'utf8'), /^Date: Wed, 01 Mar 2023 /m);
    assert.ok(KEY_CREATED < date);
  });

  describe('gpg backend', { skip: !have('gpg') && 'gpg is needed' }, () => {
    const home = path.join(work, 'gnupg');
    before(() => {
      spawnSync('mkdir', ['-m', '700', '-p', home]);
      const r = spawnSync(
        'gpg',
        ['--homedir', home, '--batch', '--import', ed.keyFile, rsa.keyFile],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
    });
    after(() => {
      spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    });

    test('gpg: two publishes give the same bytes as each other, dated SOURCE_DATE_EPOCH; apt accepts', async () => {
      for (const key of [ed, rsa]) {
        const dirs = ['a', 'b'].map((x) =>
          path.join(work, `gpg-${key.fingerprint.slice(-8)}-${x}`),
        );
        for (const d of dirs) {
          let r = await repoCli(
            ['repo', 'create', d, '--gpg-key', key.fingerprint, '--gpg-home', home],
            env,
          );
          assert.equal(r.code, 0, r.err);
          r = await repoCli(
            ['repo', 'add', d, alpha, beta, '--gpg-key', key.fingerprint, '--gpg-home', home],
            env,
          );
          assert.equal(r.code, 0, r.err);
        }
        assertSameTree(dirs[0]!, dirs[1]!);
        const dist = path.join(dirs[0]!, 'dists/stable');
        assert.deepEqual(signatureTimes(path.join(dist, 'InRelease')), [SDE]);
        assert.deepEqual(signatureTimes(path.join(dist, 'Release.gpg')), [SDE]);
        if (!haveApt) continue;
        const sb = aptSandbox('amd64', work);
        sb.sources(`deb [signed-by=${key.publicKey}] file://${dirs[0]} stable main`);
        const u = await sb.aptGet(['update']);
        assert.equal(u.code, 0, u.stdout + u.stderr);
        assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
      }
    });
  });
});
