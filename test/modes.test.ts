import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

describe('development and local-sources modes', () => {
  it('builds internal packages from local checkouts with -L, remembered until unset', async () => {
    const base = await makeProject({});
    roots.push(base);
    const root = join(base, 'project');
    const build = `async build(ctx) {
      const fs = await import('node:fs');
      fs.writeFileSync(ctx.dirs.output + '/' + ctx.name + '.txt', fs.readFileSync(ctx.buildDir + '/src.txt', 'utf8') + ' ' + (ctx.env.PKG_LOCALSRCS ?? ''));
    }`;
    await mkdir(join(root, 'package/app/local'), { recursive: true });
    await writeFile(
      join(root, 'releng.config.ts'),
      `export default { packages: ['app', 'ext'] };\n`,
    );
    await writeFile(
      join(root, 'package/app/app.ts'),
      nativePackage(`{ version: '1', site: 'local', internal: true, ${build} }`),
    );
    await writeFile(join(root, 'package/app/local/src.txt'), 'bundled');
    await mkdir(join(root, 'package/ext/local'), { recursive: true });
    await writeFile(
      join(root, 'package/ext/ext.ts'),
      nativePackage(`{ version: '1', site: 'local', ${build} }`),
    );
    await writeFile(join(root, 'package/ext/local/src.txt'), 'ext-bundled');
    // The checkout beside the project, as `-L` without a folder expects.
    await mkdir(join(base, 'app'));
    await writeFile(join(base, 'app/src.txt'), 'checkout');

    // As releng-tool: -L without an action only configures the mode.
    let r = await releng(['-R', root, '-L']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(root, 'output/app.txt')));
    r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'output/app.txt'), 'utf8'), 'checkout 1');
    // External packages are not affected.
    assert.equal(await readFile(join(root, 'output/ext.txt'), 'utf8'), 'ext-bundled ');
    assert.doesNotMatch(r.stdout, /fetching app/);
    // Nothing of releng's state lands in the checkout.
    assert.ok(!existsSync(join(base, 'app/.releng-state')));

    // Remembered: a later run without -L still uses the checkout.
    await writeFile(join(base, 'app/src.txt'), 'checkout v2');
    r = await releng(['-R', root, 'app-rebuild']);
    assert.equal(await readFile(join(root, 'output/app.txt'), 'utf8'), 'checkout v2 1');

    // An explicit folder per package, then unset.
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'elsewhere/src.txt'), 'elsewhere');
    r = await releng(['-R', root, '-L', `app:${join(base, 'elsewhere')}`, 'app-rebuild']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'output/app.txt'), 'utf8'), 'elsewhere 1');
    r = await releng(['-R', root, '-L', 'unset', 'app-fresh']);
    assert.equal(r.code, 0, r.stderr);
    r = await releng(['-R', root, 'app-rebuild']);
    assert.equal(await readFile(join(root, 'output/app.txt'), 'utf8'), 'bundled ');

    // A missing checkout is a clear error.
    r = await releng(['-R', root, '-L', `app:${join(base, 'missing')}`, 'app-rebuild']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /local sources for package "app" not found: .*missing/);
  });

  it('uses development revisions with -D (remembered) and mode-keyed revisions', async () => {
    const root = await makeProject({
      'releng.py': `packages = ['lib', 'tool']\n`,
      'package/lib/lib': `LIB_VERSION = '1.0'\nLIB_DEVMODE_REVISION = 'main'\n`,
      'package/tool/tool': `TOOL_VERSION = '2.0'\nTOOL_REVISION = {'*': 'v2.0', 'beta': 'beta-branch'}\n`,
    });
    roots.push(root);
    const rev = async (pkg: string, extra: string[] = []) => {
      // as releng-tool, -D in a releng-tool project configures the mode and stops
      if (extra.length > 0) {
        const set = await releng(['-R', root, `${pkg}-printvars`, ...extra]);
        assert.equal(set.code, 0, set.stderr);
        assert.doesNotMatch(set.stdout, /_REVISION/, 'the action did not run');
      }
      const r = await releng(['-R', root, '--json', `${pkg}-printvars`]);
      assert.equal(r.code, 0, r.stderr);
      const doc = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((d) => d.type === 'variables');
      return doc?.variables[`${pkg.toUpperCase()}_REVISION`];
    };
    assert.equal(await rev('lib'), '1.0');
    assert.equal(await rev('tool'), 'v2.0');
    assert.equal(await rev('lib', ['-D']), 'main');
    // Remembered without -D.
    assert.equal(await rev('lib'), 'main');
    assert.equal(await rev('tool', ['--development=beta']), 'beta-branch');
    assert.equal(await rev('tool', ['-D', 'unset']), 'v2.0');
    assert.equal(await rev('lib'), '1.0');
  });
});
