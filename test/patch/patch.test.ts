import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { applyPatches, listPatches, naturalCompare } from '../../src/patch/index.ts';
import type { PackageModel } from '../../src/project/model.ts';
import { RelengError } from '../../src/util/errors.ts';
import { execStreaming } from '../../src/util/exec.ts';

describe('naturalCompare', () => {
  it('orders digit runs by value', () => {
    const names = [
      '10-x.patch',
      '2-x.patch',
      '0010-b.patch',
      '0002-a.patch',
      '1-a.patch',
      'b.patch',
      'a.patch',
      'a10.patch',
      'a9.patch',
    ];
    assert.deepEqual([...names].sort(naturalCompare), [
      '1-a.patch',
      '0002-a.patch',
      '2-x.patch',
      '0010-b.patch',
      '10-x.patch',
      'a.patch',
      'a9.patch',
      'a10.patch',
      'b.patch',
    ]);
  });

  it('breaks ties by plain comparison and is a consistent order', () => {
    assert.equal(naturalCompare('02-a', '2-a'), -1);
    assert.equal(naturalCompare('2-a', '02-a'), 1);
    assert.equal(naturalCompare('x', 'x'), 0);
    assert.equal(naturalCompare('99999999999999999999-a', '100000000000000000000-a'), -1);
    const sample = ['', '1', '01', '1a', 'a', 'a1', 'a01', 'a-1', 'a.1', 'A2', '10', '9', 'ä', '~'];
    for (const a of sample) {
      for (const b of sample) {
        assert.equal(
          Math.sign(naturalCompare(a, b)) + Math.sign(naturalCompare(b, a)),
          0,
          `${a} ${b}`,
        );
        assert.equal(naturalCompare(a, b) === 0, a === b, `${a} ${b}`);
        for (const c of sample) {
          if (naturalCompare(a, b) < 0 && naturalCompare(b, c) < 0)
            assert.ok(naturalCompare(a, c) < 0, `${a} < ${b} < ${c}`);
        }
      }
    }
  });
});

let root: string;
let pkg: PackageModel;
let buildDir: string;
let logged: string[];
let commands: string[][];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'releng-patch-'));
  pkg = {
    name: 'libfoo',
    key: 'LIBFOO',
    defDir: join(root, 'package', 'libfoo'),
    definitionFile: join(root, 'package', 'libfoo', 'libfoo.rt'),
    version: '1.0',
    vcsType: 'url',
    type: 'script',
    dependencies: [],
    license: [],
    licenseFiles: [],
    installType: 'target',
    internal: false,
    revision: '1.0',
    stripCount: 1,
    hooks: {},
    options: {},
  };
  buildDir = join(root, 'output', 'build', 'libfoo-1.0');
  logged = [];
  commands = [];
  await mkdir(pkg.defDir, { recursive: true });
  await mkdir(buildDir, { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function write(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Runs the real `patch`, recording the commands and their output. */
function apply(patchSubdir?: string): Promise<string[]> {
  return applyPatches({
    pkg,
    buildDir,
    patchSubdir,
    log: (line) => logged.push(line),
    exec: (command, args, options) => {
      commands.push([command, ...args]);
      return execStreaming(command, args, {
        cwd: options?.cwd ?? root,
        env: { ...process.env, ...options?.env },
        onOutput: (chunk) => logged.push(chunk.toString()),
      });
    },
  });
}

async function rejects(p: Promise<unknown>): Promise<RelengError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RelengError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

/** A unified diff of one file changing `from` to `to` on line 2 of a 5-line file. */
function lineChange(file: string, from: string, to: string): string {
  return [
    `--- a/${file}`,
    `+++ b/${file}`,
    '@@ -1,5 +1,5 @@',
    ' one',
    `-${from}`,
    `+${to}`,
    ' three',
    ' four',
    ' five',
    '',
  ].join('\n');
}

const FIVE = (second: string) => `one\n${second}\nthree\nfour\nfive\n`;

describe('applyPatches', () => {
  it('applies the patches in natural order', async () => {
    // Each patch changes the line the previous one wrote: only 2 → 10 → 11 works.
    await write(join(buildDir, 'src', 'main.c'), FIVE('alpha'));
    await write(join(pkg.defDir, '10-second.patch'), lineChange('src/main.c', 'beta', 'gamma'));
    await write(join(pkg.defDir, '2-first.patch'), lineChange('src/main.c', 'alpha', 'beta'));
    await write(join(pkg.defDir, '11-third.patch'), lineChange('src/main.c', 'gamma', 'delta'));
    await write(join(pkg.defDir, 'notes.txt'), 'not a patch');
    await write(join(pkg.defDir, '.hidden.patch'), 'ignored');
    const applied = await apply();
    assert.deepEqual(applied, ['2-first.patch', '10-second.patch', '11-third.patch']);
    assert.equal(await readFile(join(buildDir, 'src', 'main.c'), 'utf8'), FIVE('delta'));
    assert.deepEqual(
      logged.filter((l) => l.startsWith('applying')),
      ['applying 2-first.patch', 'applying 10-second.patch', 'applying 11-third.patch'],
    );
    const args = commands[0]!;
    for (const flag of ['-p1', '-N', '--batch', '--no-backup-if-mismatch', '-d', '-i'])
      assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
    // No .orig/.rej clutter.
    assert.deepEqual((await readdir(buildDir, { recursive: true })).sort(), ['src', 'src/main.c']);
  });

  it('does nothing without patches', async () => {
    assert.deepEqual(await apply(), []);
    assert.deepEqual(commands, []);
    assert.deepEqual(await listPatches(pkg.defDir), []);
  });

  it('applies in PATCH_SUBDIR', async () => {
    await write(join(buildDir, 'container', 'file.txt'), FIVE('old'));
    await write(join(pkg.defDir, '0001-fix.patch'), lineChange('file.txt', 'old', 'new'));
    assert.deepEqual(await apply('container'), ['0001-fix.patch']);
    assert.equal(await readFile(join(buildDir, 'container', 'file.txt'), 'utf8'), FIVE('new'));
  });

  it('refuses a PATCH_SUBDIR outside the sources or missing', async () => {
    await write(join(pkg.defDir, '0001-fix.patch'), lineChange('file.txt', 'old', 'new'));
    let e = await rejects(apply('../elsewhere'));
    assert.match(e.message, /PATCH_SUBDIR "\.\.\/elsewhere" .* outside its build directory/);
    e = await rejects(apply('nope'));
    assert.match(e.message, /PATCH_SUBDIR "nope" .* does not exist/);
    assert.deepEqual(commands, []);
  });

  it('reports a rejected hunk: the patch, hunk, file and reject file', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    await write(join(buildDir, 'lib', 'util.c'), `${lines.join('\n')}\n`);
    await write(join(pkg.defDir, '0001-ok.patch'), lineChange('other.txt', 'a', 'b'));
    await write(join(buildDir, 'other.txt'), FIVE('a'));
    const patch = [
      'From: someone',
      'Subject: fix util',
      '',
      '--- a/lib/util.c\t2024-01-01 00:00:00',
      '+++ b/lib/util.c\t2024-01-01 00:00:00',
      '@@ -2,3 +2,3 @@',
      ' line 2',
      '-line 3',
      '+line three',
      ' line 4',
      '@@ -20,3 +20,3 @@ some_function',
      ' line 20',
      '-line 21 (as upstream had it)',
      '+line twenty-one',
      ' line 22',
      '',
    ].join('\n');
    await write(join(pkg.defDir, '0002-util.patch'), patch);
    const e = await rejects(apply());
    const rej = join(buildDir, '0002-util.patch.rej');
    assert.match(e.message, /^patch 0002-util\.patch does not apply to /);
    assert.match(
      e.message,
      /rejected: hunk #2 of lib\/util\.c \(@@ -20,3 \+20,3 @@, line 11 of the patch\)/,
    );
    assert.ok(e.message.includes(`rejected hunks saved to ${rej}:`), e.message);
    assert.ok(e.message.includes('    -line 21 (as upstream had it)'), e.message);
    assert.match(
      e.message,
      /the other 1 hunk\(s\) of 0002-util\.patch were applied: the sources are partly patched/,
    );
    assert.match(e.message, /applied before it: 0001-ok\.patch/);
    assert.equal(e.details.file, join(pkg.defDir, '0002-util.patch'));
    assert.equal(e.details.line, 11);
    assert.equal(e.details.stage, 'patch');
    assert.equal(e.details.pkg, 'libfoo');
    assert.equal(e.details.exitCode, 1);
    assert.match(e.details.hint ?? '', /refresh 0002-util\.patch .*releng libfoo-fresh/);
    assert.match(await readFile(rej, 'utf8'), /line twenty-one/);
    // The only clutter is the reject file the error names.
    const files = (await readdir(buildDir, { recursive: true })).filter((f) =>
      /\.(orig|rej)$/.test(f),
    );
    assert.deepEqual(files, ['0002-util.patch.rej']);
  });

  it('says when a patch is already applied, and clears a stale reject file once it applies', async () => {
    await write(join(buildDir, 'f.txt'), FIVE('old'));
    await write(join(pkg.defDir, '1.patch'), lineChange('f.txt', 'old', 'new'));
    await apply();
    const e = await rejects(apply());
    assert.match(e.details.hint ?? '', /1\.patch is already applied/);
    const rej = join(buildDir, '1.patch.rej');
    assert.ok(await stat(rej));
    await write(join(buildDir, 'f.txt'), FIVE('old'));
    await apply();
    await assert.rejects(stat(rej));
  });

  it('names files the patch expects but the sources lack', async () => {
    await write(join(buildDir, 'f.txt'), FIVE('old'));
    await write(join(pkg.defDir, '1.patch'), lineChange('missing/f.txt', 'old', 'new'));
    const e = await rejects(apply());
    assert.match(e.message, /not found: missing\/f\.txt \(patches apply with -p1 in /);
    assert.match(e.details.hint ?? '', /PATCH_SUBDIR/);
  });
});
