import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
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

describe('rsync sites', { skip: !hasTool('rsync') && 'rsync is not installed' }, () => {
  let base: string;
  let env: Record<string, string>;
  let src: string;

  before(async () => {
    base = await tempDir('rsync');
    env = toolEnv(base);
    src = join(base, 'libfoo');
    await mkdir(join(src, 'include'), { recursive: true });
    await writeFile(join(src, 'foo.c'), 'int foo;\n');
    await writeFile(join(src, 'include', 'foo.h'), 'extern int foo;\n');
    await writeFile(join(src, 'autogen.sh'), '#!/bin/sh\n');
    await chmod(join(src, 'autogen.sh'), 0o755);
    await symlink('foo.c', join(src, 'link.c'));
    // A release archive with the usual single top folder.
    const rel = join(base, 'rel');
    await mkdir(join(rel, 'libbar-2.0'), { recursive: true });
    await writeFile(join(rel, 'libbar-2.0', 'bar.c'), 'int bar;\n');
    tool('tar', ['-czf', join(base, 'libbar-2.0.tar.gz'), '-C', rel, 'libbar-2.0']);
  });

  it('copies a directory tree into a dl archive, keeping modes and links, offline afterwards', async () => {
    const root = await vcsProject({
      contents: `{ version: '1.0', site: 'rsync+${src}/' }`,
      folder: `{ version: '1.0', site: 'rsync+${src}', stripCount: 2, fetchOpts: ['--exclude=include'] }`,
    });
    ok(await run(root, [], env));
    const built = buildDir(root, 'contents', '1.0');
    assert.deepEqual(await tree(built), [
      'autogen.sh',
      'foo.c',
      'include/',
      'include/foo.h',
      'link.c',
    ]);
    assert.equal(await mode(join(built, 'autogen.sh')), 0o755);
    assert.equal(await readFile(join(built, 'link.c'), 'utf8'), 'int foo;\n');
    assert.ok(tarList(join(root, 'dl', 'contents-1.0.tar.gz')).includes('contents-1.0/link.c'));
    // No trailing slash: the folder itself, dropped again by stripCount 2; fetchOpts reach rsync.
    assert.deepEqual(await tree(buildDir(root, 'folder', '1.0')), [
      'autogen.sh',
      'foo.c',
      'link.c',
    ]);

    // Offline: the source is gone, the archives are enough.
    await rename(src, `${src}.away`);
    try {
      await rm(join(root, 'output'), { recursive: true, force: true });
      ok(await run(root, [], env));
      assert.equal(await readFile(join(built, 'foo.c'), 'utf8'), 'int foo;\n');
    } finally {
      await rename(`${src}.away`, src);
    }
  });

  it('fetches a single archive and extracts it like a download', async () => {
    const root = await vcsProject({
      bar: `{ version: '2.0', site: 'rsync+${join(base, 'libbar-2.0.tar.gz')}' }`,
    });
    ok(await run(root, [], env));
    assert.deepEqual(await tree(buildDir(root, 'bar', '2.0')), ['bar.c']);
    assert.equal(
      (await readFile(join(root, 'dl', 'bar-2.0.tar.gz'))).length > 0,
      true,
      'kept as dl/<pkg>-<version>.tar.gz',
    );
  });

  it('refuses options that would modify the source', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'rsync+${src}/', fetchOpts: ['--remove-source-files'] }`,
    });
    const r = await run(root, ['p-fetch'], env);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stdout + r.stderr,
      /rsync option "--remove-source-files" of package "p" is not allowed/,
    );
  });
});
