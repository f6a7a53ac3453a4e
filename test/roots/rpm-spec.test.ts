/**
 * GNU hello 2.10 (the real upstream tarball) with a spec and a patch, built
 * by `releng root build` from each rpm layout of the Packetary spec —
 * standard (tarball + spec + patch), source rpm, OpenStack two repositories
 * (tarball by git archive) — signed with releng's native signer, checked
 * with `rpm -K`, and the built program printing the patched greeting.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { twoRepoToStandard } from '../../src/recipes/two-repo.ts';
import { REPO, releng } from '../helpers.ts';
import {
  ENV,
  ensureRoot,
  generateKey,
  helloSource,
  leftovers,
  ROOT,
  rootsUnavailable,
} from './helpers.ts';

const skip =
  rootsUnavailable() ||
  (spawnSync('sh', ['-c', 'command -v rpmkeys rpm2cpio cpio git']).status !== 0
    ? 'rpm, cpio or git is not installed'
    : false);
const FIXTURES = path.join(REPO, 'test', 'roots', 'fixtures', 'hello-rpm');
const GREETING = 'Hello from a releng build root!';

describe('rpm layouts built in a fresh root', { skip }, () => {
  let work = '';
  let key = '';
  let pub = '';
  let srpm = '';
  let srcRepo = '';
  let specRepo = '';

  before(async () => {
    await ensureRoot();
    const { orig } = await helloSource();
    work = await mkdtemp(path.join(tmpdir(), 'releng-roots-rpm-'));
    // Standard layout: tarball, spec and patch side by side.
    const std = path.join(work, 'standard');
    mkdirSync(std);
    copyFileSync(orig, path.join(std, 'hello-2.10.tar.gz'));
    for (const f of ['hello.spec', 'releng-greeting.patch'])
      copyFileSync(path.join(FIXTURES, f), path.join(std, f));
    // Two repositories: the unpacked source in git, the spec project with centos7/rpm/….
    srcRepo = path.join(work, 'hello-src');
    mkdirSync(srcRepo);
    execFileSync('tar', ['-xzf', orig, '-C', srcRepo, '--strip-components=1']);
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args], {
        cwd,
        env: {
          ...process.env,
          GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
          GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
        },
      });
    git(srcRepo, 'init', '-q');
    git(srcRepo, 'add', '-A');
    git(srcRepo, 'commit', '-qm', 'GNU hello 2.10');
    specRepo = path.join(work, 'hello-spec');
    for (const d of ['SPECS', 'SOURCES'])
      mkdirSync(path.join(specRepo, 'centos7', 'rpm', d), { recursive: true });
    copyFileSync(
      path.join(FIXTURES, 'hello.spec'),
      path.join(specRepo, 'centos7', 'rpm', 'SPECS', 'hello.spec'),
    );
    copyFileSync(
      path.join(FIXTURES, 'releng-greeting.patch'),
      path.join(specRepo, 'centos7', 'rpm', 'SOURCES', 'releng-greeting.patch'),
    );
    key = path.join(work, 'key.asc');
    pub = path.join(work, 'pub.asc');
    await generateKey(key, pub);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** rpm -K with only our key imported, and the patched program's output. */
  function checkRpm(file: string): void {
    const where = path.basename(path.dirname(file));
    const db = path.join(work, `rpmdb-${where}-${path.basename(file)}`);
    mkdirSync(db, { recursive: true });
    execFileSync('rpmkeys', ['--dbpath', db, '--import', pub]);
    const k = spawnSync('rpmkeys', ['--dbpath', db, '-K', file], { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stdout + k.stderr);
    assert.match(k.stdout, /digests signatures OK/);
    if (file.endsWith('.src.rpm')) return;
    const x = path.join(work, `x-${where}-${path.basename(file)}`);
    mkdirSync(x);
    execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', file], { cwd: x });
    assert.equal(
      execFileSync(path.join(x, 'usr', 'bin', 'hello'), { encoding: 'utf8' }).trim(),
      GREETING,
    );
  }

  async function build(args: string[], out: string) {
    const r = await releng(['root', 'build', ROOT, ...args, '--out', out, '--key', key, '--json'], {
      env: ENV,
    });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /BuildRequires NOT checked/, 'the --nodeps build is stated');
    return JSON.parse(r.stdout) as {
      layout: string;
      artifacts: string[];
      signed: string[];
      published: string[];
    };
  }

  test('standard layout: tarball + spec + patch → .rpm and .src.rpm, signed, published', async () => {
    const yum = path.join(work, 'yum');
    const c = await releng(['repo', 'create', yum, '--type', 'yum', '--key', key]);
    assert.equal(c.code, 0, c.stderr);
    const res = await build(
      [path.join(work, 'standard'), '--publish', yum],
      path.join(work, 'out-std'),
    );
    assert.equal(res.signed.length, 2, res.signed.join('\n'));
    assert.ok(
      res.published.some((l) => /added hello-2\.10-1\.x86_64/.test(l)),
      res.published.join('\n'),
    );
    const v = await releng(['repo', 'verify', yum, '--public-key', pub]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.equal(res.layout, 'rpm-standard');
    const names = res.artifacts.map((f) => path.basename(f)).sort();
    assert.deepEqual(names, ['hello-2.10-1.src.rpm', 'hello-2.10-1.x86_64.rpm']);
    for (const f of res.artifacts) checkRpm(f);
    srpm = res.artifacts.find((f) => f.endsWith('.src.rpm'))!;
  });

  test('source rpm: rpmbuild --rebuild', async () => {
    assert.ok(srpm, 'the standard-layout test made the source rpm');
    const res = await build([srpm], path.join(work, 'out-srpm'));
    assert.equal(res.layout, 'srpm');
    assert.deepEqual(
      res.artifacts.map((f) => path.basename(f)),
      ['hello-2.10-1.x86_64.rpm'],
    );
    checkRpm(res.artifacts[0]!);
  });

  test('OpenStack two-repo layout: tarball by git archive (same bytes twice), then built', async () => {
    const a = await twoRepoToStandard(srcRepo, specRepo, 'centos7', () => {});
    const b = await twoRepoToStandard(srcRepo, specRepo, undefined, () => {});
    try {
      const ta = readFileSync(path.join(a.dir, 'hello-2.10.tar.gz'));
      assert.ok(
        ta.equals(readFileSync(path.join(b.dir, 'hello-2.10.tar.gz'))),
        'git archive tarball is reproducible',
      );
      const list = execFileSync('tar', ['-tzf', path.join(a.dir, 'hello-2.10.tar.gz')], {
        encoding: 'utf8',
      });
      assert.match(list, /^hello-2\.10\/src\/hello\.c$/m);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
    const res = await build([srcRepo, specRepo, '--target', 'centos7'], path.join(work, 'out-two'));
    assert.equal(res.layout, 'rpm-two-repo');
    for (const f of res.artifacts) checkRpm(f);
    assert.deepEqual(leftovers(), []);
  });
});
