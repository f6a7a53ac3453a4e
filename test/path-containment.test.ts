import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

async function project(files: Record<string, string>): Promise<string> {
  const root = await makeProject(files);
  roots.push(root);
  // What a bad version points at: a folder outside output/ that must survive.
  await mkdir(join(root, 'victim'), { recursive: true });
  await writeFile(join(root, 'victim', 'keep'), 'precious\n');
  return root;
}

/** output/build/p-<BAD> is <root>/victim. */
const BAD = '1.0/../../../victim';

describe('package names and versions never lead outside the output folder', () => {
  it('refuses a native version with "/.." at load: -clean deletes nothing', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['p'] };\n`,
      'package/p/p.ts': nativePackage(`{ version: ${JSON.stringify(BAD)} }`),
    });
    const r = await releng(['-R', root, 'p-clean']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /invalid package version of package "p" "1\.0\/\.\.\/\.\.\/\.\.\/victim": it contains "\/"/,
    );
    assert.match(r.stderr, /package\/p\/p\.ts/);
    assert.match(r.stderr, /may not contain "\/", "\\", "\.\."/);
    assert.ok(existsSync(join(root, 'victim', 'keep')));
    const build = await releng(['-R', root]);
    assert.equal(build.code, 1);
    assert.ok(existsSync(join(root, 'victim', 'keep')));
  });

  it('refuses a releng-tool version the same way', async () => {
    const root = await project({
      'releng.py': `packages = ['p']\n`,
      'package/p/p': `P_VERSION = ${JSON.stringify(BAD)}\n`,
    });
    const r = await releng(['-R', root, 'p-clean']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /invalid package version of package "p"/);
    assert.match(r.stderr, /package\/p\/p\b/);
    assert.ok(existsSync(join(root, 'victim', 'keep')));
  });

  it('refuses a releng-tool version that is an absolute path or has a ".." component', async () => {
    for (const [bad, problem] of [
      ['/tmp/elsewhere', /it is an absolute path/],
      ['fix/../../victim', /it has a "\.\." path component/],
    ] as const) {
      const root = await project({
        'releng.py': `packages = ['p']\n`,
        'package/p/p': `P_VERSION = ${JSON.stringify(bad)}\n`,
      });
      const r = await releng(['-R', root, 'p-clean']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, problem);
      assert.match(r.stderr, /package\/p\/p\b/);
      assert.ok(existsSync(join(root, 'victim', 'keep')));
    }
  });

  it('names a releng-tool version with "/" (a branch) as releng-tool does: p-fix_x', async () => {
    const root = await project({
      'releng.py': `packages = ['p']\n`,
      'package/p/p': `P_VERSION = 'fix/x'\nP_VCS_TYPE = 'none'\n`,
      'package/p/p-build': `releng_touch(PKG_BUILD_DIR / 'built')\n`,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(root, 'output', 'build', 'p-fix_x', 'built')));
    assert.ok(!existsSync(join(root, 'output', 'build', 'p-fix')));
  });

  it('refuses names with "..", and revisions that would read as options', async () => {
    let root = await project({
      'releng.config.ts': `export default { packages: ['../victim'] };\n`,
    });
    let r = await releng(['-R', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /invalid package name "\.\.\/victim": it contains "\/"/);
    assert.match(r.stderr, /releng\.config\.ts/);

    root = await project({
      'releng.config.ts': `export default { packages: ['p'] };\n`,
      'package/p/p.ts': nativePackage(`{ version: '1', dependencies: ['..'] }`),
    });
    r = await releng(['-R', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /invalid package name "\.\.": it contains "\.\."/);
    assert.match(r.stderr, /package\/p\/p\.ts/);

    root = await project({
      'releng.config.ts': `export default { packages: ['p'] };\n`,
      'package/p/p.ts': nativePackage(
        `{ version: '1', site: 'git+https://example.invalid/r.git', revision: '--upload-pack=touch x' }`,
      ),
    });
    r = await releng(['-R', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /invalid package revision of package "p" "--upload-pack=touch x": it starts with "-"/,
    );
  });

  it('refuses to delete, empty or write a build folder that a symlink leads out of output/', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['p'] };\n`,
      'package/p/p.ts': nativePackage(`{ version: '1.0', site: 'local' }`),
      'package/p/local/README': 'hello\n',
    });
    // output/build is a link to a folder outside, which holds p-1.0/
    await mkdir(join(root, 'elsewhere', 'p-1.0'), { recursive: true });
    await writeFile(join(root, 'elsewhere', 'p-1.0', 'keep'), 'precious\n');
    await mkdir(join(root, 'output'), { recursive: true });
    await symlink(join(root, 'elsewhere'), join(root, 'output', 'build'));
    const keep = join(root, 'elsewhere', 'p-1.0', 'keep');

    for (const action of ['p-clean', 'p-fresh', 'p-distclean', 'p-rebuild']) {
      const r = await releng(['-R', root, action]);
      assert.equal(r.code, 1, `${action}: ${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        /refusing to (delete|write to) .*output\/build\/p-1\.0 \(it resolves to .*elsewhere\/p-1\.0\): it is not inside the output folder/,
        action,
      );
      assert.ok(existsSync(keep), `${action} left the folder outside alone`);
    }
    // A build would empty it at extract: refused before the first stage.
    const r = await releng(['-R', root, 'p']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /refusing to write to/);
    assert.ok(existsSync(keep));
    assert.ok(
      !existsSync(join(root, 'elsewhere', 'p-1.0', 'README')),
      'nothing was extracted there',
    );
  });

  it('makes no build folder ahead of time through a symlinked output/build', async () => {
    // The engine makes the next packages' folders while one runs
    // (build-folder-prep.ts): through a link out of output/ it makes none.
    const names = ['a', 'b', 'c', 'd', 'e'];
    const files: Record<string, string> = {
      'releng.config.ts': `export default { packages: ${JSON.stringify(names)} };\n`,
    };
    for (const n of names) files[`package/${n}/${n}.ts`] = nativePackage(`{ version: '1.0' }`);
    const root = await project(files);
    await mkdir(join(root, 'elsewhere'), { recursive: true });
    await mkdir(join(root, 'output'), { recursive: true });
    await symlink(join(root, 'elsewhere'), join(root, 'output', 'build'));
    const r = await releng(['-R', root, '-j1']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /refusing to write to .*output\/build\/a-1\.0/);
    assert.deepEqual(await readdir(join(root, 'elsewhere')), [], 'nothing made outside output/');
  });

  it('makes the later packages build folders ahead of time inside output/build', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const files: Record<string, string> = {
      'releng.config.ts': `export default { packages: ${JSON.stringify(names)} };\n`,
    };
    for (const n of names) files[`package/${n}/${n}.ts`] = nativePackage(`{ version: '1.0' }`);
    const root = await project(files);
    const r = await releng(['-R', root, '-j1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const n of names) {
      const journal = await readFile(
        join(root, 'output', 'build', `${n}-1.0`, '.releng-state'),
        'utf8',
      );
      assert.match(journal, /^post /m, `${n} ran to its last stage`);
    }
    // a re-run finds every stage done
    const again = await releng(['-R', root, '-j1', '--json']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /"stage-start"/);
  });

  it('refuses license files outside the package sources', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['p'] };\n`,
      'package/p/p.ts': nativePackage(
        `{ version: '1.0', site: 'local', license: 'MIT', licenseFiles: ['../../../victim/keep'] }`,
      ),
      'package/p/local/README': 'hello\n',
    });
    const r = await releng(['-R', root, 'p-license']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /license file "\.\.\/\.\.\/\.\.\/victim\/keep" of package "p" is outside the package sources/,
    );
    assert.ok(!existsSync(join(root, 'output', 'licenses', 'p-1.0')));
  });
});
