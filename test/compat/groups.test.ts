// Every case file in cases/index.ts is run by one of the compat test files,
// so a new group cannot be left out of npm test by mistake.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CASE_GROUPS } from './cases/index.ts';
import { HERE } from './lib.ts';

test('each compatibility case group is run by exactly one compat test file', () => {
  const files = readdirSync(HERE).filter((f) => /^compat.*\.test\.ts$/.test(f));
  for (const group of Object.keys(CASE_GROUPS)) {
    const runners = files.filter((f) =>
      new RegExp(`compatSuite\\([^;]*'${group}'`, 's').test(readFileSync(join(HERE, f), 'utf8')),
    );
    assert.equal(
      runners.length,
      1,
      `group "${group}" is run by ${runners.length} files: ${runners.join(', ')}`,
    );
  }
});
