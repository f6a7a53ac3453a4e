/** The argument building of the host-tool site types, without running the tools. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PackageModel } from '../../src/project/model.ts';
import { cvsRevisionArgs, parseCvsSite } from '../../src/sources/cvs.ts';
import { hgRevision } from '../../src/sources/hg.ts';
import { detectVcsType, siteType } from '../../src/sources/registry.ts';
import { scpArguments, scpRemotePath } from '../../src/sources/scp.ts';
import { svnRevision } from '../../src/sources/svn.ts';
import type { SiteContext } from '../../src/sources/types.ts';
import {
  archiveSuffix,
  fileSuffix,
  tarArguments,
  toArguments,
} from '../../src/sources/vcs-archive.ts';

function ctxFor(pkg: Partial<PackageModel>): SiteContext {
  return {
    pkg: { name: 'p', version: '1.0', revision: '1.0', options: {}, ...pkg },
  } as unknown as SiteContext;
}

describe('site detection', () => {
  it('detects each prefix, the old bzr+ spelling and a bare :pserver: root', () => {
    assert.equal(detectVcsType('hg+https://example.com/repo'), 'hg');
    assert.equal(detectVcsType('svn+https://svn.example.com/repos/x/trunk'), 'svn');
    assert.equal(detectVcsType('brz+lp:foo'), 'brz');
    assert.equal(detectVcsType('bzr+ssh://example.com/project/trunk'), 'brz');
    assert.equal(
      detectVcsType('cvs+:pserver:anonymous@cvs.example.com:/var/lib/cvsroot mod'),
      'cvs',
    );
    assert.equal(detectVcsType(':pserver:anonymous@cvs.example.com:/cvsroot mod'), 'cvs');
    assert.equal(detectVcsType('scp+user@host:/srv/libfoo-1.0.tar.gz'), 'scp');
    assert.equal(detectVcsType('rsync+host::module/libfoo/'), 'rsync');
  });

  it('accepts bzr as a VCS type for brz', () => {
    assert.equal(siteType('bzr', 'p').name, 'brz');
    assert.equal(siteType('hg', 'p').name, 'hg');
  });
});

describe('fetch options', () => {
  it('passes a list as is and a map as key then value', () => {
    assert.deepEqual(toArguments(['-P', '2222']), ['-P', '2222']);
    assert.deepEqual(toArguments({ '-P': '2222', '--checksum': '', '-i': '/k' }), [
      '-P',
      '2222',
      '--checksum',
      '-i',
      '/k',
    ]);
    assert.deepEqual(toArguments(undefined), []);
  });
});

describe('scp', () => {
  it('builds the scp call: batch mode, the fetch options, source, destination', () => {
    assert.deepEqual(
      scpArguments('me@host:/srv/a.tar.gz', ['-P', '2222', '-i', '/key'], '/p/dl/.a.tmp'),
      ['-o', 'BatchMode=yes', '-P', '2222', '-i', '/key', 'me@host:/srv/a.tar.gz', '/p/dl/.a.tmp'],
    );
  });

  it('finds the remote path in each site form', () => {
    assert.equal(scpRemotePath('host:/srv/libfoo-1.0.tar.gz'), '/srv/libfoo-1.0.tar.gz');
    assert.equal(scpRemotePath('me@host:dist/libfoo.zip'), 'dist/libfoo.zip');
    assert.equal(scpRemotePath('scp://me@host:2222//srv/x.tgz'), '//srv/x.tgz');
    assert.equal(scpRemotePath('just-a-host'), undefined);
  });

  it('names the dl file after the remote suffix, or the extension option', () => {
    assert.equal(fileSuffix(undefined, '/srv/libfoo-1.0.tar.gz'), '.tar.gz');
    assert.equal(fileSuffix(undefined, '/srv/libfoo-1.2'), '');
    assert.equal(fileSuffix(undefined, '/srv/fw.bin'), '.bin');
    assert.equal(fileSuffix('tgz', '/srv/download'), '.tgz');
    assert.equal(archiveSuffix('X.TAR.XZ'), '.tar.xz');
  });
});

describe('revisions', () => {
  it('svn: numbers, keywords and dates; anything else is a clear error', () => {
    assert.equal(svnRevision(ctxFor({ revision: '1234' })), '1234');
    assert.equal(svnRevision(ctxFor({ revision: 'r42' })), '42');
    assert.equal(svnRevision(ctxFor({ revision: '' })), 'HEAD');
    assert.equal(svnRevision(ctxFor({ revision: '{2024-01-31}' })), '{2024-01-31}');
    assert.throws(() => svnRevision(ctxFor({ revision: '1.0' })), /not a revision number/);
  });

  it('cvs: tags and revision numbers go to -r, dates to -D', () => {
    assert.deepEqual(cvsRevisionArgs('rel-1_0'), ['-r', 'rel-1_0']);
    assert.deepEqual(cvsRevisionArgs('1.4'), ['-r', '1.4']);
    assert.deepEqual(cvsRevisionArgs('2024-01-31'), ['-D', '2024-01-31']);
    assert.deepEqual(cvsRevisionArgs('1 week ago'), ['-D', '1 week ago']);
    assert.deepEqual(cvsRevisionArgs(''), ['-r', 'HEAD']);
  });

  it('cvs: the module is the last word of the site', () => {
    const site = 'cvs+:pserver:anonymous@cvs.example.com:/var/lib/cvsroot mymodule';
    assert.deepEqual(parseCvsSite(ctxFor({ site })), {
      root: ':pserver:anonymous@cvs.example.com:/var/lib/cvsroot',
      module: 'mymodule',
    });
    assert.throws(() => parseCvsSite(ctxFor({ site: 'cvs+/srv/cvsroot' })), /names no module/);
  });

  it('hg: the revision, else tip', () => {
    assert.equal(hgRevision(ctxFor({ revision: 'v1.0' })), 'v1.0');
    assert.equal(hgRevision(ctxFor({ revision: '' })), 'tip');
  });
});

describe('export archives', () => {
  it('are reproducible: sorted, owner 0, one mtime, gzip -n', () => {
    const args = tarArguments('/w', 'p-1.0', '/dl/.p-1.0.tar.gz.tmp', 1700000000);
    for (const expected of [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@1700000000',
      '--use-compress-program=gzip -n',
    ]) {
      assert.ok(args.includes(expected), expected);
    }
    assert.deepEqual(args.slice(-3), ['--directory', '/w', 'p-1.0'].slice(-3));
  });
});
