import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { submoduleUrl } from '../../src/sources/git.ts';
import { makeProject, nativePackage, type RunResult, releng, removeProject } from '../helpers.ts';

const cleanup: string[] = [];
after(async () => {
  for (const dir of cleanup) await removeProject(dir);
});

/** git with a fixed identity and no user or system configuration. */
const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .toString()
    .trim();
}

function run(root: string, args: string[] = []): Promise<RunResult> {
  return releng(['-R', root, ...args], { env: GIT_ENV });
}

function ok(r: RunResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
}

/** A project with one package `p` (version 1.0) from the git repository `site`. */
async function gitProject(site: string, fields: string): Promise<string> {
  const root = await makeProject({
    'releng.config.ts': `export default { packages: ['p'] };\n`,
    'package/p/p.ts': packageFile(site, fields),
  });
  cleanup.push(root);
  return root;
}

function packageFile(site: string, fields: string): string {
  return nativePackage(`{
    version: '1.0',
    site: ${JSON.stringify(site)},
    ${fields}
    async build(ctx) {
      const fs = await import('node:fs');
      fs.writeFileSync(ctx.dirs.output + '/built.txt', fs.readFileSync(ctx.buildDir + '/VERSION', 'utf8'));
    },
  }`);
}

/** Every path under dir (directories end in /), with ` -> target` for links and ` *` for executables. */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.releng')) continue;
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) out.push(`${prefix}${name}/`, ...(await tree(path, `${prefix}${name}/`)));
    else if (st.isSymbolicLink()) out.push(`${prefix}${name} -> ${await readlink(path)}`);
    else out.push(`${prefix}${name}${st.mode & 0o111 ? ' *' : ''}`);
  }
  return out;
}

const buildDir = (root: string) => join(root, 'output/build/p-1.0');
const version = (root: string) => readFile(join(buildDir(root), 'VERSION'), 'utf8');

let base: string;
let origin: string;
let firstCommit: string;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'releng-git-'));
  cleanup.push(base);
  // The submodule, then the superproject using it by a relative URL.
  const sub = join(base, 'sub.git');
  await mkdir(sub);
  git(sub, 'init', '-q');
  await writeFile(join(sub, 'lib.txt'), 'sub v1\n');
  git(sub, 'add', '.');
  git(sub, 'commit', '-q', '-m', 'sub');

  origin = join(base, 'origin.git');
  await mkdir(join(origin, 'bin'), { recursive: true });
  git(origin, 'init', '-q');
  await writeFile(join(origin, 'VERSION'), 'one\n');
  await writeFile(join(origin, 'bin/run.sh'), '#!/bin/sh\necho run\n');
  await chmod(join(origin, 'bin/run.sh'), 0o755);
  await symlink('VERSION', join(origin, 'link'));
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'one');
  firstCommit = git(origin, 'rev-parse', 'HEAD');
  git(
    origin,
    '-c',
    'protocol.file.allow=always',
    'submodule',
    'add',
    '-q',
    '../sub.git',
    'modules/sub',
  );
  await writeFile(join(origin, 'VERSION'), 'two\n');
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'two');
  git(origin, 'tag', '-a', '-m', 'release 1.0', 'v1.0');
  git(origin, 'checkout', '-q', '-b', 'feature');
  await writeFile(join(origin, 'VERSION'), 'feature\n');
  git(origin, 'commit', '-q', '-am', 'feature');
  git(origin, 'checkout', '-q', 'main');
});

describe('git sites', () => {
  it('resolves relative submodule URLs against the superproject remote', () => {
    assert.equal(
      submoduleUrl('https://h.example/a/b.git', '../c.git'),
      'https://h.example/a/c.git',
    );
    assert.equal(submoduleUrl('git@h.example:a/b.git', '../c.git'), 'git@h.example:a/c.git');
    assert.equal(submoduleUrl('/srv/a/b.git', './c'), '/srv/a/b.git/c');
    assert.equal(submoduleUrl('/srv/a/b.git', 'https://x/y.git'), 'https://x/y.git');
  });

  it('fetches a tag with submodules into a bare cache and exports the exact tree', async () => {
    const root = await gitProject(`git+${origin}`, `revision: 'v1.0', gitSubmodules: true,`);
    ok(await run(root));
    assert.deepEqual(await tree(buildDir(root)), [
      '.gitmodules',
      'VERSION',
      'bin/',
      'bin/run.sh *',
      'link -> VERSION',
      'modules/',
      'modules/sub/',
      'modules/sub/lib.txt',
    ]);
    assert.equal(await version(root), 'two\n');
    assert.equal(await readFile(join(root, 'output/built.txt'), 'utf8'), 'two\n');
    // A bare mirror, with the submodule's own mirror inside it.
    assert.equal(git(join(root, 'cache/p'), 'rev-parse', '--is-bare-repository'), 'true');
    assert.equal((await readdir(join(root, 'cache/p/releng-modules'))).length, 1);
    assert.deepEqual(await readdir(join(root, 'cache')), ['p']);

    // Offline: the origin is gone; a fresh build works from the cache.
    await rename(origin, `${origin}.away`);
    try {
      await rm(join(root, 'output'), { recursive: true });
      ok(await run(root));
      assert.equal(await readFile(join(buildDir(root), 'modules/sub/lib.txt'), 'utf8'), 'sub v1\n');
    } finally {
      await rename(`${origin}.away`, origin);
    }
  });

  it('fetches a branch, a commit, and a new revision only when the cache lacks it', async () => {
    // The whole history (gitDepth 0), so an older commit is in the cache below;
    // a mirror holding the whole history stays whole on later fetches.
    const root = await gitProject(origin, `vcsType: 'git', revision: 'feature', gitDepth: 0,`);
    ok(await run(root));
    assert.equal(await version(root), 'feature\n');
    assert.ok(!existsSync(join(buildDir(root), 'modules/sub/lib.txt')));
    assert.ok(existsSync(join(buildDir(root), 'modules/sub')));

    // A commit already in the cache: no fetch (the origin is not even there).
    await writeFile(
      join(root, 'package/p/p.ts'),
      packageFile(origin, `vcsType: 'git', revision: '${firstCommit}',`),
    );
    await rename(origin, `${origin}.away`);
    try {
      await rm(join(root, 'output'), { recursive: true });
      ok(await run(root));
      assert.equal(await version(root), 'one\n');
    } finally {
      await rename(`${origin}.away`, origin);
    }

    // A new upstream tag the cache does not have: fetched.
    git(origin, 'checkout', '-q', 'feature');
    await writeFile(join(origin, 'VERSION'), 'three\n');
    git(origin, 'commit', '-q', '-am', 'three');
    git(origin, 'tag', 'v3');
    git(origin, 'checkout', '-q', 'main');
    await writeFile(
      join(root, 'package/p/p.ts'),
      packageFile(origin, `vcsType: 'git', revision: 'v3',`),
    );
    await rm(join(root, 'output'), { recursive: true });
    ok(await run(root));
    assert.equal(await version(root), 'three\n');

    // The branch moved upstream: the cached branch is used until --force.
    git(origin, 'checkout', '-q', 'feature');
    await writeFile(join(origin, 'VERSION'), 'four\n');
    git(origin, 'commit', '-q', '-am', 'four');
    git(origin, 'checkout', '-q', 'main');
    await writeFile(
      join(root, 'package/p/p.ts'),
      packageFile(origin, `vcsType: 'git', revision: 'feature',`),
    );
    await rm(join(root, 'output'), { recursive: true });
    ok(await run(root));
    assert.equal(await version(root), 'three\n');
    ok(await run(root, ['--force']));
    assert.equal(await version(root), 'four\n');
  });

  it('uses GIT_DEPTH, falling back to the full history for an older commit', async () => {
    const root = await gitProject(
      `git+file://${origin}`,
      `revision: '${firstCommit}', gitDepth: 1,`,
    );
    ok(await run(root));
    assert.equal(await version(root), 'one\n');
    const log = await readFile(join(root, 'output/logs/p.log'), 'utf8');
    assert.match(log, /--depth 1/);
    assert.match(log, /beyond the fetched depth; fetching the full history/);
  });

  it('re-creates a damaged cache, and a failed first fetch leaves no cache', async () => {
    const root = await gitProject(`git+${origin}`, `revision: 'v1.0',`);
    await mkdir(join(root, 'cache/p'), { recursive: true });
    await writeFile(join(root, 'cache/p/HEAD'), 'garbage');
    await mkdir(join(root, 'cache/p.part-999999999'));
    ok(await run(root));
    assert.equal(await version(root), 'two\n');
    assert.deepEqual(await readdir(join(root, 'cache')), ['p']);
    assert.match(
      await readFile(join(root, 'output/logs/p.log'), 'utf8'),
      /is not a usable git repository \(interrupted\?\); creating it again/,
    );

    const bad = await gitProject(`git+${origin}`, `revision: 'no-such-tag',`);
    const r = await run(bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /revision "no-such-tag" of package "p" is not in /);
    assert.deepEqual(await readdir(join(bad, 'cache')).catch(() => []), []);

    const unreachable = await gitProject(`git+${base}/nothing.git`, `revision: 'v1.0',`);
    const u = await run(unreachable);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /cannot fetch .*nothing\.git for package "p"/);
    assert.deepEqual(await readdir(join(unreachable, 'cache')).catch(() => []), []);
  });

  it('checks signatures with GIT_VERIFY_REVISION', async (t) => {
    const root = await gitProject(`git+${origin}`, `revision: 'v1.0', gitVerifyRevision: true,`);
    const r = await run(root);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the tag "v1\.0" of package "p" has no valid signature/);

    // A tag signed by a key in the keyring passes.
    const home = join(base, 'gnupg');
    await mkdir(home, { mode: 0o700 });
    t.after(() => {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    });
    const env = { ...process.env, GNUPGHOME: home };
    execFileSync(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        'Test <test@example.org>',
        'ed25519',
        'sign',
        'never',
      ],
      { env, stdio: 'ignore' },
    );
    execFileSync(
      'git',
      [
        '-c',
        'user.signingkey=test@example.org',
        'tag',
        '-s',
        '-m',
        'signed',
        'v1.0-signed',
        'v1.0',
      ],
      {
        cwd: origin,
        env: { ...env, ...GIT_ENV },
        stdio: 'ignore',
      },
    );
    await writeFile(
      join(root, 'package/p/p.ts'),
      packageFile(`git+${origin}`, `revision: 'v1.0-signed', gitVerifyRevision: true,`),
    );
    ok(await releng(['-R', root], { env: { ...GIT_ENV, GNUPGHOME: home } }));
    assert.equal(await version(root), 'two\n');
  });

  it('passes GIT_CONFIG to git and fetches GIT_REFSPECS', async () => {
    git(origin, 'update-ref', 'refs/changes/1', firstCommit);
    const root = await gitProject(
      `git+${origin}`,
      `revision: 'changes/1', gitRefspecs: ['changes/*'], gitConfig: { 'core.autocrlf': 'false' },`,
    );
    ok(await run(root));
    assert.equal(await version(root), 'one\n');
    assert.match(
      await readFile(join(root, 'output/logs/p.log'), 'utf8'),
      /-c core\.autocrlf=false/,
    );
  });

  it('writes GIT_CONFIG into the cache, except entries that look like secrets', async () => {
    const root = await gitProject(
      `git+${origin}`,
      `revision: 'v1.0', gitConfig: { 'tmp.example': 'my-value', 'http.extraHeader': 'Authorization: Bearer s3cret' },`,
    );
    ok(await run(root));
    const config = await readFile(join(root, 'cache/p/config'), 'utf8');
    assert.match(config, /example = my-value/);
    assert.doesNotMatch(config, /s3cret|extraheader/i);
    const log = await readFile(join(root, 'output/logs/p.log'), 'utf8');
    assert.doesNotMatch(log, /s3cret/);
  });

  it('fetches shallow by default and needs GIT_REFSPECS for a commit only a custom ref reaches', async () => {
    // A commit no branch or tag reaches (as a pull request's head).
    git(origin, 'checkout', '-q', '-b', 'gone', 'main');
    git(origin, 'commit', '-q', '--allow-empty', '-m', 'custom');
    const custom = git(origin, 'rev-parse', 'HEAD').trim();
    git(origin, 'update-ref', 'refs/custom/x', custom);
    git(origin, 'checkout', '-q', 'main');
    git(origin, 'branch', '-q', '-D', 'gone');
    const root = await gitProject(`git+${origin}`, `revision: '${custom}',`);
    const refused = await run(root);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /name the refs that do in GIT_REFSPECS/);
    assert.ok(!existsSync(join(root, 'cache/p')), 'a failed first fetch leaves no cache');
    await writeFile(
      join(root, 'package/p/p.ts'),
      packageFile(`git+${origin}`, `revision: '${custom}', gitRefspecs: ['custom/*'],`),
    );
    ok(await run(root));
    assert.ok(existsSync(join(root, 'cache/p/shallow')), 'the first fetch is shallow');
  });
});
