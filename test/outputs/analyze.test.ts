/**
 * src/analyze against the reference tools on real binaries: readelf for the
 * ELF facts, rpm's elfdeps for the rpm dependency strings.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeBuffer, ElfError, type ElfInfo, parseElf } from '../../src/analyze/index.ts';
import { elfProvides, elfRequires, scriptRpmRequires } from '../../src/analyze/rpm-deps.ts';
import { parseShebang } from '../../src/analyze/script.ts';
import { have, tempDir } from './helpers.ts';

const skip = have('readelf') && have('cc') ? false : 'readelf or cc is missing';

function readelf(args: string[], file: string): string {
  return execFileSync('readelf', ['-W', ...args, file], {
    env: { ...process.env, LC_ALL: 'C' },
  }).toString();
}

/** The ELF facts readelf reports, in the shape of ElfInfo. */
function reference(file: string): Partial<ElfInfo> {
  const h = readelf(['-h'], file);
  const d = readelf(['-d'], file);
  const l = readelf(['-l'], file);
  const n = readelf(['-n'], file);
  const s = readelf(['-S'], file);
  const v = readelf(['-V'], file);
  const dyn = (tag: string): string[] =>
    [...d.matchAll(new RegExp(`\\(${tag}\\)\\s+.*?\\[(.*)\\]`, 'g'))].map((m) => m[1]!);
  const needs: Array<{ file: string; versions: string[] }> = [];
  const rSection = /Version needs section[\s\S]*?(?=\n\n|$)/.exec(v)?.[0] ?? '';
  for (const line of rSection.split('\n')) {
    const f = /File: (\S+)\s+Cnt:/.exec(line);
    if (f) needs.push({ file: f[1]!, versions: [] });
    const a = /Name: (\S+)\s+Flags:/.exec(line);
    if (a) needs.at(-1)!.versions.push(a[1]!);
  }
  const defs: string[] = [];
  const dSection = /Version definition section[\s\S]*?(?=\n\n|$)/.exec(v)?.[0] ?? '';
  for (const m of dSection.matchAll(/(?:Name|Parent \d+): (\S+)/g)) defs.push(m[1]!);
  return {
    bits: /Class:\s+ELF64/.test(h) ? 64 : 32,
    // The test machines are x86-64 (EM_X86_64 = 62).
    machine: /Machine:\s+Advanced Micro Devices X86-64/.test(h) ? 62 : -1,
    type: /Type:\s+DYN/.test(h) ? 'dyn' : /Type:\s+EXEC/.test(h) ? 'exec' : 'rel',
    interpreter: /Requesting program interpreter: (.*)\]/.exec(l)?.[1],
    needed: dyn('NEEDED').map((x) => x.replace(/^Shared library: /, '')),
    soname: dyn('SONAME').map((x) => x.replace(/^Library soname: /, ''))[0],
    runpath: dyn('RUNPATH').flatMap((x) => x.replace(/^Library runpath: /, '').split(':')),
    rpath: dyn('RPATH').flatMap((x) => x.replace(/^Library rpath: /, '').split(':')),
    buildId: /Build ID: ([0-9a-f]+)/.exec(n)?.[1],
    hasSymtab: /\] \.symtab\s/.test(s),
    versionNeeds: needs,
    versionDefs: defs as never,
  };
}

function check(file: string): ElfInfo {
  const info = parseElf(readFileSync(file))!;
  assert.ok(info, `${file} is ELF`);
  const ref = reference(file);
  const got = {
    bits: info.bits,
    machine: info.machine,
    type: info.type,
    interpreter: info.interpreter,
    needed: info.needed,
    soname: info.soname,
    runpath: info.runpath,
    rpath: info.rpath,
    buildId: info.buildId,
    hasSymtab: info.hasSymtab,
    versionNeeds: info.versionNeeds,
    versionDefs: info.versionDefs.flatMap((d) => [d.name, ...d.parents]) as never,
  };
  assert.deepEqual(got, ref, file);
  // Undefined dynamic symbols with their versions, as readelf --dyn-syms lists them.
  const syms = readelf(['--dyn-syms'], file)
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w.length >= 8 && w[6] === 'UND' && w[4] !== 'LOCAL' && w[7])
    .map((w) => w[7]!.replace(/ \(\d+\)$/, ''));
  const mine = info.imports.map((s) => (s.version ? `${s.name}@${s.version}` : s.name));
  assert.deepEqual(mine, syms, `${file}: imports`);
  return info;
}

/** A library with a SONAME, version definitions and a RUNPATH, and a program using it. */
function buildFixtures(): { dir: string; lib: string; prog: string; rpathProg: string } {
  const dir = tempDir('releng-analyze-');
  writeFileSync(path.join(dir, 'f.c'), 'int f1(void){return 1;}\nint f2(void){return 2;}\n');
  writeFileSync(
    path.join(dir, 'f.map'),
    'F_1.0 { global: f1; local: *; };\nF_2.0 { global: f2; } F_1.0;\n',
  );
  writeFileSync(
    path.join(dir, 'main.c'),
    '#include <stdio.h>\nint f2(void);\nint main(void){printf("%d\\n", f2());return 0;}\n',
  );
  const lib = path.join(dir, 'libf.so.1');
  const prog = path.join(dir, 'prog');
  const rpathProg = path.join(dir, 'prog-rpath');
  const cc = (args: string[]): void => {
    execFileSync('cc', args, { cwd: dir });
  };
  cc(['-shared', '-fPIC', '-Wl,-soname,libf.so.1', '-Wl,--version-script=f.map', 'f.c', '-o', lib]);
  cc(['main.c', `-Wl,-rpath,/opt/f/lib:$ORIGIN/../lib`, lib, '-o', prog]);
  cc(['main.c', '-Wl,--disable-new-dtags,-rpath,/opt/old', lib, '-o', rpathProg]);
  return { dir, lib, prog, rpathProg };
}

describe('ELF analysis (src/analyze/elf.ts) against readelf', { skip }, () => {
  test('built fixtures: SONAME, version definitions, RUNPATH, RPATH, versioned imports', () => {
    const { lib, prog, rpathProg } = buildFixtures();
    const l = check(lib);
    assert.equal(l.soname, 'libf.so.1');
    assert.deepEqual(
      l.versionDefs.map((d) => [d.name, d.base]),
      [
        ['libf.so.1', true],
        ['F_1.0', false],
        ['F_2.0', false],
      ],
    );
    const p = check(prog);
    assert.deepEqual(p.runpath, ['/opt/f/lib', '$ORIGIN/../lib']);
    assert.ok(p.imports.some((s) => s.name === 'f2' && s.version === 'F_2.0'));
    assert.deepEqual(check(rpathProg).rpath, ['/opt/old']);
    assert.equal(p.stripped, false);
    execFileSync('strip', [prog]);
    assert.equal(parseElf(readFileSync(prog))!.stripped, true);
  });

  test('system binaries and libraries agree with readelf', () => {
    const files = [
      '/bin/ls',
      '/usr/bin/dpkg',
      '/usr/bin/rpm',
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/lib/x86_64-linux-gnu/libz.so.1',
      '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
    ].filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
    assert.ok(files.length >= 4);
    for (const f of files) check(f);
  });

  test('not ELF, scripts, corrupt ELF', () => {
    assert.deepEqual(analyzeBuffer(Buffer.from('hello')), { kind: 'other' });
    assert.deepEqual(analyzeBuffer(Buffer.from('#! /usr/bin/env python3 -u\nprint()\n')), {
      kind: 'script',
      shebang: { interpreter: '/usr/bin/env', args: ['python3', '-u'] },
    });
    assert.equal(parseShebang(Buffer.from('#!sh\n')), undefined);
    const ls = readFileSync('/bin/ls');
    assert.throws(() => parseElf(ls.subarray(0, 2000)), ElfError);
  });
});

describe('rpm dependencies (src/analyze/rpm-deps.ts) against /usr/lib/rpm/elfdeps', {
  skip: have('/usr/lib/rpm/elfdeps') ? skip : 'rpm elfdeps is missing',
}, () => {
  const elfdeps = (flag: string, file: string): string[] =>
    [
      ...new Set(
        execFileSync('/usr/lib/rpm/elfdeps', [flag, file]).toString().split('\n').filter(Boolean),
      ),
    ].sort();

  test('the first 60 ELF files of /usr/bin and 40 of the library folder', () => {
    const files: string[] = [];
    for (const [d, limit] of [
      ['/usr/bin', 60],
      ['/usr/lib/x86_64-linux-gnu', 40],
    ] as const) {
      let k = 0;
      for (const name of readdirSync(d).sort()) {
        const f = path.join(d, name);
        if (!lstatSync(f).isFile() || k >= limit) continue;
        if (!parseElf(readFileSync(f))) continue;
        k++;
        files.push(f);
      }
    }
    let compared = 0;
    for (const f of files) {
      const buf = readFileSync(f);
      const info = parseElf(buf);
      if (!info) continue;
      compared++;
      const mode = statSync(f).mode;
      assert.deepEqual([...elfRequires(mode, info)].sort(), elfdeps('-R', f), `${f} requires`);
      assert.deepEqual([...elfProvides(f, info)].sort(), elfdeps('-P', f), `${f} provides`);
    }
    assert.ok(compared >= 80, `compared ${compared} files`);
  });

  test('fixtures: versioned provides, and a program without x bit requires nothing', () => {
    const { lib, prog } = buildFixtures();
    const info = parseElf(readFileSync(lib))!;
    assert.deepEqual(elfProvides(lib, info), [
      'libf.so.1(F_1.0)(64bit)',
      'libf.so.1(F_2.0)(64bit)',
      'libf.so.1()(64bit)',
    ]);
    chmodSync(prog, 0o644);
    const p = parseElf(readFileSync(prog))!;
    assert.deepEqual(elfRequires(0o644, p), elfdeps('-R', prog));
    assert.deepEqual(elfRequires(0o644, p), []);
    assert.deepEqual(scriptRpmRequires(0o755, parseShebang(Buffer.from('#!/bin/bash -e\n'))!), [
      '/bin/bash',
    ]);
    assert.deepEqual(
      scriptRpmRequires(0o755, parseShebang(Buffer.from('#!/usr/bin/env /opt/x/run\n'))!),
      ['/usr/bin/env', '/opt/x/run'],
    );
  });
});
