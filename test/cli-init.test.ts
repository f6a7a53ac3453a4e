import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, makeProject, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});
async function project(files: Record<string, string>): Promise<string> {
  const root = await makeProject(files);
  roots.push(root);
  return root;
}

describe('releng init', () => {
  it('keeps an existing .gitignore, adds only the lines it lacks, and the project builds', async () => {
    const root = await project({ '.gitignore': 'node_modules/\ndl\n/output/\n*.swp' });
    const r = await releng(['-R', root, 'init']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created releng\.config\.ts, package\/hello\/hello\.ts in /);
    assert.match(r.stdout, /added \/cache\/ to the existing \.gitignore/);
    // `dl` and `/output/` were already there: not written twice.
    assert.equal(
      await readFile(join(root, '.gitignore'), 'utf8'),
      'node_modules/\ndl\n/output/\n*.swp\n/cache/\n',
    );
    const again = await releng(['-R', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(existsSync(join(root, 'output/target/usr/share/hello/hello.txt')));
  });

  it('writes nothing when the .gitignore already has every line', async () => {
    const root = await project({ '.gitignore': 'cache/\n/dl\noutput\n' });
    const r = await releng(['-R', root, 'init']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already ignores releng's folders/);
    assert.equal(await readFile(join(root, '.gitignore'), 'utf8'), 'cache/\n/dl\noutput\n');
  });

  it('refuses a folder holding a config or a package folder, writing nothing', async () => {
    for (const [name, files] of [
      ['releng.config.ts', { 'releng.config.ts': 'export default {};\n', '.gitignore': 'x\n' }],
      ['package', { 'package/other/other.ts': '\n' }],
    ] as const) {
      const root = await project(files);
      const before = (await readdir(root, { recursive: true })).sort();
      const r = await releng(['-R', root, 'init']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`already holds a project \\(${name}\\)`));
      assert.match(r.stderr, /nothing was written/);
      assert.doesNotMatch(r.stderr, /EEXIST/);
      assert.deepEqual((await readdir(root, { recursive: true })).sort(), before);
      if (name === 'releng.config.ts') {
        assert.equal(await readFile(join(root, '.gitignore'), 'utf8'), 'x\n');
      }
    }
  });

  it('refuses a .gitignore that is a folder before writing anything', async () => {
    const root = await project({});
    await mkdir(join(root, '.gitignore'));
    const r = await releng(['-R', root, 'init']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\.gitignore exists but is not a file/);
    assert.deepEqual(await readdir(root), ['.gitignore']);
  });

  it('started as releng-tool, writes a releng-tool project that builds', async () => {
    const base = await project({});
    // The name npm gives the command this package installs as `releng-tool`.
    const bin = join(base, 'releng-tool');
    await symlink(BIN, bin);
    const root = join(base, 'p');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bin, '-R', root, ...args], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const r = run(['init']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /created releng-tool\.rt, package\/sample\/sample\.rt, \.gitignore in /);
    assert.ok(!existsSync(join(root, 'releng.config.ts')));
    assert.match(
      await readFile(join(root, 'releng-tool.rt'), 'utf8'),
      /^packages = \[\n {4}'sample',\n\]$/m,
    );
    const built = run([]);
    assert.equal(built.status, 0, built.stderr);
    assert.ok(existsSync(join(root, 'output', 'build', 'sample')), built.stdout);
    // A second init refuses the folder it just filled.
    const again = run(['init']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds a project \(package, releng-tool\.rt\)/);
  });
});
