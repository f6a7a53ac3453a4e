/**
 * `releng manifest pipeline`: the seed's intermediate files from canonical
 * manifests through publication, each step skipped when its inputs are
 * unchanged and redone when they change; the published packages install
 * with the reference pkg client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

describe('manifest pipeline', { skip: skipWithoutPkg5 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-pipe-'));
    mkdirSync(join(dir, 'proto/usr/bin'), { recursive: true });
    mkdirSync(join(dir, 'proto/usr/lib'), { recursive: true });
    writeFileSync(join(dir, 'proto/usr/bin/tool'), '#!/usr/bin/helper\nrun\n');
    chmodSync(join(dir, 'proto/usr/bin/tool'), 0o755);
    writeFileSync(join(dir, 'proto/usr/bin/helper'), '#!/bin/sh\nexec "$@"\n');
    chmodSync(join(dir, 'proto/usr/bin/helper'), 0o755);
    writeFileSync(join(dir, 'proto/usr/bin/sh'), 'not really a shell\n');
    writeFileSync(
      join(dir, 'defaults.transforms'),
      '<transform file path=usr/bin/.* -> default mode 0555>\n<transform file -> default owner root>\n<transform file -> default group bin>\n',
    );
    writeFileSync(
      join(dir, 'tool.p5m'),
      'set name=pkg.fmri value=pkg:/demo/tool@$(VER),5.11-0.1\nset name=pkg.summary value="The tool"\nfile path=usr/bin/tool\n',
    );
    writeFileSync(
      join(dir, 'helper.p5m'),
      'set name=pkg.fmri value=pkg:/demo/helper@$(VER),5.11-0.1\nset name=pkg.summary value="The helper"\nfile path=usr/bin/helper\nfile path=usr/bin/sh mode=0555\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = () =>
    releng(
      [
        'manifest',
        'pipeline',
        '-b',
        'build',
        '-d',
        'proto',
        '-D',
        'VER=1.0',
        '-T',
        'defaults.transforms',
        '-s',
        'repo',
        '-p',
        'demo',
        'tool.p5m',
        'helper.p5m',
      ],
      {
        cwd: dir,
        env: { SOURCE_DATE_EPOCH: '1700000000' },
      },
    );

  it('writes every intermediate file, resolves across the packages and publishes', async () => {
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    for (const f of [
      'manifest-tool.mogrified',
      'manifest-tool.mangled',
      'manifest-tool.depend',
      'manifest-tool.depend.res',
      'manifest-tool.published',
      'manifest-helper.depend.res',
      '.linted',
    ]) {
      assert.ok(existsSync(join(dir, 'build', f)), f);
    }
    assert.match(
      readFileSync(join(dir, 'build/manifest-tool.mogrified'), 'utf8'),
      /file NOHASH group=bin mode=0555 owner=root path=usr\/bin\/tool/,
    );
    assert.match(
      readFileSync(join(dir, 'build/manifest-tool.mangled'), 'utf8'),
      /file NOHASH chash=[0-9a-f]{40} group=bin mode=0555 owner=root path=usr\/bin\/tool pkg\.csize=\d+ pkg\.size=22$/m,
    );
    assert.match(
      readFileSync(join(dir, 'build/manifest-tool.depend'), 'utf8'),
      /depend fmri=__TBD pkg\.debug\.depend\.file=helper pkg\.debug\.depend\.path=usr\/bin/,
    );
    assert.match(
      readFileSync(join(dir, 'build/manifest-tool.depend.res'), 'utf8'),
      /^depend fmri=pkg:\/demo\/helper@1\.0-0\.1 type=require$/m,
    );
    assert.doesNotMatch(r.stdout, /skipped/);
    const image = join(dir, 'image');
    let p = spawnSync(
      tool('pkg'),
      ['image-create', '-p', `demo=file://${join(dir, 'repo')}`, image],
      { encoding: 'utf8' },
    );
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkg'), ['-R', image, 'install', 'demo/tool'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    assert.ok(existsSync(join(image, 'usr/bin/helper')), 'the dependency came along');
  });

  it('a second run skips every step; a changed proto file redoes only what depends on it', async () => {
    let r = await run();
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^done/m);
    writeFileSync(join(dir, 'proto/usr/bin/tool'), '#!/usr/bin/helper\nrun --twice\n');
    r = await run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^skipped mogrify +.*manifest-tool\.mogrified$/m);
    assert.match(r.stdout, /^done {4}mangle +.*manifest-tool\.mangled$/m);
    assert.match(r.stdout, /^skipped mangle +.*manifest-helper\.mangled$/m);
    assert.match(
      readFileSync(join(dir, 'build/manifest-tool.mangled'), 'utf8'),
      /path=usr\/bin\/tool pkg\.csize=\d+ pkg\.size=30$/m,
    );
    assert.match(r.stdout, /^done {4}generate +.*manifest-tool\.depend$/m);
    assert.match(r.stdout, /^skipped generate +.*manifest-helper\.depend$/m);
    assert.match(r.stdout, /^done {4}publish +.*manifest-tool\.published$/m);
    assert.match(r.stdout, /^skipped publish +.*manifest-helper\.published$/m);
  });

  it('a file missing from the proto area stops the pipeline at mangle with file:line', async () => {
    writeFileSync(
      join(dir, 'ghost.p5m'),
      'set name=pkg.fmri value=pkg:/demo/ghost@1\nset name=pkg.summary value=G\nfile path=usr/bin/ghost\n',
    );
    const r = await releng(
      [
        'manifest',
        'pipeline',
        '-b',
        'build3',
        '-d',
        'proto',
        '-T',
        'defaults.transforms',
        'ghost.p5m',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /manifest-ghost\.mogrified:3: usr\/bin\/ghost/);
    assert.ok(existsSync(join(dir, 'build3/manifest-ghost.mogrified')));
    assert.ok(!existsSync(join(dir, 'build3/manifest-ghost.mangled')));
  });

  it('resolves against the repository limited by a resolve.deps list, and redoes resolve when the list changes', async () => {
    writeFileSync(join(dir, 'proto/usr/bin/user'), '#!/usr/bin/helper\n');
    chmodSync(join(dir, 'proto/usr/bin/user'), 0o755);
    writeFileSync(
      join(dir, 'user.p5m'),
      'set name=pkg.fmri value=pkg:/demo/user@1\nset name=pkg.summary value=U\nfile path=usr/bin/user\n',
    );
    writeFileSync(join(dir, 'resolve.deps'), 'demo/helper\n');
    const args = [
      'manifest',
      'pipeline',
      '-b',
      'build4',
      '-d',
      'proto',
      '-T',
      'defaults.transforms',
    ];
    const ext = ['-r', 'repo', '-e', 'resolve.deps', 'user.p5m'];
    let r = await releng([...args, ...ext], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      readFileSync(join(dir, 'build4/manifest-user.depend.res'), 'utf8'),
      /^depend fmri=pkg:\/demo\/helper@1\.0-0\.1 type=require$/m,
    );
    r = await releng([...args, ...ext], { cwd: dir });
    assert.match(r.stdout, /^skipped resolve /m);
    writeFileSync(join(dir, 'resolve.deps'), 'demo/tool\n');
    r = await releng([...args, ...ext], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /manifest-user\.depend:\d+: unresolved dependency of usr\/bin\/user on usr\/bin\/helper/,
    );
  });

  it('an unresolvable dependency stops the pipeline at resolve with file:line', async () => {
    writeFileSync(join(dir, 'proto/usr/bin/lonely'), '#!/usr/bin/nowhere\n');
    chmodSync(join(dir, 'proto/usr/bin/lonely'), 0o755);
    writeFileSync(
      join(dir, 'lonely.p5m'),
      'set name=pkg.fmri value=pkg:/demo/lonely@1\nset name=pkg.summary value=L\nfile path=usr/bin/lonely\n',
    );
    const r = await releng(
      [
        'manifest',
        'pipeline',
        '-b',
        'build2',
        '-d',
        'proto',
        '-T',
        'defaults.transforms',
        'lonely.p5m',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /manifest-lonely\.depend:\d+: unresolved dependency of usr\/bin\/lonely on usr\/bin\/nowhere/,
    );
    assert.ok(!existsSync(join(dir, 'build2/manifest-lonely.depend.res')));
  });
});
