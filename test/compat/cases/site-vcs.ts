// releng-tool's VCS and signature tool tests, re-expressed as CLI runs on the
// `site-tool` fixture: the rest of tests/tool-tests/test_tool_git.py (beside
// cases/git.ts), test_tool_mercurial.py, test_tool_cvs.py and
// test_tool_gpg.py. Each case makes its real repository (git, hg, cvs) or
// throwaway GnuPG home in a folder beside the project, as releng-tool's
// tests/support/site_tool_test.py does; the run stops after extraction.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';
import { BRANCH, cacheHead, commit, define, git, repo, revCount } from './git.ts';

const SAMPLE_TAR = join(HERE, 'assets', 'sample-files', 'sample-files.tar');

/** A scratch folder beside the project for repositories and keyrings, removed after the case. */
async function scratch(t: Ctx, body: (base: string) => Promise<void>): Promise<void> {
  const base = mkdtempSync(join(t.dir, '..', 'vcs-'));
  try {
    await body(base);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** Appends definition lines (releng-tool's defconfig_add). */
function add(t: Ctx, lines: string[]): void {
  const file = 'package/test/test.rt';
  t.write(file, `${t.read(file)}\n${lines.join('\n')}\n`);
}

/** A GnuPG home with one fresh key (no passphrase), for signing in a case. */
function gpgHome(base: string): Record<string, string> {
  const home = join(base, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home } as Record<string, string>;
  delete env.GPG_AGENT_INFO;
  execFileSync(
    'gpg',
    [
      '--batch',
      '--passphrase',
      '',
      '--quick-gen-key',
      'gpg-key-test@releng.invalid',
      'default',
      'default',
    ],
    { env, stdio: 'ignore' },
  );
  return env;
}
/** Stops the gpg-agent a case's GnuPG home started (it would outlive the case). */
function stopAgent(env: Record<string, string>): void {
  try {
    execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
  } catch {
    // no agent running
  }
}

function gitCase(name: string, run: (t: Ctx, r: string, base: string) => Promise<void>): Case {
  return {
    name: `tool-git/${name}`,
    template: 'site-tool',
    needs: ['git'],
    from: `test_tool_git.py::test_tool_git_${name.replace(/-/g, '_')}`,
    run: (t) => scratch(t, async (base) => run(t, repo(base), base)),
  };
}

const gitCases: Case[] = [
  gitCase('depth-unshallow-updated', async (t, r) => {
    commit(r);
    const a = commit(r);
    const b = commit(r);
    define(t, r, [`TEST_VERSION = '${b}'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), b);
    assert.equal(revCount(t), 1);
    t.remove('output');
    define(t, r, [`TEST_VERSION = '${a}'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), a);
    assert.notEqual(revCount(t), 1);
  }),
  gitCase('devmode-auto-fetch-branch', async (t, r) => {
    git(r, 'checkout', '-q', '-b', 'target');
    const first = commit(r, 'first');
    await t.ok(['-D']);
    define(t, r, [`TEST_VERSION = 'target'`]);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), first, 'first');
    // releng-tool keeps the mode in <root>/.releng-flag-devmode, releng in
    // output/ (it writes nothing outside the output folders): after removing
    // output/, the mode is entered again
    const again = async () => {
      t.remove('output');
      await t.ok(['-D']);
    };
    await again();
    // development mode ignores the cache by default: a new commit is fetched
    const second = commit(r, 'second');
    await t.ok(['extract']);
    assert.equal(cacheHead(t), second, 'a branch in development mode is fetched again');
    await again();
    const third = commit(r, 'third');
    add(t, ['TEST_DEVMODE_IGNORE_CACHE = False']);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), second, 'DEVMODE_IGNORE_CACHE = False still fetched');
    await again();
    add(t, ['TEST_DEVMODE_IGNORE_CACHE = True']);
    await t.ok(['extract']);
    assert.equal(cacheHead(t), third, 'DEVMODE_IGNORE_CACHE = True');
  }),
  gitCase('submodules-enabled', async (t, r, base) => {
    const r2 = repo(base, 'repo2');
    const r3 = repo(base, 'repo3');
    writeFileSync(join(r, 'file1'), '');
    commit(r, 'add file', true);
    writeFileSync(join(r2, 'file2'), '');
    commit(r2, 'add file', true);
    writeFileSync(join(r3, 'file3'), '');
    commit(r3, 'add file', true);
    git(r2, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', r3, 'repo3');
    commit(r2, 'add repo3 module', true);
    git(r, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', r2, 'repo2');
    commit(r, 'add repo2 module', true);
    define(t, r, ['TEST_GIT_SUBMODULES = True', `TEST_VERSION = '${BRANCH}'`]);
    await t.ok(['extract']);
    const out = `output/build/test-${BRANCH}`;
    t.assertExists(out, 'file1');
    t.assertExists(out, 'repo2', 'file2');
    t.assertExists(out, 'repo2', 'repo3', 'file3');
  }),
  gitCase('submodules-branch-revision', async (t, r, base) => {
    const r2 = repo(base, 'repo2');
    writeFileSync(join(r, 'file1'), '');
    commit(r, 'add file1', true);
    writeFileSync(join(r2, 'file2'), '');
    const eref1 = commit(r2, 'add file2', true);
    git(r, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', r2, 'repo2');
    commit(r, 'add module', true);
    git(r2, 'checkout', '-q', '-b', 'custom');
    writeFileSync(join(r2, 'file3'), '');
    const eref2 = commit(r2, 'add file3', true);
    define(t, r, ['TEST_GIT_SUBMODULES = True', `TEST_VERSION = '${BRANCH}'`]);
    await t.ok(['extract']);
    const out = `output/build/test-${BRANCH}`;
    t.assertExists(out, 'file1');
    t.assertExists(out, 'repo2', 'file2');
    t.assertMissing(out, 'repo2', 'file3');
    t.remove('output');
    assert.equal(git(r, 'rev-parse', `${BRANCH}:repo2`), eref1);
    git(r, 'config', '-f', '.gitmodules', 'submodule.repo2.branch', 'custom');
    git(r, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'update', '--remote', 'repo2');
    commit(r, 'updated module reference', true);
    assert.equal(git(r, 'rev-parse', `${BRANCH}:repo2`), eref2);
    await t.ok(['fetch']);
    await t.ok(['extract']);
    t.assertExists(out, 'repo2', 'file3');
  }),
  gitCase('unknown-branch-tag', async (t, r) => {
    define(t, r, [`TEST_VERSION = 'unknown'`]);
    await t.fails(['extract']);
  }),
  gitCase('unknown-hash', async (t, r) => {
    define(t, r, [`TEST_VERSION = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'`]);
    await t.fails(['extract']);
  }),
  gitCase('verify-revision-expected-fail', async (t, r) => {
    git(r, 'tag', 'non-signed-tag', '-m', '');
    define(t, r, ['TEST_GIT_VERIFY_REVISION = True', `TEST_VERSION = 'non-signed-tag'`]);
    await t.fails(['extract']);
  }),
  {
    ...gitCase('verify-revision-expected-pass', async () => {}),
    needs: ['git', 'gpg'],
    run: (t) =>
      scratch(t, async (base) => {
        const r = repo(base);
        const env = gpgHome(base);
        try {
          const keys = execFileSync(
            'gpg',
            ['--list-secret-keys', '--keyid-format=long', '--with-colons', '--quiet'],
            { env, encoding: 'utf8' },
          );
          const id = keys
            .split('\n')
            .find((l) => l.startsWith('sec'))
            ?.split(':')[4];
          assert.ok(id, 'no key made');
          git(r, 'config', 'user.signingkey', `${id}!`);
          execFileSync('git', ['-C', r, 'tag', '-s', 'signed-tag', '-m', 'expected-pass'], {
            env: {
              ...env,
              GIT_COMMITTER_NAME: 'Unit Test',
              GIT_COMMITTER_EMAIL: 'test@releng.invalid',
            },
          });
          define(t, r, ['TEST_GIT_VERIFY_REVISION = True', `TEST_VERSION = 'signed-tag'`]);
          await t.ok(['extract'], { env: { GNUPGHOME: env.GNUPGHOME! } });
        } finally {
          stopAgent(env);
        }
      }),
  },
];

// Mercurial (test_tool_mercurial.py)
const HG_ENV = { ...process.env, HGUSER: 'Unit Test <test@releng.invalid>', HGPLAIN: '1' };
function hg(dir: string, ...args: string[]): string {
  return execFileSync('hg', ['--noninteractive', ...args], {
    cwd: dir,
    env: HG_ENV,
    encoding: 'utf8',
  }).trim();
}
let hgTag = 0;
/** A commit: files added (`add`), or, as releng-tool's test does, a forced dummy tag. */
function hgCommit(r: string, msg = 'test', addFiles = false): string {
  if (addFiles) {
    hg(r, 'add', '.');
    hg(r, 'commit', '-m', msg);
  } else hg(r, 'tag', `dummy-${++hgTag}`, '-f', '-m', msg);
  return hg(r, 'identify', '--id');
}
function hgTagged(r: string, tag: string): [string, string] {
  hg(r, 'tag', tag);
  return [tag, hg(r, 'identify', '--id')];
}
function hgCase(name: string, run: (t: Ctx, r: string) => Promise<void>): Case {
  return {
    name: `tool-hg/${name}`,
    template: 'site-tool',
    needs: ['hg'],
    from: `test_tool_mercurial.py::test_tool_mercurial_${name.replace(/-/g, '_')}`,
    run: (t) =>
      scratch(t, async (base) => {
        const r = join(base, 'repo');
        mkdirSync(r);
        hg(r, 'init', r);
        writeFileSync(join(r, 'dummy'), '');
        hgCommit(r, 'initial commit', true);
        add(t, [`TEST_SITE = ${JSON.stringify(r)}`, "TEST_VCS_TYPE = 'hg'"]);
        await run(t, r);
      }),
  };
}
const hgTip = (t: Ctx, r: string) =>
  hg(r, 'identify', '--id', '--rev', 'tip', t.path('cache', 'test'));

const hgCases: Case[] = [
  hgCase('basic-branch', async (t) => {
    add(t, ["TEST_VERSION = 'default'"]);
    await t.ok(['extract']);
  }),
  hgCase('basic-commit', async (t, r) => {
    add(t, [`TEST_VERSION = '${hgCommit(r)}'`]);
    await t.ok(['extract']);
  }),
  hgCase('basic-tag', async (t, r) => {
    const [tag] = hgTagged(r, 'my-tag');
    add(t, [`TEST_VERSION = '${tag}'`]);
    await t.ok(['extract']);
  }),
  hgCase('branch-forward-slash', async (t, r) => {
    hg(r, 'branch', 'container/test');
    hgCommit(r);
    hg(r, 'update', 'default');
    add(t, ["TEST_VERSION = 'container/test'"]);
    await t.ok(['extract']);
  }),
  hgCase('changing-revision', async (t, r) => {
    writeFileSync(join(r, 'first'), '');
    hgCommit(r, 'first commit', true);
    const [first, firstHash] = hgTagged(r, 'first');
    add(t, [`TEST_VERSION = '${first}'`]);
    await t.ok(['extract']);
    assert.equal(hgTip(t, r), firstHash);
    t.assertExists('output/build/test-first/first');
    t.remove('output');
    writeFileSync(join(r, 'second'), '');
    hgCommit(r, 'second commit', true);
    const [second, secondHash] = hgTagged(r, 'second');
    add(t, [`TEST_VERSION = '${second}'`]);
    await t.ok(['extract']);
    assert.equal(hgTip(t, r), secondHash);
    t.assertExists('output/build/test-second/first');
    t.assertExists('output/build/test-second/second');
    t.remove('output');
    add(t, [`TEST_VERSION = '${first}'`]);
    await t.ok(['extract']);
    t.assertExists('output/build/test-first/first');
    t.assertMissing('output/build/test-first/second');
  }),
  hgCase('unknown-branch-tag', async (t) => {
    add(t, ["TEST_VERSION = 'unknown'"]);
    await t.fails(['extract']);
  }),
  hgCase('unknown-revision', async (t) => {
    add(t, ["TEST_VERSION = '12345'"]);
    await t.fails(['extract']);
  }),
];

// CVS (test_tool_cvs.py): a local repository, CVSROOT given with -d
function cvs(root: string, cwd: string, ...args: string[]): void {
  execFileSync('cvs', ['-Q', '-d', root, ...args], { cwd, stdio: 'ignore' });
}
/** Commits `total` revisions of `module/file` ("commit N" each), checking out into a scratch folder. */
function cvsAdd(root: string, scratchDir: string, module: string, file: string, total = 1): void {
  const work = mkdtempSync(join(scratchDir, 'co-'));
  try {
    cvs(root, work, 'checkout', '.');
    const dir = join(work, module);
    let fresh = false;
    try {
      mkdirSync(dir);
      fresh = true;
    } catch {
      // the module exists already
    }
    if (fresh) cvs(root, work, 'add', module);
    for (let n = 1; n <= total; n++) {
      // cvs tells changes apart by modification time: one second between commits
      if (n > 1) execFileSync('sleep', ['1']);
      writeFileSync(join(dir, file), `commit ${n}\n`);
      if (n === 1) cvs(root, work, 'add', join(module, file));
      cvs(root, work, 'commit', '-m', `adding commit ${n}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
function cvsCase(name: string, run: (t: Ctx, root: string, base: string) => Promise<void>): Case {
  return {
    name: `tool-cvs/${name}`,
    template: 'site-tool',
    needs: ['cvs'],
    from: `test_tool_cvs.py::test_tool_cvs_${name.replace(/-/g, '_')}`,
    run: (t) =>
      scratch(t, async (base) => {
        const root = join(base, 'repo');
        mkdirSync(root);
        cvs(root, base, 'init');
        add(t, ["TEST_VCS_TYPE = 'cvs'", "TEST_REVISION = 'HEAD'", `TEST_SITE = '${root} test'`]);
        await run(t, root, base);
      }),
  };
}

const cvsCases: Case[] = [
  cvsCase('basic-default', async (t, root, base) => {
    cvsAdd(root, base, 'test', 'file1', 2);
    cvsAdd(root, base, 'test', 'file2', 3);
    await t.ok(['extract']);
    assert.match(t.read('output/build/test/file1'), /commit 2/);
    assert.match(t.read('output/build/test/file2'), /commit 3/);
  }),
  cvsCase('basic-revision', async (t, root, base) => {
    cvsAdd(root, base, 'test', 'file1');
    cvs(root, base, 'rtag', 'tag-1', 'test');
    cvsAdd(root, base, 'test', 'file2');
    cvs(root, base, 'rtag', 'tag-2', 'test');
    cvsAdd(root, base, 'test', 'file3');
    cvs(root, base, 'rtag', 'tag-3', 'test');
    add(t, ["TEST_REVISION = 'tag-2'"]);
    await t.ok(['extract']);
    t.assertExists('output/build/test/file1');
    t.assertExists('output/build/test/file2');
    t.assertMissing('output/build/test/file3');
  }),
  cvsCase('malformed-site', async (t, root) => {
    add(t, [`TEST_SITE = '${root}'`]);
    await t.fails(['extract']);
  }),
  cvsCase('missing-module', async (t, root) => {
    add(t, [`TEST_SITE = '${root} unknown'`]);
    await t.fails(['extract']);
  }),
  cvsCase('unknown-revision', async (t) => {
    add(t, ["TEST_VERSION = 'unknown'"]);
    await t.fails(['extract']);
  }),
];

// GnuPG (test_tool_gpg.py): a detached signature `<pkg>.asc` beside the definition
function gpgCase(name: string, run: (t: Ctx, base: string) => Promise<void>): Case {
  return {
    name: `tool-gpg/${name}`,
    template: 'site-tool',
    needs: ['gpg'],
    from: `test_tool_gpg.py::test_tool_gpg_${name.replace(/-/g, '_')}`,
    run: (t) =>
      scratch(t, async (base) => {
        add(t, [`TEST_SITE = 'file://${SAMPLE_TAR}'`]);
        await run(t, base);
      }),
  };
}
const gpgCases: Case[] = [
  gpgCase('invalid', async (t) => {
    t.write('package/test/test.asc', 'dummy data\n');
    await t.fails(['extract']);
  }),
  gpgCase('missing-ignore', async (t) => {
    t.assertMissing('package/test/test.asc');
    await t.ok(['extract']);
  }),
  gpgCase('valid', async (t, base) => {
    const env = gpgHome(base);
    try {
      execFileSync(
        'gpg',
        [
          '--armor',
          '--detach-sign',
          '--batch',
          '--output',
          t.path('package/test/test.asc'),
          SAMPLE_TAR,
        ],
        { env, stdio: 'ignore' },
      );
      await t.ok(['extract'], { env: { GNUPGHOME: env.GNUPGHOME! } });
    } finally {
      stopAgent(env);
    }
  }),
];

export const siteVcsCases: Case[] = [...gitCases, ...hgCases, ...cvsCases, ...gpgCases];
