/**
 * Python imports and SMF manifests in `releng manifest generate`, against
 * pkg(5)'s `pkgdepend generate` on the same proto area: the depend and set
 * lines must be the ones pkgdepend prints (order aside), the errors the ones
 * it reports; then `releng manifest resolve` and `pkgdepend resolve` must
 * resolve what releng generated to the same packages.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

const havePy = spawnSync('/usr/bin/python3.11', ['-c', '0']).status === 0;
const skip = skipWithoutPkg5 || (havePy ? false : '/usr/bin/python3.11 is not installed');

const DOCTYPE =
  '<?xml version="1.0"?>\n<!DOCTYPE service_bundle SYSTEM "/usr/share/lib/xml/dtd/service_bundle.dtd.1">\n';

/** An SMF manifest: services given as inner XML. */
const bundle = (name: string, body: string): string =>
  `${DOCTYPE}<service_bundle type='manifest' name='${name}'>\n${body}\n</service_bundle>\n`;

const dep = (name: string, fmri: string, grouping = 'require_all', type = 'service', extra = '') =>
  `<dependency name='${name}' grouping='${grouping}' restart_on='none' type='${type}'${extra}><service_fmri value='${fmri}'/></dependency>`;

/** The lines of an output, sorted, with the list values pkgdepend prints in set order sorted too. */
const lines = (t: string): string[] =>
  t
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      if (!l.includes('pkg.debug.depend.fullpath=')) return l;
      const words = l.split(' ');
      const full = words.filter((w) => w.startsWith('pkg.debug.depend.fullpath=')).sort();
      let i = 0;
      return words
        .map((w) => (w.startsWith('pkg.debug.depend.fullpath=') ? full[i++] : w))
        .join(' ');
    })
    .sort();

/** Our error messages as pkgdepend prints them (without releng's prefix and hints). */
const ourErrors = (stderr: string): string[] =>
  stderr
    .replace(/^\(error\) /gm, '\u0000')
    .split('\u0000')
    .map((e) => e.replace(/\n {2}(file|hint|line): .*/g, '').trimEnd())
    .filter((e) => e !== '')
    .sort();

/** pkgdepend's error messages (a syntax error's spans two lines), sorted. */
const splitErrors = (stderr: string): string[] =>
  stderr
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .reduce<string[]>((acc, l) => {
      const last = acc[acc.length - 1];
      if (last && / syntax error .*The problem was:$/.test(last))
        acc[acc.length - 1] = `${last}\n${l}`;
      else acc.push(l);
      return acc;
    }, [])
    .sort();

describe('manifest generate: Python imports and SMF manifests as pkgdepend finds them', {
  skip,
}, () => {
  let dir: string;
  let proto: string;
  const put = (p: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(join(proto, p)), { recursive: true });
    writeFileSync(join(proto, p), text);
    chmodSync(join(proto, p), mode);
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-genpy-'));
    proto = join(dir, 'proto');
    put(
      'usr/bin/pytool',
      [
        '#!/usr/bin/python3.11',
        'from __future__ import annotations',
        'import os, sys, json',
        'import os.path',
        'import xml.etree.ElementTree as ET',
        'from demo import helper',
        'from demo.sub import thing, other',
        'import demo.deep.mod',
        'from local_helper import run',
        'from email import *',
        'class K:',
        '    def m(self):',
        '        import yaml',
        'def f():',
        '    try:',
        '        import simplejson as json',
        '    except ImportError:',
        '        pass',
        '',
      ].join('\n'),
      0o755,
    );
    put('usr/bin/local_helper.py', 'import re\n');
    put('usr/lib/python3/dist-packages/demo/__init__.py', 'import re\n');
    // Not executable, but in a python3.11 folder with a #! line: analysed with 3.11.
    put(
      'usr/lib/python3.11/vendor-packages/lib_mod.py',
      '#!/usr/bin/python3.11\nimport socket\nimport demo\n',
    );
    // Not executable and in no python folder: not analysed.
    put('usr/share/demo/notes.py', '#!/usr/bin/python3.11\nimport nothing_here\n');
    // Executable, the folder says 3.11 and the #! line agrees; one import partly bypassed
    // (one only: pkgdepend records the bypassed paths of the last, in set order).
    put(
      'usr/lib/python3.11/vendor-packages/tool2.py',
      '#!/usr/bin/python3.11\nimport subprocess\nimport ssl\n',
      0o755,
    );
    // Not Python at all, though executable.
    put('usr/bin/shtool', '#!/bin/sh\necho python\n', 0o755);

    put(
      'lib/svc/manifest/network/demo.xml',
      bundle(
        'demo',
        [
          "<service name='network/demo' type='service' version='1'>",
          "  <create_default_instance enabled='false'/>",
          `  ${dep('base', 'svc:/system/base:default')}`,
          `  ${dep('opt', 'svc:/system/opt', 'optional_all')}`,
          `  ${dep('file', 'file://localhost/etc/demo.conf', 'require_all', 'path')}`,
          `  ${dep('gone', 'svc:/system/gone', 'require_all', 'service', " delete='true'")}`,
          `  ${dep('self', 'svc:/network/demo:second')}`,
          "  <instance name='second' enabled='false'>",
          `    ${dep('multi', 'svc:/system/multi')}`,
          '  </instance>',
          '</service>',
          "<service name='network/demo-two' type='service' version='1'>",
          "  <instance name='default' enabled='true'>",
          `    ${dep('net', 'svc:/network/physical:default')}`,
          '  </instance>',
          '</service>',
        ].join('\n'),
      ),
    );
    put(
      'lib/svc/manifest/system/base.xml',
      bundle(
        'base',
        "<service name='system/base' type='service' version='1'><create_default_instance enabled='true'/></service>",
      ),
    );
    for (const n of ['a', 'b'])
      put(
        `lib/svc/manifest/system/multi-${n}.xml`,
        bundle(
          `m${n}`,
          `<service name='system/multi' type='service' version='1'><instance name='${n}' enabled='true'/></service>`,
        ),
      );
    // Delivered elsewhere in the proto area (by another package): still a provider.
    put(
      'var/svc/manifest/network/physical.xml',
      bundle(
        'physical',
        "<!-- the network --><service name='network/physical' type='service' version='1'>\n<instance name='default' enabled='true'/></service>",
      ),
    );
    put('lib/svc/manifest/site/empty.xml', bundle('empty', '<!-- no services -->'));
    put('lib/svc/manifest/site/broken.xml', `${DOCTYPE}<service_bundle><service name='x'>`);
    put(
      'lib/svc/manifest/site/other-dtd.xml',
      '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "x.dtd">\n<x/>\n',
    );
    put(
      'usr/share/demo/elsewhere.xml',
      bundle(
        'e',
        `<service name='site/e' version='1'><instance name='i'>${dep('u', 'svc:/nowhere:x')}</instance></service>`,
      ),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const same = async (name: string, text: string, args: string[] = []) => {
    const m = join(dir, `${name}.p5m`);
    writeFileSync(m, `${text}\n`);
    const ref = spawnSync(tool('pkgdepend'), ['generate', ...args, '-d', proto, m], {
      encoding: 'utf8',
    });
    const ours = await releng(['manifest', 'generate', ...args, '-d', proto, m], { cwd: dir });
    assert.deepEqual(lines(ours.stdout), lines(ref.stdout));
    return { ref, ours };
  };

  it('Python: imports of scripts and modules, packages, builtins, internal resolution, bypass', async () => {
    const { ref, ours } = await same(
      'py',
      [
        'set name=pkg.fmri value=pkg:/demo/py@1.0',
        'file path=usr/bin/pytool mode=0555 owner=root group=bin',
        'file path=usr/bin/local_helper.py mode=0444 owner=root group=bin',
        'file path=usr/lib/python3.11/vendor-packages/lib_mod.py mode=0444 owner=root group=bin',
        'file path=usr/share/demo/notes.py mode=0444 owner=root group=bin',
        'file path=usr/lib/python3.11/vendor-packages/tool2.py mode=0555 owner=root group=bin \\',
        '    pkg.depend.bypass-generate=usr/lib/python3.11/subprocess.py \\',
        '    pkg.depend.bypass-generate=.*/subprocess.so',
        'file path=usr/bin/shtool mode=0555 owner=root group=bin',
      ].join('\n'),
    );
    assert.equal(ref.status, 0, ref.stderr);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ref.stdout, /pkg\.debug\.depend\.type=python/);
    assert.match(ref.stdout, /pkg\.debug\.depend\.file=yaml\.py/);
    assert.match(ref.stdout, /pkg\.debug\.depend\.file=deep\/__init__\.py/);
    assert.doesNotMatch(ref.stdout, /local_helper|notes|nothing_here|file=sys\./);
    assert.match(ref.stdout, /set name=pkg\.debug\.depend\.bypassed/);
  });

  it('Python: the real standard library modules of python3.11, as scripts of a package', async () => {
    // Real code: every top-level module of /usr/lib/python3.11 (relative imports, conditional
    // and nested imports, __future__ and builtins included), given a #! line so pkgdepend reads it.
    const mods = readdirSync('/usr/lib/python3.11').filter((f) => f.endsWith('.py'));
    assert.ok(mods.length > 100);
    const text = ['set name=pkg.fmri value=pkg:/demo/stdlib@1.0'];
    for (const f of mods) {
      const p = `usr/lib/python3.11/vendor-packages/real/${f}`;
      put(
        p,
        `#!/usr/bin/python3.11\n${readFileSync(join('/usr/lib/python3.11', f), 'utf8')}`,
        0o555,
      );
      text.push(`file path=${p} mode=0555 owner=root group=bin`);
    }
    const { ref, ours } = await same('stdlib', text.join('\n'));
    assert.equal(ours.code, ref.status, ref.stderr);
    assert.deepEqual(ourErrors(ours.stderr), splitErrors(ref.stderr));
    assert.ok(ref.stdout.split('\n').length > 100, ref.stdout.split('\n').length.toString());
  });

  it('run paths: -k, pkg.depend.runpath of the package and of a file, $PKGDEPEND_RUNPATH', async () => {
    const text = (mf: string[]) =>
      [
        'set name=pkg.fmri value=pkg:/demo/rp@1.0',
        ...mf,
        'file path=usr/bin/pytool mode=0555 owner=root group=bin',
        'file path=usr/lib/python3.11/vendor-packages/lib_mod.py mode=0444 owner=root group=bin \\',
        '    pkg.depend.runpath=usr/lib/demo:$PKGDEPEND_RUNPATH:/opt/late',
      ].join('\n');
    const a = await same('rp-k', text([]), ['-k', 'opt/mine', '-k', '$PKGDEPEND_RUNPATH']);
    assert.equal(a.ours.code, a.ref.status, a.ref.stderr);
    assert.match(a.ref.stdout, /pkg\.debug\.depend\.path=opt\/mine .*reason=usr\/bin\/pytool/);
    assert.match(
      a.ref.stdout,
      /path=usr\/lib\/demo .*path=usr\/lib\/python3\.11 .*reason=usr\/lib\/python3\.11\/vendor-packages\/lib_mod\.py/,
    );
    const b = await same('rp-mf', text(['set name=pkg.depend.runpath value=opt/only']));
    assert.equal(b.ours.code, b.ref.status, b.ref.stderr);
    assert.doesNotMatch(
      b.ref.stdout,
      /usr\/lib\/python3\.11\/lib-dynload.*reason=usr\/bin\/pytool/,
    );
    // pkgdepend's errors: two values, no entry, the token twice.
    for (const [name, mf, want] of [
      [
        'rp-two',
        ['set name=pkg.depend.runpath value=a value=b'],
        /rp-two\.p5m: Manifest specified multiple values for pkg\.depend\.runpath/,
      ],
      [
        'rp-none',
        ['set name=pkg.depend.runpath value=::'],
        /rp-none\.p5m: Manifest did not specify any entries for pkg\.depend\.runpath/,
      ],
      [
        'rp-twice',
        ['set name=pkg.depend.runpath value=$PKGDEPEND_RUNPATH:x:$PKGDEPEND_RUNPATH'],
        /More than one \$PKGDEPEND_RUNPATH token was set on the same action in this manifest\./,
      ],
    ] as [string, string[], RegExp][]) {
      const m = join(dir, `${name}.p5m`);
      writeFileSync(m, `${text(mf)}\n`);
      const ref = spawnSync(tool('pkgdepend'), ['generate', '-d', proto, m], { encoding: 'utf8' });
      const ours = await releng(['manifest', 'generate', '-d', proto, m], { cwd: dir });
      assert.notEqual(ref.status, 0, name);
      assert.equal(ours.code, 1, name);
      assert.match(ours.stderr, want, name);
      assert.match(ref.stderr, new RegExp(want.source.replace(/^rp-\w+\\.p5m: /, '')), name);
    }
  });

  it('Python: -I keeps what the package satisfies itself', async () => {
    const { ref, ours } = await same(
      'pyI',
      [
        'set name=pkg.fmri value=pkg:/demo/pyi@1.0',
        'file path=usr/bin/pytool mode=0555 owner=root group=bin',
        'file path=usr/bin/local_helper.py mode=0444 owner=root group=bin',
      ].join('\n'),
      ['-I'],
    );
    assert.equal(ours.code, ref.status, ref.stderr);
    assert.match(ours.stdout, /file=local_helper\.py/);
  });

  it('Python: the problems pkgdepend reports, with its messages', async () => {
    put(
      'usr/lib/python3.11/vendor-packages/x/mism.py',
      '#!/usr/bin/python3.12\nimport os\nfrom .sib import a\nimport sib\n',
      0o755,
    );
    put('usr/bin/rel', '#!/usr/bin/python3.11\nimport os\nfrom . import a\n', 0o755);
    put('usr/bin/bad', '#!/usr/bin/python3.11\nimport os\ndef (:\n', 0o755);
    put('usr/bin/envpy', '#!/usr/bin/env python3\nimport foo\n', 0o755);
    put('usr/bin/relpy', '#!python3.11\nimport os\n', 0o755);
    const { ref, ours } = await same(
      'pyerr',
      [
        'set name=pkg.fmri value=pkg:/demo/pyerr@1.0',
        'file path=usr/lib/python3.11/vendor-packages/x/mism.py mode=0555 owner=root group=bin',
        'file path=usr/bin/rel mode=0555 owner=root group=bin',
        'file path=usr/bin/bad mode=0555 owner=root group=bin',
        'file path=usr/bin/envpy mode=0555 owner=root group=bin',
        'file path=usr/bin/relpy mode=0555 owner=root group=bin',
      ].join('\n'),
    );
    assert.equal(ref.status, 1);
    assert.equal(ours.code, 1);
    assert.deepEqual(ourErrors(ours.stderr), splitErrors(ref.stderr));
  });

  it('Python: a version with no interpreter is an error naming manifest:line and what to do', async () => {
    put('usr/lib/python2.1/old.py', '#!/usr/bin/python2.1\nimport string\n');
    writeFileSync(
      join(dir, 'old.p5m'),
      'set name=pkg.fmri value=pkg:/old@1\n\nfile path=usr/lib/python2.1/old.py mode=0444 owner=root group=bin\n',
    );
    const ours = await releng(['manifest', 'generate', '-d', proto, 'old.p5m'], { cwd: dir });
    assert.equal(ours.code, 1);
    assert.match(
      ours.stderr,
      /old\.p5m:3: usr\/lib\/python2\.1\/old\.py is Python 2\.1 code, but its imports cannot be read: python2\.1/,
    );
    assert.match(ours.stderr, /install python2\.1, or set pkg\.depend\.bypass-generate=\.\*/);
  });

  it('SMF: required services to the manifests delivering them; org.opensolaris.smf.fmri', async () => {
    const { ref, ours } = await same(
      'smf',
      [
        'set name=pkg.fmri value=pkg:/demo/smf@1.0',
        'file path=lib/svc/manifest/network/demo.xml mode=0444 owner=root group=bin',
        'file path=lib/svc/manifest/site/empty.xml mode=0444 owner=root group=bin',
        'file path=lib/svc/manifest/site/broken.xml mode=0444 owner=root group=bin',
        'file path=lib/svc/manifest/site/other-dtd.xml mode=0444 owner=root group=bin',
        'file path=usr/share/demo/elsewhere.xml mode=0444 owner=root group=bin',
      ].join('\n'),
    );
    assert.equal(ref.status, 0, ref.stderr);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(
      ref.stdout,
      /pkg\.debug\.depend\.fullpath=lib\/svc\/manifest\/system\/multi-a\.xml/,
    );
    assert.match(
      ref.stdout,
      /pkg\.debug\.depend\.file=physical\.xml pkg\.debug\.depend\.path=var\/svc\/manifest\/network/,
    );
    assert.match(ref.stdout, /^set name=org\.opensolaris\.smf\.fmri value=svc:\/network\/demo /m);
  });

  it('SMF: the package delivering the required manifest itself needs nothing; -I keeps it', async () => {
    const text = [
      'set name=pkg.fmri value=pkg:/demo/smf2@1.0',
      'file path=lib/svc/manifest/network/demo.xml mode=0444 owner=root group=bin',
      'file path=lib/svc/manifest/system/base.xml mode=0444 owner=root group=bin',
      'file path=lib/svc/manifest/system/multi-a.xml mode=0444 owner=root group=bin',
    ].join('\n');
    const a = await same('smf2', text);
    assert.doesNotMatch(a.ours.stdout, /file=base\.xml/);
    const b = await same('smf2i', text, ['-I']);
    assert.match(b.ours.stdout, /file=base\.xml/);
  });

  it("SMF: a required service nobody delivers is pkgdepend's error", async () => {
    put(
      'lib/svc/manifest/site/lost.xml',
      bundle(
        'lost',
        `<service name='site/lost' version='1'><instance name='i'>${dep('u', 'svc:/nowhere/at/all:x')}</instance></service>`,
      ),
    );
    const { ref, ours } = await same(
      'lost',
      'set name=pkg.fmri value=pkg:/lost@1\nfile path=lib/svc/manifest/site/lost.xml mode=0444 owner=root group=bin',
    );
    assert.equal(ref.status, 1);
    assert.equal(ours.code, 1);
    assert.deepEqual(ourErrors(ours.stderr), [ref.stderr.trimEnd()]);
  });

  it('resolve: what releng generated resolves as pkgdepend resolves it', async () => {
    put('usr/lib/python3.11/socket.py', '# stands for the standard library\n');
    const r = join(dir, 'res');
    mkdirSync(r);
    const gen = async (name: string, text: string) => {
      writeFileSync(join(r, `${name}.p5m`), `${text}\n`);
      const o = await releng(['manifest', 'generate', '-m', '-d', proto, `${name}.p5m`], {
        cwd: r,
      });
      assert.equal(o.code, 0, o.stderr);
      writeFileSync(join(r, `${name}.depend`), o.stdout);
      return `${name}.depend`;
    };
    const names = [
      await gen(
        'app',
        [
          'set name=pkg.fmri value=pkg:/demo/app@1.0',
          'file path=usr/lib/python3.11/vendor-packages/lib_mod.py mode=0444 owner=root group=bin',
          'file path=lib/svc/manifest/network/demo.xml mode=0444 owner=root group=bin',
        ].join('\n'),
      ),
      await gen(
        'pylib',
        'set name=pkg.fmri value=pkg:/library/python/demo@2.0\nfile path=usr/lib/python3/dist-packages/demo/__init__.py mode=0444 owner=root group=bin',
      ),
      await gen(
        'svcs',
        [
          'set name=pkg.fmri value=pkg:/system/svcs@0.5.11',
          'file path=lib/svc/manifest/system/base.xml mode=0444 owner=root group=bin',
          'file path=var/svc/manifest/network/physical.xml mode=0444 owner=root group=bin',
        ].join('\n'),
      ),
      await gen(
        'multia',
        'set name=pkg.fmri value=pkg:/system/multi-a@1\nfile path=lib/svc/manifest/system/multi-a.xml mode=0444 owner=root group=bin',
      ),
      await gen(
        'multib',
        'set name=pkg.fmri value=pkg:/system/multi-b@1\nfile path=lib/svc/manifest/system/multi-b.xml mode=0444 owner=root group=bin',
      ),
      // What the Python deps need besides: python itself and its modules, in one made-up package.
      await gen(
        'python',
        [
          'set name=pkg.fmri value=pkg:/runtime/python-311@3.11',
          'file path=usr/lib/python3.11/socket.py mode=0444 owner=root group=bin',
        ].join('\n'),
      ),
    ];
    mkdirSync(join(r, 'ref'));
    mkdirSync(join(r, 'ours'));
    const image = join(dir, 'image');
    const ic = spawnSync(tool('pkg'), ['image-create', image], { encoding: 'utf8' });
    assert.equal(ic.status, 0, ic.stderr);
    const ref = spawnSync(
      tool('pkgdepend'),
      ['-R', image, 'resolve', '-S', '-m', '-d', 'ref', ...names],
      {
        cwd: r,
        encoding: 'utf8',
      },
    );
    assert.equal(ref.status, 0, ref.stderr);
    const ours = await releng(['manifest', 'resolve', '-m', '-d', 'ours', ...names], { cwd: r });
    assert.equal(ours.code, 0, ours.stderr);
    // The order of the depend lines (and of a require-any's FMRIs) is not what is compared here.
    const norm = (t: string) => {
      const ls = t.split('\n');
      const deps = ls
        .filter((l) => l.startsWith('depend '))
        .map((l) => l.split(' ').sort().join(' '));
      return [...ls.filter((l) => !l.startsWith('depend ')), ...deps.sort()].join('\n');
    };
    for (const n of names)
      assert.equal(
        norm(readFileSync(join(r, 'ours', n), 'utf8')),
        norm(readFileSync(join(r, 'ref', n), 'utf8')),
        n,
      );
    const app = readFileSync(join(r, 'ours', 'app.depend'), 'utf8');
    assert.match(app, /fmri=pkg:\/library\/python\/demo@2\.0 type=require/);
    assert.match(app, /type=require-any/);
    assert.match(app, /fmri=pkg:\/system\/svcs@0\.5\.11 type=require/);
  });
});
