/**
 * Stripping with debug packages and generated dependencies, checked against
 * the reference tools: readelf, dpkg-shlibdeps, rpm's elfdeps, lintian,
 * rpmlint, dpkg-deb and rpm.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseElf } from '../../src/analyze/elf.ts';
import { writeOutputs } from '../../src/outputs/index.ts';
import { have, RPMLINTRC, run, SDE, tempDir } from './helpers.ts';

const tools = [
  'cc',
  'readelf',
  'objcopy',
  'strip',
  'dpkg-deb',
  'dpkg-shlibdeps',
  'rpm',
  'rpm2cpio',
];
const skip = tools.every(have) ? false : `needs ${tools.join(', ')}`;
const MULTIARCH = '/usr/lib/x86_64-linux-gnu';

/** A program (libc, libz and its own library) and the library, built with -g, staged in a tree. */
function buildTree(): string {
  const src = tempDir('releng-bin-src-');
  const root = path.join(src, 'root');
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  mkdirSync(path.join(root, MULTIARCH.slice(1)), { recursive: true });
  writeFileSync(path.join(src, 'f.c'), '#include <stdio.h>\nint f(void){return puts("f");}\n');
  writeFileSync(
    path.join(src, 'main.c'),
    '#include <zlib.h>\n#include <stdio.h>\nint f(void);\nint main(void){printf("%s\\n", zlibVersion());return f();}\n',
  );
  writeFileSync(path.join(root, 'usr/bin/tool.sh'), '#!/usr/bin/python3\nprint("hi")\n', {
    mode: 0o755,
  });
  const lib = path.join(root, MULTIARCH.slice(1), 'libf.so.1');
  execFileSync('cc', ['-g', '-O2', '-shared', '-fPIC', '-Wl,-soname,libf.so.1', 'f.c', '-o', lib], {
    cwd: src,
  });
  execFileSync('cc', ['-g', '-O2', 'main.c', lib, '-lz', '-o', path.join(root, 'usr/bin/prog')], {
    cwd: src,
  });
  return root;
}

function description(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'bintest',
    version: '2.1',
    architecture: 'amd64',
    maintainer: 'Releng Tests <releng@example.org>',
    summary: 'Tests stripping and generated dependencies',
    description: 'A program and a library, built with debug information.',
    license: 'MIT',
    section: 'utils',
    formats: ['deb', 'rpm'],
    contents: [
      { src: 'usr/bin/prog', dst: '/usr/bin/prog' },
      { src: 'usr/bin/tool.sh', dst: '/usr/bin/tool' },
      { src: `${MULTIARCH.slice(1)}/libf.so.1`, dst: `${MULTIARCH}/libf.so.1` },
    ],
    ...extra,
  };
}

async function build(root: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  return writeOutputs(description(extra), {
    sourceDir: root,
    imagesDir: tempDir('releng-bin-out-'),
    sourceDateEpoch: SDE,
  });
}

function extractDeb(deb: string): string {
  const dir = tempDir('releng-bin-x-');
  execFileSync('dpkg-deb', ['-x', deb, dir]);
  return dir;
}

function extractRpm(rpm: string): string {
  const dir = tempDir('releng-bin-x-');
  execFileSync('sh', ['-c', `rpm2cpio "${rpm}" | cpio -idm --quiet`], { cwd: dir });
  return dir;
}

const field = (deb: string, f: string): string =>
  execFileSync('dpkg-deb', ['-f', deb, f]).toString().trim();
const rpmq = (file: string, ...args: string[]): string[] =>
  run('rpm', ['-qp', ...args, file])
    .stdout.split('\n')
    .filter((l) => l && !l.startsWith('rpmlib('));
const buildId = (file: string): string =>
  /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', file]).toString())![1]!;

describe('stripping, debug packages and generated dependencies', { skip }, async () => {
  const root = buildTree();
  const files = await build(root);
  const byName = (re: RegExp): string => files.find((f) => re.test(path.basename(f)))!;
  const deb = byName(/^bintest_/);
  const dbgsym = byName(/^bintest-dbgsym_/);
  const rpm = byName(/^bintest-2/);
  const debuginfo = byName(/^bintest-debuginfo-/);

  test('four packages: .deb, -dbgsym .deb, .rpm, -debuginfo .rpm', () => {
    assert.deepEqual(files.map((f) => path.basename(f)).sort(), [
      'bintest-2.1-1.x86_64.rpm',
      'bintest-dbgsym_2.1-1_amd64.deb',
      'bintest-debuginfo-2.1-1.x86_64.rpm',
      'bintest_2.1-1_amd64.deb',
    ]);
  });

  test('.deb: ELF files stripped with a debuglink; -dbgsym holds .build-id/xx/yyyy.debug with DWARF', () => {
    const x = extractDeb(deb);
    const ids: string[] = [];
    for (const p of ['usr/bin/prog', `${MULTIARCH.slice(1)}/libf.so.1`]) {
      const f = path.join(x, p);
      const info = parseElf(readFileSync(f))!;
      assert.equal(info.stripped, true, `${p} stripped`);
      assert.match(execFileSync('file', [f]).toString(), /, stripped/);
      const id = buildId(f);
      ids.push(id);
      assert.equal(info.debugLink, `${id.slice(2)}.debug`);
      const d = path.join(
        extractDeb(dbgsym),
        `usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`,
      );
      assert.equal(buildId(d), id);
      assert.match(execFileSync('readelf', ['-S', '-W', d]).toString(), /\.debug_info/);
    }
    assert.equal(field(dbgsym, 'Package'), 'bintest-dbgsym');
    assert.equal(field(dbgsym, 'Depends'), 'bintest (= 2.1-1)');
    assert.equal(field(dbgsym, 'Auto-Built-Package'), 'debug-symbols');
    assert.equal(field(dbgsym, 'Build-Ids'), ids.sort().join(' '));
    assert.equal(field(dbgsym, 'Section'), 'debug');
    assert.equal(field(dbgsym, 'Architecture'), 'amd64');
  });

  test('.deb Depends is what dpkg-shlibdeps computes for the same binaries (own library excluded)', () => {
    const x = extractDeb(deb);
    const work = tempDir('releng-shlibdeps-');
    mkdirSync(path.join(work, 'debian'));
    writeFileSync(
      path.join(work, 'debian/control'),
      'Source: bintest\n\nPackage: bintest\nArchitecture: any\n',
    );
    const r = run('sh', [
      '-c',
      `cd "${work}" && dpkg-shlibdeps -O -l"${x}${MULTIARCH}" --ignore-missing-info "${x}/usr/bin/prog" "${x}${MULTIARCH}/libf.so.1" 2>/dev/null`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const ref = r.stdout
      .replace(/^shlibs:Depends=/, '')
      .trim()
      .split(', ')
      .sort();
    assert.ok(
      ref.some((d) => /^libc6 \(>= /.test(d)) && ref.some((d) => /^zlib1g \(>= /.test(d)),
      ref.join(),
    );
    // The script's interpreter /usr/bin/python3 belongs to python3-minimal, which is not
    // Essential; packages depend on python3 instead (lintian depends-on-python-minimal).
    assert.deepEqual(field(deb, 'Depends').split(', ').sort(), [...ref, 'python3'].sort());
    // The package's own public library: a shlibs file and the ldconfig trigger, as dh_makeshlibs.
    assert.equal(
      execFileSync('dpkg-deb', ['--info', deb, 'shlibs']).toString(),
      'libf 1 bintest (>= 2.1)\n',
    );
    assert.equal(
      execFileSync('dpkg-deb', ['--info', deb, 'triggers']).toString(),
      'activate-noawait ldconfig\n',
    );
  });

  test('.rpm: Requires and Provides are what elfdeps and script.req give; -debuginfo as find-debuginfo', () => {
    const x = extractRpm(rpm);
    const elfdeps = (flag: string): string[] => {
      const out = new Set<string>();
      for (const p of ['usr/bin/prog', `${MULTIARCH.slice(1)}/libf.so.1`]) {
        for (const l of execFileSync('/usr/lib/rpm/elfdeps', [flag, path.join(x, p)])
          .toString()
          .split('\n'))
          if (l) out.add(l);
      }
      return [...out];
    };
    assert.deepEqual(rpmq(rpm, '--requires').sort(), [...elfdeps('-R'), '/usr/bin/python3'].sort());
    assert.deepEqual(rpmq(rpm, '--provides').sort(), [...elfdeps('-P'), 'bintest = 2.1-1'].sort());
    const prog = path.join(x, 'usr/bin/prog');
    assert.equal(parseElf(readFileSync(prog))!.stripped, true);
    const id = buildId(prog);
    assert.equal(parseElf(readFileSync(prog))!.debugLink, 'prog-2.1-1.x86_64.debug');
    assert.ok(rpmq(rpm, '--list').includes(`/usr/lib/.build-id/${id.slice(0, 2)}/${id.slice(2)}`));
    const dx = extractRpm(debuginfo);
    const d = path.join(dx, 'usr/lib/debug/usr/bin/prog-2.1-1.x86_64.debug');
    assert.equal(buildId(d), id);
    assert.match(execFileSync('readelf', ['-S', '-W', d]).toString(), /\.debug_info/);
    assert.ok(rpmq(debuginfo, '--provides').includes(`debuginfo(build-id) = ${id}`));
    assert.match(run('rpm', ['-qpi', debuginfo]).stdout, /^Group +: Development\/Debug$/m);
    assert.equal(
      readdirSync(path.join(dx, `usr/lib/debug/.build-id/${id.slice(0, 2)}`)).includes(
        `${id.slice(2)}.debug`,
      ),
      true,
    );
  });

  test('lintian and rpmlint: no errors on the four packages', {
    skip: have('lintian') && have('rpmlint') ? false : 'lintian/rpmlint missing',
  }, () => {
    const l = run('lintian', ['--fail-on', 'error', deb, dbgsym]);
    assert.equal(l.code, 0, l.stdout + l.stderr);
    assert.doesNotMatch(l.stdout, /^E: /m);
    const r = run('rpmlint', ['-c', RPMLINTRC, rpm, debuginfo]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, / 0 errors/);
  });

  test('reproducible: a second build gives the same bytes for all four', async () => {
    const again = await build(root);
    for (let i = 0; i < files.length; i++) {
      assert.ok(readFileSync(files[i]!).equals(readFileSync(again[i]!)), path.basename(files[i]!));
    }
  });

  test('deb.lintianOverrides go to the main package only, not to -dbgsym', async () => {
    const out = await build(root, {
      formats: ['deb'],
      deb: { lintianOverrides: ['no-manual-page'] },
    });
    const main = extractDeb(out.find((f) => /bintest_/.test(f))!);
    assert.equal(
      readFileSync(path.join(main, 'usr/share/lintian/overrides/bintest'), 'utf8'),
      'bintest: no-manual-page\n',
    );
    const dbg = execFileSync('dpkg-deb', [
      '--contents',
      out.find((f) => /dbgsym/.test(f))!,
    ]).toString();
    assert.doesNotMatch(dbg, /lintian/);
  });

  test('strip: false keeps the files as they are, with no debug package', async () => {
    const out = await build(root, { strip: false, formats: ['deb'] });
    assert.equal(out.length, 1);
    const x = extractDeb(out[0]!);
    assert.equal(parseElf(readFileSync(path.join(x, 'usr/bin/prog')))!.stripped, false);
    const noDebug = await build(root, { debugPackage: false, formats: ['rpm'] });
    assert.equal(noDebug.length, 1);
    assert.equal(
      parseElf(readFileSync(path.join(extractRpm(noDebug[0]!), 'usr/bin/prog')))!.stripped,
      true,
    );
  });

  test('deb.shlibsRepositories: a library the host lacks is resolved through an APT repository over HTTP', async () => {
    // The project's library as its own package, published into a repository with a Contents index.
    const [libDeb] = await build(root, {
      name: 'libf1',
      formats: ['deb'],
      debugPackage: false,
      contents: [{ src: `${MULTIARCH.slice(1)}/libf.so.1`, dst: `${MULTIARCH}/libf.so.1` }],
    });
    const repo = tempDir('releng-shlibs-repo-');
    mkdirSync(path.join(repo, 'pool/main'), { recursive: true });
    mkdirSync(path.join(repo, 'dists/stable/main/binary-amd64'), { recursive: true });
    writeFileSync(path.join(repo, 'pool/main', path.basename(libDeb!)), readFileSync(libDeb!));
    const index = (args: string[]): string =>
      execFileSync('apt-ftparchive', args, { cwd: repo }).toString();
    writeFileSync(
      path.join(repo, 'dists/stable/main/binary-amd64/Packages'),
      index(['packages', 'pool']),
    );
    writeFileSync(path.join(repo, 'dists/stable/main/Contents-amd64'), index(['contents', 'pool']));
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const file = path.join(
        repo,
        decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname),
      );
      try {
        res.end(readFileSync(file));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const out = await build(root, {
        formats: ['deb'],
        contents: [{ src: 'usr/bin/prog', dst: '/usr/bin/prog' }],
        deb: { shlibsRepositories: [{ url: `http://127.0.0.1:${port}`, suite: 'stable' }] },
      });
      const depends = field(out.find((f) => /bintest_/.test(f))!, 'Depends').split(', ');
      assert.ok(depends.includes('libf1 (>= 2.1)'), depends.join(', '));
      assert.ok(
        depends.some((d) => d.startsWith('libc6 (>= ')),
        depends.join(', '),
      );
      assert.ok(
        requests.some((u) => u.startsWith('/pool/main/libf1_')),
        requests.join(' '),
      );
    } finally {
      server.close();
    }
  });

  test('a library no package provides is an error naming it, the file and what to do', async () => {
    const out = tempDir('releng-bin-none-');
    await assert.rejects(
      writeOutputs(
        description({
          formats: ['tar.gz', 'deb'],
          contents: [{ src: 'usr/bin/prog', dst: '/usr/bin/prog' }],
        }),
        { sourceDir: root, imagesDir: out, sourceDateEpoch: SDE },
      ),
      /bintest \(deb\): autoDepends: no Debian package provides libf\.so\.1 \(needed by \/usr\/bin\/prog: not found\).*autoDepends: false/,
    );
    assert.deepEqual(readdirSync(out), [], 'nothing written');
    const ok = await build(root, {
      formats: ['deb'],
      autoDepends: false,
      depends: ['libf1'],
      contents: [{ src: 'usr/bin/prog', dst: '/usr/bin/prog' }],
    });
    assert.equal(field(ok.find((f) => /bintest_/.test(f))!, 'Depends'), 'libf1');
  });
});
