/**
 * The APT repository writer without apt: layout, Packages stanzas, Release,
 * by-hash, incremental indexing (only new files are read), duplicates and
 * replacing, removal, flat repositories, and failures that must leave the
 * published repository exactly as it was.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  type AptRepositoryOptions,
  aptRepository,
  parseRelease,
  readDeb,
  verifyAptRepository,
} from '../../src/repository/apt/index.ts';
import { xzDecompress } from '../../src/repository/apt/xz.ts';
import { lockRepository } from '../../src/repository/index-store.ts';
import { generateKey, openSigner, type Signer } from '../../src/repository/signing/index.ts';
import { RelengError } from '../../src/util/errors.ts';
import { have, makeDeb, run, tempDir } from './helpers.ts';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Every file under dir (path → sha256, or link target), except the compression cache. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (r === '.releng-repo/index-chunks') continue;
      if (d.isSymbolicLink()) out.set(r, `-> ${readlinkSync(path.join(dir, r))}`);
      else if (d.isDirectory()) walk(r);
      else out.set(r, sha256(readFileSync(path.join(dir, r))));
    }
  };
  walk('');
  return out;
}

function stanzas(text: string): Array<Record<string, string>> {
  return text
    .split(/\n\n/)
    .filter((p) => p.trim())
    .map((p) => {
      const o: Record<string, string> = {};
      for (const line of p.split('\n')) {
        if (/^\s/.test(line) || !line.includes(':')) continue;
        o[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 1).trim();
      }
      return o;
    });
}

async function expectError(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (err: unknown) => {
      assert.ok(err instanceof RelengError, `a RelengError, got ${String(err)}`);
      assert.match(err.message, re);
      return true;
    },
  );
}

const work = tempDir('releng-aptrepo-');
const debs = path.join(work, 'debs');
let signer: Signer;
let pubKey: string;

async function setup(): Promise<void> {
  if (signer) return;
  const k = await generateKey({
    name: 'Repo Test',
    email: 'rt@example.org',
    out: path.join(work, 'key.asc'),
  });
  pubKey = k.publicKeyArmored;
  signer = await openSigner({ keyFile: path.join(work, 'key.asc') });
}

/** A reader that records which files were read. */
function countingReader(): { reads: string[]; opts: AptRepositoryOptions } {
  const reads: string[] = [];
  return {
    reads,
    opts: {
      reader: (file, label) => {
        reads.push(path.basename(file));
        return readDeb(file, label);
      },
    },
  };
}

describe('APT repository (pool layout)', () => {
  const dir = path.join(work, 'pool-repo');

  test('publishes Packages (+.gz, .xz), by-hash copies, Release, InRelease and Release.gpg', async () => {
    await setup();
    const a = await makeDeb(debs, {
      name: 'alpha',
      version: '1.0',
      arch: 'amd64',
      compression: 'xz',
    });
    const b = await makeDeb(debs, {
      name: 'beta',
      version: '2.0',
      depends: ['alpha'],
      compression: 'zstd',
    });
    const c = await makeDeb(debs, {
      name: 'libdelta2',
      version: '3.0~rc1',
      epoch: 1,
      arch: 'arm64',
      source: 'delta',
    });
    const repo = await aptRepository(dir, {
      suite: 'stable',
      codename: 'cn',
      components: ['main', 'contrib'],
      architectures: ['amd64', 'arm64'],
      origin: 'Tests',
      validFor: 86400,
    });
    const added = await repo.add([a, b]);
    assert.deepEqual(
      added.added.map((p) => p.filename),
      ['pool/main/a/alpha/alpha_1.0-1_amd64.deb', 'pool/main/b/beta/beta_2.0-1_all.deb'],
    );
    await repo.add([c], { component: 'contrib' });
    const date = new Date('2024-06-01T12:00:00Z');
    const res = await repo.publish({ signer, date });
    assert.equal(res.packages, 3);
    assert.equal(res.signedBy, signer.fingerprint);

    const dist = path.join(dir, 'dists/cn');
    assert.equal(readlinkSync(path.join(dir, 'dists/stable')), 'cn');
    assert.ok(existsSync(path.join(dir, 'pool/contrib/d/delta/libdelta2_3.0~rc1-1_arm64.deb')));
    const release = readFileSync(path.join(dist, 'Release'), 'utf8');
    const r = parseRelease(release);
    assert.equal(r.fields.get('Suite'), 'stable');
    assert.equal(r.fields.get('Codename'), 'cn');
    assert.equal(r.fields.get('Origin'), 'Tests');
    assert.equal(r.fields.get('Date'), 'Sat, 01 Jun 2024 12:00:00 UTC');
    assert.equal(r.fields.get('Valid-Until'), 'Sun, 02 Jun 2024 12:00:00 UTC');
    assert.equal(r.fields.get('Components'), 'main contrib');
    assert.equal(r.fields.get('Architectures'), 'amd64 arm64');
    assert.equal(r.fields.get('Acquire-By-Hash'), 'yes');
    assert.deepEqual([...r.hashes.keys()], ['SHA256', 'SHA512'], 'no MD5Sum, no SHA1');
    assert.equal(r.hashes.get('SHA256')!.size, 12, '2 components × 2 architectures × 3 files');

    for (const [file, { digest, size }] of r.hashes.get('SHA256')!) {
      const data = readFileSync(path.join(dist, file));
      assert.equal(data.length, size, file);
      assert.equal(sha256(data), digest, file);
      const byHash = path.join(dist, path.dirname(file), 'by-hash/SHA256', digest);
      assert.equal(sha256(readFileSync(byHash)), digest);
      const d512 = r.hashes.get('SHA512')!.get(file)!.digest;
      assert.ok(existsSync(path.join(dist, path.dirname(file), 'by-hash/SHA512', d512)));
    }
    const idx = path.join(dist, 'main/binary-amd64');
    const plain = readFileSync(path.join(idx, 'Packages'));
    assert.deepEqual(gunzipSync(readFileSync(path.join(idx, 'Packages.gz'))), plain);
    assert.deepEqual(xzDecompress(readFileSync(path.join(idx, 'Packages.xz'))), plain);
    if (have('xz')) {
      const x = spawnSync('xz', ['-dc', path.join(idx, 'Packages.xz')]);
      assert.equal(x.status, 0);
      assert.deepEqual(x.stdout, plain);
    }
    const st = stanzas(plain.toString());
    assert.deepEqual(
      st.map((s) => s.Package),
      ['alpha', 'beta'],
    );
    const alpha = st[0]!;
    const file = readFileSync(path.join(dir, alpha.Filename!));
    assert.equal(alpha.Size, String(file.length));
    assert.equal(alpha.SHA256, sha256(file));
    assert.equal(alpha.SHA512, undefined, 'SHA-256 only by default, as in Debian');
    assert.equal(alpha.Version, '1.0-1');
    assert.equal(alpha.Architecture, 'amd64');
    assert.equal(plain.toString().split('\n')[0], 'Package: alpha');
    // arch:all goes into every architecture; arm64-only stays out of amd64.
    const arm = stanzas(readFileSync(path.join(dist, 'main/binary-arm64/Packages'), 'utf8'));
    assert.deepEqual(
      arm.map((s) => s.Package),
      ['beta'],
    );
    const contrib = stanzas(readFileSync(path.join(dist, 'contrib/binary-arm64/Packages'), 'utf8'));
    assert.equal(contrib[0]!.Version, '1:3.0~rc1-1');
    assert.equal(contrib[0]!.Source, 'delta');
    // Empty Packages files are still valid for apt.
    assert.equal(readFileSync(path.join(dist, 'contrib/binary-amd64/Packages')).length, 0);

    const report = await verifyAptRepository(dir, { publicKey: pubKey, now: date });
    assert.deepEqual(report.problems, []);
    assert.equal(report.packages, 3);
  });

  test('the control fields match what dpkg-deb reports', { skip: !have('dpkg-deb') }, () => {
    const text = readFileSync(path.join(dir, 'dists/cn/main/binary-amd64/Packages'), 'utf8');
    for (const s of stanzas(text)) {
      const deb = path.join(dir, s.Filename!);
      for (const f of [
        'Package',
        'Version',
        'Architecture',
        'Maintainer',
        'Installed-Size',
        'Depends',
        'Section',
        'Priority',
      ])
        assert.equal(
          s[f],
          run('dpkg-deb', ['-f', deb, f]).stdout.trim() || undefined,
          `${s.Package} ${f}`,
        );
    }
  });

  test('with apt-ftparchive: the same stanzas (fields and values) for the same pool', {
    skip: !have('apt-ftparchive'),
  }, () => {
    const ours = stanzas(
      readFileSync(path.join(dir, 'dists/cn/main/binary-amd64/Packages'), 'utf8'),
    );
    const r = run('sh', ['-c', `cd '${dir}' && apt-ftparchive packages pool/main`]);
    assert.equal(r.code, 0, r.stderr);
    const theirs = stanzas(r.stdout).filter((s) => s.Architecture !== 'arm64');
    assert.equal(ours.length, theirs.length);
    for (const t of theirs) {
      const o = ours.find((x) => x.Package === t.Package)!;
      for (const [k, v] of Object.entries(t)) {
        if (k === 'MD5sum' || k === 'SHA1' || k === 'Description-md5') continue; // not written: weak
        if (k === 'SHA512') continue; // only with packageHashes: ['sha256', 'sha512']
        assert.equal(o[k], v, `${t.Package} ${k}`);
      }
    }
  });

  test('adding one package reads only that package; removing reads nothing', async () => {
    await setup();
    const { reads, opts } = countingReader();
    const repo = await aptRepository(dir, {}, opts);
    const e = await makeDeb(debs, { name: 'epsilon', version: '0.1', arch: 'amd64' });
    await repo.add([e]);
    await repo.publish(signer);
    assert.deepEqual(reads, ['epsilon_0.1-1_amd64.deb']);
    // The old pool files could vanish from the reader's sight: never opened again.
    reads.length = 0;
    const repo2 = await aptRepository(
      dir,
      {},
      {
        reader: (file, label) => {
          reads.push(path.basename(file));
          if (!file.endsWith('zeta_0.2-1_amd64.deb')) throw new Error(`read ${file}`);
          return readDeb(file, label);
        },
      },
    );
    await repo2.add([await makeDeb(debs, { name: 'zeta', version: '0.2', arch: 'amd64' })]);
    repo2.remove(['epsilon']);
    const res = await repo2.publish(signer);
    assert.deepEqual(reads, ['zeta_0.2-1_amd64.deb']);
    assert.deepEqual(res.deleted, ['pool/main/e/epsilon/epsilon_0.1-1_amd64.deb']);
    assert.ok(!existsSync(path.join(dir, 'pool/main/e')), 'emptied pool folders are removed');
    assert.ok(
      res.unchanged.some((f) => f.includes('contrib/binary-arm64/Packages')),
      'untouched indexes are kept',
    );
    assert.deepEqual((await verifyAptRepository(dir, { publicKey: pubKey })).problems, []);
  });

  test('reindex: a file copied into the pool or touched is read; the others are not', async () => {
    await setup();
    const eta = await makeDeb(debs, { name: 'eta', version: '1', arch: 'amd64' });
    const dest = path.join(dir, 'pool/main/e/eta/eta_1-1_amd64.deb');
    spawnSync('mkdir', ['-p', path.dirname(dest)]);
    writeFileSync(dest, readFileSync(eta));
    const { reads, opts } = countingReader();
    let repo = await aptRepository(dir, {}, opts);
    const scan = await repo.reindex();
    assert.deepEqual(reads, ['eta_1-1_amd64.deb']);
    assert.deepEqual(
      scan.added.map((p) => p.package),
      ['eta'],
    );
    assert.equal(scan.unchanged, 4);
    await repo.publish(signer);
    reads.length = 0;
    const alphaPath = path.join(dir, 'pool/main/a/alpha/alpha_1.0-1_amd64.deb');
    utimesSync(alphaPath, new Date(), new Date());
    repo = await aptRepository(dir, {}, opts);
    const again = await repo.reindex();
    assert.deepEqual(reads, ['alpha_1.0-1_amd64.deb']);
    assert.equal(again.changed.length, 1);
    reads.length = 0;
    const full = await repo.reindex({ full: true });
    assert.equal(reads.length, 5);
    assert.equal(full.changed.length, 5);
    await repo.publish(signer);
  });

  test('duplicates: identical is a no-op, different is refused (repository untouched), --replace replaces', async () => {
    await setup();
    const before = snapshot(dir);
    const same = await makeDeb(path.join(work, 'same'), {
      name: 'alpha',
      version: '1.0',
      arch: 'amd64',
      compression: 'xz',
    });
    const repo = await aptRepository(dir);
    const r = await repo.add([same]);
    assert.equal(r.unchanged.length, 1);
    assert.equal(r.added.length, 0);
    const other = await makeDeb(path.join(work, 'other'), {
      name: 'alpha',
      version: '1.0',
      arch: 'amd64',
      payload: 'rebuilt',
    });
    await expectError(
      repo.add([other]),
      /alpha 1\.0-1 \(amd64\) is already in the repository with different contents/,
    );
    assert.equal(repo.pending, false);
    await repo.publish(signer);
    const after = snapshot(dir);
    for (const [f, h] of before)
      if (!/Release|InRelease|apt-published|by-hash/.test(f)) assert.equal(after.get(f), h, f);

    const rep = await repo.add([other], { replace: true });
    assert.equal(rep.replaced.length, 1);
    await repo.publish(signer);
    const pool = readFileSync(path.join(dir, 'pool/main/a/alpha/alpha_1.0-1_amd64.deb'));
    assert.deepEqual(pool, readFileSync(other));
    assert.deepEqual((await verifyAptRepository(dir, { publicKey: pubKey })).problems, []);
  });

  test('two different files for one package in one batch are refused', async () => {
    const x1 = await makeDeb(path.join(work, 'x1'), {
      name: 'theta',
      version: '1',
      payload: 'one',
    });
    const x2 = await makeDeb(path.join(work, 'x2'), {
      name: 'theta',
      version: '1',
      payload: 'two',
    });
    const repo = await aptRepository(dir);
    await expectError(repo.add([x1, x2]), /both theta 1-1 \(all\) with different contents/);
    assert.equal(repo.pending, false);
  });

  test('bad input: not a deb, truncated deb, unknown architecture, unknown component; nothing changes', async () => {
    await setup();
    const before = snapshot(dir);
    const junk = path.join(work, 'junk.deb');
    writeFileSync(junk, 'this is not an ar archive');
    const good = readFileSync(path.join(dir, 'pool/main/a/alpha/alpha_1.0-1_amd64.deb'));
    const truncated = path.join(work, 'truncated.deb');
    writeFileSync(truncated, good.subarray(0, 200));
    const noControl = path.join(work, 'nocontrol.deb');
    writeFileSync(
      noControl,
      Buffer.concat([
        Buffer.from('!<arch>\n'),
        Buffer.from('debian-binary   0           0     0     100644  4         `\n2.0\n'),
      ]),
    );
    const s390 = await makeDeb(debs, { name: 'iota', version: '1', arch: 's390x' });
    const repo = await aptRepository(dir);
    const ok = await makeDeb(debs, { name: 'kappa', version: '1' });
    await expectError(repo.add([ok, junk]), /junk\.deb: not a valid \.deb: not an ar archive/);
    await expectError(repo.add([truncated]), /not a valid \.deb/);
    await expectError(
      repo.add([noControl]),
      /not a valid \.deb: the second member is not control\.tar/,
    );
    await expectError(
      repo.add([s390]),
      /architecture 's390x' is not one of the repository's \(amd64, arm64\)/,
    );
    await expectError(repo.add([ok], { component: 'nope' }), /unknown component 'nope'/);
    await expectError(repo.add([path.join(work, 'missing.deb')]), /missing\.deb: no such file/);
    assert.throws(() => repo.remove(['no-such-package']), /no package matches 'no-such-package'/);
    assert.equal(repo.pending, false);
    assert.deepEqual(snapshot(dir), before);
  });

  test('a signer that fails: nothing published changes and no temporary file is left', async () => {
    await setup();
    const before = snapshot(dir);
    const repo = await aptRepository(dir);
    await repo.add([await makeDeb(debs, { name: 'lambda', version: '1' })]);
    const failing: Signer = {
      ...signer,
      fingerprint: signer.fingerprint,
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      publicKeyArmored: () => signer.publicKeyArmored(),
      publicKeyBinary: () => signer.publicKeyBinary(),
      detachSign: (d, o) => signer.detachSign(d, o),
      clearsign: async () => {
        // At this point every new file is written: the old Release must still be complete.
        const mid = await verifyAptRepository(dir, { publicKey: pubKey });
        assert.deepEqual(mid.problems, [], 'the published repository is consistent mid-publish');
        throw new RelengError('the card was removed');
      },
    };
    await expectError(repo.publish(failing), /the card was removed/);
    assert.deepEqual(snapshot(dir), before);
    // And it publishes once the signer works.
    await repo.publish(signer);
    assert.ok(existsSync(path.join(dir, 'pool/main/l/lambda/lambda_1-1_all.deb')));
  });

  test('an unwritable repository: a clear error, the repository unchanged', async (t) => {
    await setup();
    const isRoot = process.getuid?.() === 0;
    const target = path.join(dir, 'dists/cn/main/binary-amd64');
    const lock = (on: boolean): boolean => {
      const r = isRoot
        ? spawnSync('chattr', [on ? '+i' : '-i', target])
        : spawnSync('chmod', [on ? 'a-w' : 'u+w', target]);
      return r.status === 0;
    };
    if (!lock(true)) {
      t.skip('cannot make a folder unwritable here (chattr)');
      return;
    }
    try {
      const before = snapshot(dir);
      const repo = await aptRepository(dir);
      await repo.add([await makeDeb(debs, { name: 'mu', version: '1', arch: 'amd64' })]);
      await expectError(repo.publish(signer), /not writable|EPERM|EACCES|permission/i);
      lock(false);
      assert.deepEqual(snapshot(dir), before);
    } finally {
      lock(false);
    }
    // Read-only at the root: refused before anything is attempted.
    if (isRoot && spawnSync('chattr', ['+i', dir]).status === 0) {
      try {
        const repo = await aptRepository(dir);
        await expectError(repo.publish(signer), /is not writable/);
      } finally {
        spawnSync('chattr', ['-i', dir]);
      }
    }
  });

  test('a signed repository is not published unsigned by accident; a key inside it is refused', async () => {
    await setup();
    const repo = await aptRepository(dir);
    await expectError(repo.publish(), /this repository is signed/);
    writeFileSync(path.join(dir, 'leak.asc'), readFileSync(path.join(work, 'key.asc')));
    const inside = await openSigner({ keyFile: path.join(dir, 'leak.asc') });
    await expectError(repo.publish(inside), /inside the repository; it would be published/);
    spawnSync('rm', [path.join(dir, 'leak.asc')]);
  });

  test('a held lock and a concurrent change are refused', async () => {
    const repo = await aptRepository(dir);
    const held = await lockRepository(dir);
    try {
      await expectError(repo.publish(signer), /is locked by process/);
    } finally {
      await held.release();
    }
    const a = await aptRepository(dir);
    const b = await aptRepository(dir);
    a.remove(['lambda']);
    await a.publish(signer);
    b.remove(['beta']);
    await expectError(b.publish(signer), /changed by another process/);
  });

  test('packageHashes sha256+sha512: SHA512 in every stanza, also for packages indexed before', async () => {
    const { reads, opts } = countingReader();
    const repo = await aptRepository(dir, { packageHashes: ['sha256', 'sha512'] }, opts);
    await repo.add([await makeDeb(debs, { name: 'rho', version: '1', arch: 'amd64' })]);
    await repo.publish(signer);
    assert.deepEqual(reads, ['rho_1-1_amd64.deb']);
    for (const s of stanzas(
      readFileSync(path.join(dir, 'dists/cn/main/binary-amd64/Packages'), 'utf8'),
    )) {
      const file = readFileSync(path.join(dir, s.Filename!));
      assert.equal(s.SHA512, createHash('sha512').update(file).digest('hex'), s.Package);
    }
    assert.deepEqual((await verifyAptRepository(dir, { publicKey: pubKey })).problems, []);
  });

  test('old by-hash files are pruned after a few publications', async () => {
    const repo = await aptRepository(dir);
    const byHash = path.join(dir, 'dists/cn/main/binary-amd64/by-hash/SHA256');
    for (let i = 0; i < 6; i++) {
      await repo.add([
        await makeDeb(path.join(work, `gen${i}`), { name: `nu${i}`, version: '1', arch: 'amd64' }),
      ]);
      await repo.publish(signer);
    }
    // 3 files (Packages, .gz, .xz) × (current + 3 previous generations)
    assert.ok(readdirSync(byHash).length <= 12, `${readdirSync(byHash).length} by-hash files`);
    assert.deepEqual((await verifyAptRepository(dir, { publicKey: pubKey })).problems, []);
  });
});

describe('APT repository (flat layout)', () => {
  test('Packages and Release at the root, Filename relative to it', async () => {
    await setup();
    const dir = path.join(work, 'flat');
    const repo = await aptRepository(dir, { layout: 'flat' });
    await repo.add([
      await makeDeb(debs, { name: 'xi', version: '1', arch: 'amd64' }),
      await makeDeb(debs, { name: 'omicron', version: '2', arch: 'riscv64' }),
    ]);
    await repo.publish(signer);
    for (const f of [
      'Packages',
      'Packages.gz',
      'Packages.xz',
      'Release',
      'InRelease',
      'Release.gpg',
    ])
      assert.ok(existsSync(path.join(dir, f)), f);
    assert.ok(!existsSync(path.join(dir, 'dists')));
    const r = parseRelease(readFileSync(path.join(dir, 'Release'), 'utf8'));
    assert.equal(r.fields.get('Components'), undefined);
    assert.equal(r.fields.get('Acquire-By-Hash'), undefined);
    const st = stanzas(readFileSync(path.join(dir, 'Packages'), 'utf8'));
    assert.deepEqual(
      st.map((s) => s.Filename),
      ['omicron_2-1_riscv64.deb', 'xi_1-1_amd64.deb'],
    );
    assert.ok(lstatSync(path.join(dir, 'xi_1-1_amd64.deb')).isFile());
    assert.deepEqual((await verifyAptRepository(dir, { publicKey: pubKey })).problems, []);
  });
});

describe('verifyAptRepository', () => {
  test('finds tampering, a wrong key, a missing pool file', async () => {
    await setup();
    const dir = path.join(work, 'verify');
    const repo = await aptRepository(dir, { architectures: ['amd64'] });
    await repo.add([await makeDeb(debs, { name: 'pi', version: '1', arch: 'amd64' })]);
    await repo.publish(signer);
    assert.equal((await verifyAptRepository(dir, { publicKey: pubKey })).ok, true);
    const other = await generateKey({
      name: 'O',
      email: 'o@example.org',
      out: path.join(work, 'o.asc'),
    });
    const wrong = await verifyAptRepository(dir, { publicKey: other.publicKeyArmored });
    assert.equal(wrong.ok, false);
    assert.match(wrong.problems.join('\n'), /InRelease: bad signature: signed by an unknown key/);
    const pk = path.join(dir, 'dists/stable/main/binary-amd64/Packages');
    writeFileSync(pk, `${readFileSync(pk, 'utf8')}\n`);
    assert.match(
      (await verifyAptRepository(dir, { publicKey: pubKey })).problems.join('\n'),
      /Packages: size/,
    );
    await repo.publish(signer);
    spawnSync('rm', [path.join(dir, 'pool/main/p/pi/pi_1-1_amd64.deb')]);
    assert.match(
      (await verifyAptRepository(dir, { publicKey: pubKey })).problems.join('\n'),
      /pi_1-1_amd64\.deb \(pi\) is missing/,
    );
  });
});

after(() => rmSync(work, { recursive: true, force: true }));
