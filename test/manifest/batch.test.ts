/**
 * Batch mode: `releng manifest mogrify|pipeline COMMON --component … --component …`
 * handles several components in one process, each with the common arguments
 * and its own; the outputs equal one run per component, a failing component
 * is reported by number without stopping the others, and a pipeline batch
 * publishes every component into one repository the reference pkg client
 * installs from.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

describe('manifest batch mode', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-batch-'));
    for (const c of ['zlib', 'tree']) {
      mkdirSync(join(dir, c, 'proto/usr/bin'), { recursive: true });
      writeFileSync(join(dir, c, 'proto/usr/bin', c), `${c} data\n`, { mode: 0o755 });
      writeFileSync(
        join(dir, c, `${c}.p5m`),
        'set name=pkg.fmri value=pkg:/$(COMPONENT_FMRI)@$(COMPONENT_VERSION),5.11-0.1\n' +
          'set name=pkg.summary value="the $(COMPONENT_FMRI) component"\n' +
          `file path=usr/bin/${c}\n`,
      );
    }
    writeFileSync(
      join(dir, 'defaults.transforms'),
      '<transform file path=usr/bin/.* -> default mode 0555>\n<transform file -> default owner root>\n<transform file -> default group bin>\n',
    );
    writeFileSync(join(dir, 'bad.p5m'), '<transform file -> chmod 0555>\nfile path=a\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const common = ['-I', '.', '-T', 'defaults.transforms', '-D', 'COMPONENT_VERSION=1.0'];
  const zlib = ['-D', 'COMPONENT_FMRI=library/zlib', 'zlib/zlib.p5m'];
  const tree = ['-D', 'COMPONENT_FMRI=file/tree', '-D', 'COMPONENT_VERSION=2.1', 'tree/tree.p5m'];

  it('mogrify: one process gives the bytes of one run per component, each with its own macros', async () => {
    for (const c of [zlib, tree]) {
      const r = await releng(['manifest', 'mogrify', '-d', 'single', ...common, ...c], {
        cwd: dir,
      });
      assert.equal(r.code, 0, r.stderr);
    }
    const r = await releng(
      [
        'manifest',
        'mogrify',
        '-d',
        'batch',
        ...common,
        '--component',
        ...zlib,
        '--component',
        ...tree,
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    for (const n of ['zlib_zlib.mogrified', 'tree_tree.mogrified']) {
      assert.equal(
        readFileSync(join(dir, 'batch', n), 'utf8'),
        readFileSync(join(dir, 'single', n), 'utf8'),
        n,
      );
    }
    assert.match(
      readFileSync(join(dir, 'batch/tree_tree.mogrified'), 'utf8'),
      /pkg:\/file\/tree@2\.1,5\.11-0\.1/,
      "the component's -D overrides the common one",
    );
    assert.match(
      readFileSync(join(dir, 'batch/zlib_zlib.mogrified'), 'utf8'),
      /pkg:\/library\/zlib@1\.0,5\.11-0\.1/,
    );
  });

  it('a failing component is named by number and the others still run', async () => {
    const r = await releng(
      [
        'manifest',
        'mogrify',
        '-d',
        'fail',
        ...common,
        '--component',
        'bad.p5m',
        '--component',
        ...zlib,
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /component 1: .*bad\.p5m:1: unknown transform operation 'chmod'/);
    assert.ok(existsSync(join(dir, 'fail/zlib_zlib.mogrified')), 'component 2 still ran');
    assert.ok(!existsSync(join(dir, 'fail/bad.mogrified')));
  });

  it('refuses --component where it does not apply, and an empty component', async () => {
    let r = await releng(['manifest', 'lint', '--component', 'a.p5m'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--component applies to mogrify and pipeline/);
    r = await releng(['manifest', 'mogrify', '-d', 'x', '--component', '--component', 'a.p5m'], {
      cwd: dir,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--component 1 is empty/);
  });

  it('pipeline: every component through every step into one repository pkg installs from', {
    skip: skipWithoutPkg5,
  }, async () => {
    const comp = (c: string, fmri: string) => [
      '--component',
      '-b',
      `${c}/build`,
      '-d',
      `${c}/proto`,
      '-D',
      `COMPONENT_FMRI=${fmri}`,
      `${c}/${c}.p5m`,
    ];
    const args = [
      'manifest',
      'pipeline',
      '-T',
      'defaults.transforms',
      '-D',
      'COMPONENT_VERSION=1.0',
      '-s',
      'repo',
      '-p',
      'demo',
      ...comp('zlib', 'library/zlib'),
      ...comp('tree', 'file/tree'),
    ];
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    let r = await releng(args, { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    for (const c of ['zlib', 'tree'])
      assert.ok(existsSync(join(dir, c, 'build', `manifest-${c}.published`)), c);
    r = await releng(args, { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^done/m, 'a second batch run skips every step');
    const image = join(dir, 'image');
    let p = spawnSync(
      tool('pkg'),
      ['image-create', '-p', `demo=file://${join(dir, 'repo')}`, image],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkg'), ['-R', image, 'install', 'library/zlib', 'file/tree'], {
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    assert.equal(readFileSync(join(image, 'usr/bin/tree'), 'utf8'), 'tree data\n');
    assert.ok(existsSync(join(image, 'usr/bin/zlib')));
    // The search index (built once, after the components) covers both.
    p = spawnSync(
      tool('pkg'),
      [
        '-R',
        image,
        'search',
        '-s',
        `file://${join(dir, 'repo')}`,
        '-H',
        '-o',
        'pkg.shortfmri',
        '/usr/bin/*',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /library\/zlib/);
    assert.match(p.stdout, /file\/tree/);
  });
});
