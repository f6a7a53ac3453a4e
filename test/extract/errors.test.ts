/**
 * Truncated, corrupt and non-archives, missing tools and bad options give an
 * ExtractError that names the archive and says what is wrong.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExtractError, type ExtractOptions, extractArchive } from '../../src/extract/index.ts';
import { have, makeSourceTree, run, tempDir } from './helpers.ts';

let base: string;
let src: string;
let n = 0;

before(() => {
  base = tempDir('releng-extract-errors-');
  src = makeSourceTree(base);
});
after(() => rmSync(base, { recursive: true, force: true }));

/** A copy of a fresh archive of the source tree made by `tar <flags>`. */
function tarball(name: string, flags: string[]): string {
  const out = path.join(base, `${n++}-${name}`);
  run('tar', [...flags, out, 'pkg-1.0'], src);
  return out;
}

function freshDest(): string {
  const dest = path.join(base, `dest-${n++}`);
  mkdirSync(dest);
  return dest;
}

async function expectError(
  file: string,
  reason: RegExp,
  options: Partial<ExtractOptions> = {},
): Promise<ExtractError> {
  let caught: ExtractError | undefined;
  await assert.rejects(
    extractArchive(file, freshDest(), { stripCount: 1, ...options }),
    (err: unknown) => {
      assert.ok(err instanceof ExtractError, `not an ExtractError: ${err}`);
      assert.equal(err.file, file);
      assert.match(err.reason, reason);
      assert.ok(err.message.includes(path.basename(file)), err.message);
      caught = err;
      return true;
    },
  );
  return caught!;
}

describe('truncated and corrupt archives', () => {
  test('truncated .tar.gz', async () => {
    const file = tarball('cut.tar.gz', ['-czf']);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await expectError(file, /gzip data is corrupt: unexpected end of file/);
  });

  test('truncated .tar.xz (the tool reports it)', async () => {
    const file = tarball('cut.tar.xz', ['-cJf']);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await expectError(file, /xz -dc -T0 failed \(exit code 1\): .*[Uu]nexpected end of input/);
  });

  test('truncated .tar.bz2', async () => {
    const file = tarball('cut.tar.bz2', ['-cjf']);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await expectError(file, /bzip2 -dc failed/);
  });

  test('truncated plain .tar, in the middle of a file', async () => {
    const file = tarball('cut.tar', ['-cf']);
    truncateSync(file, 512 * 7 + 100);
    const err = await expectError(
      file,
      /unexpected end of archive at byte \d+ \(truncated file\?\)/,
    );
    assert.notEqual(err.entry, undefined);
  });

  test('plain .tar cut at a block boundary, with no end-of-archive marker', async () => {
    const file = tarball('cut-block.tar', ['-cf']);
    truncateSync(file, 512 * 2); // the first directory header and one empty entry
    await expectError(file, /end-of-archive marker|unexpected end of archive/);
  });

  test('corrupt header checksum in the middle', async () => {
    const file = tarball('corrupt.tar', ['-cf']);
    const bytes = readFileSync(file);
    bytes[512 + 10] = bytes[512 + 10]! ^ 0x55; // second header's name
    writeFileSync(file, bytes);
    await expectError(file, /bad header checksum at byte 512/);
  });

  test('not a tar at all (an HTML page saved as .tar)', async () => {
    const file = path.join(base, 'page.tar');
    writeFileSync(file, `<html><body>${'Not Found '.repeat(100)}</body></html>\n`);
    await expectError(file, /not a tar archive/);
  });

  test('an HTML page saved as .tar.gz', async () => {
    const file = path.join(base, 'page.tar.gz');
    writeFileSync(file, '<html><body>Not Found</body></html>\n');
    await expectError(file, /gzip data is corrupt/);
  });

  test('empty file', async () => {
    const file = path.join(base, 'empty.tar');
    writeFileSync(file, '');
    await expectError(file, /empty/);
  });

  test('truncated zip', { skip: !have('zip') && 'no zip' }, async () => {
    const file = path.join(base, 'cut.zip');
    run('zip', ['-qry', file, 'pkg-1.0'], src);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await expectError(file, /no end of central directory record \(truncated file\?\)/);
  });

  test('zip with corrupt data', { skip: !have('zip') && 'no zip' }, async () => {
    const dir = path.join(base, 'zipsrc');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.txt'), 'hello hello hello hello hello\n'.repeat(200));
    const file = path.join(base, 'corrupt.zip');
    run('zip', ['-qr', file, 'zipsrc'], base);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('a.txt') + 5 + 40; // inside the deflated data
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    const err = await expectError(file, /corrupt data/);
    assert.equal(err.entry, 'zipsrc/a.txt');
  });

  test('missing archive', async () => {
    await expectError(path.join(base, 'nope.tar.gz'), /archive not found/);
  });
});

describe('tools', () => {
  test('a missing override tool is named, with a hint', async () => {
    const file = tarball('tool.tar.xz', ['-cJf']);
    const missing = path.join(base, 'no-such-xz');
    const err = await expectError(
      file,
      /no-such-xz is needed to decompress this xz archive but was not found/,
      {
        tools: { xz: missing },
      },
    );
    assert.match(err.details.hint ?? '', /override_extract_tools/);
  });

  test('a missing default tool is named with its Debian package', async () => {
    const file = tarball('tool.tar.lz', ['--lzip', '-cf']);
    const saved = process.env.PATH;
    process.env.PATH = path.join(base, 'empty-path');
    try {
      const err = await expectError(file, /lzip is needed to decompress this lzip archive/);
      assert.match(err.details.hint ?? '', /Debian package lzip/);
    } finally {
      process.env.PATH = saved;
    }
  });

  test('an override tool is used (xz → a wrapper)', async () => {
    const file = tarball('wrapped.tar.xz', ['-cJf']);
    const marker = path.join(base, 'wrapper-ran');
    const wrapper = path.join(base, 'my-xz');
    writeFileSync(wrapper, `#!/bin/sh\necho "$@" > '${marker}'\nexec xz "$@"\n`, { mode: 0o755 });
    const lines: string[] = [];
    const dest = freshDest();
    await extractArchive(file, dest, {
      stripCount: 1,
      tools: { xz: wrapper },
      log: (l) => lines.push(l),
    });
    assert.equal(readFileSync(marker, 'utf8').trim(), '-dc -T0');
    assert.match(lines.join('\n'), /decompressed by .*my-xz -dc -T0/);
    assert.equal(readFileSync(path.join(dest, 'README'), 'utf8'), 'hello\n');
  });

  test('a gzip override replaces node:zlib', async () => {
    const file = tarball('wrapped.tar.gz', ['-czf']);
    const lines: string[] = [];
    const dest = freshDest();
    await extractArchive(file, dest, {
      stripCount: 1,
      tools: { gzip: 'gzip' },
      log: (l) => lines.push(l),
    });
    assert.match(lines.join('\n'), /decompressed by gzip -dc/);
    assert.equal(readFileSync(path.join(dest, 'bin/run.sh'), 'utf8'), '#!/bin/sh\necho run\n');
  });

  test('a releng-tool override_extract_tools command runs instead', {
    skip: !have('unzip') && 'no unzip',
  }, async () => {
    const file = path.join(base, 'cmd.zip');
    run('zip', ['-qry', file, 'pkg-1.0'], src);
    const lines: string[] = [];
    const dest = freshDest();
    await extractArchive(file, dest, {
      stripCount: 1,
      tools: { zip: 'unzip -q {file} -d {dir}' },
      log: (l) => lines.push(l),
    });
    // The command's own behaviour: no strip count.
    assert.equal(readFileSync(path.join(dest, 'pkg-1.0/README'), 'utf8'), 'hello\n');
    assert.match(lines.join('\n'), /override_extract_tools command: unzip -q/);
  });

  test('a failing override_extract_tools command is an error', async () => {
    const file = tarball('cmd.tar.gz', ['-czf']);
    await expectError(file, /override_extract_tools command failed/, {
      tools: { 'tar.gz': 'false {file}' },
    });
  });
});

describe('options', () => {
  test('unknown explicit type', async () => {
    const file = tarball('x.tar', ['-cf']);
    const err = await expectError(file, /unknown archive type "rar"/, { type: 'rar' });
    assert.match(err.details.hint ?? '', /tar\.gz \(tgz\)/);
  });

  test('a name that is no archive, with no type', async () => {
    const file = path.join(base, 'notes.txt');
    writeFileSync(file, 'hello\n');
    await expectError(file, /not an archive type releng knows/);
  });

  test('negative strip count', async () => {
    const file = tarball('neg.tar', ['-cf']);
    await expectError(file, /invalid strip count -1/, { stripCount: -1 });
  });

  test('an explicit type is used for a file with no extension', async () => {
    const file = tarball('download', ['-cJf']);
    const dest = freshDest();
    await extractArchive(file, dest, { stripCount: 1, type: 'txz' });
    assert.equal(readFileSync(path.join(dest, 'README'), 'utf8'), 'hello\n');
  });

  test('content wins over a wrong name (a .tar.gz a server already gunzipped)', async () => {
    const plain = tarball('plain.tar', ['-cf']);
    const file = path.join(base, 'misnamed.tar.gz');
    copyFileSync(plain, file);
    const lines: string[] = [];
    const dest = freshDest();
    await extractArchive(file, dest, { stripCount: 1, log: (l) => lines.push(l) });
    assert.match(lines.join('\n'), /named as tar\.gz but its content is tar/);
    assert.equal(readFileSync(path.join(dest, 'README'), 'utf8'), 'hello\n');
  });
});
