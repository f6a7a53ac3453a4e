// releng-tool's git package options (tests/unit-tests/test_pkg_configs_git.py),
// re-expressed as CLI runs: the same configuration file of
// tests/unit-tests/assets/configs appended to the `site-tool` fixture's
// definition. releng-tool's test loads the definition and reads the option;
// here an invalid value must stop the run with an error naming the option,
// and a valid one must be accepted and, where a git site shows it (depth,
// submodules, verification), take effect on a local repository.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';
import { BRANCH, commit, define, git, repo, revCount } from './git.ts';

const CONFIGS = join(HERE, 'assets', 'configs');

/** Appends a configuration asset to the `test` package's definition. */
function load(t: Ctx, config: string): void {
  const file = 'package/test/test.rt';
  t.write(file, `${t.read(file)}\n${readFileSync(join(CONFIGS, config), 'utf8')}\n`);
}

/** A package without sources (`none`): loading and validating its options is all a run does. */
function noSite(t: Ctx): void {
  const file = 'package/test/test.rt';
  t.write(file, `${t.read(file)}\nTEST_VCS_TYPE = 'none'\n`);
}

function pkgCase(name: string, run: (t: Ctx) => Promise<void>): Case {
  return {
    name: `site/pkgcfg-git-${name}`,
    template: 'site-tool',
    from: `test_pkg_configs_git.py::test_pkgconfig_git_${name.replace(/-/g, '_')}`,
    run,
  };
}

/** Every config must fail to load, naming the option. */
function invalid(name: string, option: string, configs: string[]): Case {
  return pkgCase(name, async (t) => {
    const original = t.read('package/test/test.rt');
    for (const config of configs) {
      t.write('package/test/test.rt', original);
      noSite(t);
      load(t, config);
      const r = await t.fails([]);
      assert.match(
        r.output,
        new RegExp(`TEST_${option}`),
        `${config}: the error names TEST_${option}`,
      );
    }
  });
}

/** Every config loads and the run succeeds. */
function accepted(name: string, configs: string[]): Case {
  return pkgCase(name, async (t) => {
    const original = t.read('package/test/test.rt');
    for (const config of configs) {
      t.write('package/test/test.rt', original);
      noSite(t);
      load(t, config);
      await t.ok([]);
    }
  });
}

/** A git case: a repository with three commits as the site, the config appended, then extract. */
function gitCase(name: string, run: (t: Ctx, r: string, base: string) => Promise<void>): Case {
  return {
    ...pkgCase(name, async () => {}),
    needs: ['git'],
    async run(t) {
      const base = mkdtempSync(join(t.dir, '..', 'git-'));
      try {
        const r = repo(base);
        commit(r);
        commit(r);
        await run(t, r, base);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  };
}

/** The repository gets a submodule holding `file2`; returns the extracted folder. */
function withSubmodule(r: string, base: string): string {
  const r2 = repo(base, 'repo2');
  writeFileSync(join(r2, 'file2'), '');
  commit(r2, 'add file', true);
  git(r, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', r2, 'repo2');
  commit(r, 'add module', true);
  return `output/build/test-${BRANCH}`;
}

export const siteGitCases: Case[] = [
  // one case per configuration of the test, so each stands or falls alone
  ...['base-type', 'key-type', 'strs', 'value-type'].map((kind) => ({
    ...invalid('config-invalid', 'GIT_CONFIG', [`git-config-invalid-${kind}`]),
    name: `site/pkgcfg-git-config-invalid-${kind}`,
  })),
  accepted('config-missing', ['missing', 'conf-defs-valid', 'install-defs-valid']),
  accepted('config-valid', ['git-config-valid']),
  invalid('depth-invalid-type', 'GIT_DEPTH', ['git-depth-invalid-type']),
  invalid('depth-invalid-value', 'GIT_DEPTH', ['git-depth-invalid-value']),
  gitCase('depth-missing', async (t, r) => {
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    load(t, 'missing');
    await t.ok(['extract']);
    assert.equal(revCount(t), 1, 'the default is a shallow fetch');
  }),
  gitCase('depth-valid-nonzero', async (t, r) => {
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    load(t, 'git-depth-valid-nonzero');
    await t.ok(['extract']);
    assert.equal(revCount(t), 3, 'a depth of 50 holds the three commits');
  }),
  gitCase('depth-valid-zero', async (t, r) => {
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    load(t, 'git-depth-valid-zero');
    await t.ok(['extract']);
    assert.equal(revCount(t), 3, 'a depth of 0 is the whole history');
  }),
  invalid('refspecs-invalid', 'GIT_REFSPECS', [
    'git-refspecs-invalid-type',
    'git-refspecs-invalid-value',
  ]),
  accepted('refspecs-missing', ['missing']),
  accepted('refspecs-valid', [
    'git-refspecs-valid-empty',
    'git-refspecs-valid-multiple',
    'git-refspecs-valid-single',
  ]),
  gitCase('submodules-disabled', async (t, r, base) => {
    const out = withSubmodule(r, base);
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    load(t, 'git-submodules-disabled');
    await t.ok(['extract']);
    t.assertMissing(out, 'repo2', 'file2');
  }),
  gitCase('submodules-enabled', async (t, r, base) => {
    const out = withSubmodule(r, base);
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    load(t, 'git-submodules-enabled');
    await t.ok(['extract']);
    t.assertExists(out, 'repo2', 'file2');
  }),
  invalid('submodules-invalid', 'GIT_SUBMODULES', ['git-submodules-invalid']),
  gitCase('submodules-missing', async (t, r, base) => {
    const out = withSubmodule(r, base);
    define(t, r, [`TEST_VERSION = '${BRANCH}'`]);
    load(t, 'missing');
    await t.ok(['extract']);
    t.assertMissing(out, 'repo2', 'file2');
  }),
  gitCase('verify-disabled', async (t, r) => {
    git(r, 'tag', 'unsigned', '-m', '');
    define(t, r, [`TEST_VERSION = 'unsigned'`]);
    load(t, 'git-verify-disabled');
    await t.ok(['extract']);
  }),
  gitCase('verify-enabled', async (t, r) => {
    git(r, 'tag', 'unsigned', '-m', '');
    define(t, r, [`TEST_VERSION = 'unsigned'`]);
    load(t, 'git-verify-enabled');
    const res = await t.fails(['extract']);
    assert.doesNotMatch(res.output, /TEST_GIT_VERIFY_REVISION/, 'the option itself was refused');
  }),
  invalid('verify-invalid', 'GIT_VERIFY_REVISION', ['git-verify-invalid']),
  gitCase('verify-missing', async (t, r) => {
    git(r, 'tag', 'unsigned', '-m', '');
    define(t, r, [`TEST_VERSION = 'unsigned'`]);
    load(t, 'missing');
    await t.ok(['extract']);
  }),
];
