// releng-tool's git tool tests (tests/tool-tests/test_tool_git.py): a local
// repository as the package's site, the fixture `site-tool`, then extract
// and check the revision its bare cache (cache/<pkg>) has checked out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';

export const BRANCH = 'test';
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Unit Test',
  GIT_AUTHOR_EMAIL: 'test@releng.invalid',
  GIT_COMMITTER_NAME: 'Unit Test',
  GIT_COMMITTER_EMAIL: 'test@releng.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: GIT_ENV, encoding: 'utf8' }).trim();
}

let uid = 0;
/** A fresh repository on branch `test` with one (empty) commit. */
export function repo(base: string, name = 'repo'): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'checkout', '-q', '-B', BRANCH);
  commit(dir, 'initial commit');
  return dir;
}
export function commit(dir: string, msg = 'test', add = false): string {
  if (add) git(dir, 'add', '.');
  git(dir, 'commit', '-q', '--allow-empty', '-m', `${msg} (${++uid})`);
  return git(dir, 'rev-parse', 'HEAD');
}

/** Sets the site to the repository and appends definition lines (releng-tool's defconfig_add). */
export function define(t: Ctx, site: string, lines: string[]): void {
  const file = 'package/test/test.rt';
  t.write(
    file,
    `${t.read(file)}\nTEST_VCS_TYPE = 'git'\nTEST_SITE = ${JSON.stringify(site)}\n${lines.join('\n')}\n`,
  );
}
export const cacheHead = (t: Ctx): string =>
  execFileSync('git', [`--git-dir=${t.path('cache', 'test')}`, 'rev-parse', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
export const revCount = (t: Ctx): number =>
  Number(
    execFileSync('git', [`--git-dir=${t.path('cache', 'test')}`, 'rev-list', '--count', 'HEAD'], {
      encoding: 'utf8',
    }).trim(),
  );

/** A git case: `setup` prepares the repository (in a folder beside the project) and runs. */
function gitCase(name: string, run: (t: Ctx, r: string, base: string) => Promise<void>): Case {
  return {
    name: `tool-git/${name}`,
    template: 'site-tool',
    needs: ['git'],
    from: `test_tool_git.py::test_tool_git_${name.replace(/-/g, '_')}`,
    async run(t) {
      const base = mkdtempSync(join(t.dir, '..', 'git-'));
      try {
        await run(t, repo(base), base);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  };
}

export const gitCases: Case[] = [
  gitCase('basic-branch', async (t, r) => {
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    await t.ok(['extract']);
  }),
  gitCase('basic-commit', async (t, r) => {
    const h = commit(r);
    define(t, r, [`TEST_VERSION = '${h}'`]);
    await t.ok(['extract']);
  }),
  gitCase('basic-tag', async (t, r) => {
    git(r, 'tag', 'my-tag', '-m', '');
    define(t, r, [`TEST_VERSION = 'my-tag'`]);
    await t.ok(['extract']);
  }),
  gitCase('branch-forward-slash', async (t, r) => {
    git(r, 'checkout', '-q', '-b', 'container/test');
    commit(r);
    git(r, 'checkout', '-q', BRANCH);
    define(t, r, [`TEST_VERSION = 'container/test'`]);
    await t.ok(['extract']);
  }),
  gitCase('changing-revision', async (t, r) => {
    const first = commit(r, 'first commit');
    git(r, 'tag', 'first', '-m', '');
    define(t, r, [`TEST_VERSION = 'first'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), first);
    t.remove('output');
    const second = commit(r, 'second commit');
    git(r, 'tag', 'second', '-m', '');
    define(t, r, [`TEST_VERSION = 'second'`]);
    await t.ok(['extract']);
    t.remove('output');
    assert.equal(cacheHead(t), second);
    define(t, r, [`TEST_VERSION = 'first'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), first);
  }),
  gitCase('custom-options-invalid', async (t, r) => {
    define(t, r, [`TEST_GIT_CONFIG = {'bad-config-key': ''}`, `TEST_VERSION = '${BRANCH}'`]);
    await t.fails(['extract']);
  }),
  gitCase('custom-options-valid', async (t, r) => {
    define(t, r, [`TEST_GIT_CONFIG = {'tmp.example': 'my-value'}`, `TEST_VERSION = '${BRANCH}'`]);
    await t.ok(['extract']);
    const got = execFileSync(
      'git',
      [`--git-dir=${t.path('cache', 'test')}`, 'config', '--get', 'tmp.example'],
      {
        encoding: 'utf8',
      },
    ).trim();
    assert.equal(got, 'my-value');
  }),
  gitCase('custom-reference', async (t, r) => {
    git(r, 'checkout', '-q', '-b', 'tmp');
    const h = commit(r);
    git(r, 'update-ref', 'refs/mycustomref/test', h);
    git(r, 'checkout', '-q', BRANCH);
    git(r, 'branch', '-q', '-D', 'tmp');
    define(t, r, [`TEST_VERSION = '${h}'`]);
    await t.fails(['extract']);
    define(t, r, [`TEST_GIT_REFSPECS = ['mycustomref/*']`]);
    await t.ok(['extract']);
  }),
  gitCase('depth-shallow-default', async (t, r) => {
    commit(r);
    const h = commit(r);
    define(t, r, [`TEST_VERSION = '${h}'`]);
    await t.ok(['extract']);
    assert.equal(revCount(t), 1);
  }),
  gitCase('depth-shallow-disabled-config', async (t, r) => {
    commit(r);
    const h = commit(r);
    define(t, r, ['TEST_GIT_DEPTH = 0', `TEST_VERSION = '${h}'`]);
    await t.ok(['extract']);
    assert.notEqual(revCount(t), 1);
  }),
  gitCase('depth-shallow-disabled-quirk', async (t, r) => {
    commit(r);
    const h = commit(r);
    define(t, r, [`TEST_VERSION = '${h}'`]);
    await t.ok(['extract', '--quirk', 'releng.git.no_depth']);
    assert.notEqual(revCount(t), 1);
  }),
  gitCase('depth-unshallow-initial', async (t, r) => {
    const h = commit(r);
    commit(r);
    define(t, r, [`TEST_VERSION = '${h}'`]);
    await t.ok(['extract']);
    assert.notEqual(revCount(t), 1);
  }),
  gitCase('diverged-branch', async (t, r) => {
    git(r, 'checkout', '-q', '-b', 'target');
    const first = commit(r, 'first');
    define(t, r, [`TEST_VERSION = 'target'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), first);
    t.remove('output');
    git(r, 'checkout', '-q', BRANCH);
    git(r, 'branch', '-q', '-D', 'target');
    git(r, 'checkout', '-q', '-b', 'target');
    const second = commit(r, 'second');
    await t.ok(['fetch']);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), second);
  }),
  gitCase('remote-tag-change', async (t, r) => {
    const first = commit(r, 'first');
    git(r, 'tag', 'my-tag', '-m', '');
    define(t, r, [`TEST_VERSION = 'my-tag'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), first);
    t.remove('output');
    git(r, 'tag', '-d', 'my-tag');
    const second = commit(r, 'second');
    git(r, 'tag', 'my-tag', '-m', '');
    await t.ok(['extract']);
    assert.equal(cacheHead(t), first, 'a plain run fetches nothing new');
    t.remove('output');
    await t.ok(['fetch']);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), second);
  }),
  gitCase('submodules-default', async (t, r, base) => {
    const r2 = repo(base, 'repo2');
    writeFileSync(join(r, 'file1'), '');
    commit(r, 'add file', true);
    writeFileSync(join(r2, 'file2'), '');
    commit(r2, 'add file', true);
    git(r, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', r2, 'repo2');
    commit(r, 'add module', true);
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    await t.ok(['extract']);
    t.assertExists('output/build', `test-${BRANCH}`, 'file1');
    t.assertMissing('output/build', `test-${BRANCH}`, 'repo2', 'file2');
  }),
];
