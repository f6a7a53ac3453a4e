/**
 * Dependency generation against pkg(5)'s `pkgdepend generate` (the reference
 * runs with a pyelftools stand-in for its Solaris ELF module, see
 * scripts/setup-pkg5.sh): a proto area of real ELF objects (host binaries and
 * ones built here with RUNPATH, RPATH and $ORIGIN), scripts and hardlinks,
 * with internal resolution, bypass-generate and variants. The output lines
 * must be byte-identical (their order is pkgdepend's memory order, so unordered).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

const haveGcc = spawnSync('gcc', ['--version']).status === 0;
const skip = skipWithoutPkg5 || (haveGcc ? false : 'gcc is not installed');

describe('manifest generate matches pkgdepend generate', { skip }, () => {
  let dir: string;
  let proto: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'releng-gen-'));
    proto = join(dir, 'proto');
    for (const d of ['usr/bin', 'usr/lib/demo', 'usr/lib/64', 'opt/demo/bin', 'opt/demo/lib'])
      mkdirSync(join(proto, d), { recursive: true });
    copyFileSync('/usr/bin/ls', join(proto, 'usr/bin/ls'));
    writeFileSync(join(dir, 'lib.c'), 'int demo(void) { return 1; }\n');
    writeFileSync(join(dir, 'main.c'), 'int demo(void); int main(void) { return demo(); }\n');
    const cc = (args: string[]) => execFileSync('gcc', args, { cwd: dir, stdio: 'pipe' });
    cc([
      '-shared',
      '-fPIC',
      '-Wl,-soname,libdemo.so.1',
      '-o',
      join(proto, 'opt/demo/lib/libdemo.so.1'),
      'lib.c',
    ]);
    copyFileSync(
      join(proto, 'opt/demo/lib/libdemo.so.1'),
      join(proto, 'usr/lib/demo/libdemo.so.1'),
    );
    cc([
      '-o',
      join(proto, 'opt/demo/bin/origin'),
      'main.c',
      '-L',
      join(proto, 'opt/demo/lib'),
      '-l:libdemo.so.1',
      '-Wl,-rpath,$ORIGIN/../lib',
      '-Wl,--enable-new-dtags',
    ]);
    cc([
      '-o',
      join(proto, 'opt/demo/bin/rpath'),
      'main.c',
      '-L',
      join(proto, 'opt/demo/lib'),
      '-l:libdemo.so.1',
      '-Wl,-rpath,/usr/lib/demo:/opt/other',
      '-Wl,--disable-new-dtags',
    ]);
    cc([
      '-o',
      join(proto, 'opt/demo/bin/plain'),
      'main.c',
      '-L',
      join(proto, 'opt/demo/lib'),
      '-l:libdemo.so.1',
    ]);
    // Kernel modules: DT_NEEDED names like misc/mac, found by krtld's rules, not a run path.
    cc(['-shared', '-fPIC', '-Wl,-soname,misc/mac', '-o', join(dir, 'libmac.so'), 'lib.c']);
    cc(['-shared', '-fPIC', '-Wl,-soname,drv/ip', '-o', join(dir, 'libip.so'), 'lib.c']);
    for (const k of ['kernel/drv/amd64', 'usr/kernel/drv/amd64', 'platform/i86pc/kernel/drv/amd64'])
      mkdirSync(join(proto, k), { recursive: true });
    for (const [out, extra] of [
      ['kernel/drv/amd64/kdemo', []],
      ['usr/kernel/drv/amd64/udemo', []],
      ['platform/i86pc/kernel/drv/amd64/pdemo', []],
      ['kernel/drv/amd64/krpath', ['-Wl,-rpath,/opt/bad']],
    ] as [string, string[]][])
      cc([
        '-shared',
        '-fPIC',
        '-o',
        join(proto, out),
        'lib.c',
        '-Wl,--no-as-needed',
        join(dir, 'libmac.so'),
        join(dir, 'libip.so'),
        ...extra,
      ]);
    const script = (p: string, text: string, mode: number) => {
      writeFileSync(join(proto, p), text);
      chmodSync(join(proto, p), mode);
    };
    script('usr/bin/sh-tool', '#!/bin/sh\necho hi\n', 0o755);
    script('usr/bin/bash-tool', '#! /usr/bin/bash -e\necho hi\n', 0o755);
    script('usr/bin/env-tool', '#!/usr/bin/env perl\nprint 1;\n', 0o755);
    script('usr/bin/not-exec', '#!/usr/bin/ksh93\n', 0o644);
    script('usr/bin/data', 'just data\n', 0o644);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Record<string, string> = {
    'ELF NEEDED along RUNPATH, RPATH, $ORIGIN and the default paths; internal resolution': [
      'set name=pkg.fmri value=pkg:/demo@1.0',
      'set name=variant.arch value=i386',
      'file path=usr/bin/ls mode=0555 owner=root group=bin',
      'file path=opt/demo/bin/origin mode=0555 owner=root group=bin',
      'file path=opt/demo/bin/rpath mode=0555 owner=root group=bin',
      'file path=opt/demo/bin/plain mode=0555 owner=root group=bin variant.arch=i386',
      'file path=opt/demo/lib/libdemo.so.1 mode=0555 owner=root group=bin',
      'file path=usr/lib/demo/libdemo.so.1 mode=0555 owner=root group=bin',
    ].join('\n'),
    'scripts, hardlinks and a link satisfying a dependency': [
      'set name=pkg.fmri value=pkg:/scripts@1.0',
      'file path=usr/bin/sh-tool mode=0555 owner=root group=bin',
      'file path=usr/bin/bash-tool mode=0555 owner=root group=bin',
      'file path=usr/bin/env-tool mode=0555 owner=root group=bin',
      'file path=usr/bin/not-exec mode=0444 owner=root group=bin',
      'file path=usr/bin/data mode=0444 owner=root group=bin',
      'hardlink path=usr/bin/sh-tool2 target=sh-tool',
      'hardlink path=usr/bin/elsewhere target=../sbin/tool',
      'link path=usr/bin/env target=../../opt/demo/bin/plain',
    ].join('\n'),
    'pkg.depend.bypass-generate by file name, by pattern and .*': [
      'set name=pkg.fmri value=pkg:/bypass@1.0',
      'file path=usr/bin/ls mode=0555 owner=root group=bin pkg.depend.bypass-generate=libc.so.6',
      'file path=opt/demo/bin/rpath mode=0555 owner=root group=bin pkg.depend.bypass-generate=usr/lib/.*',
      'file path=opt/demo/bin/origin mode=0555 owner=root group=bin pkg.depend.bypass-generate=.*',
    ].join('\n'),
    'kernel modules: /platform/<platform>/kernel, /kernel, /usr/kernel, the amd64 folder': [
      'set name=pkg.fmri value=pkg:/driver/demo@1.0',
      'file path=kernel/drv/amd64/kdemo mode=0755 owner=root group=sys',
      'file path=usr/kernel/drv/amd64/udemo mode=0755 owner=root group=sys',
      'file path=platform/i86pc/kernel/drv/amd64/pdemo mode=0755 owner=root group=sys',
    ].join('\n'),
    'a library in the package but off the run path is a warning': [
      'set name=pkg.fmri value=pkg:/warn@1.0',
      'file path=opt/demo/bin/plain mode=0555 owner=root group=bin',
      'file path=opt/demo/lib/libdemo.so.1 mode=0555 owner=root group=bin',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, async () => {
      const m = join(dir, 'm.p5m');
      writeFileSync(m, `${text}\n`);
      // $PLATFORM names the platforms modules outside /platform are also looked for in.
      const plat = name.startsWith('kernel')
        ? ['-D', 'PLATFORM=i86pc', '-D', 'PLATFORM=i86xpv']
        : [];
      const ref = spawnSync(tool('pkgdepend'), ['generate', ...plat, '-md', proto, m], {
        encoding: 'utf8',
      });
      assert.equal(ref.status, 0, ref.stderr);
      const ours = await releng(['manifest', 'generate', ...plat, '-m', '-d', proto, m], {
        cwd: dir,
      });
      assert.equal(ours.code, 0, ours.stderr);
      // pkgdepend orders its depend actions by id() (memory address): compare as sets of lines.
      const lines = (t: string) => t.split('\n').sort();
      assert.deepEqual(lines(ours.stdout), lines(ref.stdout));
      assert.match(ref.stdout, /^depend /m);
      if (plat.length > 0)
        assert.match(
          ref.stdout,
          /pkg\.debug\.depend\.file=mac pkg\.debug\.depend\.path=kernel\/misc\/amd64 .*platform\/i86xpv\/kernel\/misc\/amd64 .*usr\/kernel\/misc\/amd64/,
        );
    });
  }

  it('ELF run paths from -k and pkg.depend.runpath, with $PKGDEPEND_RUNPATH', async () => {
    const text = [
      'set name=pkg.fmri value=pkg:/rp@1.0',
      'file path=opt/demo/bin/rpath mode=0555 owner=root group=bin',
      'file path=opt/demo/bin/plain mode=0555 owner=root group=bin pkg.depend.runpath=$ORIGIN/../lib:$PKGDEPEND_RUNPATH',
      'file path=opt/demo/bin/origin mode=0555 owner=root group=bin pkg.depend.runpath=/opt/only',
    ].join('\n');
    const m = join(dir, 'rp.p5m');
    writeFileSync(m, `${text}\n`);
    const args = ['-k', '/opt/k1', '-k', '$PKGDEPEND_RUNPATH', '-k', '/opt/k2'];
    const ref = spawnSync(tool('pkgdepend'), ['generate', ...args, '-d', proto, m], {
      encoding: 'utf8',
    });
    assert.equal(ref.status, 0, ref.stderr);
    const ours = await releng(['manifest', 'generate', ...args, '-d', proto, m], { cwd: dir });
    assert.equal(ours.code, 0, ours.stderr);
    const lines = (t: string) => t.split('\n').sort();
    assert.deepEqual(lines(ours.stdout), lines(ref.stdout));
    assert.match(ref.stdout, /path=opt\/k1 .*path=opt\/k2 .*reason=opt\/demo\/bin\/rpath/);
    assert.match(ref.stdout, /path=opt\/only pkg\.debug\.depend\.reason=opt\/demo\/bin\/origin/);
  });

  it('a kernel module with a RUNPATH is an error (pkgdepend fails on it too)', async () => {
    const text =
      'set name=pkg.fmri value=pkg:/k@1\n\nfile path=kernel/drv/amd64/krpath mode=0755 owner=root group=sys\n';
    writeFileSync(join(dir, 'krp.p5m'), text);
    const ref = spawnSync(tool('pkgdepend'), ['generate', '-d', proto, join(dir, 'krp.p5m')], {
      encoding: 'utf8',
    });
    assert.notEqual(ref.status, 0);
    assert.match(ref.stderr, /RUNPATH set for kernel module \(kernel\/drv\/amd64\/krpath\)/);
    const r = await releng(['manifest', 'generate', '-d', proto, 'krp.p5m'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /krp\.p5m:3: RUNPATH set for kernel module \(kernel\/drv\/amd64\/krpath\): \/opt\/bad/,
    );
  });

  it('a file missing from the proto area is an error naming manifest:line', async () => {
    writeFileSync(
      join(dir, 'miss.p5m'),
      'set name=pkg.fmri value=pkg:/m@1\n\nfile path=usr/bin/absent mode=0555 owner=root group=bin\n',
    );
    const r = await releng(['manifest', 'generate', '-d', proto, 'miss.p5m'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /miss\.p5m:3: couldn't find usr\/bin\/absent/);
  });
});
