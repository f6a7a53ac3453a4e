/**
 * Catalog update logs: each publish records its package in the hour's
 * `update.<YYYYMMDDTHH>Z.C` (as `pkgsend publish` into a pkgrepo repository
 * does, compared here with times and hashes set aside), so the reference
 * client holding the catalog catches up incrementally — checked by breaking
 * the catalog parts it must then not fetch — across publishes with the same
 * SOURCE_DATE_EPOCH and across hours; a version published again drops the
 * logs, and the client fetches the catalog whole again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { tempDir } from '../tmp.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

const cat = (repo: string) => join(repo, 'publisher/demo/catalog');
const logs = (repo: string) =>
  readdirSync(cat(repo))
    .filter((f) => f.startsWith('update.'))
    .sort();
/** A catalog file with the times, timestamps and hashes that differ between tools set aside. */
const shape = (text: string) =>
  text
    .replace(/\d{8}T\d{2}(\d{4}(\.\d+)?)?Z/g, 'TIME')
    .replace(/"[0-9a-f]{40}"/g, '"SHA"')
    .replace(/"_SIGNATURE":\{[^}]*\}/, '');

describe('manifest publish: catalog update logs for incremental refreshes', {
  skip: skipWithoutPkg5,
}, () => {
  let dir: string;
  const pkg = (args: string[]) => spawnSync(tool('pkg'), args, { cwd: dir, encoding: 'utf8' });
  const publish = (repo: string, m: string, epoch: number) =>
    releng(['manifest', 'publish', '-s', repo, '-p', 'demo', '-d', 'proto', m], {
      cwd: dir,
      env: { SOURCE_DATE_EPOCH: String(epoch) },
    });
  before(() => {
    dir = tempDir('releng-ulog-');
    mkdirSync(join(dir, 'proto/usr/bin'), { recursive: true });
    for (const n of ['hello', 'greet', 'third']) {
      writeFileSync(join(dir, 'proto/usr/bin', n), `${n}\n`);
      writeFileSync(
        join(dir, `${n}.p5m`),
        [
          `set name=pkg.fmri value=pkg:/demo/${n}@1.0,5.11-0.1`,
          `set name=pkg.summary value="the ${n} package"`,
          `file path=usr/bin/${n} owner=root group=bin mode=0444`,
          n === 'hello' ? 'depend fmri=pkg:/demo/greet@1.0 type=require' : '',
          '',
        ].join('\n'),
      );
    }
  });

  it('the update log has the entries pkgsend writes', async () => {
    let r = await publish('repo-a', 'greet.p5m', 1700000000);
    assert.equal(r.code, 0, r.stderr);
    r = await publish('repo-a', 'hello.p5m', 1700000000);
    assert.equal(r.code, 0, r.stderr);
    const ref = join(dir, 'repo-ref');
    let p = spawnSync(tool('pkgrepo'), ['create', ref], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkgrepo'), ['set', '-s', ref, 'publisher/prefix=demo'], {
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    for (const m of ['greet.p5m', 'hello.p5m']) {
      p = spawnSync(tool('pkgsend'), ['publish', '-s', ref, '-d', 'proto', m], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(p.status, 0, p.stderr);
    }
    assert.deepEqual(logs(join(dir, 'repo-a')).length, 1);
    const ours = readFileSync(
      join(cat(join(dir, 'repo-a')), logs(join(dir, 'repo-a'))[0] as string),
      'utf8',
    );
    const theirs = readFileSync(join(cat(ref), logs(ref)[0] as string), 'utf8');
    assert.equal(shape(ours), shape(theirs));
    // Two publishes in the same second: the second is later all the same.
    const attrs = JSON.parse(readFileSync(join(cat(join(dir, 'repo-a')), 'catalog.attrs'), 'utf8'));
    assert.equal(attrs['last-modified'], '20231114T221320.000001Z');
    assert.deepEqual(Object.keys(attrs.updates), ['update.20231114T22Z.C']);
  });

  it('the client catches up from the logs alone, and fetches the catalog whole after a change in place', async () => {
    const repo = join(dir, 'repo-b');
    // First a package with dependencies: a catalog part a client has not seen yet (pkg(5)'s
    // rule) would make it fetch the catalog whole.
    let r = await publish('repo-b', 'hello.p5m', 1700000000);
    assert.equal(r.code, 0, r.stderr);
    const img = join(dir, 'img');
    let p = pkg(['image-create', '-p', `demo=file://${repo}`, img]);
    assert.equal(p.status, 0, p.stderr);
    const broken = (why: string) => {
      // Parts a client catching up must not fetch: broken, they fail a whole fetch.
      for (const part of ['catalog.base.C', 'catalog.dependency.C', 'catalog.summary.C']) {
        const f = join(cat(repo), part);
        try {
          writeFileSync(
            f,
            readFileSync(f, 'utf8').replace(/"sha-1":"[0-9a-f]+"/, `"sha-1":"${why}"`),
          );
        } catch {}
      }
    };
    const good = join(dir, 'repo-b-good');
    for (const [m, epoch] of [
      ['greet.p5m', 1700000000],
      ['third.p5m', 1700000000 + 7200],
    ] as [string, number][]) {
      r = await publish('repo-b', m, epoch);
      assert.equal(r.code, 0, r.stderr);
      rmSync(good, { recursive: true, force: true });
      cpSync(repo, good, { recursive: true });
      broken('0000000000000000000000000000000000000000');
      p = pkg(['-R', img, 'refresh']);
      assert.equal(p.status, 0, `${m}: ${p.stderr}`);
      p = pkg(['-R', img, 'list', '-a', '-H', `demo/${m.replace('.p5m', '')}`]);
      assert.equal(p.status, 0, `${m}: ${p.stderr}`);
      rmSync(repo, { recursive: true, force: true });
      cpSync(good, repo, { recursive: true });
    }
    assert.equal(logs(repo).length, 2);
    p = pkg(['-R', img, 'install', 'demo/hello']);
    assert.equal(p.status, 0, p.stderr);
    // The same version again: no log can say it, so there are none, and a whole fetch works.
    r = await publish('repo-b', 'third.p5m', 1700000000 + 7200);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(logs(repo), []);
    p = pkg(['-R', img, 'refresh', '--full']);
    assert.equal(p.status, 0, p.stderr);
    p = pkg(['-R', img, 'list', '-a', '-H', 'demo/third']);
    assert.equal(p.status, 0, p.stderr);
  });
});
