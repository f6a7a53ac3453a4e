// releng-tool's lint rules as releng runs them (src/engine/rt-lint.ts and
// src/project/python/rt_lint.py); the rules themselves are checked against
// releng-tool by the compat cases in test/compat/cases/rtlint.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatIssue, lintRelengToolProject } from '../src/engine/rt-lint.ts';
import type { PackageModel, ProjectModel } from '../src/project/model.ts';
import { lintMaxVersion, parseLintVersion } from '../src/project/releng-tool/lint-version.ts';
import { RelengError } from '../src/util/errors.ts';
import { makeProject, releng } from './helpers.ts';

describe('lint versions', () => {
  it('reads dotted versions as releng-tool does', () => {
    assert.deepEqual(parseLintVersion('1.2.3'), [1, 2, 3]);
    assert.deepEqual(parseLintVersion('4.2.0'), [4, 2]);
    assert.deepEqual(parseLintVersion('0'), [0]);
    assert.deepEqual(parseLintVersion(' 2 . 9 '), [2, 9]);
    assert.deepEqual(parseLintVersion('1_0.1'), [10, 1]);
    for (const bad of ['1.2a', '', '1..2', 'v1', 'some-value']) {
      assert.equal(parseLintVersion(bad), undefined, bad);
    }
  });

  it('takes a valid RELENG_LINT_MAX_VERSION over the project value, warns about an invalid one', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assert.deepEqual(lintMaxVersion('4.2', { RELENG_LINT_MAX_VERSION: '2.9' }, warn), [2, 9]);
    assert.deepEqual(lintMaxVersion('4.2', { RELENG_LINT_MAX_VERSION: 'x' }, warn), [4, 2]);
    assert.equal(lintMaxVersion(undefined, {}, warn), undefined);
    assert.equal(lintMaxVersion('', {}, warn), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /RELENG_LINT_MAX_VERSION/);
  });
});

function pkg(root: string, name: string, more: Partial<PackageModel> = {}): PackageModel {
  return {
    name,
    key: name.toUpperCase(),
    defDir: join(root, 'package', name),
    definitionFile: join(root, 'package', name, `${name}.rt`),
    version: '1',
    vcsType: 'none',
    type: 'script',
    dependencies: [],
    license: [],
    licenseFiles: [],
    installType: 'target',
    internal: false,
    revision: '1',
    stripCount: 1,
    hooks: {},
    options: {},
    ...more,
  };
}

function model(root: string, packages: PackageModel[], options = {}): ProjectModel {
  return {
    root,
    format: 'releng-tool',
    configFile: join(root, 'releng-tool.rt'),
    packages: packages.map((p) => p.name),
    packageDefs: new Map(packages.map((p) => [p.name, p])),
    sysrootPrefix: '/usr',
    defaultInternal: false,
    externalPackages: [],
    extensions: [],
    environment: {},
    prerequisites: [],
    overrideSites: {},
    overrideRevisions: {},
    overrideTools: {},
    options,
  };
}

describe('lintRelengToolProject', () => {
  it('checks the project file first, then each package in the order given; skips packages without a definition', async () => {
    const root = await makeProject({
      'releng-tool.rt': "releng_config(packages=['a', 'b'])\nsysroot_prefix = '/opt'\n",
      'package/a/a.rt': "A_VERSION = '1'\nA_GIT_DEPTH = 1\n",
      'package/b/b.rt': "B_VERSION = '1'\nB_DEPENDENCIES = []\n",
    });
    const project = model(root, [pkg(root, 'a'), pkg(root, 'b'), pkg(root, 'bare')]);
    const issues = await lintRelengToolProject(project, ['b', 'a', 'bare'], { warn: () => {} });
    assert.deepEqual(
      issues.map((i) => [i.code, i.file.slice(root.length + 1), i.line, i.col]),
      [
        [200, 'releng-tool.rt', 2, 0],
        [103, 'package/b/b.rt', 2, 0],
        [113, 'package/a/a.rt', 2, 0],
      ],
    );
    assert.equal(
      formatIssue(issues[2]!),
      `RT113 A_GIT_DEPTH only applies to packages fetched with git\n  --> ${root}/package/a/a.rt:2:0\n\n`,
    );
  });

  it('judges licenses by the loaded values, with the project extras known', async () => {
    const root = await makeProject({
      'releng-tool.rt': "packages = ['a']\n",
      'package/a/a.rt': "A_VERSION = '1'\nA_LICENSE = LICENSES\n",
    });
    const withLicense = (license: string[], options = {}) =>
      model(root, [pkg(root, 'a', { license })], options);
    const none = await lintRelengToolProject(
      withLicense(['MIT', 'Apache-2.0 WITH LLVM-exception']),
      ['a'],
      {
        warn: () => {},
      },
    );
    assert.deepEqual(none, []);
    const [issue] = await lintRelengToolProject(
      withLicense(['My-License', 'GPL-2.0', 'MIT AND']),
      ['a'],
      {
        warn: () => {},
      },
    );
    assert.equal(issue?.code, 101);
    assert.equal(issue?.notes.length, 3);
    const extra = await lintRelengToolProject(
      withLicense(['My-License'], { extraLicenses: ['My-License'] }),
      ['a'],
      {
        warn: () => {},
      },
    );
    assert.deepEqual(extra, []);
  });

  it('applies the maximum lint version', async () => {
    const root = await makeProject({
      'releng-tool.rt': "packages = ['a']\nreleng_register_path(ROOT_DIR)\n",
      'package/a/a.rt': "A_VERSION = '1'\nA_GIT_DEPTH = 1\nA_VERSIONN = 1\n",
    });
    const codes = async (env: NodeJS.ProcessEnv, options = {}) =>
      (
        await lintRelengToolProject(model(root, [pkg(root, 'a')], options), ['a'], {
          warn: () => {},
          env,
        })
      ).map((i) => i.code);
    assert.deepEqual(await codes({}), [300, 100, 113]);
    assert.deepEqual(await codes({ RELENG_LINT_MAX_VERSION: '4.1' }), [100, 113]);
    assert.deepEqual(await codes({}, { lintMaxVersion: '2.8.9' }), [100]);
  });

  it('names the file of a syntax error', async () => {
    const root = await makeProject({
      'releng-tool.rt': "packages = ['a']\n",
      'package/a/a.rt': "A_VERSION = ('1'\n",
    });
    await assert.rejects(
      lintRelengToolProject(model(root, [pkg(root, 'a')]), ['a'], { warn: () => {} }),
      (err: unknown) =>
        err instanceof RelengError && err.message.includes(join(root, 'package/a/a.rt')),
    );
  });
});

describe('the lint action', () => {
  it('prints lint-issue events under --json and exits 1', async () => {
    const root = await makeProject({
      'releng-tool.rt': "packages = ['a']\n",
      'package/a/a.rt': "A_VERSION = '1'\nA_CMAKE_NOINSTALL = True\n",
    });
    const r = await releng(['--root-dir', root, '--json', 'lint']);
    assert.equal(r.code, 1, r.stderr);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const issues = events.filter((e) => e.type === 'lint-issue');
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.code, 'RT107');
    assert.equal(issues[0]!.line, 2);
    assert.equal(issues[0]!.file, join(root, 'package/a/a.rt'));
  });

  it('keeps a native project lint to loading it', async () => {
    const root = await makeProject({
      'releng.config.ts':
        "import { defineProject } from 'releng';\nexport default defineProject({ packages: ['a'] });\n",
      'package/a/a.ts':
        "import { definePackage } from 'releng';\nexport default definePackage({ version: '1' });\n",
    });
    const r = await releng(['--root-dir', root, 'lint']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /loads and validates/);
  });
});
