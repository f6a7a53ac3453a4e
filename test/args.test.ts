import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../src/cli/args.ts';
import { parseAction } from '../src/engine/actions.ts';
import { RelengError } from '../src/util/errors.ts';

describe('parseArgs', () => {
  it('reads options, the action, KEY=VALUE words and -- arguments', () => {
    const a = parseArgs([
      '-j',
      '3',
      '--out-dir=/tmp/o',
      'libx-build',
      'CFLAGS=-O2',
      '--verbose',
      '--',
      'x',
      '-y',
    ]);
    assert.equal(a.jobs, 3);
    assert.equal(a.outDir, '/tmp/o');
    assert.equal(a.action, 'libx-build');
    assert.deepEqual(a.variables, { CFLAGS: '-O2' });
    assert.equal(a.verbose, true);
    assert.deepEqual(a.rest, ['x', '-y']);
  });

  it('accepts -j0, -j-1 and optional mode values', () => {
    assert.equal(parseArgs(['-j0']).jobs, 0);
    assert.equal(parseArgs(['-j-1']).jobs, -1);
    assert.equal(parseArgs(['-D']).development, true);
    assert.equal(parseArgs(['-D', 'beta']).development, 'beta');
    assert.equal(parseArgs(['--development=beta', 'punch']).action, 'punch');
    assert.deepEqual(parseArgs(['-L', 'libx:/src/libx', '-L']).localSources, [
      { pkg: 'libx', dir: '/src/libx' },
      true,
    ]);
  });

  it('rejects unknown options and missing values', () => {
    assert.throws(() => parseArgs(['--bogus']), UsageError);
    assert.throws(() => parseArgs(['--out-dir']), UsageError);
    assert.throws(() => parseArgs(['-j', 'many']), UsageError);
  });
});

describe('parseAction', () => {
  const pkgs = new Set(['libx', 'foo-build', 'my-lib']);
  it('splits <pkg>-<op> at a known package', () => {
    assert.deepEqual(parseAction('libx-rebuild-only', pkgs), {
      kind: 'package',
      pkg: 'libx',
      op: 'rebuild-only',
    });
    assert.deepEqual(parseAction('my-lib-clean', pkgs), {
      kind: 'package',
      pkg: 'my-lib',
      op: 'clean',
    });
    assert.deepEqual(parseAction('foo-build', pkgs), {
      kind: 'package',
      pkg: 'foo-build',
      op: 'all',
    });
    assert.deepEqual(parseAction('foo-build-build', pkgs), {
      kind: 'package',
      pkg: 'foo-build',
      op: 'build',
    });
    assert.deepEqual(parseAction('clean', pkgs), { kind: 'global', action: 'clean' });
    assert.deepEqual(parseAction(undefined, pkgs), { kind: 'all' });
  });

  it('suggests close names for an unknown word', () => {
    assert.throws(
      () => parseAction('libz', pkgs),
      (e: unknown) =>
        e instanceof RelengError &&
        e.message.includes('unknown action or package: libz (did you mean "libx"'),
    );
  });
});
