/**
 * YUM repositories checked by the real dnf (4.14): signed rpms, a signed
 * repomd.xml, gpgcheck=1 repo_gpgcheck=1 skip_if_unavailable=False, into an
 * empty install root, over file:// and a loopback HTTP server; and every
 * rejection that matters.
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signRpm } from '../../src/repository/rpmsign.ts';
import { yumRepository } from '../../src/repository/yum/index.ts';
import {
  buildPackages,
  description,
  have,
  isRoot,
  run,
  tempDir,
  testSigner,
} from '../pkgsign/helpers.ts';
import { serveDir } from '../repository-apt/helpers.ts';
import { dnfInstall } from './helpers.ts';

const skip =
  !have('dnf') || !have('rpm')
    ? 'dnf or rpm is not installed'
    : !isRoot
      ? 'dnf --installroot needs root'
      : false;

describe('dnf installs from a releng YUM repository', { skip }, () => {
  let dir: string;
  let repoDir: string;
  let key: string;

  before(async () => {
    dir = tempDir('releng-yum-dnf-');
    repoDir = path.join(dir, 'repo');
    const signer = await testSigner('ed25519');
    const other = await testSigner('ed25519', 'Someone Else');
    const built = await buildPackages('rpm', path.join(dir, 'build'), [
      description('relhello', {
        files: {
          '/usr/bin/relhello': '#!/bin/sh\necho hello\n',
          '/usr/share/relhello/readme.txt': 'hello\n',
        },
      }),
      description('relunsigned'),
      description('relforeign'),
      description('relrsa'),
    ]);
    const [hello, unsigned, foreign, rsa] = built as [string, string, string, string];
    // Sign before indexing: signing rewrites the file.
    await signRpm(hello, signer);
    await signRpm(foreign, other);
    await signRpm(rsa, await testSigner('rsa'));
    const repo = await yumRepository(repoDir);
    await repo.add([hello, unsigned, foreign, rsa]);
    await repo.publish(signer);
    key = path.join(dir, 'key.asc');
    const rsaKey = await (await testSigner('rsa')).publicKeyArmored();
    writeFileSync(key, (await signer.publicKeyArmored()) + rsaKey);
  });

  test('installs a signed package over file://', async () => {
    const r = await dnfInstall(`file://${repoDir}`, ['relhello'], { key });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Complete!/);
    const q = run('rpm', ['--root', r.root, '-q', 'relhello']);
    assert.equal(q.stdout.trim(), 'relhello-1.0-1.noarch');
    assert.equal(
      readFileSync(path.join(r.root, 'usr/share/relhello/readme.txt'), 'utf8'),
      'hello\n',
    );
    const v = run('rpm', ['--root', r.root, '-V', '--nodeps', 'relhello']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('installs over HTTP (loopback)', async () => {
    const srv = await serveDir(repoDir);
    try {
      const r = await dnfInstall(srv.url, ['relhello', 'relrsa'], { key });
      assert.equal(r.code, 0, r.output);
      assert.ok(srv.hits.includes('/repodata/repomd.xml.asc'), srv.hits.join(' '));
      assert.ok(srv.hits.some((u) => /-primary\.xml\.gz$/.test(u)));
      assert.ok(srv.hits.includes('/Packages/relhello-1.0-1.noarch.rpm'));
    } finally {
      srv.server.close();
    }
  });

  test('rejects an unsigned package', async () => {
    const r = await dnfInstall(`file://${repoDir}`, ['relunsigned'], { key });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /relunsigned-1\.0-1\.noarch\.rpm is not signed/);
  });

  test('rejects a package signed by a key that is not trusted', async () => {
    const r = await dnfInstall(`file://${repoDir}`, ['relforeign'], { key });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /GPG check FAILED|public key .* is not installed|NOKEY/i);
  });

  test('rejects a tampered repomd.xml', async () => {
    const copy = path.join(dir, 'tampered');
    cpSync(repoDir, copy, { recursive: true });
    const file = path.join(copy, 'repodata/repomd.xml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/<revision>(\d+)/, '<revision>1$1'));
    const r = await dnfInstall(`file://${copy}`, ['relhello'], { key });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /Bad GPG signature/);
  });

  test('rejects a repository without repomd.xml.asc', async () => {
    const copy = path.join(dir, 'noasc');
    cpSync(repoDir, copy, { recursive: true });
    rmSync(path.join(copy, 'repodata/repomd.xml.asc'));
    const r = await dnfInstall(`file://${copy}`, ['relhello'], { key });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /GPG signature is not available/);
  });

  test('rejects an rpm swapped after indexing', async () => {
    const copy = path.join(dir, 'swapped');
    cpSync(repoDir, copy, { recursive: true });
    const [evil] = await buildPackages('rpm', path.join(dir, 'evil'), [
      description('relhello', { files: { '/usr/share/relhello/evil.txt': 'evil\n' } }),
    ]);
    // Even properly signed, a file that is not the indexed one is refused.
    await signRpm(evil!, await testSigner('ed25519'));
    copyFileSync(evil!, path.join(copy, 'Packages/relhello-1.0-1.noarch.rpm'));
    const r = await dnfInstall(`file://${copy}`, ['relhello'], { key });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /incorrect checksum/);
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
});
