/**
 * Transforms against pkg(5)'s pkgmogrify: real oi-userland manifests with the
 * transforms and macros a component build uses, and small inputs exercising
 * every operation, substitution and synthetic attribute. Output must be
 * byte-identical (and an `exit` op must end both alike).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mogrify } from '../../src/manifest/mogrify.ts';
import {
  extractOiUserland,
  filesUnder,
  MACROS,
  PUBLISH_TRANSFORMS,
  skipWithoutPkg5,
  tool,
} from './reference.ts';

/** Runs both; returns [reference, ours] as printed lines + output, or the exit code. */
function both(
  cwd: string,
  files: string[],
  macros: [string, string][],
  includes: string[],
  extra: string[] = [],
) {
  const args = [
    ...extra,
    ...includes.flatMap((i) => ['-I', i]),
    ...macros.flatMap(([k, v]) => ['-D', `${k}=${v}`]),
    ...files,
  ];
  const r = spawnSync(tool('pkgmogrify'), args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ref = r.status === 0 ? r.stdout : `exit ${r.status}`;
  let ours: string;
  try {
    const res = mogrify(files, { macros, includes, cwd, verbose: extra.includes('-v') });
    ours = res.exit
      ? `exit ${res.exit.code}`
      : res.printed.map((p) => `${p}\n`).join('') + res.output;
  } catch (e) {
    ours = `exit 1 (${(e as Error).message})`;
  }
  return { ref, ours, stderr: r.stderr };
}

describe('manifest mogrify matches pkgmogrify', { skip: skipWithoutPkg5 }, () => {
  let oiu: string;
  let work: string;
  before(() => {
    oiu = extractOiUserland();
    work = mkdtempSync(join(tmpdir(), 'releng-mog-'));
  });
  after(() => {
    rmSync(oiu, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('real oi-userland manifests with PUBLISH_TRANSFORMS (every 10th, and the named components)', () => {
    const all = filesUnder(oiu, '.p5m');
    const named = [
      'library/zlib/zlib.p5m',
      'sysutils/tree/tree.p5m',
      'text/gawk/gawk.p5m',
      'shell/bash/bash.p5m',
      'library/libxml2/libxml2.p5m',
    ].map((c) => `components/${c}`);
    const picked = [...new Set([...named, ...all.filter((_, i) => i % 10 === 0)])];
    for (const f of picked) {
      const { ref, ours } = both(oiu, [f, ...PUBLISH_TRANSFORMS], MACROS, ['transforms']);
      assert.equal(ours, ref, f);
    }
    assert.ok(picked.length >= 30);
  });

  const cases: Record<
    string,
    { manifest: string; transforms: string; macros?: [string, string][]; extra?: string[] }
  > = {
    'set, default, add, delete, drop': {
      manifest:
        'set name=pkg.fmri value=pkg:/a@1\nfile path=usr/bin/a\nfile path=usr/share/man/man1/a.1 mode=0644\ndir path=usr/lib/debug\nfile path=etc/a.conf tag=x tag=y tag=z\n',
      transforms: [
        '<transform file path=usr/bin/.* -> set mode 0555>',
        '<transform file -> default mode 0444>',
        '<transform file -> add tag "two words">',
        '<transform file path=etc/.* -> delete tag ^[xz]$>',
        '<transform dir path=usr/lib/debug -> drop>',
        '<transform file path=usr/share/man/(man\\d)/.* -> default facet.doc.man true>',
      ].join('\n'),
    },
    'edit with groups, named groups, %<n> back-references and a deferred pattern': {
      manifest:
        'set name=pkg.fmri value=pkg:/b@1\nfile path=usr/lib/python3.9/site-packages/m.py\nlink path=usr/lib/libx.so target=libx.so.1.2\nfile path=opt/x/y/z\n',
      transforms: [
        '<transform file path=usr/lib/python(3\\.\\d+)/(.*) -> edit path python%<1> python%<1>-new>',
        '<transform link path=(.*)\\.so target=(?P<t>.*) -> edit target "^(lib.*)\\.so\\.(\\d)" "\\g<1>-\\2">',
        '<transform file path=opt/(.*) -> edit path "^opt/(%<1>)$" "srv/\\1">',
        '<transform file path=opt/(x)/(y)/.* -> set pkg.note %<2>-%<1>>',
        '<transform file -> edit path %(path) %(path)-edited>',
      ].join('\n'),
    },
    'substitutions: %(attr;notfound=;prefix=;suffix=;sep=), %{pkg}, synthetic attributes': {
      manifest:
        'set name=pkg.fmri value=pkg:/c@1.0\nset name=pkg.summary value="C summary"\nfile path=usr/bin/c tag=a tag=b\nlicense c.lic license=MIT\ndir path=usr\n',
      transforms: [
        '<transform file -> set note %(tag;prefix=<;suffix=>;sep=,)>',
        '<transform file -> set none %(nope;notfound=missing)>',
        '<transform file -> set sum %{pkg.summary}>',
        '<transform file -> set fmri %{pkg.fmri}>',
        '<transform file -> set n %(action.name)>',
        '<transform file -> set k %(action.key)>',
        '<transform license -> set h %(action.hash)>',
        '<transform file -> set where %(pkg.manifest.lineno)>',
        '<transform dir -> set q "%(path;quote)">',
        '<transform file -> set action.hash deadbeef>',
      ].join('\n'),
    },
    'emit, print and the pkg pseudo action': {
      manifest:
        'set name=pkg.fmri value=pkg:/d@1\nset name=pkg.summary value=D\nfile path=usr/bin/d\nfile path=usr/bin/e\n',
      transforms: [
        '<transform file path=usr/bin/(.*) -> emit link path=usr/sbin/%<1> target=../bin/%<1>>',
        '<transform file -> emit dir path=usr/bin>',
        '<transform file -> emit # a comment for %(path)>',
        '<transform file -> print path is %(path)>',
        '<transform pkg -> emit depend type=require fmri=pkg:/runtime/e>',
        '<transform pkg -> print package %{pkg.fmri}>',
      ].join('\n'),
    },
    'macros: defined, nested, undefined left as written, prepended': {
      manifest:
        'set name=pkg.fmri value=pkg:/e@$(VER)\nfile path=usr/lib/$(MACH64)/libe.so\n$(i386_ONLY)file path=usr/lib/libe32.so\nfile path=usr/$(UNDEFINED)/x\n',
      transforms: '<transform file path=usr/lib/$(MACH64)/.* -> set variant.arch $(MACH)>',
      macros: [
        ['VER', '$(MAJOR).4'],
        ['MAJOR', '2'],
        ['MACH64', 'amd64'],
        ['MACH', 'i386'],
      ],
    },
    '<include> of a transforms file and -v comments': {
      manifest: '<include inc.transforms>\nset name=pkg.fmri value=pkg:/f@1\nfile path=usr/bin/f\n',
      transforms: '<transform file -> set owner root>',
      extra: ['-v'],
    },
    'exit with a message stops both': {
      manifest: 'set name=pkg.fmri value=pkg:/g@1\nfile path=usr/share/info/dir\n',
      transforms: '<transform file path=usr/share/info/dir -> exit 3 packaged %(path)>',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const dir = mkdtempSync(join(work, 'case-'));
      writeFileSync(join(dir, 'm.p5m'), c.manifest);
      writeFileSync(join(dir, 't.transforms'), c.transforms);
      writeFileSync(join(dir, 'inc.transforms'), '<transform file -> default group bin>\n');
      const { ref, ours, stderr } = both(
        dir,
        ['m.p5m', 't.transforms'],
        c.macros ?? [],
        ['.'],
        c.extra ?? [],
      );
      assert.equal(ours, ref, `${name}\nreference stderr: ${stderr}`);
      assert.ok(ref.length > 0);
    });
  }
});
