/**
 * The repository search index releng writes after publishing, against the
 * one `pkgrepo refresh` builds from the same repository: real oi-userland
 * manifests (mogrified with oi-userland's transforms, payloads stood in for)
 * plus hand-made ones with every action type pkg(5) indexes, a package in two
 * versions, a signature and non-ASCII text. The index files must hold the same
 * entries (pkgrepo numbers the packages in Python set order, so the entries
 * are compared by package; when its numbering is releng's — FMRI order — the
 * files are compared byte for byte), and `pkg search` must answer the same
 * queries the same way from both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseManifest } from '../../src/manifest/manifest.ts';
import { mogrify } from '../../src/manifest/mogrify.ts';
import { releng } from '../helpers.ts';
import { tempDir } from '../tmp.ts';
import {
  extractOiUserland,
  filesUnder,
  MACROS,
  PUBLISH_TRANSFORMS,
  skipWithoutPkg5,
  tool,
} from './reference.ts';

/** An index folder's entries, independent of how packages are numbered and where lines fall. */
function indexEntries(index: string): Record<string, string[]> {
  const read = (f: string) =>
    readFileSync(join(index, f), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l !== '');
  const manf = read('manf_list.v1');
  const main = readFileSync(join(index, 'main_dict.ascii.v2'), 'utf8');
  const tokenAt = new Map<number, string>();
  const entries: string[] = [];
  let off = Buffer.byteLength(main.split('\n')[0] as string) + 1;
  for (const line of main.split('\n').slice(1)) {
    if (line === '') continue;
    const [tok, ...ats] = line.split(' ');
    tokenAt.set(off, tok as string);
    for (const at of ats) {
      const [a, ...sts] = at.split('!');
      for (const st of sts) {
        const [s, ...fvs] = st.split('@');
        for (const fv of fvs) {
          const [v, ...ps] = fv.split('#');
          for (const p of ps) {
            const [id, ...offs] = p.split(',');
            entries.push([tok, a, s, v, manf[Number(id)], offs.join(',')].join(' '));
          }
        }
      }
    }
    off += Buffer.byteLength(line) + 1;
  }
  const out: Record<string, string[]> = { main: entries.sort(), manf: [...manf].sort() };
  out.tokens = read('token_byte_offset.v1').map((l) => {
    const [t, o] = l.split(' ');
    const raw = t as string;
    const want = raw.startsWith('1') ? decodeURIComponent(raw.slice(1)) : raw.slice(1);
    assert.equal(decodeURIComponent(tokenAt.get(Number(o)) ?? '?'), want, l);
    return t as string;
  });
  for (const f of readdirSync(index).filter((x) => x.startsWith('__')))
    out[f] = readFileSync(join(index, f), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((o) => tokenAt.get(Number(o)) ?? `?${o}`)
      .sort();
  out.fmri_offsets = read('fmri_offsets.v1')
    .flatMap((l) => {
      const [fmris, offs] = l.split('!');
      let at = 0;
      const toks = (offs as string)
        .split(' ')
        .map((d) => {
          at += Number(d);
          return tokenAt.get(at) ?? '?';
        })
        .join(' ');
      return (fmris as string).split(' ').map((f) => `${f} ${toks}`);
    })
    .sort();
  out.full = read('full_fmri_list').sort();
  for (const f of ['fast_add.v1', 'fast_remove.v1'])
    out[f] = [readFileSync(join(index, f), 'utf8')];
  return out;
}

describe('manifest publish: the search index pkgrepo refresh builds', {
  skip: skipWithoutPkg5,
}, () => {
  let dir: string;
  let oiu: string;
  let image: string;
  const names: string[] = [];
  before(async () => {
    dir = tempDir('releng-search-');
    oiu = extractOiUserland();
    const proto = join(dir, 'proto');
    mkdirSync(proto);
    // Every 6th real manifest, mogrified as a component build does; payloads are stand-ins.
    const all = filesUnder(oiu, '.p5m');
    for (let i = 0; i < all.length && names.length < 32; i += 6) {
      const f = all[i] as string;
      const comp = f
        .split('/')
        .slice(1, -1)
        .filter((x) => x !== 'manifests')
        .join('/');
      const r = mogrify([f, ...PUBLISH_TRANSFORMS], {
        cwd: oiu,
        includes: ['transforms'],
        macros: [
          ...MACROS,
          ['COMPONENT_FMRI', comp],
          ['COMPONENT_SUMMARY', `the ${comp} component`],
          ['COMPONENT_CLASSIFICATION', 'org.opensolaris.category.2008:Development/System'],
          ['COMPONENT_LICENSE', 'MIT'],
          ['COMPONENT_LICENSE_FILE', 'LICENSE'],
        ],
      });
      // A FMRI still holding a macro is no package (as the lint test skips them).
      if (r.exit || /pkg\.fmri value=\S*\$\(/.test(r.output)) continue;
      let m: ReturnType<typeof parseManifest>;
      try {
        m = parseManifest(r.output, f);
      } catch {
        continue;
      }
      for (const { action } of m.actions) {
        if (action.name !== 'file' && action.name !== 'license') continue;
        const rel =
          action.hash && action.hash !== 'NOHASH'
            ? action.hash
            : (action.attrs.get('path') as string);
        if (!rel || rel.includes('..')) continue;
        mkdirSync(dirname(join(proto, rel)), { recursive: true });
        try {
          writeFileSync(join(proto, rel), `stands for ${rel}\n`);
        } catch {}
      }
      const name = `oiu-${names.length}.p5m`;
      writeFileSync(join(dir, name), r.output);
      names.push(name);
    }
    writeFileSync(join(proto, 'tool'), 'a tool\n');
    writeFileSync(join(proto, 'COPYING'), 'Permission is granted.\n');
    const hand = (name: string, lines: string[]) => {
      writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
      names.push(name);
    };
    for (const v of ['1.0', '1.1'])
      hand(`every-${v}.p5m`, [
        `set name=pkg.fmri value=pkg:/demo/every/thing@${v},5.11-0.1`,
        'set name=pkg.summary value="Every action type, indexed"',
        'set name=pkg.description value="Ünïcode wörds and    spaces  in a description"',
        'set name=info.classification value="org.opensolaris.category.2008:System/Core Libraries" value=org.opensolaris.category.2008:Development/C',
        'set name=variant.arch value=i386 value=sparc',
        'set name=empty value=""',
        'dir path=opt/every owner=root group=bin mode=0755',
        'dir path=/opt/every/sub/ owner=root group=bin mode=0755',
        'file tool path=opt/every/bin/tool owner=root group=bin mode=0555',
        'file tool path=opt/every/bin/tool2 owner=root group=bin mode=0555 variant.arch=i386',
        'link path=opt/every/bin/t target=tool mediator=every mediator-version=1.0',
        'hardlink path=opt/every/bin/t2 target=tool',
        'license COPYING license="MIT License"',
        'user username=everyone uid=1234 group=other',
        'group groupname=everygroup gid=1234',
        'driver name=everydrv alias=pci1234,5678 perms="* 0666 root sys"',
        'legacy pkg=SUNWevery name="every thing" arch=i386 category=system desc="d" hotline="h" vendor="v" version=1',
        'depend fmri=pkg:/library/zlib@1.2.11 type=require',
        'depend fmri=pkg://openindiana.org/runtime/python-39 type=optional',
        'depend fmri=a/one fmri=pkg:/b/two@2 type=require-any',
        'depend fmri=pkg:/demo/every/thing@1.0 type=incorporate',
        'depend fmri=__TBD type=weird',
      ]);
    // A signed one (hash-only signatures are indexed too).
    const pub = await releng(
      [
        'manifest',
        'publish',
        '-s',
        'repo',
        '-p',
        'openindiana.org',
        '-d',
        'proto',
        ...names.filter((n) => n !== 'every-1.1.p5m'),
      ],
      { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } },
    );
    assert.equal(pub.code, 0, pub.stderr);
    const signed = await releng(
      ['manifest', 'publish', '-s', 'repo', '-d', 'proto', '-a', 'sha256', 'every-1.1.p5m'],
      { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000001' } },
    );
    assert.equal(signed.code, 0, signed.stderr);
    cpSync(join(dir, 'repo'), join(dir, 'ref'), { recursive: true });
    rmSync(join(dir, 'ref/publisher/openindiana.org/index'), { recursive: true, force: true });
    const r = spawnSync(tool('pkgrepo'), ['refresh', '-s', join(dir, 'ref')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    image = join(dir, 'image');
    const ic = spawnSync(tool('pkg'), ['image-create', image], { encoding: 'utf8' });
    assert.equal(ic.status, 0, ic.stderr);
  });
  after(() => rmSync(oiu, { recursive: true, force: true }));

  const index = (repo: string) => join(dir, repo, 'publisher/openindiana.org/index');

  it('the index files hold the entries pkgrepo refresh writes', () => {
    assert.ok(names.length > 25, `${names.length} manifests`);
    const ours = indexEntries(index('repo'));
    const ref = indexEntries(index('ref'));
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(ref).sort());
    for (const k of Object.keys(ref)) assert.deepEqual(ours[k], ref[k], k);
    assert.ok((ref.main as string[]).length > 1000);
    // Numbered alike, the files are the same bytes.
    if (
      readFileSync(join(index('ref'), 'manf_list.v1'), 'utf8') ===
      readFileSync(join(index('repo'), 'manf_list.v1'), 'utf8')
    )
      for (const f of readdirSync(index('ref')).filter((x) => x !== 'full_fmri_list'))
        assert.ok(
          readFileSync(join(index('ref'), f)).equals(readFileSync(join(index('repo'), f))),
          f,
        );
  });

  it('pkg search answers alike from both', () => {
    const queries = [
      'tool',
      '/opt/every/bin/tool',
      'everyone',
      'SUNWevery',
      'Ünïcode',
      'System/Core Libraries',
      'depend:require:library/zlib',
      'require-any:',
      'signature:algorithm:',
      'python*',
      '*.so.1',
      'mediator:every',
    ];
    for (const q of queries) {
      const run = (repo: string) => {
        const r = spawnSync(
          tool('pkg'),
          [
            '-R',
            image,
            'search',
            '-s',
            `file://${join(dir, repo)}`,
            '-H',
            '-o',
            'search.match_type,action.name,action.key,search.match,pkg.shortfmri',
            q,
          ],
          { encoding: 'utf8' },
        );
        return { status: r.status, lines: r.stdout.split('\n').sort(), err: r.stderr };
      };
      const ours = run('repo');
      const ref = run('ref');
      assert.equal(ours.status, ref.status, `${q}: ${ours.err} / ${ref.err}`);
      assert.deepEqual(ours.lines, ref.lines, q);
    }
    const hit = spawnSync(
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
        'everyone',
      ],
      { encoding: 'utf8' },
    );
    assert.match(hit.stdout, /demo\/every\/thing@1\.0/);
  });

  it('releng manifest refresh rebuilds it; not a repository is an error', async () => {
    rmSync(index('repo'), { recursive: true, force: true });
    const r = await releng(['manifest', 'refresh', '-s', 'repo'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /indexed publisher\/openindiana\.org\/index/);
    assert.deepEqual(indexEntries(index('repo')), indexEntries(index('ref')));
    const bad = await releng(['manifest', 'refresh', '-s', 'nowhere'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nowhere is not a pkg\(5\) repository/);
  });
});
