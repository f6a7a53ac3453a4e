import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeMatches } from '../src/util/suggest.ts';

// Expected values are what Python's difflib.get_close_matches returns (sorted),
// which is what releng-tool suggests.
describe('closeMatches', () => {
  it('picks the candidates difflib picks, sorted by name', () => {
    const globals = ['clean', 'distclean', 'mrproper', 'punch', 'fetch', 'extract'];
    assert.deepEqual(closeMatches('clea', globals), ['clean', 'distclean']);
    assert.deepEqual(closeMatches('fecth', ['fetch', 'fetch_full', 'patch', 'extract']), ['fetch']);
    assert.deepEqual(closeMatches('instll', ['build', 'install', 'reinstall', 'lint', 'license']), [
      'install',
      'lint',
      'reinstall',
    ]);
    assert.deepEqual(closeMatches('long-pkg', ['a-long-pkg-name', 'other']), ['a-long-pkg-name']);
  });

  it('suggests nothing when no candidate is similar enough', () => {
    assert.deepEqual(closeMatches('xyz', ['clean', 'fetch']), []);
    assert.deepEqual(closeMatches('anything', []), []);
  });
});
