/** `releng repo …` and `releng key …` through runRepoCommand. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { repoCli } from '../helpers.ts';
import { makeDeb, tempDir } from './helpers.ts';

const cli = (...argv: string[]) => repoCli(argv, { REPO_PASS: 'sesame' });

describe('releng repo / releng key', () => {
  const work = tempDir('releng-repocli-');
  const key = path.join(work, 'keys', 'archive.key');
  const pub = path.join(work, 'archive.asc');
  const repo = path.join(work, 'repo');
  after(() => rmSync(work, { recursive: true, force: true }));

  test('key generate: private key 0600, public key written, nothing secret printed', async () => {
    const r = await cli(
      'key',
      'generate',
      '--name',
      'CLI Archive',
      '--email',
      'cli@example.org',
      '--out',
      key,
      '--public-out',
      pub,
      '--passphrase-env',
      'REPO_PASS',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /generated ed25519 key [0-9A-F]{40}/);
    assert.match(r.out, /passphrase-protected/);
    assert.doesNotMatch(r.out + r.err, /PRIVATE KEY|sesame/);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.match(readFileSync(pub, 'utf8'), /PUBLIC KEY BLOCK/);
    const again = await cli(
      'key',
      'generate',
      '--name',
      'X',
      '--email',
      'x@example.org',
      '--out',
      key,
    );
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists; refusing to overwrite/);
  });

  test('key export: the public key only, to stdout or a file', async () => {
    const r = await cli('key', 'export', '--key', key, '--passphrase-env', 'REPO_PASS');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /BEGIN PGP PUBLIC KEY BLOCK/);
    assert.doesNotMatch(r.out, /PRIVATE/);
    const bad = await cli('key', 'export', '--key', key);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /protected by a passphrase/);
    const wrong = await cli('key', 'export', '--key', key, '--passphrase-file', pub);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /wrong passphrase/);
  });

  test('repo create, add, list, remove, index, sign, verify, export-key', async () => {
    const sign = ['--key', key, '--passphrase-env', 'REPO_PASS'];
    let r = await cli(
      'repo',
      'create',
      repo,
      '--suite',
      'stable',
      '--codename',
      'one',
      '--component',
      'main,extra',
      '--arch',
      'amd64',
      '--arch',
      'arm64',
      '--origin',
      'CLI',
      '--valid-for',
      '30d',
      ...sign,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /created APT repository/);
    assert.match(r.out, /components main extra, architectures amd64 arm64/);
    r = await cli('repo', 'create', repo);
    assert.equal(r.code, 1);
    assert.match(r.err, /already holds a repository/);

    const debs = path.join(work, 'debs');
    const a = await makeDeb(debs, { name: 'cli-a', version: '1', arch: 'amd64' });
    const b = await makeDeb(debs, { name: 'cli-b', version: '1', arch: 'arm64' });
    r = await cli('repo', 'add', repo, a, ...sign);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /added cli-a 1-1 \(amd64\) → pool\/main\/c\/cli-a\/cli-a_1-1_amd64\.deb/);
    assert.match(r.out, /signed by [0-9A-F]{40}/);
    r = await cli('repo', 'add', repo, b, '--component', 'extra', ...sign);
    assert.equal(r.code, 0, r.err);

    r = await cli('repo', 'add', repo, a);
    assert.equal(r.code, 1);
    assert.match(r.err, /this repository is signed/);

    r = await cli('repo', 'list', repo, '--json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      (JSON.parse(r.out) as Array<{ package: string }>).map((p) => p.package),
      ['cli-a', 'cli-b'],
    );

    r = await cli('repo', 'verify', repo, '--public-key', pub);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /2 package files checked/);
    assert.match(r.out, /OK$/m);

    r = await cli('repo', 'remove', repo, 'cli-b:arm64', ...sign);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /removed cli-b 1-1 \(arm64\)/);
    assert.ok(!existsSync(path.join(repo, 'pool/extra/c/cli-b')));

    r = await cli('repo', 'index', repo, ...sign);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /0 new, 0 changed, 0 gone, 1 unchanged/);

    const before = readFileSync(path.join(repo, 'dists/one/InRelease'), 'utf8');
    await new Promise((res) => setTimeout(res, 1100));
    r = await cli('repo', 'sign', repo, ...sign);
    assert.equal(r.code, 0, r.err);
    assert.notEqual(
      readFileSync(path.join(repo, 'dists/one/InRelease'), 'utf8'),
      before,
      'a fresh Date',
    );

    r = await cli('repo', 'export-key', repo, ...sign);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      readFileSync(path.join(repo, 'archive-key.asc'), 'utf8'),
      readFileSync(pub, 'utf8'),
    );

    // Tampering shows in verify's exit code.
    const pk = path.join(repo, 'dists/one/main/binary-amd64/Packages');
    writeFileSync(pk, readFileSync(pk, 'utf8').replace('Priority: optional', 'Priority: required'));
    r = await cli('repo', 'verify', repo, '--public-key', pub);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /\(problem\) dists\/one: main\/binary-amd64\/Packages: SHA256 does not match Release/,
    );
  });

  test('usage errors exit 2 with help; unknown repositories are clear', async () => {
    let r = await cli('repo', 'add');
    assert.equal(r.code, 2);
    assert.match(r.err, /needs the repository folder/);
    r = await cli('repo', 'frobnicate', repo);
    assert.equal(r.code, 2);
    r = await cli('repo', 'add', repo, 'x.deb', '--bogus');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option --bogus/);
    r = await cli('repo', 'add', path.join(work, 'nowhere'), 'x.deb');
    assert.equal(r.code, 1);
    assert.match(r.err, /is not a releng APT repository/);
    r = await cli('repo', '--help');
    assert.equal(r.code, 0);
    assert.match(r.out, /releng repo create DIR/);
  });

  test('flat repository, unsigned', async () => {
    const flat = path.join(work, 'flat');
    let r = await cli('repo', 'create', flat, '--flat');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /unsigned/);
    const d = await makeDeb(path.join(work, 'debs2'), { name: 'flat-a', version: '2' });
    r = await cli('repo', 'add', flat, d);
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(path.join(flat, 'flat-a_2-1_all.deb')));
    assert.ok(!existsSync(path.join(flat, 'InRelease')));
    r = await cli('repo', 'verify', flat, '--unsigned');
    assert.equal(r.code, 0, r.out + r.err);
  });
});
