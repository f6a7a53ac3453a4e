import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkLicense } from '../src/licenses/spdx.ts';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

describe('license identifiers', () => {
  it('accepts SPDX expressions and flags unknown ids with a suggestion', () => {
    assert.deepEqual(checkLicense('MIT OR (Apache-2.0 WITH LLVM-exception)'), []);
    assert.deepEqual(checkLicense('GPL-2.0-or-later'), []);
    assert.deepEqual(checkLicense('LicenseRef-Proprietary'), []);
    const problems = checkLicense('GPLv2');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /"GPLv2" is not an SPDX license identifier \(did you mean "GPL-2.0/);
    assert.deepEqual(checkLicense('MyOwn', { licenses: ['MyOwn'] }), []);
  });
});

describe('license collection', () => {
  it('copies license files and writes one document headed by the license header', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['a', 'b', 'c'], licenseHeader: 'Third-party notices of the test product' };\n`,
      'package/a/a.ts': nativePackage(
        `{ version: '1.0', site: 'local', license: ['MIT', 'BSD-3-Clause'], licenseFiles: ['COPYING', 'docs/BSD.txt'] }`,
      ),
      'package/a/local/COPYING': 'MIT text of a\n',
      'package/a/local/docs/BSD.txt': 'BSD text of a\n',
      'package/b/b.ts': nativePackage(
        `{ version: '2', site: 'local', license: 'GPLv2', licenseFiles: 'LICENSE' }`,
      ),
      'package/b/local/LICENSE': 'GPL text of b\n',
      'package/c/c.ts': nativePackage(`{ version: '3' }`),
    });
    roots.push(root);
    let r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /generating license information\.\.\./);
    assert.match(
      r.stderr,
      /\(warn\) .*package "b": "GPLv2" is not an SPDX license identifier \(did you mean "GPL-2\.0/,
    );
    assert.match(r.stderr, /package "c" has no license information/);
    const doc = await readFile(join(root, 'output/licenses/licenses'), 'utf8');
    assert.ok(doc.startsWith('Third-party notices of the test product\n'));
    assert.ok(doc.indexOf('a 1.0 (MIT, BSD-3-Clause)') < doc.indexOf('b 2 (GPLv2)'));
    assert.match(doc, /\[COPYING\]\nMIT text of a\n/);
    assert.match(doc, /\[BSD\.txt\]\nBSD text of a\n/);
    assert.match(doc, /GPL text of b/);
    assert.equal(
      await readFile(join(root, 'output/licenses/a-1.0/docs/BSD.txt'), 'utf8'),
      'BSD text of a\n',
    );

    // --werror turns the warnings into a failure.
    r = await releng(['-R', root, '--werror', 'licenses']);
    assert.equal(r.code, 1);
  });

  it('fails when a named license file is missing', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': nativePackage(
        `{ version: '1', site: 'local', license: 'MIT', licenseFiles: ['LICENSE'] }`,
      ),
      'package/a/local/README': 'no license here\n',
    });
    roots.push(root);
    const r = await releng(['-R', root, 'a-license']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /license file "LICENSE" of package "a" does not exist/);
    assert.match(r.stderr, /file: .*package\/a\/a\.ts/);
  });
});
