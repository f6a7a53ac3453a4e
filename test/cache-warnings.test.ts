import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

describe('load-time warnings and the project cache', () => {
  it('shows the warnings on every run, and -W fails on them, also from a warm cache', async () => {
    const root = await makeProject({
      'releng.py': `packages = ['a']\n`,
      'package/a/a': `A_VERSION = '1'\nA_DEPENDANCIES = []\n`,
    });
    roots.push(root);
    const warning = /\(warn\) unknown package option A_DEPENDANCIES/;
    const cache = join(root, 'output', '.releng', 'project-cache.json');

    const first = await releng(['-R', root]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, warning);
    assert.ok(existsSync(cache), 'the first run wrote the project cache');

    // From the cache: no definition is evaluated, and the warning is still shown.
    const second = await releng(['-R', root, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const events = second.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; level?: string; message?: string });
    assert.ok(
      events.some(
        (e) => e.type === 'log' && e.level === 'warn' && /A_DEPENDANCIES/.test(e.message ?? ''),
      ),
      second.stdout,
    );

    for (let i = 0; i < 2; i++) {
      const strict = await releng(['-R', root, '-W']);
      assert.equal(
        strict.code,
        1,
        `run ${i + 1} under -W must fail: ${strict.stdout}${strict.stderr}`,
      );
      assert.match(strict.stderr, /unknown package option A_DEPENDANCIES/);
    }
  });
});
