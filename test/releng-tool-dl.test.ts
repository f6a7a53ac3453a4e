// Where a releng-tool project's sources land in dl/: releng-tool's cache file
// (dl/<pkg>/<pkg>-<version>.<ext>), so that a project switched between the two
// tools keeps its downloads, and PKG_CACHE_FILE names that file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { interpretStemExtension, urlPath } from '../src/project/releng-tool/cache-file.ts';
import { makeProject, releng, removeProject, writeFiles } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

/** A build script writing what the package sees of its cache file to <root>/<pkg>.cache. */
const REPORT =
  "import os\nwith open(os.path.join(ROOT_DIR, PKG_NAME + '.cache'), 'w') as f:\n    f.write(os.environ['PKG_CACHE_FILE'] + '\\n' + os.environ['PKG_CACHE_DIR'])\n";

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('releng-tool cache file names', () => {
  it('guesses an extension as releng-tool does (first dot, then down to one part or a multi-part one)', () => {
    // the values Python's releng_tool.util.io.interpret_stem_extension gives
    const cases: Array<[string, string | undefined]> = [
      ['a', undefined],
      ['a.txt', 'txt'],
      ['a-1.2.3', '3'],
      ['a-1.2.tar.gz', 'tar.gz'],
      ['x.TAR.GZ', 'TAR.GZ'],
      ['x-2.tar.bz2', 'tar.bz2'],
      ['x-2.tar.zst', 'zst'],
      ['a.b.', ''],
    ];
    for (const [name, ext] of cases) assert.equal(interpretStemExtension(name).ext, ext, name);
  });

  it("reads a site's path as Python's urlparse does", () => {
    const cases: Array<[string, string]> = [
      ['pkg.default', 'pkg.default'],
      ['example.com:/srv/a.tgz', '/srv/a.tgz'],
      ['user@h:/x/y.zip', 'user@h:/x/y.zip'],
      ['file://rel/x.tgz', '/x.tgz'],
      ['https://h/p/a.tar.gz?x=1#f', '/p/a.tar.gz'],
      ['file:///abs/a.zip', '/abs/a.zip'],
    ];
    for (const [site, path] of cases) assert.equal(urlPath(site), path, site);
  });

  it('downloads into dl/<pkg>/<pkg>-<version>.<ext>, builds offline from it, and <pkg>-distclean removes it', async () => {
    const root = await makeProject({
      'srv/pkga-1.0/data.txt': 'data\n',
      'releng-tool.rt': "packages = ['pkga', 'pkgb']\n",
      'package/pkga/pkga-build.rt': REPORT,
      // an empty EXTENSION: no extension, whatever the site's name shows
      'package/pkgb/pkgb.rt':
        "PKGB_VERSION = '2'\nPKGB_EXTENSION = ''\nPKGB_SITE = 'file://{SRV}/b.zip'\nPKGB_EXTRACT_TYPE = 'zip'\n",
      'package/pkgb/pkgb-build.rt': REPORT,
      'srv/b/b.txt': 'b\n',
    });
    roots.push(root);
    const srv = join(root, 'srv');
    execFileSync('tar', ['czf', 'pkga-1.0.tar.gz', 'pkga-1.0'], { cwd: srv });
    execFileSync('python3', ['-m', 'zipfile', '-c', 'b.zip', 'b'], { cwd: srv });
    const digest = createHash('sha256')
      .update(readFileSync(join(srv, 'pkga-1.0.tar.gz')))
      .digest('hex');
    await writeFiles(root, {
      'package/pkga/pkga.rt': `PKGA_VERSION = '1.0'\nPKGA_SITE = 'file://${srv}/pkga-1.0.tar.gz'\n`,
      // the hash file names the cache file as releng-tool names it
      'package/pkga/pkga.hash': `sha256 ${digest} pkga-1.0.tar.gz\n`,
      'package/pkgb/pkgb.rt': readFileSync(join(root, 'package/pkgb/pkgb.rt'), 'utf8').replace(
        '{SRV}',
        srv,
      ),
    });
    const r = await releng(['-R', root, '-j1']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const fileA = join(root, 'dl/pkga/pkga-1.0.tar.gz');
    const fileB = join(root, 'dl/pkgb/pkgb-2');
    assert.ok(existsSync(fileA), 'dl/pkga/pkga-1.0.tar.gz');
    assert.ok(existsSync(fileB), 'dl/pkgb/pkgb-2 (no extension)');
    assert.ok(!existsSync(join(root, 'dl/pkga-1.0.tar.gz')), 'nothing flat in dl/');
    assert.equal(
      readFileSync(join(root, 'pkga.cache'), 'utf8'),
      `${fileA}\n${join(root, 'cache/pkga')}`,
    );
    assert.equal(readFileSync(join(root, 'pkgb.cache'), 'utf8').split('\n')[0], fileB);

    // the site gone: the cached file is enough
    await rename(join(srv, 'pkga-1.0.tar.gz'), join(root, 'away.tar.gz'));
    const again = await releng(['-R', root, '-j1', 'pkga-fresh']);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.ok(existsSync(join(root, 'output/build/pkga-1.0/data.txt')));

    const clean = await releng(['-R', root, 'pkga-distclean']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.ok(!existsSync(join(root, 'dl/pkga')), 'dl/pkga/ removed');
    assert.ok(existsSync(fileB), "another package's download is kept");
  });

  it('refuses an EXTENSION with a path in it before anything is fetched', async () => {
    const root = await makeProject({
      'releng-tool.rt': "packages = ['evil']\n",
      'srv/evil.tgz': 'x\n',
      'package/evil/evil.rt':
        "EVIL_VERSION = '1'\nEVIL_SITE = 'file://{SRV}/evil.tgz'\nEVIL_EXTENSION = 'x/../../../../outside'\n",
    });
    roots.push(root);
    await writeFiles(root, {
      'package/evil/evil.rt': readFileSync(join(root, 'package/evil/evil.rt'), 'utf8').replace(
        '{SRV}',
        join(root, 'srv'),
      ),
    });
    const r = await releng(['-R', root, 'fetch']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /package "evil" has a cache file extension with a path in it/);
    assert.match(r.stderr, /EVIL_EXTENSION/);
    assert.ok(!existsSync(join(root, 'outside')), 'nothing written outside');
    assert.ok(!existsSync(join(root, 'output', 'dl')), 'nothing fetched');
  });

  it('names an svn export dl/<pkg>/<pkg>-<version>.tgz, as releng-tool', async (t) => {
    if (!hasTool('svnadmin') || !hasTool('svn')) {
      t.skip('needs svn and svnadmin');
      return;
    }
    const root = await makeProject({
      'releng-tool.rt': "packages = ['s']\n",
      'wc-src/f.txt': 'x\n',
    });
    roots.push(root);
    execFileSync('svnadmin', ['create', join(root, 'repo')]);
    execFileSync('svn', [
      'import',
      '-q',
      '-m',
      'first',
      join(root, 'wc-src'),
      `file://${root}/repo`,
    ]);
    await writeFiles(root, {
      'package/s/s.rt': `S_VERSION = '1'\nS_REVISION = '1'\nS_SITE = 'svn+file://${root}/repo'\n`,
      'package/s/s-build.rt': REPORT,
    });
    const r = await releng(['-R', root, '-j1']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(existsSync(join(root, 'dl/s/s-1.tgz')), 'dl/s/s-1.tgz');
    assert.equal(
      readFileSync(join(root, 's.cache'), 'utf8').split('\n')[0],
      join(root, 'dl/s/s-1.tgz'),
    );
    assert.ok(existsSync(join(root, 'output/build/s-1/f.txt')), 'extracted');
  });
});
