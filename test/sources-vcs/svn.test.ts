import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

describe('svn sites', { skip: !hasTool('svnadmin') && 'subversion is not installed' }, () => {
  let base: string;
  let env: Record<string, string>;
  let url: string;

  before(async () => {
    base = await tempDir('svn');
    env = toolEnv(base);
    const repo = join(base, 'repo');
    tool('svnadmin', ['create', repo], { env });
    url = `file://${repo}`;
    const imp = join(base, 'import', 'trunk');
    await mkdir(join(imp, 'lib'), { recursive: true });
    await writeFile(join(imp, 'README'), 'r1\n');
    await writeFile(join(imp, 'lib', 'util.c'), '/* util */\n');
    await writeFile(join(imp, 'build.sh'), '#!/bin/sh\n');
    await chmod(join(imp, 'build.sh'), 0o755);
    tool('svn', ['import', '--quiet', '-m', 'initial', join(base, 'import'), url], { env });
    const wc = join(base, 'wc');
    tool('svn', ['checkout', '--quiet', `${url}/trunk`, wc], { env });
    await writeFile(join(wc, 'README'), 'r2\n');
    await writeFile(join(wc, 'CHANGES'), 'second\n');
    tool('svn', ['add', '--quiet', join(wc, 'CHANGES')], { env });
    tool('svn', ['commit', '--quiet', '-m', 'second', wc], { env });
  });

  it('exports a revision to a reproducible dl archive and re-runs offline', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'svn+${url}/trunk', revision: '1' }`,
      head: `{ version: '2.0', site: 'svn+${url}/trunk', revision: 'HEAD' }`,
    });
    ok(await run(root, [], env));
    const archive = join(root, 'dl', 'p-1.0.tar.gz');
    assert.deepEqual(tarList(archive), [
      'p-1.0/',
      'p-1.0/README',
      'p-1.0/build.sh',
      'p-1.0/lib/',
      'p-1.0/lib/util.c',
    ]);
    const built = buildDir(root, 'p', '1.0');
    assert.deepEqual(await tree(built), ['README', 'build.sh', 'lib/', 'lib/util.c']);
    assert.equal(await readFile(join(built, 'README'), 'utf8'), 'r1\n');
    assert.equal(await mode(join(built, 'build.sh')), 0o755);
    assert.equal(await readFile(join(buildDir(root, 'head', '2.0'), 'README'), 'utf8'), 'r2\n');
    const first = await readFile(archive);

    // Offline: the repository is gone, the archive is enough.
    await rename(join(base, 'repo'), join(base, 'repo.away'));
    try {
      await rm(join(root, 'output'), { recursive: true, force: true });
      ok(await run(root, [], env));
      assert.equal(await readFile(join(built, 'README'), 'utf8'), 'r1\n');
    } finally {
      await rename(join(base, 'repo.away'), join(base, 'repo'));
    }

    // Exported again, the archive is byte for byte the same.
    await rm(archive);
    await rm(join(root, 'output'), { recursive: true, force: true });
    ok(await run(root, ['p-fetch'], env));
    assert.deepEqual(await readFile(archive), first);
    assert.deepEqual(
      (await tool('ls', ['-A', join(root, 'dl')])).trim().split('\n').sort(),
      ['head-2.0.tar.gz', 'p-1.0.tar.gz'],
      'no temporary files or work folders left in dl/',
    );
  });

  it('checks an export against a hash entry pinning it', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'svn+${url}/trunk', revision: '1' }`,
    });
    ok(await run(root, ['p-fetch'], env));
    const archive = join(root, 'dl', 'p-1.0.tar.gz');
    const sum = createHash('sha256')
      .update(await readFile(archive))
      .digest('hex');
    const hashFile = join(root, 'package', 'p', 'p.hash');
    await writeFile(hashFile, `sha256 ${sum} p-1.0.tar.gz\n`);
    ok(await run(root, ['p-fetch', '-F'], env));
    assert.ok(existsSync(archive));

    await writeFile(hashFile, `sha256 ${'0'.repeat(64)} p-1.0.tar.gz\n`);
    await rm(archive);
    const bad = await run(root, ['p-fetch', '-F'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /p-1\.0\.tar\.gz/);
    assert.ok(!existsSync(archive), 'a mismatching export never gets its final name');
  });

  it('refuses a revision svn would not understand, before running svn', async () => {
    const root = await vcsProject({ p: `{ version: '1.0', site: 'svn+${url}/trunk' }` });
    const r = await run(root, ['p-fetch'], env);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stdout + r.stderr,
      /svn revision "1\.0" of package "p" is not a revision number/,
    );
    assert.ok(!existsSync(join(root, 'dl', 'p-1.0.tar.gz')));
  });

  it('fails cleanly on a revision that does not exist', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'svn+${url}/trunk', revision: '99' }`,
    });
    const r = await run(root, ['p-fetch'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /check the site/);
    assert.deepEqual(
      (await tool('ls', ['-A', join(root, 'dl')])).trim(),
      '',
      'nothing left in dl/',
    );
  });
});
