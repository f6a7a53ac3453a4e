import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { makeProject, removeProject } from '../helpers.ts';
import {
  buildDir,
  hasTool,
  mode,
  ok,
  run,
  tarList,
  tempDir,
  tool,
  toolEnv,
  tree,
  vcsProject,
} from './helpers.ts';

describe('cvs sites', { skip: !hasTool('cvs') && 'cvs is not installed' }, () => {
  let base: string;
  let env: Record<string, string>;
  let cvsroot: string;

  before(async () => {
    base = await tempDir('cvs');
    env = toolEnv(base);
    cvsroot = join(base, 'cvsroot');
    tool('cvs', ['-d', cvsroot, 'init'], { env });
    const imp = join(base, 'import');
    await mkdir(join(imp, 'src'), { recursive: true });
    await writeFile(join(imp, 'README'), 'tagged\n');
    await writeFile(join(imp, 'src', 'a.c'), 'int a;\n');
    await writeFile(join(imp, 'install.sh'), '#!/bin/sh\n');
    await chmod(join(imp, 'install.sh'), 0o755);
    tool('cvs', ['-Q', '-d', cvsroot, 'import', '-m', 'initial', 'mymod', 'vendor', 'start'], {
      cwd: imp,
      env,
    });
    const wc = join(base, 'wc');
    tool('cvs', ['-Q', '-d', cvsroot, 'checkout', '-d', wc, 'mymod'], { cwd: base, env });
    tool('cvs', ['-Q', 'tag', 'rel-1_0'], { cwd: wc, env });
    await writeFile(join(wc, 'README'), 'later\n');
    tool('cvs', ['-Q', 'commit', '-m', 'later'], { cwd: wc, env });
  });

  it('exports a tag from a local repository and re-runs offline', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'cvs+${cvsroot} mymod', revision: 'rel-1_0' }`,
    });
    ok(await run(root, [], env));
    const built = buildDir(root, 'p', '1.0');
    assert.deepEqual(await tree(built), ['README', 'install.sh', 'src/', 'src/a.c']);
    assert.equal(await readFile(join(built, 'README'), 'utf8'), 'tagged\n');
    assert.equal(await mode(join(built, 'install.sh')), 0o755);
    assert.ok(tarList(join(root, 'dl', 'p-1.0.tar.gz')).every((n) => n.startsWith('p-1.0/')));

    await rename(cvsroot, `${cvsroot}.away`);
    try {
      await rm(join(root, 'output'), { recursive: true, force: true });
      ok(await run(root, [], env));
      assert.equal(await readFile(join(built, 'README'), 'utf8'), 'tagged\n');
    } finally {
      await rename(`${cvsroot}.away`, cvsroot);
    }
  });

  it('works from a releng-tool project (the guide layout)', async () => {
    const root = await makeProject({
      'releng-tool.rt': `packages = ['libfoo']\n`,
      'package/libfoo/libfoo.rt': [
        `LIBFOO_VERSION = '1.0'`,
        `LIBFOO_SITE = 'cvs+${cvsroot} mymod'`,
        `LIBFOO_REVISION = 'rel-1_0'`,
        '',
      ].join('\n'),
    });
    try {
      ok(await run(root, [], env));
      const built = buildDir(root, 'libfoo', '1.0');
      assert.equal(await readFile(join(built, 'README'), 'utf8'), 'tagged\n');
    } finally {
      await removeProject(root);
    }
  });

  it('names the module in the error when the site has none', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'cvs+${cvsroot}', revision: 'HEAD' }`,
    });
    const r = await run(root, ['p-fetch'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /cvs site ".*" of package "p" names no module/);
  });
});
