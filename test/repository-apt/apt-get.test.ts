/**
 * The repositories as apt 2.x sees them: apt-get with a throwaway
 * configuration (APT_CONFIG: its own lists, cache, status, sources and
 * keys; `signed-by=` the published key) updates from the repository over
 * file:// and over a loopback HTTP server, and installs into an empty dpkg
 * root. The same repository with a tampered Packages file, a tampered .deb,
 * a tampered InRelease, no signature, or the wrong key is rejected.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { aptRepository } from '../../src/repository/apt/index.ts';
import { generateKey, openSigner, type Signer } from '../../src/repository/signing/index.ts';
import { aptSandbox, have, makeDeb, serveDir, tempDir } from './helpers.ts';

const skip = !have('apt-get') || !have('gpgv') ? 'apt-get and gpgv are needed' : false;

describe('apt-get against releng repositories', { skip }, () => {
  const work = tempDir('releng-aptget-');
  const repoDir = path.join(work, 'repo');
  const flatDir = path.join(work, 'flat');
  const pubKey = path.join(work, 'archive-key.asc');
  const otherKey = path.join(work, 'other-key.asc');
  let signer: Signer;
  let http: Awaited<ReturnType<typeof serveDir>>;

  before(async () => {
    const debs = path.join(work, 'debs');
    const alpha = await makeDeb(debs, {
      name: 'alpha',
      version: '1.0',
      arch: 'amd64',
      compression: 'xz',
    });
    const beta = await makeDeb(debs, {
      name: 'beta',
      version: '2.0',
      depends: ['alpha (>= 1.0)'],
      compression: 'zstd',
    });
    const gamma = await makeDeb(debs, {
      name: 'libgamma1',
      version: '0.3',
      arch: 'arm64',
      source: 'gamma',
    });
    const k = await generateKey({
      name: 'Test Archive',
      email: 'archive@example.org',
      out: path.join(work, 'key.asc'),
    });
    writeFileSync(pubKey, k.publicKeyArmored);
    const o = await generateKey({
      name: 'Other',
      email: 'other@example.org',
      out: path.join(work, 'other.asc'),
    });
    writeFileSync(otherKey, o.publicKeyArmored);
    signer = await openSigner({ keyFile: path.join(work, 'key.asc') });

    const repo = await aptRepository(repoDir, {
      suite: 'stable',
      codename: 'testing-codename',
      components: ['main', 'extra'],
      architectures: ['amd64', 'arm64'],
      origin: 'Releng Tests',
      label: 'Releng',
      validFor: '7d',
    });
    await repo.add([alpha, beta]);
    await repo.add([gamma], { component: 'extra' });
    await repo.publish({ signer });

    const flat = await aptRepository(flatDir, { layout: 'flat' });
    await flat.add([alpha, beta]);
    await flat.publish({ signer });
    http = await serveDir(work);
  });

  after(() => {
    http?.server.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A copy of the repository to break. */
  function copy(name: string): string {
    const dir = path.join(work, name);
    cpSync(repoDir, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  }

  test('file://: update, then install beta (and its dependency alpha) into an empty root', async () => {
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${pubKey}] file://${repoDir} testing-codename main extra`);
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
    const i = await sb.install(['beta']);
    assert.equal(i.code, 0, i.stdout + i.stderr);
    assert.match(i.stdout, /Setting up alpha \(1\.0-1\)/);
    assert.match(i.stdout, /Setting up beta \(2\.0-1\)/);
    assert.equal(readFileSync(path.join(sb.root, 'usr/share/beta/VERSION'), 'utf8'), 'beta 2.0 \n');
    assert.ok(existsSync(path.join(sb.root, 'usr/share/alpha/VERSION')));
  });

  test('http://: the suite name (a symlink to the codename), by-hash index, pool file', async () => {
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${pubKey}] ${http.url}/repo stable main`);
    http.hits.length = 0;
    const u = await sb.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
    assert.ok(http.hits.includes('/repo/dists/stable/InRelease'), http.hits.join('\n'));
    assert.ok(
      http.hits.some((h) =>
        /^\/repo\/dists\/stable\/main\/binary-amd64\/by-hash\/SHA512\/[0-9a-f]{128}$/.test(h),
      ),
      `apt fetched the index by hash: ${http.hits.join('\n')}`,
    );
    const d = await sb.aptGet(['download', 'alpha']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.ok(existsSync(path.join(sb.dir, 'download', 'alpha_1.0-1_amd64.deb')));
    const i = await sb.install(['beta']);
    assert.equal(i.code, 0, i.stdout + i.stderr);
  });

  test('another architecture and component: arm64 sees libgamma1 from extra', async () => {
    const sb = aptSandbox('arm64', work);
    sb.sources(`deb [signed-by=${pubKey}] file://${repoDir} testing-codename main extra`);
    assert.equal((await sb.aptGet(['update'])).code, 0);
    // beta (all) is listed for arm64 too, but needs alpha, which exists only for amd64
    const d = await sb.aptGet(['install', '--download-only', 'beta']);
    assert.notEqual(d.code, 0);
    assert.match(d.stdout, /beta : Depends: alpha \(>= 1\.0\) but it is not installable/);
    const g = await sb.aptGet(['install', '--download-only', 'libgamma1']);
    assert.equal(g.code, 0, g.stdout + g.stderr);
    assert.match(g.stdout, /libgamma1 arm64 0\.3-1/);
  });

  test('flat repository (deb URI ./) over file:// and http://', async () => {
    for (const uri of [`file://${flatDir}`, `${http.url}/flat`]) {
      const sb = aptSandbox('amd64', work);
      sb.sources(`deb [signed-by=${pubKey}] ${uri} ./`);
      const u = await sb.aptGet(['update']);
      assert.equal(u.code, 0, u.stdout + u.stderr);
      assert.doesNotMatch(u.stdout + u.stderr, /^[WE]:/m);
      const i = await sb.install(['beta']);
      assert.equal(i.code, 0, i.stdout + i.stderr);
    }
  });

  async function rejected(
    dir: string,
    key: string,
    expect: RegExp,
    stage: 'update' | 'install' = 'update',
  ): Promise<void> {
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${key}] file://${dir} testing-codename main`);
    const u = await sb.aptGet(['update']);
    if (stage === 'update') {
      assert.match(u.stdout + u.stderr, expect);
      const i = await sb.install(['alpha']);
      assert.notEqual(i.code, 0, 'nothing is installable from a rejected repository');
      assert.ok(!existsSync(path.join(sb.root, 'usr/share/alpha/VERSION')));
      return;
    }
    assert.equal(u.code, 0, u.stdout + u.stderr);
    const i = await sb.install(['alpha']);
    assert.notEqual(i.code, 0);
    assert.match(i.stdout + i.stderr, expect);
    assert.ok(!existsSync(path.join(sb.root, 'usr/share/alpha/VERSION')));
  }

  test('rejected: tampered Packages (every variant and its by-hash copy)', async () => {
    const dir = copy('bad-packages');
    const idx = path.join(dir, 'dists/testing-codename/main/binary-amd64');
    const text = readFileSync(path.join(idx, 'Packages'), 'utf8').replace(
      /Depends: alpha \(>= 1\.0\)/,
      'Depends: alpha (>= 0.1)',
    );
    const xz = spawnSync('xz', ['-c'], { input: text }).stdout;
    const gz = spawnSync('gzip', ['-9nc'], { input: text }).stdout;
    for (const [name, data] of [
      ['Packages', Buffer.from(text)],
      ['Packages.gz', gz],
      ['Packages.xz', xz],
    ] as const) {
      writeFileSync(path.join(idx, name), data);
    }
    for (const algo of ['SHA256', 'SHA512'])
      for (const f of readdirSync(path.join(idx, 'by-hash', algo)))
        writeFileSync(path.join(idx, 'by-hash', algo, f), xz);
    await rejected(
      dir,
      pubKey,
      /Hash Sum mismatch|File has unexpected size|Mirror sync in progress/,
    );
  });

  test('rejected: tampered .deb in the pool', async () => {
    const dir = copy('bad-deb');
    const deb = path.join(dir, 'pool/main/a/alpha/alpha_1.0-1_amd64.deb');
    const b = readFileSync(deb);
    b[b.length - 10] = b[b.length - 10]! ^ 0xff;
    writeFileSync(deb, b);
    await rejected(dir, pubKey, /Hash Sum mismatch|Hashes of expected file/, 'install');
  });

  test('rejected: tampered InRelease', async () => {
    const dir = copy('bad-inrelease');
    const f = path.join(dir, 'dists/testing-codename/InRelease');
    writeFileSync(f, readFileSync(f, 'utf8').replace('Label: Releng', 'Label: Evil'));
    rmSync(path.join(dir, 'dists/testing-codename/Release.gpg'));
    await rejected(dir, pubKey, /BADSIG|signatures were invalid|not signed/);
  });

  test('rejected: no signature (no InRelease, no Release.gpg)', async () => {
    const dir = copy('unsigned');
    rmSync(path.join(dir, 'dists/testing-codename/InRelease'));
    rmSync(path.join(dir, 'dists/testing-codename/Release.gpg'));
    await rejected(dir, pubKey, /is not signed|does not have a Release file/);
  });

  test('rejected: signed-by the wrong key', async () => {
    await rejected(repoDir, otherKey, /NO_PUBKEY|not signed|public key is not available/);
  });
});
