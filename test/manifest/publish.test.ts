/**
 * Publishing into a pkg(5) file repository, checked with the reference
 * client: `pkg image-create` + `pkg install` + `pkg verify` from what releng
 * wrote (a new repository, and one made by `pkgrepo create`), a dependency
 * pulled in, a second version preferred, the same bytes for the same inputs
 * and SOURCE_DATE_EPOCH, and a publish killed (kill -9) between catalog
 * files completed by running it again, with no temporary file left.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { filesUnder, skipWithoutPkg5, tool } from './reference.ts';

const EPOCH = { SOURCE_DATE_EPOCH: '1700000000' };

describe('manifest publish: the pkg client installs from it', { skip: skipWithoutPkg5 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-pub-'));
    mkdirSync(join(dir, 'proto/usr/bin'), { recursive: true });
    mkdirSync(join(dir, 'proto/usr/share/doc/hello'), { recursive: true });
    writeFileSync(join(dir, 'proto/usr/bin/hello'), '#!/bin/sh\necho hello\n');
    chmodSync(join(dir, 'proto/usr/bin/hello'), 0o755);
    writeFileSync(join(dir, 'proto/usr/share/doc/hello/README'), 'Hello, world.\n'.repeat(100));
    writeFileSync(join(dir, 'proto/COPYING'), 'Permission is granted.\n');
    writeFileSync(join(dir, 'proto/libgreet'), 'greeting data\n');
    writeFileSync(
      join(dir, 'hello.p5m'),
      [
        'set name=pkg.fmri value=pkg:/demo/hello@1.0,5.11-0.1',
        'set name=pkg.summary value="Says hello"',
        'dir path=usr owner=root group=sys mode=0755',
        'dir path=usr/bin owner=root group=bin mode=0755',
        'dir path=usr/share owner=root group=sys mode=0755',
        'dir path=usr/share/doc owner=root group=bin mode=0755',
        'dir path=usr/share/doc/hello owner=root group=bin mode=0755',
        'file path=usr/bin/hello owner=root group=bin mode=0555',
        'file path=usr/share/doc/hello/README owner=root group=bin mode=0444',
        'link path=usr/bin/hi target=hello',
        'license COPYING license=MIT',
        'depend fmri=pkg:/demo/greet@1.0 type=require',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'greet.p5m'),
      [
        'set name=pkg.fmri value=pkg:/demo/greet@1.0,5.11-0.1',
        'set name=pkg.summary value="Greetings"',
        'dir path=usr owner=root group=sys mode=0755',
        'dir path=usr/share owner=root group=sys mode=0755',
        'file libgreet path=usr/share/greet owner=root group=bin mode=0444',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const pkg = (args: string[]) => spawnSync(tool('pkg'), args, { encoding: 'utf8', cwd: dir });
  const install = (repo: string, pub: string, what: string) => {
    const image = mkdtempSync(join(dir, 'image-'));
    rmSync(image, { recursive: true });
    let r = pkg(['image-create', '-p', `${pub}=file://${repo}`, image]);
    assert.equal(r.status, 0, r.stderr);
    r = pkg(['-R', image, 'install', what]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    r = pkg(['-R', image, 'verify']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    return image;
  };

  it('a new repository: install pulls the dependency in; files, link and license are there', async () => {
    const repo = join(dir, 'repo');
    const r = await releng(
      ['manifest', 'publish', '-s', repo, '-d', 'proto', '-p', 'demo', 'greet.p5m', 'hello.p5m'],
      { cwd: dir, env: EPOCH },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pkg:\/\/demo\/demo\/hello@1\.0,5\.11-0\.1:20231114T221320Z$/m);
    const image = install(repo, 'demo', 'demo/hello');
    assert.equal(readFileSync(join(image, 'usr/bin/hello'), 'utf8'), '#!/bin/sh\necho hello\n');
    assert.equal(readFileSync(join(image, 'usr/bin/hi'), 'utf8'), '#!/bin/sh\necho hello\n');
    assert.equal(readFileSync(join(image, 'usr/share/greet'), 'utf8'), 'greeting data\n');
    const list = pkg(['-R', image, 'list', '-H']);
    assert.match(list.stdout, /demo\/greet/);
    const lic = pkg(['-R', image, 'info', '--license', 'demo/hello']);
    assert.match(lic.stdout, /Permission is granted/);
  });

  it('the same inputs and SOURCE_DATE_EPOCH give the same bytes', async () => {
    const a = join(dir, 'repro-a');
    const b = join(dir, 'repro-b');
    for (const repo of [a, b]) {
      const r = await releng(
        ['manifest', 'publish', '-s', repo, '-d', 'proto', '-p', 'demo', 'greet.p5m', 'hello.p5m'],
        { cwd: dir, env: EPOCH },
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const fa = filesUnder(a);
    assert.deepEqual(filesUnder(b), fa);
    for (const f of fa) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
  });

  it('a repository made by pkgrepo create, then a second version: install takes the newest', async () => {
    const repo = join(dir, 'pkgrepo');
    let r0 = spawnSync(tool('pkgrepo'), ['create', repo], { encoding: 'utf8' });
    assert.equal(r0.status, 0, r0.stderr);
    r0 = spawnSync(tool('pkgrepo'), ['-s', repo, 'set', 'publisher/prefix=other'], {
      encoding: 'utf8',
    });
    assert.equal(r0.status, 0, r0.stderr);
    let r = await releng(['manifest', 'publish', '-s', repo, '-d', 'proto', 'greet.p5m'], {
      cwd: dir,
      env: EPOCH,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pkg:\/\/other\/demo\/greet@/m);
    writeFileSync(
      join(dir, 'greet2.p5m'),
      readFileSync(join(dir, 'greet.p5m'), 'utf8').replace('greet@1.0,', 'greet@1.1,'),
    );
    r = await releng(['manifest', 'publish', '-s', repo, '-d', 'proto', 'greet2.p5m'], {
      cwd: dir,
      env: { SOURCE_DATE_EPOCH: '1700000100' },
    });
    assert.equal(r.code, 0, r.stderr);
    const list = spawnSync(tool('pkgrepo'), ['-s', repo, 'list', '-H'], { encoding: 'utf8' });
    assert.match(list.stdout, /1\.0-0\.1/);
    assert.match(list.stdout, /1\.1-0\.1/);
    const image = install(repo, 'other', 'demo/greet');
    assert.match(pkg(['-R', image, 'list', '-H', 'demo/greet']).stdout, /1\.1-0\.1/);
  });

  it('killed between catalog files (kill -9), the same publish run again succeeds; no temporary file stays', async () => {
    const repo = join(dir, 'killed');
    const args = [
      'manifest',
      'publish',
      '-s',
      repo,
      '-d',
      'proto',
      '-p',
      'demo',
      'greet.p5m',
      'hello.p5m',
    ];
    const k = await releng(args, {
      cwd: dir,
      env: { ...EPOCH, RELENG_TEST_KILL_AT: 'ips-catalog-part' },
    });
    assert.equal(k.code, null, 'killed');
    const r = await releng(args, { cwd: dir, env: EPOCH });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      filesUnder(repo).filter((f) => /\.tmp-/.test(f)),
      [],
    );
    install(repo, 'demo', 'demo/hello');
  });

  it('a payload missing from the proto area is an error naming manifest:line; the catalog is untouched', async () => {
    const repo = join(dir, 'repo');
    writeFileSync(
      join(dir, 'bad.p5m'),
      'set name=pkg.fmri value=pkg:/demo/bad@1.0\n\nfile path=usr/bin/absent owner=root group=bin mode=0555\n',
    );
    const before = readFileSync(join(repo, 'publisher/demo/catalog/catalog.attrs'));
    const r = await releng(['manifest', 'publish', '-s', repo, '-d', 'proto', 'bad.p5m'], {
      cwd: dir,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.p5m:3: file payload usr\/bin\/absent is not in/);
    assert.ok(readFileSync(join(repo, 'publisher/demo/catalog/catalog.attrs')).equals(before));
  });
});
