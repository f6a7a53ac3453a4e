import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

const patch = (from: string, to: string) =>
  `--- a/greeting.txt\n+++ b/greeting.txt\n@@ -1 +1 @@\n-${from}\n+${to}\n`;

describe('the patch stage', () => {
  it('applies *.patch in natural order, skips them for a development revision, and reports a rejected hunk', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['p'] };\n`,
      'package/p/p.ts': nativePackage(`{ version: '1', site: 'local', devmodeRevision: 'main' }`),
      'package/p/local/greeting.txt': 'hello\n',
      // 2 must apply before 10: the second patch expects the first one's result.
      'package/p/2-first.patch': patch('hello', 'hello there'),
      'package/p/10-second.patch': patch('hello there', 'hello there, world'),
    });
    roots.push(root);
    let r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await readFile(join(root, 'output/build/p-1/greeting.txt'), 'utf8'),
      'hello there, world\n',
    );

    r = await releng(['-R', root, 'p-fresh', '-D']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'output/build/p-1/greeting.txt'), 'utf8'), 'hello\n');

    const bad = await makeProject({
      'releng.config.ts': `export default { packages: ['q'] };\n`,
      'package/q/q.ts': nativePackage(`{ version: '1', site: 'local' }`),
      'package/q/local/greeting.txt': 'hello\n',
      'package/q/0001-wrong.patch': patch('goodbye', 'farewell'),
    });
    roots.push(bad);
    r = await releng(['-R', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /0001-wrong\.patch/);
    assert.match(r.stderr, /package: q \(stage: patch\)/);
    const state = await readFile(join(bad, 'output/build/q-1/.releng-state'), 'utf8');
    assert.doesNotMatch(state, /^patch /m);
  });
});
