/**
 * The `ips` output format through `releng package`: the output's files as
 * one pkg(5) package in a `.p5p` package archive the reference pkg client
 * installs from and verifies; the same bytes for the same inputs and
 * SOURCE_DATE_EPOCH; versions pkg(5) cannot take refused before anything is
 * written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from '../helpers.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

const description = (version: string) => `name: hello
version: "${version}"
summary: Says hello
description: A greeting.
license: MIT
format: ips
contents:
  - { src: usr/bin/hello, dst: /usr/bin/hello }
  - { src: etc/hello.conf, dst: /etc/hello.conf, config: noreplace }
  - { type: symlink, dst: /usr/bin/hi, target: hello }
`;

describe('ips output', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-ips-out-'));
    mkdirSync(join(dir, 'root/usr/bin'), { recursive: true });
    mkdirSync(join(dir, 'root/etc'), { recursive: true });
    writeFileSync(join(dir, 'root/usr/bin/hello'), '#!/bin/sh\necho hello\n');
    chmodSync(join(dir, 'root/usr/bin/hello'), 0o755);
    writeFileSync(join(dir, 'root/etc/hello.conf'), 'greeting=hello\n');
    writeFileSync(join(dir, 'hello.yaml'), description('1.2.0'));
    writeFileSync(join(dir, 'bad.yaml'), description('1.2.0-rc1'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const archive = 'hello-1.2.0-1.p5p';

  it('writes the same bytes twice', async () => {
    const out: Buffer[] = [];
    for (const d of ['dist1', 'dist2']) {
      const r = await releng(['package', 'hello.yaml', '--source', 'root', '--out', d], {
        cwd: dir,
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      out.push(readFileSync(join(dir, d, archive)));
    }
    assert.ok((out[0] as Buffer).equals(out[1] as Buffer));
  });

  it('refuses a version pkg(5) cannot take, writing nothing', async () => {
    const r = await releng(['package', 'bad.yaml', '--source', 'root', '--out', 'bad'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hello \(ips\): version: '1\.2\.0-rc1' is not a valid IPS version/);
    assert.ok(!existsSync(join(dir, 'bad', 'hello-1.2.0-rc1-1.p5p')));
  });

  it('the reference pkg client installs and verifies the package from the archive', {
    skip: skipWithoutPkg5,
  }, async () => {
    const r = await releng(['package', 'hello.yaml', '--source', 'root', '--out', 'dist'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const image = join(dir, 'image');
    let p = spawnSync(tool('pkg'), ['image-create', image], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(
      tool('pkg'),
      ['-R', image, 'install', '-g', join(dir, 'dist', archive), 'hello'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(p.status, 0, p.stderr + p.stdout);
    assert.equal(readFileSync(join(image, 'usr/bin/hello'), 'utf8'), '#!/bin/sh\necho hello\n');
    assert.equal(readlinkSync(join(image, 'usr/bin/hi')), 'hello');
    p = spawnSync(tool('pkg'), ['-R', image, 'verify'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr + p.stdout);
    p = spawnSync(tool('pkg'), ['-R', image, 'contents', '-m', 'hello'], { encoding: 'utf8' });
    assert.match(
      p.stdout,
      /^set name=pkg\.fmri value=pkg:\/\/releng\/hello@1\.2\.0,5\.11-1:20231114T221320Z$/m,
    );
    assert.match(p.stdout, /^file \S+ .*mode=0755 owner=root path=usr\/bin\/hello /m);
    assert.match(p.stdout, /path=etc\/hello\.conf .*preserve=renamenew/);
  });

  it('a project build writes its ips output into output/images/, which pkg installs', {
    skip: skipWithoutPkg5,
  }, async () => {
    const root = await makeProject({
      'releng.config.ts': `export default {
        packages: ['tool'],
        outputs: [{
          name: 'tool', version: '1.0.0', summary: 'a tool', description: 'A tool.', license: 'MIT',
          format: 'ips',
          contents: [{ src: 'usr/bin/tool', dst: '/usr/bin/tool', mode: 0o755 }],
        }],
      };\n`,
      'package/tool/tool.ts': nativePackage(`{
        async install(ctx) {
          const fs = await import('node:fs');
          fs.mkdirSync(ctx.dirs.target + '/usr/bin', { recursive: true });
          fs.writeFileSync(ctx.dirs.target + '/usr/bin/tool', '#!/bin/sh\\necho tool\\n', { mode: 0o755 });
        },
      }`),
    });
    try {
      const r = await releng(['-R', root], { env });
      assert.equal(r.code, 0, r.stderr);
      const p5p = join(root, 'output/images/tool-1.0.0-1.p5p');
      assert.ok(existsSync(p5p), 'output/images/tool-1.0.0-1.p5p');
      const image = join(root, 'image');
      let p = spawnSync(tool('pkg'), ['image-create', image], { encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr);
      p = spawnSync(tool('pkg'), ['-R', image, 'install', '-g', p5p, 'tool'], { encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr + p.stdout);
      assert.equal(readFileSync(join(image, 'usr/bin/tool'), 'utf8'), '#!/bin/sh\necho tool\n');
    } finally {
      await removeProject(root);
    }
  });

  it("releng manifest publish puts the archive's package into a pkg(5) repository pkg installs from", {
    skip: skipWithoutPkg5,
  }, async () => {
    let r = await releng(['package', 'hello.yaml', '--source', 'root', '--out', 'pub'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    r = await releng(['manifest', 'publish', '-s', 'repo', '-p', 'demo', join('pub', archive)], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'pkg://demo/hello@1.2.0,5.11-1:20231114T221320Z\n',
      "the archive's timestamp kept",
    );
    const image = join(dir, 'image-repo');
    let p = spawnSync(
      tool('pkg'),
      ['image-create', '-p', `demo=file://${join(dir, 'repo')}`, image],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkg'), ['-R', image, 'install', 'hello'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr + p.stdout);
    assert.equal(readFileSync(join(image, 'etc/hello.conf'), 'utf8'), 'greeting=hello\n');
    p = spawnSync(tool('pkg'), ['-R', image, 'verify'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr + p.stdout);
  });

  it('releng manifest publish refuses a tar that is no package archive', async () => {
    const bogus = join(dir, 'bogus.p5p');
    spawnSync('tar', ['-cf', bogus, '-C', dir, 'hello.yaml']);
    const r = await releng(['manifest', 'publish', '-s', 'repo2', bogus], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bogus\.p5p: not a pkg\(5\) package archive/);
    assert.ok(!existsSync(join(dir, 'repo2')), 'no repository started');
  });

  it('after kill -9 while publishing, the same command succeeds and leaves no temporary file', async () => {
    const args = ['package', 'hello.yaml', '--source', 'root', '--out', 'killed'];
    let r = await releng(args, {
      cwd: dir,
      env: { ...env, RELENG_TEST_KILL_AT: 'ips-before-catalog' },
    });
    assert.notEqual(r.code, 0);
    assert.ok(
      readdirSync(join(dir, 'killed')).some((n) => n.endsWith('.work')),
      'the killed run left its work folder',
    );
    r = await releng(args, { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'killed')), [archive]);
    assert.ok(
      readFileSync(join(dir, 'killed', archive)).equals(readFileSync(join(dir, 'dist1', archive))),
    );
  });

  it('depends and conflicts become depend actions the client enforces', {
    skip: skipWithoutPkg5,
  }, async () => {
    writeFileSync(
      join(dir, 'dep.yaml'),
      description('1.2.0')
        .replace('name: hello', 'name: needy')
        .replace(
          'format: ips',
          'format: ips\ndepends: ["helper >= 2.0", "a | b"]\nconflicts: [oldhello]',
        ),
    );
    let r = await releng(['package', 'dep.yaml', '--source', 'root', '--out', 'dep'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const p5p = join(dir, 'dep/needy-1.2.0-1.p5p');
    const image = join(dir, 'image-dep');
    let p = spawnSync(tool('pkg'), ['image-create', image], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkg'), ['-R', image, 'contents', '-m', '-g', p5p, 'needy'], {
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^depend fmri=pkg:\/helper@2\.0 type=require$/m);
    assert.match(p.stdout, /^depend fmri=pkg:\/a fmri=pkg:\/b type=require-any$/m);
    assert.match(p.stdout, /^depend fmri=pkg:\/oldhello type=exclude$/m);
    p = spawnSync(tool('pkg'), ['-R', image, 'install', '-g', p5p, 'needy'], { encoding: 'utf8' });
    assert.notEqual(p.status, 0, 'helper is nowhere to be found');
    assert.match(p.stderr + p.stdout, /helper/);
    writeFileSync(
      join(dir, 'lt.yaml'),
      description('1.2.0').replace('format: ips', 'format: ips\ndepends: ["helper << 2.0"]'),
    );
    r = await releng(['package', 'lt.yaml', '--source', 'root', '--out', 'lt'], { cwd: dir, env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hello \(ips\): depends: 'helper << 2\.0': IPS dependencies only say/);
  });

  it('an archive import killed midway is redone by the same command, leaving no work folder', {
    skip: skipWithoutPkg5,
  }, async () => {
    const args = ['manifest', 'publish', '-s', 'krepo', join('dist1', archive)];
    let r = await releng(args, { cwd: dir, env: { RELENG_TEST_KILL_AT: 'ips-before-catalog' } });
    assert.notEqual(r.code, 0);
    assert.ok(
      readdirSync(dir).some((n) => n.startsWith('krepo.p5p-')),
      'the killed run left its work folder',
    );
    r = await releng(args, { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!readdirSync(dir).some((n) => n.startsWith('krepo.p5p-')));
    const image = join(dir, 'image-k');
    let p = spawnSync(
      tool('pkg'),
      ['image-create', '-p', `releng=file://${join(dir, 'krepo')}`, image],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkg'), ['-R', image, 'install', 'hello'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr + p.stdout);
  });
});
