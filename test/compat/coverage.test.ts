// Every test function of releng-tool's suite (releng-tool-tests.txt) is
// accounted for: re-expressed by a case (its `from`), out of scope with a
// reason (out-of-scope.txt), or work left (not-yet.txt) — and no list names
// a test that does not exist, so the lists stay true as cases are added.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverage, readPatterns } from './coverage.ts';

test('each releng-tool test is covered by a case, out of scope or not yet, exactly once', () => {
  const c = coverage();
  assert.deepEqual(
    c.missing,
    [],
    'releng-tool tests in no list: add a case, or a line to not-yet.txt',
  );
  assert.deepEqual(
    c.overlapping,
    [],
    'tests in more than one list: take them off not-yet.txt / out-of-scope.txt',
  );
  assert.deepEqual(c.stale, [], 'patterns that match no releng-tool test');
});

test('every out-of-scope and not-yet line gives its reason', () => {
  for (const file of ['out-of-scope.txt', 'not-yet.txt'])
    for (const p of readPatterns(file))
      assert.notEqual(p.reason, '', `${file}: ${p.pattern} has no reason`);
});
