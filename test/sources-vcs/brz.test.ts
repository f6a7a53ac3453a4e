import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
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

describe('brz sites', { skip: !hasTool('brz') && 'brz is not installed' }, () => {
  let base: string;
  let env: Record<string, string>;
  let branch: string;

  before(async () => {
    base = await tempDir('brz');
    env = toolEnv(base);
    branch = join(base, 'trunk');
    tool('brz', ['init', '--quiet', branch], { env });
    await mkdir(join(branch, 'doc'));
    await writeFile(join(branch, 'README'), 'one\n');
    await writeFile(join(branch, 'doc', 'guide.txt'), 'guide\n');
    await writeFile(join(branch, 'bootstrap'), '#!/bin/sh\n');
    await chmod(join(branch, 'bootstrap'), 0o755);
    const brz = (...args: string[]) => tool('brz', args, { cwd: branch, env });
    brz('add', '--quiet');
    brz('commit', '--quiet', '-m', 'first');
    brz('tag', '--quiet', 'v1.0');
    await writeFile(join(branch, 'README'), 'two\n');
    brz('commit', '--quiet', '-m', 'second');
  });

  it('exports a tag (brz+) and a revno (old bzr+ spelling) through dl archives', async () => {
    const root = await vcsProject({
      tagged: `{ version: '1.0', site: 'brz+${branch}', revision: 'tag:v1.0' }`,
      old: `{ version: '2.0', site: 'bzr+${branch}', revision: '2' }`,
      typed: `{ version: '3.0', site: '${branch}', vcsType: 'bzr', revision: 'revno:1' }`,
    });
    ok(await run(root, [], env));
    const tagged = buildDir(root, 'tagged', '1.0');
    assert.deepEqual(await tree(tagged), ['README', 'bootstrap', 'doc/', 'doc/guide.txt']);
    assert.equal(await readFile(join(tagged, 'README'), 'utf8'), 'one\n');
    assert.equal(await mode(join(tagged, 'bootstrap')), 0o755);
    assert.equal(await readFile(join(buildDir(root, 'old', '2.0'), 'README'), 'utf8'), 'two\n');
    assert.equal(await readFile(join(buildDir(root, 'typed', '3.0'), 'README'), 'utf8'), 'one\n');
    assert.equal(tarList(join(root, 'dl', 'old-2.0.tar.gz'))[0], 'old-2.0/');
  });
});
