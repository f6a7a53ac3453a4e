/**
 * primary/filelists/other match what createrepo_c writes for the same
 * packages (rich and versioned dependencies, scriptlet requires, ghosts,
 * directories, config files, changelog, epoch, XML escaping).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseRpm, yumRepository } from '../../src/repository/yum/index.ts';
import { buildHello } from '../outputs/helpers.ts';
import { buildPackages, description, have, run, tempDir } from '../pkgsign/helpers.ts';

const skip = have('createrepo_c') ? false : 'createrepo_c is not installed';

function data(dir: string, type: string): string {
  const repomd = readFileSync(path.join(dir, 'repodata/repomd.xml'), 'utf8');
  const re = new RegExp(`<data type="${type}">[\\s\\S]*?<location href="([^"]+)"`);
  return gunzipSync(readFileSync(path.join(dir, re.exec(repomd)![1]!))).toString('utf8');
}

/** The `<package>` elements, sorted (the two tools may order packages differently). */
function packages(xml: string): string[] {
  return [...xml.matchAll(/<package[ >][\s\S]*?<\/package>/g)].map((m) => m[0]).sort();
}

describe('repodata matches createrepo_c', { skip }, () => {
  let ours: string;
  let theirs: string;

  before(async () => {
    const src = tempDir('releng-yum-meta-');
    const { files } = await buildHello(['rpm'], { imagesDir: src });
    const more = await buildPackages('rpm', src, [
      {
        ...description('escapes', {
          summary: 'Quotes "q" & <angles> and \'apostrophes\'',
        }),
        epoch: 3,
        depends: ['coreutils (>= 8.0)', 'bash (<< 6)', 'grep (= 3.8-1)'],
        provides: ['escapes-virtual (= 2.0)'],
        contents: [
          { content: 'x\n', dst: '/usr/sbin/escapes' },
          { content: 'x\n', dst: '/etc/escapes/main.conf', config: 'noreplace' },
          { type: 'dir', dst: '/var/lib/escapes' },
          { type: 'symlink', dst: '/usr/bin/esc', target: '../sbin/escapes' },
        ],
        scripts: { postInstall: { inline: 'true\n' } },
      },
    ]);
    ours = tempDir('releng-yum-ours-');
    theirs = tempDir('releng-yum-theirs-');
    mkdirSync(path.join(theirs, 'Packages'));
    for (const f of [...files, ...more]) {
      // Same bytes, same mtime (primary.xml's <time file>) in both.
      const dest = path.join(theirs, 'Packages', path.basename(f));
      copyFileSync(f, dest);
      const st = statSync(f);
      utimesSync(dest, st.atime, st.mtime);
    }
    const repo = await yumRepository(ours);
    await repo.add([...files, ...more]);
    await repo.publish({ revision: 1 });
    const r = run('createrepo_c', ['-q', '--no-database', theirs]);
    assert.equal(r.code, 0, r.stderr);
  });

  for (const type of ['primary', 'filelists', 'other']) {
    test(`${type}.xml`, () => {
      const a = data(ours, type);
      const b = data(theirs, type);
      assert.equal(
        a.split('\n', 2).join('\n'),
        b.split('\n', 2).join('\n'),
        'XML declaration and root',
      );
      assert.deepEqual(packages(a), packages(b));
    });
  }

  test('header-range is where the main header is', () => {
    const xml = data(ours, 'primary');
    const m =
      /<location href="Packages\/(releng-hello[^"]+)"\/>[\s\S]*?<rpm:header-range start="(\d+)" end="(\d+)"\/>/.exec(
        xml,
      )!;
    const file = readdirSync(path.join(ours, 'Packages')).find((f) => f === m[1])!;
    const layout = parseRpm(readFileSync(path.join(ours, 'Packages', file)), file);
    assert.equal(Number(m[2]), layout.headerStart);
    assert.equal(Number(m[3]), layout.headerEnd);
  });
});
