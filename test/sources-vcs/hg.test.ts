import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { filesUnder } from '../helpers.ts';
import {
  buildDir,
  hasTool,
  mode,
  ok,
  run,
  tempDir,
  tool,
  toolEnv,
  tree,
  vcsProject,
} from './helpers.ts';

/** The error naming the missing tool and the package (checked up front, or when run). */
const MISSING_HG =
  /package "p" needs "hg" \(hg site\), which is not installed|command not found: \S*hg \(needed by package "p" for its hg site\)/;

describe('hg sites', { skip: !hasTool('hg') && 'hg is not installed' }, () => {
  let base: string;
  let repo: string;
  let env: Record<string, string>;
  let second: string;

  before(async () => {
    base = await tempDir('hg');
    env = toolEnv(base);
    repo = join(base, 'repo');
    await mkdir(join(repo, 'src'), { recursive: true });
    tool('hg', ['init', repo], { env });
    await writeFile(join(repo, 'README'), 'one\n');
    await writeFile(join(repo, 'src', 'main.c'), 'int main(void) { return 0; }\n');
    await writeFile(join(repo, 'configure'), '#!/bin/sh\necho configured\n');
    await chmod(join(repo, 'configure'), 0o755);
    const hg = (...args: string[]) => tool('hg', ['--cwd', repo, ...args], { env });
    hg('add', '--quiet');
    hg('commit', '--quiet', '-m', 'first', '-d', '1700000000 0');
    hg('tag', '-d', '1700000100 0', 'v1.0');
    await writeFile(join(repo, 'NEWS'), 'two\n');
    hg('add', '--quiet', 'NEWS');
    hg('commit', '--quiet', '-m', 'second', '-d', '1700000200 0');
    second = hg('log', '-r', '.', '--template', '{node}').trim();
  });

  it('fetches by tag and by changeset into a cache, and re-runs offline', async () => {
    const root = await vcsProject({
      bytag: `{ version: '1.0', site: 'hg+${repo}', revision: 'v1.0' }`,
      bynode: `{ version: '2.0', site: 'hg+${repo}', revision: '${second}' }`,
    });
    ok(await run(root, [], env));

    const tagged = buildDir(root, 'bytag', '1.0');
    assert.deepEqual(await tree(tagged), ['README', 'configure', 'src/', 'src/main.c']);
    assert.equal(await mode(join(tagged, 'configure')), 0o755);
    assert.equal(await mode(join(tagged, 'README')), 0o644);
    assert.deepEqual(await tree(buildDir(root, 'bynode', '2.0')), [
      '.hgtags',
      'NEWS',
      'README',
      'configure',
      'src/',
      'src/main.c',
    ]);
    assert.ok(existsSync(join(root, 'cache', 'bytag', '.hg')), 'clone cached in cache/<pkg>');

    // Offline: the repository is gone; the cache holds both revisions.
    await rename(repo, `${repo}.away`);
    try {
      await rm(join(root, 'output'), { recursive: true, force: true });
      ok(await run(root, [], env));
      assert.equal(await readFile(join(tagged, 'README'), 'utf8'), 'one\n');
      assert.ok(existsSync(join(buildDir(root, 'bynode', '2.0'), 'NEWS')));
      const log = await readFile(join(root, 'output', 'logs', 'bytag.log'), 'utf8');
      assert.doesNotMatch(log.split('releng run').at(-1) ?? '', /hg .*(pull|clone)/);
    } finally {
      await rename(`${repo}.away`, repo);
    }
  });

  it('pulls into an existing cache when the revision is missing, and names a revision that is not there', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'hg+${repo}', revision: 'v1.0' }`,
    });
    ok(await run(root, ['p-fetch'], env));
    // A cache that predates the wanted revision: strip the second commit from it.
    tool(
      'hg',
      [
        '--cwd',
        join(root, 'cache', 'p'),
        '--config',
        'extensions.strip=',
        'strip',
        '--quiet',
        '-r',
        'tip',
      ],
      {
        env,
      },
    );
    const config = (revision: string) =>
      `import { definePackage } from 'releng';\nexport default definePackage({ version: '1.0', site: 'hg+${repo}', revision: '${revision}' });\n`;
    await writeFile(join(root, 'package', 'p', 'p.ts'), config(second));
    await rm(join(root, 'output'), { recursive: true, force: true });
    ok(await run(root, ['p-extract'], env));
    assert.ok(existsSync(join(buildDir(root, 'p', '1.0'), 'NEWS')), 'pulled the missing revision');

    await writeFile(join(root, 'package', 'p', 'p.ts'), config('no-such-tag'));
    await rm(join(root, 'output'), { recursive: true, force: true });
    const bad = await run(root, ['p-fetch'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /revision "no-such-tag" of package "p" is not in/);
  });

  it('says which tool is missing, for which package', async () => {
    const root = await vcsProject({
      p: `{ version: '1.0', site: 'hg+${repo}', revision: 'v1.0' }`,
    });
    const empty = await tempDir('nopath');
    const r = await run(root, [], { ...env, PATH: empty });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, MISSING_HG);
    assert.ok(!existsSync(join(root, 'cache', 'p')), 'no partial cache');

    const overridden = await vcsProject(
      { p: `{ version: '1.0', site: 'hg+${repo}', revision: 'v1.0' }` },
      { overrideTools: { hg: join(empty, 'hg') } },
    );
    const r2 = await run(overridden, [], env);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stdout + r2.stderr, MISSING_HG);
  });

  it('clones through HTTP with credentials, and neither output/ nor cache/ keeps the password', async () => {
    // hg serve behind a proxy that wants basic auth.
    const password = 'Hg-S3cret-991';
    const expected = `Basic ${Buffer.from(`builder:${password}`).toString('base64')}`;
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const hgPort = (free.address() as AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const serve = spawn('hg', ['serve', '--cwd', repo, '-a', '127.0.0.1', '-p', String(hgPort)], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const proxy = createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="hg"' }).end();
        return;
      }
      const upstream = request(
        {
          host: '127.0.0.1',
          port: hgPort,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as AddressInfo).port;
    try {
      // hg serve takes a moment to listen
      for (let i = 0; i < 50; i++) {
        const up = await new Promise<boolean>((resolve) => {
          const r = request({ host: '127.0.0.1', port: hgPort, path: '/' }, (res) => {
            res.resume();
            resolve(true);
          });
          r.on('error', () => resolve(false));
          r.end();
        });
        if (up) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const root = await vcsProject({
        p: `{ version: '1.0', site: 'hg+http://builder:${password}@127.0.0.1:${port}/', revision: 'v1.0' }`,
      });
      const r = ok(await run(root, ['--json', 'p'], env));
      assert.ok(existsSync(join(buildDir(root, 'p', '1.0'), 'README')));
      assert.ok(!(r.stdout + r.stderr).includes(password), r.stdout + r.stderr);
      for (const dir of ['output', 'cache']) {
        for (const file of await filesUnder(join(root, dir))) {
          const text = await readFile(file, 'latin1');
          assert.ok(!text.includes(password), `the password is in ${file}`);
        }
      }
    } finally {
      serve.kill();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
