/**
 * The formatter against pkg(5)'s pkgfmt on the vendored oi-userland manifests
 * and transforms: byte-identical output in each layout and option.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatManifest, isFormatted } from '../../src/manifest/format.ts';
import { extractOiUserland, filesUnder, skipWithoutPkg5, tool } from './reference.ts';

describe('manifest fmt matches pkgfmt', { skip: skipWithoutPkg5 }, () => {
  let oiu: string;
  let files: string[];
  before(() => {
    oiu = extractOiUserland();
    files = [
      ...filesUnder(oiu, '.p5m'),
      ...filesUnder(join(oiu, 'transforms')).map((f) => `transforms/${f}`),
    ];
  });
  after(() => rmSync(oiu, { recursive: true, force: true }));

  // pkgfmt FILE... rewrites each file in place: one run formats them all.
  const cases: [string, string[], Parameters<typeof formatManifest>[1]][] = [
    ['v2 (default)', [], {}],
    ['v1', ['-f', 'v1'], { format: 'v1' }],
    ['-u (unwrapped)', ['-u'], { unwrap: true }],
    ['-s (stripped)', ['-s'], { strip: true }],
  ];
  for (const [name, args, options] of cases) {
    it(`${name}: every vendored manifest and transform file`, () => {
      const work = mkdtempSync(join(tmpdir(), 'releng-pkgfmt-'));
      try {
        cpSync(oiu, work, { recursive: true });
        execFileSync(tool('pkgfmt'), [...args, ...files], { cwd: work, stdio: 'pipe' });
        let same = 0;
        for (const f of files) {
          const ours = formatManifest(readFileSync(join(oiu, f), 'utf8'), options);
          assert.equal(
            ours,
            readFileSync(join(work, f), 'utf8'),
            `${f} formatted with ${args.join(' ')}`,
          );
          same++;
        }
        assert.ok(same > 300, `compared ${same} files`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }

  it('tricky actions: quoting, escapes, lists, hashes, drivers, macros, comments', () => {
    const text = [
      '# header',
      '',
      'depend fmri=pkg:/b type=require-any fmri=pkg:/a',
      'file 0123abc path=/usr/bin/x mode=0555 owner=root group=bin variant.arch=i386 facet.doc=true',
      'link path=usr/lib/a target=b',
      'link path=usr/lib/a target=a',
      `set name=pkg.description value="A \\"quoted\\" and 'single' value that is long enough to need wrapping past eighty columns"`,
      "set name=pkg.summary value='it''s'",
      'set name=pkg.fmri value=pkg:/x@1.0',
      'set name=info.classification value=org.opensolaris.category.2008:System/Core',
      'driver name=e1000g alias=pci8086,1000 alias=pciex8086,10d3 alias=pci8086,100e perms="* 0666 root sys" clone_perms="e1000g 0666 root sys"',
      'user username=foo uid=100 group=other gcos-field="Foo User"',
      'group groupname=foo gid=100',
      'license lic.txt license="BSD-like" com.oracle.info.name=x',
      'legacy pkg=SUNWfoo name="Foo" desc="the foo" arch=i386 category=system hotline="call" vendor=x version=1',
      '$(i386_ONLY)file path=usr/lib/amd64/x.so',
      '<transform file path=usr/share/man/.* -> default facet.doc.man true>',
      'dir path=usr/share/doc/x',
      'hardlink path=usr/bin/y target=x',
      'file path=a pkg.debug.depend.file=a pkg.debug.depend.file=b pkg.depend.bypass-generate=.*',
      'bogus action=here',
      'file path=unfinished "quote',
      '# trailing',
      '',
    ].join('\n');
    for (const args of [[], ['-f', 'v1'], ['-u'], ['-s']]) {
      const ref = execFileSync(tool('pkgfmt'), args, { input: text, encoding: 'utf8' });
      const ours = formatManifest(text, {
        format: args.includes('v1') ? 'v1' : 'v2',
        unwrap: args.includes('-u'),
        strip: args.includes('-s'),
      });
      assert.equal(ours, ref, `pkgfmt ${args.join(' ')}`);
      assert.ok(isFormatted(ref) || args.length > 0, 'the formatted text is in pkgfmt form');
    }
  });
});
