import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, REPO, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});
async function project(files: Record<string, string>): Promise<string> {
  const root = await makeProject(files);
  roots.push(root);
  return root;
}

describe('releng-tool projects', () => {
  it("runs the guide's getting-started project unchanged, with its console output", async () => {
    const root = await project({});
    await cp(join(REPO, 'examples/getting-started'), root, { recursive: true });
    const r = await releng(['-R', root, '-j1']);
    assert.equal(r.code, 0, r.stderr);
    // as the guide (and releng-tool) show it: no "patching" line when there is nothing to patch
    const expected = [
      'configuring libx...',
      'building libx...',
      'invoked libx package build stage',
      'installing libx...',
      'configuring liby...',
      'building liby...',
      'invoked liby package build stage',
      'installing liby...',
      'all packages have been processed',
      'generating sbom information...',
      'generating license information...',
      `project target directory: ${join(root, 'output/target')}`,
    ];
    assert.deepEqual(r.stdout.trim().split('\n').slice(0, -1), expected);
    assert.match(r.stdout, /\(success\) completed \(0:00:0\d\)\n$/);
    assert.equal((await releng(['-R', root, 'clean'])).code, 0);
    assert.ok(!existsSync(join(root, 'output/build')));
  });

  it('loads the 4.x layout: releng-tool.rt with releng_config, .rt scripts, NEEDS, post-build script', async () => {
    const root = await project({
      'releng-tool.rt': `releng_config(\n    packages=['app'],\n    sysroot_prefix='/opt/x',\n)\n`,
      'package/app/app.rt': `APP_NEEDS = ['lib-core']\nAPP_VERSION = '3.1'\nAPP_INSTALL_TYPE = 'staging'\n`,
      'package/app/app-build.rt': `releng_mkdir(STAGING_DIR / 'marks')\nwith open(STAGING_DIR + '/marks/app', 'w') as f:\n    f.write(os.environ['PKG_NAME'] + ' ' + PREFIX + ' ' + LIB_CORE_VERSION)\n`,
      'package/lib-core/lib-core.rt': `LIB_CORE_VERSION = '0.9'\n`,
      'package/lib-core/lib-core-install.rt': `from releng import releng_touch\nreleng_touch(releng_join(TARGET_DIR, 'lib-core-installed'))\n`,
      'releng-tool-post-build.rt': `releng_touch(IMAGES_DIR / 'post-ran')\nnote('post done')\n`,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'output/staging/marks/app'), 'utf8'), 'app /opt/x 0.9');
    assert.ok(existsSync(join(root, 'output/target/lib-core-installed')));
    assert.ok(existsSync(join(root, 'output/images/post-ran')));
    assert.match(r.stdout, /post done/);
    const printed = await releng(['-R', root, 'printpkgs']);
    // releng-tool's printpkgs form: name (version)
    assert.deepEqual(printed.stdout.trim().split('\n'), ['lib-core (0.9)', 'app (3.1)']);
  });

  it('gives scripts the environment as globals and in os.environ, KEY=VALUE and releng_args', async () => {
    const root = await project({
      'releng.py': `packages = ['envpkg']\nenvironment = {'FROM_PROJECT': 'p'}\n`,
      'package/envpkg/envpkg': `ENVPKG_VERSION = '1.0'\n`,
      'package/envpkg/envpkg-configure': [
        'import json',
        "keys = ['PKG_NAME', 'PKG_VERSION', 'ROOT_DIR', 'NJOBS', 'FROM_PROJECT', 'FROM_CLI', 'TARGET_DIR']",
        'out = {k: [globals().get(k), os.environ.get(k)] for k in keys}',
        "out['args'] = releng_args",
        "out['cwd'] = os.getcwd()",
        "open(os.path.join(OUTPUT_DIR, 'env.json'), 'w').write(json.dumps(out))",
        '',
      ].join('\n'),
    });
    const r = await releng(['-R', root, 'FROM_CLI=yes', '--', 'one', 'two']);
    assert.equal(r.code, 0, r.stderr);
    const env = JSON.parse(await readFile(join(root, 'output/env.json'), 'utf8'));
    assert.deepEqual(env.PKG_NAME, ['envpkg', 'envpkg']);
    assert.deepEqual(env.PKG_VERSION, ['1.0', '1.0']);
    assert.deepEqual(env.ROOT_DIR, [root, root]);
    assert.deepEqual(env.FROM_PROJECT, ['p', 'p']);
    assert.deepEqual(env.FROM_CLI, ['yes', 'yes']);
    assert.deepEqual(env.TARGET_DIR, [join(root, 'output/target'), join(root, 'output/target')]);
    assert.deepEqual(env.args, ['one', 'two']);
    assert.equal(env.cwd, join(root, 'output/build/envpkg-1.0'));
  });

  it('reports a Python syntax error with file and line', async () => {
    const root = await project({
      'releng.py': `packages = ['a']\n`,
      'package/a/a': `A_VERSION = '1'\nA_DEPENDENCIES = [\n`,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SyntaxError/);
    assert.match(r.stderr, /file: .*package\/a\/a:2/);
  });

  it('reports a failing script with its file, line, exit code and log', async () => {
    const root = await project({
      'releng.py': `packages = ['a']\n`,
      'package/a/a': `A_VERSION = '1'\n`,
      'package/a/a-build': `print('about to fail')\nreleng_execute(['sh', '-c', 'echo bad >&2; exit 4'])\n`,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /package: a \(stage: build\)/);
    assert.match(r.stderr, /exit code: 4/);
    assert.match(r.stderr, /file: .*package\/a\/a-build/);
    assert.match(r.stderr, /log: .*output\/logs\/a\.log/);
    assert.match(r.stderr, /about to fail/);
    const exception = await project({
      'releng.py': `packages = ['b']\n`,
      'package/b/b': `B_VERSION = '1'\n`,
      'package/b/b-install': `x = 1\nraise ValueError('nope')\n`,
    });
    const e = await releng(['-R', exception]);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /ValueError: nope/);
    assert.match(e.stderr, /file: .*package\/b\/b-install:2/);
  });

  it("runs a package's scripts back to back yet records, logs and resumes them stage by stage", async () => {
    const root = await project({
      'releng-tool.rt': `releng_config(packages=['a'])\n`,
      'package/a/a.rt': `A_VERSION = '1'\n`,
      'package/a/a-configure.rt': `print('configure ran')\nnote('configure note')\n`,
      'package/a/a-build.rt': `print('build ran')\nif not os.path.exists(ROOT_DIR / 'fixed'):\n    raise RuntimeError('build broke')\n`,
      'package/a/a-install.rt': `print('install ran')\nreleng_touch(TARGET_DIR / 'installed')\n`,
    });
    const r = await releng(['-R', root, '-j1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /package: a \(stage: build\)/);
    assert.match(r.stderr, /file: .*package\/a\/a-build\.rt:3/);
    // console lines in stage order, each stage's output after its line
    const out = r.stdout.split('\n');
    const at = (line: string) => out.indexOf(line);
    assert.ok(at('configuring a...') < at('configure ran'), r.stdout);
    assert.ok(at('configure ran') < at('building a...'), r.stdout);
    assert.ok(at('building a...') < at('build ran'), r.stdout);
    assert.equal(at('install ran'), -1, 'install must not run after a failed build');
    assert.ok(!existsSync(join(root, 'output/target/installed')));
    const log = await readFile(join(root, 'output/logs/a.log'), 'utf8');
    assert.match(
      log,
      /---- configure\nconfigure ran\n\[note\] configure note\n---- build\nbuild ran\n/,
    );
    const journal = await readFile(join(root, 'output/build/a-1/.releng-state'), 'utf8');
    assert.deepEqual(
      journal
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
      ['fetch', 'extract', 'patch', 'configure'],
    );
    await cp(join(root, 'package/a/a.rt'), join(root, 'fixed'));
    const again = await releng(['-R', root, '-j1']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /configure ran/);
    assert.match(again.stdout, /build ran\n.*install ran/s);
    assert.ok(existsSync(join(root, 'output/target/installed')));
    // -configure stops there: nothing after it runs, even though scripts are chained
    await releng(['-R', root, 'a-clean']);
    const only = await releng(['-R', root, '-j1', 'a-configure']);
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stdout, /configure ran/);
    assert.doesNotMatch(only.stdout, /build ran/);
  });

  it('names a missing or broken --python clearly (the worker is started before the project loads)', async () => {
    const root = await project({
      'releng-tool.rt': `releng_config(packages=['a'])\n`,
      'package/a/a.rt': `A_VERSION = '1'\n`,
    });
    const missing = await releng(['-R', root, '--python', join(root, 'no-such-python')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /python interpreter not found: .*no-such-python/);
    const broken = join(root, 'broken-python');
    await writeFile(broken, '#!/bin/sh\necho "this python is broken" >&2\nexit 3\n', {
      mode: 0o755,
    });
    const failed = await releng(['-R', root, '--python', broken]);
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      /python worker failed to start .*exit code 3.*this python is broken/s,
    );
    // and with a working one the same project builds (the failed starts left nothing behind)
    const ok = await releng(['-R', root]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('rejects unknown releng_config keys with a suggestion', async () => {
    const root = await project({
      'releng-tool.rt': `releng_config(packages=[], sysroot_prefx='/usr')\n`,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /unknown releng_config option "sysroot_prefx" \(did you mean "sysroot_prefix"\?\)/,
    );
  });

  it('warns about unknown package options, and fails on them with --werror', async () => {
    const root = await project({
      'releng.py': `packages = ['a']\n`,
      'package/a/a': `A_VERSION = '1'\nA_DEPENDANCIES = []\n`,
    });
    let r = await releng(['-R', root, '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /\(warn\) unknown package option A_DEPENDANCIES \(did you mean "A_DEPENDENCIES"\?\)/,
    );
    r = await releng(['-R', root, '--werror', '--no-cache']);
    assert.equal(r.code, 1);
  });
});
