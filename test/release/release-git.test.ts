/**
 * `releng release` against real git: the plan, exact bumps, refusals,
 * commit and annotated tag, signing with gpg and with a releng key.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { releng } from '../helpers.ts';
import { git, PROJECT_FILES, releaseRepo } from './fixture.ts';

const read = (root: string, p: string) => readFileSync(join(root, p), 'utf8');

test('plan prints every edit and leaves the tree alone; apply bumps exactly the intended occurrences, commits and tags', async () => {
  const { root, env } = await releaseRepo();
  const base = git(root, env, 'rev-parse', 'HEAD').trim();
  const plan = await releng(['release', 'plan'], { cwd: root, env });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /release 1\.2\.3 → 1\.3\.0 on main/);
  assert.match(plan.stdout, /- {2}"version": "1\.2\.3",\n\+ {2}"version": "1\.3\.0",/);
  assert.match(plan.stdout, /tag: {4}v1\.3\.0/);
  assert.equal(git(root, env, 'status', '--porcelain'), '');
  const dry = await releng(['release', 'apply', '--dry-run'], { cwd: root, env });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, plan.stdout);
  // From elsewhere, the project named as in the main CLI (-R/--root-dir) or git's -C: the same plan.
  for (const opt of ['-R', '--root-dir', '-C']) {
    const there = await releng(['release', 'plan', opt, root], { cwd: tmpdir(), env });
    assert.equal(there.stdout, plan.stdout, `${opt}: ${there.stderr}`);
  }
  assert.equal(git(root, env, 'status', '--porcelain'), '');
  assert.equal(git(root, env, 'tag', '--list').trim(), 'v1.2.3');

  const r = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(r.code, 0, r.stderr);
  const head = git(root, env, 'rev-parse', 'HEAD').trim();
  assert.equal(git(root, env, 'rev-parse', 'HEAD^').trim(), base);
  assert.equal(git(root, env, 'rev-parse', 'v1.3.0^{commit}').trim(), head);
  assert.equal(git(root, env, 'cat-file', '-t', 'v1.3.0').trim(), 'tag', 'an annotated tag');
  assert.equal(git(root, env, 'status', '--porcelain'), '');
  assert.equal(git(root, env, 'log', '-1', '--format=%s').trim(), 'release: 1.3.0');

  // Only the intended occurrence changed: pinned dependencies and other tables keep 1.2.3.
  const pkg = JSON.parse(read(root, 'package.json'));
  assert.equal(pkg.version, '1.3.0');
  assert.equal(pkg.dependencies['left-pad'], '1.2.3');
  assert.equal(
    read(root, 'pyproject.toml'),
    PROJECT_FILES['pyproject.toml']?.replace('version = "1.2.3"\ndep', 'version = "1.3.0"\ndep'),
  );
  assert.equal(read(root, 'src/demo/__init__.py'), '__version__ = "1.3.0"\nMIN_OTHER = "1.2.3"\n');
  // Debian and rpm see the new version and a new changelog entry.
  const deb = execFileSync(
    'dpkg-parsechangelog',
    ['-l', join(root, 'debian/changelog'), '-S', 'Version'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(deb.trim(), '1.3.0-1');
  const spec = read(root, 'demo.spec');
  assert.match(spec, /^Version: 1\.3\.0$/m);
  assert.match(spec, /^Release: 1%\{\?dist\}$/m);
  assert.match(
    spec,
    /%changelog\n\* Wed Dec 03 2025 Rel Eng <releng@example\.invalid> - 1\.3\.0-1\n- cli: add the frobnicate command/,
  );
  // The notes: grouped, in CHANGELOG.md and in the tag message (headings kept).
  const md = read(root, 'CHANGELOG.md');
  assert.match(
    md,
    /^# Changelog\n\n## 1\.3\.0 \(2025-12-03\)\n\n### Features\n\n- \*\*cli:\*\* add the frobnicate command \([0-9a-f]{7}\)\n\n### Bug fixes\n/,
  );
  assert.match(git(root, env, 'tag', '-l', '--format=%(contents)', 'v1.3.0'), /### Features/);

  // --push: the branch and the tag reach the remote, atomically.
  const remote = join(root, '..', `${root.split('/').pop()}-remote.git`);
  execFileSync('git', ['init', '-q', '--bare', remote]);
  git(root, env, 'remote', 'add', 'origin', remote);
  git(root, env, 'commit', '-q', '--allow-empty', '-m', 'fix: pushed');
  const pushed = await releng(['release', 'apply', '--push', 'origin'], { cwd: root, env });
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(
    execFileSync('git', ['--git-dir', remote, 'rev-parse', 'v1.3.1^{commit}', 'main'], {
      encoding: 'utf8',
    }).split('\n')[0],
    git(root, env, 'rev-parse', 'HEAD').trim(),
  );
  execFileSync('rm', ['-rf', remote]);
  const head2 = git(root, env, 'rev-parse', 'HEAD').trim();

  // Nothing new since the tag: refused, nothing done.
  const again = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /nothing to release/);
  assert.equal(git(root, env, 'rev-parse', 'HEAD').trim(), head2);
  assert.notEqual(head2, head);
});

test('refuses a dirty tree, a detached HEAD, another branch, an existing tag and a version that does not increase', async () => {
  const { root, env } = await releaseRepo();
  const head = git(root, env, 'rev-parse', 'HEAD').trim();
  writeFileSync(join(root, 'notes.txt'), 'wip\n');
  const dirty = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(dirty.code, 1);
  assert.match(dirty.stderr, /uncommitted changes: notes\.txt/);
  assert.equal(read(root, 'package.json'), PROJECT_FILES['package.json']);
  execFileSync('rm', [join(root, 'notes.txt')]);

  git(root, env, 'checkout', '-q', '--detach');
  const detached = await releng(['release', 'apply'], { cwd: root, env });
  assert.match(detached.stderr, /HEAD is detached/);
  git(root, env, 'checkout', '-q', '-b', 'topic');
  const topic = await releng(['release', 'apply'], { cwd: root, env });
  assert.match(topic.stderr, /branch "topic" is not a release branch/);
  git(root, env, 'checkout', '-q', 'main');

  const lower = await releng(['release', 'plan', '1.2.0'], { cwd: root, env });
  assert.equal(lower.code, 1);
  assert.match(lower.stderr, /1\.2\.0 does not increase on 1\.2\.3/);
  // A tag on a commit not reachable from HEAD (another line of history).
  const side = git(root, env, 'commit-tree', 'HEAD^{tree}', '-m', 'side').trim();
  git(root, env, 'tag', 'v1.4.0', side);
  const tagged = await releng(['release', 'apply', '1.4.0'], { cwd: root, env });
  assert.match(tagged.stderr, /tag v1\.4\.0 exists already/);
  assert.equal(git(root, env, 'rev-parse', 'HEAD').trim(), head);
  assert.equal(git(root, env, 'status', '--porcelain'), '');

  // Pre-releases sort before their release.
  const rc = await releng(['release', 'apply', 'preminor', '--preid', 'rc'], { cwd: root, env });
  assert.equal(rc.code, 0, rc.stderr);
  assert.equal(JSON.parse(read(root, 'package.json')).version, '1.3.0-rc.0');
  assert.match(read(root, 'debian/changelog'), /^demo \(1\.3\.0~rc\.0-1\)/);
  assert.match(read(root, 'demo.spec'), /^Version: 1\.3\.0~rc\.0$/m);
  git(root, env, 'commit', '-q', '--allow-empty', '-m', 'fix: one more');
  const final = await releng(['release', 'apply', '1.3.0'], { cwd: root, env });
  assert.equal(final.code, 0, final.stderr);
  assert.equal(git(root, env, 'describe', '--tags').trim(), 'v1.3.0');
});

test('a pattern must match exactly: none or too many is an error naming the file', async () => {
  const config = (search: string, count = 1) =>
    `export default { packages: [], release: { files: [{ path: 'version.py', search: ${JSON.stringify(search)}, count: ${count} }] } };\n`;
  for (const [search, count, error] of [
    [
      'VERSION = "{version}"',
      1,
      /version\.py: "VERSION = \\"1\.2\.3\\"" matches 0 times, expected 1/,
    ],
    ['"{version}"', 1, /matches 2 times, expected 1/],
  ] as const) {
    const { root, env } = await releaseRepo({
      'releng.config.ts': config(search, count),
      'version.py': '__version__ = "1.2.3"\nREQUIRES = "1.2.3"\n',
    });
    const r = await releng(['release', 'plan'], { cwd: root, env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, error);
    assert.match(r.stderr, /hint/);
  }
  const { root, env } = await releaseRepo({
    'releng.config.ts': config('"{version}"', 2),
    'version.py': '__version__ = "1.2.3"\nREQUIRES = "1.2.3"\n',
  });
  const ok = await releng(['release', 'apply', '--no-changelog'], { cwd: root, env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(read(root, 'version.py'), '__version__ = "1.3.0"\nREQUIRES = "1.3.0"\n');
});

const hasGpg = spawnSync('gpg', ['--version']).status === 0;

test('commit and tag signed with gpg verify with git verify-commit and git tag -v', {
  skip: !hasGpg && 'gpg is not installed',
}, async () => {
  const { root, env, home } = await releaseRepo();
  const gnupg = join(home, 'gnupg');
  execFileSync('mkdir', ['-m', '700', gnupg]);
  const genv = { ...process.env, ...env, GNUPGHOME: gnupg };
  execFileSync(
    'gpg',
    [
      '--batch',
      '--passphrase',
      '',
      '--quick-gen-key',
      'Rel Eng <releng@example.invalid>',
      'ed25519',
      'sign',
      'never',
    ],
    { env: genv, stdio: 'ignore' },
  );
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(
    execFileSync('gpg', ['--with-colons', '--list-secret-keys'], { env: genv, encoding: 'utf8' }),
  )?.[1] as string;
  const r = await releng(
    ['release', 'apply', '--gpg-sign', '--gpg-key', fpr, '--gpg-home', gnupg],
    { cwd: root, env },
  );
  assert.equal(r.code, 0, r.stderr);
  const verify = (...args: string[]) =>
    spawnSync('git', args, { cwd: root, env: genv, encoding: 'utf8' });
  const commit = verify('verify-commit', '-v', 'HEAD');
  assert.equal(commit.status, 0, commit.stderr);
  assert.match(commit.stderr, /Good signature/);
  const tag = verify('tag', '-v', 'v1.3.0');
  assert.equal(tag.status, 0, tag.stderr);
  assert.match(tag.stderr, /Good signature/);
});

test('commit and tag signed with a releng OpenPGP key verify with git and gpg', {
  skip: !hasGpg && 'gpg is not installed',
}, async () => {
  const { root, env, home } = await releaseRepo();
  const key = join(home, 'release.key');
  const pub = join(home, 'release.pub');
  const gen = await releng(
    [
      'key',
      'generate',
      '--name',
      'Rel Eng',
      '--email',
      'releng@example.invalid',
      '--out',
      key,
      '--public-out',
      pub,
    ],
    { env },
  );
  assert.equal(gen.code, 0, gen.stderr);
  const r = await releng(['release', 'apply', '--key', key], { cwd: root, env });
  assert.equal(r.code, 0, r.stderr);
  const gnupg = join(home, 'gnupg');
  execFileSync('mkdir', ['-m', '700', gnupg]);
  const genv = { ...process.env, ...env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['--batch', '--import', pub], { env: genv, stdio: 'ignore' });
  const verify = (...args: string[]) =>
    spawnSync('git', args, { cwd: root, env: genv, encoding: 'utf8' });
  const commit = verify('verify-commit', '-v', 'HEAD');
  assert.equal(commit.status, 0, commit.stderr);
  assert.match(commit.stderr, /Good signature/);
  const tag = verify('tag', '-v', 'v1.3.0');
  assert.equal(tag.status, 0, tag.stderr);
  assert.match(tag.stderr, /Good signature/);
  assert.equal(git(root, env, 'status', '--porcelain'), '');
  assert.equal(
    git(root, env, 'rev-parse', 'HEAD^{tree}').trim(),
    git(root, env, 'write-tree').trim(),
  );
});
