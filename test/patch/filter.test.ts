// Which patch files apply: IGNORE_PATCHES outside a package's development
// mode, DEVMODE_PATCHES in it (releng-tool's filters).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchFilter } from '../../src/patch/index.ts';
import type { PackageModel } from '../../src/project/model.ts';

const NAMES = ['001-new-file.patch', '002-another-new-file.patch'];
function pkg(options: Record<string, unknown>, devmodeRevision?: string): PackageModel {
  return {
    name: 'p',
    key: 'P',
    defDir: '/nowhere',
    definitionFile: '/nowhere/p.rt',
    version: '1',
    vcsType: 'none',
    type: 'script',
    dependencies: [],
    license: [],
    licenseFiles: [],
    installType: 'target',
    internal: false,
    revision: '1',
    devmodeRevision,
    stripCount: 1,
    hooks: {},
    options,
  };
}
const applied = (p: PackageModel, devmode?: string | true) => {
  const keep = patchFilter(p, devmode);
  return keep ? NAMES.filter(keep) : NAMES;
};

describe('patchFilter', () => {
  it('applies everything by default, nothing with IGNORE_PATCHES = True', () => {
    assert.deepEqual(applied(pkg({})), NAMES);
    assert.deepEqual(applied(pkg({ ignorePatches: true })), []);
    assert.deepEqual(applied(pkg({ ignorePatches: false })), NAMES);
  });
  it('leaves out the patches IGNORE_PATCHES patterns match (regular expressions)', () => {
    assert.deepEqual(applied(pkg({ ignorePatches: '001-*' })), [NAMES[1]]);
    assert.deepEqual(applied(pkg({ ignorePatches: ['releng'] })), NAMES);
  });
  it('applies nothing in development mode unless DEVMODE_PATCHES says which', () => {
    const dev = (v: unknown) => pkg({ relengTool: { DEVMODE_PATCHES: v } }, 'main');
    assert.deepEqual(applied(pkg({}, 'main'), true), []);
    assert.deepEqual(applied(dev(true), true), NAMES);
    assert.deepEqual(applied(dev(false), true), []);
    assert.deepEqual(applied(dev('001-*'), true), [NAMES[0]]);
    assert.deepEqual(applied(dev({ custom: true }), 'custom'), NAMES);
    assert.deepEqual(applied(dev({ other: true }), 'custom'), []);
    assert.deepEqual(applied(dev({ custom: '002-' }), 'custom'), [NAMES[1]]);
    // a package without a development revision builds as usual
    assert.deepEqual(applied(pkg({ ignorePatches: true }), true), []);
  });
  it('names the package when a pattern is no regular expression', () => {
    assert.throws(
      () => patchFilter(pkg({ ignorePatches: '(' }), undefined),
      /package "p".*regular expression/,
    );
  });
});
