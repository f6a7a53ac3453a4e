/**
 * `releng manifest fmt|mogrify` end to end through bin/releng.mjs: bad input
 * gives an error naming file:line and a non-zero exit, nothing half-written;
 * fmt rewrites in place and -c checks.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, releng, removeProject } from '../helpers.ts';

describe('releng manifest', () => {
  let dir: string;
  before(async () => {
    dir = await makeProject({});
  });
  after(() => removeProject(dir));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

  const bad: [string, string, string, RegExp, string[]][] = [
    [
      'unbalanced quotes',
      'q.p5m',
      'set name=pkg.fmri value=pkg:/q@1\nfile path=usr/bin/q \\\n    mode="0555\n',
      /q\.p5m:2 .*unfinished quoted value/,
      [],
    ],
    [
      'an unknown action',
      'u.p5m',
      'set name=pkg.fmri value=pkg:/u@1\n\nflie path=usr/bin/u\n',
      /u\.p5m:3: unknown action type 'flie'/,
      [],
    ],
    [
      'a transform without ->',
      't.p5m',
      'set name=pkg.fmri value=pkg:/t@1\n<transform file path=.* set mode 0555>\n',
      /t\.p5m:2: Missing -> in transform/,
      [],
    ],
    [
      'a transform with an unknown op',
      'o.p5m',
      '<transform file -> chmod 0555>\nfile path=a\n',
      /o\.p5m:1: unknown transform operation 'chmod'/,
      [],
    ],
    [
      'a transform with a bad regexp',
      'r.p5m',
      '\n<transform file path=usr/(bin -> drop>\n',
      /r\.p5m:2: transform .* has regexp error/,
      [],
    ],
    [
      'an op with wrong arguments',
      'a.p5m',
      '<transform file -> set mode>\n',
      /a\.p5m:1: transform .* has 'set' operation syntax error/,
      [],
    ],
    [
      'an undefined macro under -W',
      'm.p5m',
      'set name=pkg.fmri value=pkg:/m@1\nfile path=usr/lib/$(MACH64)/libm.so\n',
      /m\.p5m:2: macro \$\(MACH64\) is not defined/,
      ['-W'],
    ],
  ];
  for (const [name, file, text, re, flags] of bad) {
    it(`mogrify: ${name} is an error naming file:line`, async () => {
      write(file, text);
      const r = await releng(['manifest', 'mogrify', ...flags, '-O', 'out.mog', file], {
        cwd: dir,
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /file: .*\.p5m:\d+/);
      assert.ok(
        !readdirSync(dir).some((f) => f.startsWith('out.mog')),
        'no output (or temporary file) is left',
      );
    });
  }

  it('mogrify: an undefined macro without -W is a warning and stays as written', async () => {
    const r = await releng(['manifest', 'mogrify', '-D', 'MACH=i386', 'm.p5m'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(warning\) m\.p5m:2: macro \$\(MACH64\) is not defined/);
    assert.match(r.stdout, /path="usr\/lib\/\$\(MACH64\)\/libm\.so"/);
  });

  it('mogrify -O writes the output; a usage mistake exits 2', async () => {
    write(
      'ok.p5m',
      'set name=pkg.fmri value=pkg:/ok@$(V)\n<transform file -> default mode 0444>\nfile path=/usr/share/ok\n',
    );
    let r = await releng(['manifest', 'mogrify', '-D', 'V=1.0', '-O', 'ok.mog', 'ok.p5m'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(join(dir, 'ok.mog'), 'utf8'),
      'set name=pkg.fmri value=pkg:/ok@1.0\nfile NOHASH mode=0444 path=usr/share/ok\n',
    );
    r = await releng(['manifest', 'mogrify', '-D', 'novalue', 'ok.p5m'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /macros must be of form name=value/);
    r = await releng(['manifest', 'mogrfy'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean.*mogrify/i);
  });

  it('fmt rewrites files in place and -c names the files not in pkgfmt form', async () => {
    write('f.p5m', 'file path=usr/bin/f mode=0555\nset name=pkg.fmri value=pkg:/f@1\n');
    let r = await releng(['manifest', 'fmt', '-c', 'f.p5m'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not in pkgfmt form: f\.p5m/);
    r = await releng(['manifest', 'fmt', 'f.p5m'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(join(dir, 'f.p5m'), 'utf8'),
      'set name=pkg.fmri value=pkg:/f@1\nfile path=usr/bin/f mode=0555\n',
    );
    r = await releng(['manifest', 'fmt', '-c', 'f.p5m'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    r = await releng(['manifest', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /releng manifest fmt/);
  });
});
