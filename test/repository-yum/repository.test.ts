/** The YUM repository API: staging, index reuse, atomic publish, refusals. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { writeRepoConfig } from '../../src/repository/index-store.ts';
import { signRpm } from '../../src/repository/rpmsign.ts';
import { verifyDetached } from '../../src/repository/signing/index.ts';
import {
  type RpmReader,
  readPackage,
  updateYumRepository,
  verifyYumRepository,
  yumRepository,
} from '../../src/repository/yum/index.ts';
import { buildPackages, description, tempDir, testSigner } from '../pkgsign/helpers.ts';

/** Every file under `dir` (but the lock) → SHA-256: "exactly as before" means equal snapshots. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (r !== '.releng-repo/lock') {
        out[r] = createHash('sha256')
          .update(readFileSync(path.join(dir, r)))
          .digest('hex');
      }
    }
  };
  walk('');
  return out;
}

function counting(): { reader: RpmReader; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    reader: (file, location) => {
      reads.push(path.basename(file));
      return readPackage(file, location);
    },
  };
}

function primaryOf(dir: string): string {
  const repomd = readFileSync(path.join(dir, 'repodata/repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
  return gunzipSync(readFileSync(path.join(dir, href))).toString('utf8');
}

function names(dir: string): string[] {
  return [...primaryOf(dir).matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]!).sort();
}

describe('yumRepository', () => {
  let src: string;
  let pkgs: Record<string, string>;

  before(async () => {
    src = tempDir('releng-yum-src-');
    const built = await buildPackages('rpm', src, [
      description('alpha'),
      description('beta'),
      description('gamma', { version: '2.0' }),
    ]);
    const [alpha, beta, gamma] = built as [string, string, string];
    // alpha again, same NEVRA, different content.
    const [alpha2] = await buildPackages('rpm', path.join(src, 'v2'), [
      description('alpha', { files: { '/usr/share/alpha/new.txt': 'new\n' } }),
    ]);
    pkgs = { alpha, beta, gamma, alpha2: alpha2! };
  });

  test('add + publish writes repodata, the index, and copies into Packages/', async () => {
    const dir = tempDir('releng-yum-');
    const repo = await yumRepository(dir);
    const r = await repo.add([pkgs.alpha!, pkgs.beta!]);
    assert.deepEqual(
      r.added.map((p) => p.nevra),
      ['alpha-1.0-1.noarch', 'beta-1.0-1.noarch'],
    );
    assert.equal(repo.pending, true);
    assert.equal(
      existsSync(path.join(dir, 'Packages/alpha-1.0-1.noarch.rpm')),
      false,
      'staged only',
    );
    const pub = await repo.publish({ revision: 42 });
    assert.equal(pub.packages, 2);
    assert.equal(pub.revision, '42');
    assert.ok(existsSync(path.join(dir, 'Packages/alpha-1.0-1.noarch.rpm')));
    assert.ok(existsSync(path.join(dir, '.releng-repo/yum-index.json')));
    assert.equal(
      JSON.parse(readFileSync(path.join(dir, '.releng-repo/config.json'), 'utf8')).type,
      'yum',
    );
    assert.deepEqual(names(dir), ['alpha', 'beta']);
    // repomd.xml's checksums and sizes describe the files.
    const repomd = readFileSync(pub.repomd, 'utf8');
    assert.match(repomd, /<revision>42<\/revision>/);
    for (const m of repomd.matchAll(/<data type="(\w+)">([\s\S]*?)<\/data>/g)) {
      const body = m[2]!;
      const href = /<location href="([^"]+)"/.exec(body)![1]!;
      const gz = readFileSync(path.join(dir, href));
      const open = gunzipSync(gz);
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      assert.match(href, new RegExp(`^repodata/${sha(gz)}-${m[1]}\\.xml\\.gz$`));
      assert.match(body, new RegExp(`<checksum type="sha256">${sha(gz)}</checksum>`));
      assert.match(body, new RegExp(`<open-checksum type="sha256">${sha(open)}</open-checksum>`));
      assert.match(body, new RegExp(`<size>${gz.length}</size>`));
      assert.match(body, new RegExp(`<open-size>${open.length}</open-size>`));
      assert.match(body, /<timestamp>42<\/timestamp>/);
    }
    assert.deepEqual(
      [...repomd.matchAll(/<data type="(\w+)"/g)].map((m) => m[1]),
      ['primary', 'filelists', 'other'],
    );
    // The copy keeps the source's mtime (primary.xml's <time file>).
    assert.equal(
      Math.floor(statSync(path.join(dir, 'Packages/alpha-1.0-1.noarch.rpm')).mtimeMs / 1000),
      Math.floor(statSync(pkgs.alpha!).mtimeMs / 1000),
    );
  });

  test('reopening trusts the index; adding one package reads only that one', async () => {
    const dir = tempDir('releng-yum-');
    const first = counting();
    const repo = await yumRepository(dir, {}, { reader: first.reader });
    await repo.add([pkgs.alpha!, pkgs.beta!]);
    await repo.publish();
    assert.deepEqual(first.reads.sort(), ['alpha-1.0-1.noarch.rpm', 'beta-1.0-1.noarch.rpm']);

    const second = counting();
    const again = await yumRepository(dir, {}, { reader: second.reader });
    assert.deepEqual(second.reads, [], 'nothing re-read on open');
    assert.equal(again.packages().length, 2);
    await again.add([pkgs.gamma!]);
    await again.publish();
    assert.deepEqual(second.reads, ['gamma-2.0-1.noarch.rpm']);
    assert.deepEqual(names(dir), ['alpha', 'beta', 'gamma']);
  });

  test('reindex re-reads a package changed in place (signed after indexing)', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!] });
    const file = path.join(dir, 'Packages/beta-1.0-1.noarch.rpm');
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    await signRpm(file, await testSigner('ed25519'));
    const c = counting();
    const repo = await yumRepository(dir, {}, { reader: c.reader });
    assert.deepEqual(c.reads, [], 'opening trusts the index');
    const r = await repo.reindex();
    assert.deepEqual(c.reads, ['beta-1.0-1.noarch.rpm']);
    assert.deepEqual(
      r.changed.map((p) => p.name),
      ['beta'],
    );
    assert.equal(r.unchanged, 1);
    const beta = repo.find('beta-1.0-1.noarch')[0]!;
    assert.notEqual(beta.sha256, before);
    await repo.publish();
    assert.match(primaryOf(dir), new RegExp(beta.sha256));
    const full = await repo.reindex({ full: true });
    assert.equal(full.changed.length, 2);
  });

  test('after an interrupted publish (or another tool), opening checks every file', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!] });
    await signRpm(path.join(dir, 'Packages/beta-1.0-1.noarch.rpm'), await testSigner('ed25519'));
    // repomd.xml is not the one the index was saved for.
    const repomd = path.join(dir, 'repodata/repomd.xml');
    writeFileSync(repomd, `${readFileSync(repomd, 'utf8')}\n`);
    const c = counting();
    const repo = await yumRepository(dir, {}, { reader: c.reader });
    assert.deepEqual(c.reads, ['beta-1.0-1.noarch.rpm']);
    await repo.publish();
    const v = await verifyYumRepository(dir);
    assert.equal(v.ok, true, v.problems.join('; '));
  });

  test('lost fragment files are rebuilt by reading the packages again', async () => {
    const dir = tempDir('releng-yum-');
    const first = await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!], revision: 1 });
    rmSync(path.join(dir, '.releng-repo/yum-fragments'), { recursive: true });
    const c = counting();
    const repo = await yumRepository(dir, {}, { reader: c.reader });
    assert.deepEqual(c.reads.sort(), ['alpha-1.0-1.noarch.rpm', 'beta-1.0-1.noarch.rpm']);
    const again = await repo.publish({ revision: 1 });
    assert.deepEqual(again.dataFiles, first.dataFiles);
  });

  test('incremental publishes give the same bytes as publishing everything at once', async () => {
    const a = tempDir('releng-yum-');
    const b = tempDir('releng-yum-');
    await updateYumRepository(a, { add: [pkgs.alpha!, pkgs.gamma!], revision: 1 });
    await updateYumRepository(a, { add: [pkgs.beta!], revision: 2 });
    const whole = await updateYumRepository(b, {
      add: [pkgs.alpha!, pkgs.beta!, pkgs.gamma!],
      revision: 2,
    });
    const inc = await updateYumRepository(a, { revision: 2 });
    assert.deepEqual(inc.dataFiles, whole.dataFiles);
    assert.equal(
      readFileSync(path.join(a, 'repodata/repomd.xml'), 'utf8'),
      readFileSync(path.join(b, 'repodata/repomd.xml'), 'utf8'),
    );
  });

  test('the same package again is a no-op; different content is refused unless replace', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!], revision: 1 });
    const snap = snapshot(dir);
    const repo = await yumRepository(dir);
    const same = await repo.add([pkgs.alpha!]);
    assert.equal(same.unchanged.length, 1);
    assert.equal(same.added.length, 0);
    await assert.rejects(repo.add([pkgs.gamma!, pkgs.alpha2!]), (err: Error) => {
      assert.match(
        err.message,
        /alpha-1\.0-1\.noarch is already in the repository .* different content/,
      );
      return true;
    });
    // Nothing was staged, not even gamma: the repository is unchanged.
    assert.deepEqual(
      repo.packages().map((p) => p.name),
      ['alpha', 'beta'],
    );
    assert.deepEqual(snapshot(dir), snap);

    const r = await repo.add([pkgs.alpha2!], { replace: true });
    assert.deepEqual(
      r.replaced.map((p) => p.nevra),
      ['alpha-1.0-1.noarch'],
    );
    await repo.publish({ revision: 2 });
    const file = path.join(dir, 'Packages/alpha-1.0-1.noarch.rpm');
    assert.deepEqual(readFileSync(file), readFileSync(pkgs.alpha2!));
    assert.match(
      gunzipSync(readFileSync(path.join(dir, filelistsHref(dir)))).toString(),
      /\/usr\/share\/alpha\/new\.txt/,
    );
  });

  test('two files with one NEVRA in one batch are refused', async () => {
    const dir = tempDir('releng-yum-');
    const repo = await yumRepository(dir);
    await assert.rejects(repo.add([pkgs.alpha!, pkgs.alpha2!]), /both .*different content/);
    assert.equal(repo.packages().length, 0);
  });

  test('remove deletes the package file after publishing; unknown names change nothing', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!, pkgs.gamma!] });
    const repo = await yumRepository(dir);
    assert.throws(
      () => repo.remove(['beta-1.0-1.noarch', 'nosuch-1-1.noarch']),
      /nosuch-1-1\.noarch: no such package/,
    );
    assert.equal(repo.packages().length, 3);
    const removed = repo.remove(['beta-1.0-1.noarch', 'gamma-2.0-1.noarch.rpm']);
    assert.deepEqual(
      removed.map((p) => p.name),
      ['beta', 'gamma'],
    );
    assert.ok(existsSync(path.join(dir, 'Packages/beta-1.0-1.noarch.rpm')), 'still published');
    const pub = await repo.publish();
    assert.deepEqual(pub.deleted.sort(), [
      'Packages/beta-1.0-1.noarch.rpm',
      'Packages/gamma-2.0-1.noarch.rpm',
    ]);
    assert.equal(existsSync(path.join(dir, 'Packages/beta-1.0-1.noarch.rpm')), false);
    assert.deepEqual(names(dir), ['alpha']);
  });

  test('old data files are kept for keepOldMetadata publications, then removed', async () => {
    const kept = tempDir('releng-yum-');
    const a = await updateYumRepository(kept, { add: [pkgs.alpha!], revision: 1 });
    await updateYumRepository(kept, { add: [pkgs.beta!], revision: 2 });
    // A client holding the first repomd.xml still finds its data files.
    for (const f of a.dataFiles) assert.ok(existsSync(path.join(kept, f)), f);
    await updateYumRepository(kept, { add: [pkgs.gamma!], keepOldMetadata: 1, revision: 3 });
    for (const f of a.dataFiles) assert.equal(existsSync(path.join(kept, f)), false, f);

    const dir = tempDir('releng-yum-');
    const first = await updateYumRepository(dir, {
      add: [pkgs.alpha!],
      revision: 1,
      keepOldMetadata: 0,
    });
    const second = await updateYumRepository(dir, { add: [pkgs.beta!], revision: 2 });
    for (const f of first.dataFiles) assert.equal(existsSync(path.join(dir, f)), false, f);
    for (const f of second.dataFiles) assert.ok(existsSync(path.join(dir, f)), f);
    assert.deepEqual(
      readdirSync(path.join(dir, 'repodata')).sort(),
      [...second.dataFiles.map((f) => path.basename(f)), 'repomd.xml'].sort(),
    );
    // Publishing the same state again rewrites only repomd.xml (new revision).
    const third = await updateYumRepository(dir, { revision: 3 });
    assert.deepEqual(third.dataFiles, second.dataFiles);
  });

  test('a failed publish leaves the published repository exactly as it was', async () => {
    const dir = tempDir('releng-yum-');
    const signer = await testSigner('ed25519');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!], signer, revision: 1 });
    const snap = snapshot(dir);
    const repo = await yumRepository(dir);
    await repo.add([pkgs.gamma!]);
    await repo.add([pkgs.alpha2!], { replace: true });
    repo.remove(['beta-1.0-1.noarch']);
    const failing = {
      fingerprint: signer.fingerprint,
      detachSign: async (): Promise<string> => {
        throw new Error('the smartcard was unplugged');
      },
    };
    await assert.rejects(repo.publish({ signer: failing }), /smartcard was unplugged/);
    assert.deepEqual(snapshot(dir), snap);
    // The staged changes survive and publish fine afterwards.
    await repo.publish({ signer, revision: 2 });
    assert.deepEqual(names(dir), ['alpha', 'gamma']);
  });

  test('a signed repository: repomd.xml.asc verifies; publishing unsigned needs unsigned: true', async () => {
    const dir = tempDir('releng-yum-');
    const signer = await testSigner('rsa');
    const pub = await updateYumRepository(dir, { add: [pkgs.alpha!], signer });
    assert.equal(pub.signedBy, signer.fingerprint);
    const v = await verifyDetached({
      data: readFileSync(pub.repomd),
      signature: readFileSync(pub.signature!, 'utf8'),
      publicKey: await signer.publicKeyArmored(),
    });
    assert.equal(v.valid, true, v.error);
    const snap = snapshot(dir);
    await assert.rejects(
      updateYumRepository(dir, { add: [pkgs.beta!] }),
      /this repository is signed/,
    );
    assert.deepEqual(snapshot(dir), snap);
    await updateYumRepository(dir, { add: [pkgs.beta!], unsigned: true });
    assert.equal(existsSync(pub.signature!), false);
  });

  test('a private key inside the repository is never published', async () => {
    const dir = tempDir('releng-yum-');
    const signer = await testSigner('ed25519');
    const leaky = {
      detachSign: signer.detachSign.bind(signer),
      keyFile: path.join(dir, 'key.asc'),
    };
    await assert.rejects(
      updateYumRepository(dir, { add: [pkgs.alpha!], signer: leaky }),
      /inside the repository/,
    );
  });

  test('a repository changed by another process since opening is not overwritten', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.alpha!] });
    const a = await yumRepository(dir);
    const b = await yumRepository(dir);
    await a.add([pkgs.beta!]);
    await a.publish();
    await b.add([pkgs.gamma!]);
    await assert.rejects(b.publish(), /changed by another process/);
    assert.deepEqual(names(dir), ['alpha', 'beta']);
  });

  test('reindex takes in files copied and deleted by hand', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!] });
    mkdirSync(path.join(dir, 'extra'));
    copyFileSync(pkgs.gamma!, path.join(dir, 'extra/gamma.rpm'));
    rmSync(path.join(dir, 'Packages/beta-1.0-1.noarch.rpm'));
    const c = counting();
    const repo = await yumRepository(dir, {}, { reader: c.reader });
    const s = await repo.reindex();
    assert.deepEqual(
      s.added.map((p) => p.location),
      ['extra/gamma.rpm'],
    );
    assert.deepEqual(
      s.removed.map((p) => p.name),
      ['beta'],
    );
    assert.equal(s.unchanged, 1);
    assert.deepEqual(c.reads, ['gamma.rpm']);
    await repo.publish();
    assert.match(primaryOf(dir), /<location href="extra\/gamma\.rpm"\/>/);
  });

  test('a folder of rpms is indexed in place, like createrepo_c DIR', async () => {
    const dir = tempDir('releng-yum-');
    copyFileSync(pkgs.alpha!, path.join(dir, 'alpha.rpm'));
    mkdirSync(path.join(dir, 'sub'));
    copyFileSync(pkgs.beta!, path.join(dir, 'sub/beta.rpm'));
    const repo = await yumRepository(dir);
    assert.deepEqual(
      repo.packages().map((p) => p.location),
      ['alpha.rpm', 'sub/beta.rpm'],
    );
    await repo.publish();
    assert.deepEqual(names(dir), ['alpha', 'beta']);
  });

  test('a package is never copied over a file the index does not know', async () => {
    const dir = tempDir('releng-yum-');
    await updateYumRepository(dir, { add: [pkgs.beta!] });
    writeFileSync(path.join(dir, 'Packages/alpha-1.0-1.noarch.rpm'), 'not ours');
    const repo = await yumRepository(dir);
    await assert.rejects(repo.add([pkgs.alpha!]), /exists in the repository but is not indexed/);
  });

  test('verifyYumRepository: signature, data files and packages', async () => {
    const dir = tempDir('releng-yum-');
    const signer = await testSigner('ed25519');
    await updateYumRepository(dir, { add: [pkgs.alpha!, pkgs.beta!], signer });
    const publicKey = await signer.publicKeyArmored();
    const good = await verifyYumRepository(dir, { publicKey });
    assert.equal(good.ok, true, good.problems.join('; '));
    assert.equal(good.signedBy, signer.fingerprint);
    assert.equal(good.packages, 2);
    assert.equal(good.dataFiles, 3);

    const other = await testSigner('ed25519', 'Not The Signer');
    const wrongKey = await verifyYumRepository(dir, { publicKey: await other.publicKeyArmored() });
    assert.equal(wrongKey.ok, false);
    assert.match(wrongKey.problems.join('\n'), /repomd\.xml\.asc/);

    copyFileSync(pkgs.alpha2!, path.join(dir, 'Packages/alpha-1.0-1.noarch.rpm'));
    const swapped = await verifyYumRepository(dir, { publicKey });
    assert.deepEqual(swapped.problems, [
      'Packages/alpha-1.0-1.noarch.rpm: size differs from primary.xml (changed after indexing?)',
    ]);

    const href = filelistsHref(dir);
    writeFileSync(path.join(dir, href), 'garbage');
    const broken = await verifyYumRepository(dir, { publicKey, checkPackages: false });
    assert.match(broken.problems.join('\n'), /filelists\): checksum mismatch/);
  });

  test('an APT repository is not taken for a YUM one', async () => {
    const dir = tempDir('releng-yum-');
    mkdirSync(path.join(dir, '.releng-repo'));
    await writeRepoConfig(dir, { type: 'apt', format: 1 });
    await assert.rejects(yumRepository(dir), /is an apt repository/);
  });

  test('not an rpm', async () => {
    const dir = tempDir('releng-yum-');
    const junk = path.join(src, 'junk.rpm');
    writeFileSync(junk, Buffer.alloc(500, 7));
    const repo = await yumRepository(dir);
    await assert.rejects(repo.add([junk]), /junk\.rpm: not a valid rpm package: no rpm lead magic/);
    await assert.rejects(repo.add([path.join(src, 'missing.rpm')]), /no such file/);
  });
});

function filelistsHref(dir: string): string {
  const repomd = readFileSync(path.join(dir, 'repodata/repomd.xml'), 'utf8');
  return /<data type="filelists">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
}
