/**
 * `releng manifest mangle`: the file actions checked against the proto
 * area and given the payload attributes pkgsend computes (compared with
 * what the reference pkgsend publishes), the ELF hash as pkg(5) defines it
 * (computed independently with pyelftools), and missing files as file:line
 * errors that write nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { releng } from '../helpers.ts';
import { tempDir } from '../tmp.ts';
import { skipWithoutPkg5, tool } from './reference.ts';

const haveTools =
  spawnSync('objcopy', ['--version']).status === 0 && spawnSync('gcc', ['--version']).status === 0;
const skip = skipWithoutPkg5 || (haveTools ? false : 'gcc and binutils are not installed');

/** pkg(5)'s elfhash written again with pyelftools (the reference build has no ELF hash). */
const PY_ELFHASH = `
import hashlib, struct, sys
from elftools.elf.elffile import ELFFile
skip = {'.SUNW_signature', '.comment', '.SUNW_dof', '.debug', '.plt', '.rela.bss',
        '.rela.plt', '.line', '.note', '.compcom'}
with open(sys.argv[1], 'rb') as f:
    h = hashlib.sha1()
    for i, s in enumerate(ELFFile(f).iter_sections()):
        if i == 0 or s.name in skip:
            continue
        h.update(struct.pack('>Q', s['sh_size']) if s['sh_type'] == 'SHT_NOBITS' else s.data())
    print(h.hexdigest())
`;

const attrsOf = (line: string): Map<string, string[]> => {
  const m = new Map<string, string[]>();
  for (const [, k, v] of line.matchAll(/ ([\w.-]+)=(\S+)/g))
    m.set(k as string, [...(m.get(k as string) ?? []), v as string]);
  return m;
};

describe('manifest mangle', { skip }, () => {
  let dir: string;
  before(() => {
    dir = tempDir('releng-mangle-');
    mkdirSync(join(dir, 'proto/usr/bin'), { recursive: true });
    copyFileSync('/usr/bin/true', join(dir, 'proto/usr/bin/true'));
    writeFileSync(join(dir, 'proto/usr/bin/hi'), '#!/bin/sh\necho hi\n');
    chmodSync(join(dir, 'proto/usr/bin/hi'), 0o755);
    writeFileSync(
      join(dir, 'm.p5m'),
      'set name=pkg.fmri value=pkg:/demo/m@1.0,5.11-0.1\nset name=pkg.summary value=m\nfile path=usr/bin/true owner=root group=bin mode=0555\nfile path=usr/bin/hi owner=root group=bin mode=0555\ndir path=usr owner=root group=sys mode=0755\n',
    );
  });

  it('adds the attributes pkgsend publishes, and elfhash as pkg(5) computes it', async () => {
    const r = await releng(['manifest', 'mangle', '-d', 'proto', '-O', 'm.mangled', 'm.p5m'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const ours = readFileSync(join(dir, 'm.mangled'), 'utf8').split('\n');
    assert.ok(ours.includes('dir group=sys mode=0755 owner=root path=usr'), 'other actions kept');
    const repo = join(dir, 'repo');
    let p = spawnSync(tool('pkgrepo'), ['create', repo], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkgrepo'), ['-s', repo, 'set', 'publisher/prefix=demo'], {
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    p = spawnSync(tool('pkgsend'), ['-s', repo, 'publish', '-d', 'proto', 'm.p5m'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    const pkgDir = join(repo, 'publisher/demo/pkg/demo%2Fm');
    const ref = readFileSync(join(pkgDir, readdirSync(pkgDir)[0] as string), 'utf8').split('\n');
    const pick = (lines: string[], path: string) =>
      attrsOf(lines.find((l) => l.startsWith('file ') && l.includes(` path=${path}`)) ?? '');
    const elf = pick(ours, 'usr/bin/true');
    const refElf = pick(ref, 'usr/bin/true');
    for (const k of ['pkg.size', 'elfarch', 'elfbits'])
      assert.deepEqual(elf.get(k), refElf.get(k), k);
    assert.equal(elf.get('elfarch')?.[0], 'i386');
    const script = pick(ours, 'usr/bin/hi');
    const refScript = pick(ref, 'usr/bin/hi');
    for (const k of ['pkg.size', 'pkg.csize', 'chash'])
      assert.deepEqual(script.get(k), refScript.get(k), k);
    assert.ok(!script.has('elfhash') && !script.has('elfarch'), 'no ELF attributes on a script');
    const py = execFileSync(
      '/usr/bin/python3',
      ['-c', PY_ELFHASH, join(dir, 'proto/usr/bin/true')],
      {
        encoding: 'utf8',
      },
    ).trim();
    assert.deepEqual(elf.get('elfhash'), [py]);
  });

  it('elfhash ignores .comment; a changed .text changes it', async () => {
    const proto2 = join(dir, 'proto2/usr/bin');
    mkdirSync(proto2, { recursive: true });
    // gcc writes its version into .comment: the part of a binary that changes with the compiler.
    writeFileSync(join(dir, 'c.c'), 'int main(void) { return 42; }\n');
    execFileSync('gcc', ['-O1', '-o', join(dir, 'proto/usr/bin/true'), join(dir, 'c.c')]);
    await releng(['manifest', 'mangle', '-d', 'proto', '-O', 'm.mangled', 'm.p5m'], { cwd: dir });
    writeFileSync(join(dir, 'comment'), 'built by someone else, elsewhere, later\0');
    execFileSync('objcopy', [
      '--update-section',
      `.comment=${join(dir, 'comment')}`,
      join(dir, 'proto/usr/bin/true'),
      join(proto2, 'true'),
    ]);
    writeFileSync(join(proto2, 'hi'), 'changed\n');
    const r = await releng(['manifest', 'mangle', '-d', 'proto2', 'm.p5m'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const first = readFileSync(join(dir, 'm.mangled'), 'utf8');
    const trueLine = (t: string) =>
      attrsOf(t.split('\n').find((l) => l.includes(' path=usr/bin/true ')) ?? '');
    const hashOf = (t: string) => trueLine(t).get('elfhash')?.[0];
    assert.match(hashOf(first) ?? '', /^[0-9a-f]{40}$/);
    assert.equal(hashOf(r.stdout), hashOf(first));
    assert.notDeepEqual(trueLine(r.stdout).get('chash'), trueLine(first).get('chash'));
    // The same binary with one byte of .text changed.
    const buf = readFileSync(join(dir, 'proto/usr/bin/true'));
    const text = execFileSync('objdump', ['-h', join(dir, 'proto/usr/bin/true')], {
      encoding: 'utf8',
    }).match(/\.text\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/);
    assert.ok(text, 'objdump lists .text');
    const off = Number.parseInt(text[2] as string, 16) + 1;
    buf[off] = (buf[off] as number) ^ 0xff;
    writeFileSync(join(proto2, 'true'), buf);
    const r2 = await releng(['manifest', 'mangle', '-d', 'proto2', 'm.p5m'], { cwd: dir });
    assert.equal(r2.code, 0, r2.stderr);
    assert.notEqual(hashOf(r2.stdout), hashOf(first));
  });

  it('files missing from the proto area: one error naming each manifest:line, nothing written', async () => {
    writeFileSync(
      join(dir, 'bad.p5m'),
      'set name=pkg.fmri value=pkg:/demo/bad@1\nfile path=usr/bin/hi\nfile path=usr/bin/gone\nfile lib/other path=usr/lib/other\n',
    );
    const r = await releng(['manifest', 'mangle', '-d', 'proto', '-O', 'bad.mangled', 'bad.p5m'], {
      cwd: dir,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /2 files of the manifest are not in the proto area/);
    assert.match(r.stderr, /^bad\.p5m:3: usr\/bin\/gone$/m);
    assert.match(r.stderr, /^bad\.p5m:4: lib\/other$/m);
    assert.match(r.stderr, /file: bad\.p5m:3/);
    assert.ok(!existsSync(join(dir, 'bad.mangled')));
  });

  it('a payload name leading out of the proto area is refused by mangle, generate and publish', async () => {
    writeFileSync(join(dir, 'secret'), 'not for packages\n');
    writeFileSync(
      join(dir, 'out.p5m'),
      'set name=pkg.fmri value=pkg:/demo/out@1\nfile ../secret path=usr/share/secret owner=root group=bin mode=0444\n',
    );
    for (const args of [
      ['mangle', '-d', 'proto', 'out.p5m'],
      ['generate', '-d', 'proto', 'out.p5m'],
      ['publish', '-s', 'outrepo', '-d', 'proto', 'out.p5m'],
    ]) {
      const r = await releng(['manifest', ...args], { cwd: dir });
      assert.equal(r.code, 1, args[0]);
      assert.match(r.stderr, /out\.p5m:2: payload \.\.\/secret is outside the proto area/, args[0]);
    }
    assert.ok(!existsSync(join(dir, 'outrepo/publisher')), 'nothing published');
  });
});
