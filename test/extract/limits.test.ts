/**
 * Expansion limits: real, highly compressible archives (zeros, made by tar,
 * gzip, xz, zstd and zip in the test) against low configured limits.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExtractError, extractArchive } from '../../src/extract/index.ts';
import { parseRatio, parseSize } from '../../src/extract/limits.ts';
import { makeProject, nativePackage, releng, removeProject } from '../helpers.ts';
import { run, tempDir } from './helpers.ts';

const MiB = 1024 * 1024;
let work: string;
const archives: Record<string, string> = {};

before(() => {
  work = tempDir('releng-limits-');
  const src = path.join(work, 'src', 'bomb-1.0');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'README'), 'a small file first\n');
  writeFileSync(path.join(src, 'zeros'), Buffer.alloc(8 * MiB));
  const tar = path.join(work, 'bomb-1.0.tar');
  run('tar', ['-cf', tar, '-C', path.join(work, 'src'), 'bomb-1.0']);
  run('sh', ['-c', `gzip -9 -c "${tar}" > "${tar}.gz"`]);
  run('sh', ['-c', `xz -c "${tar}" > "${tar}.xz"`]);
  run('zstd', ['-q', '-19', tar, '-o', `${tar}.zst`]);
  run('zip', ['-q', '-r', path.join(work, 'bomb-1.0.zip'), 'bomb-1.0'], path.join(work, 'src'));
  // zeros at the top: a strip count of 1 skips it, so nothing is written at all
  const top = path.join(work, 'stripped.tar');
  run('tar', ['-cf', top, '-C', src, 'zeros']);
  run('gzip', ['-9', top]);
  archives.stripped = `${top}.gz`;
  for (const ext of ['tar.gz', 'tar.xz', 'tar.zst', 'zip'])
    archives[ext] = path.join(work, `bomb-1.0.${ext}`);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A fresh destination holding only a stage journal, as the extract stage leaves it. */
function dest(): string {
  const dir = tempDir('releng-limits-dest-');
  writeFileSync(path.join(dir, '.releng-state'), 'fetch 2026-01-01T00:00:00.000Z 1\n');
  return dir;
}

describe('expansion limits', () => {
  test('sizes and ratios parse', () => {
    assert.equal(parseSize('16G'), 16 * 1024 ** 3);
    assert.equal(parseSize('512MiB'), 512 * MiB);
    assert.equal(parseSize('1.5k'), 1536);
    assert.equal(parseSize(0), 0);
    assert.equal(parseSize('lots'), undefined);
    assert.equal(parseRatio('1000:1'), 1000);
    assert.equal(parseRatio('x'), undefined);
  });

  for (const ext of ['tar.gz', 'tar.xz', 'tar.zst', 'zip']) {
    test(`${ext}: the ratio limit stops it and nothing stays behind`, async () => {
      const out = dest();
      await assert.rejects(
        extractArchive(archives[ext]!, out, {
          stripCount: 1,
          limits: { maxSize: 0, maxRatio: 2 },
          pkg: 'bomb',
        }),
        (err: unknown) => {
          assert.ok(err instanceof ExtractError);
          assert.match(
            err.message,
            new RegExp(`cannot extract bomb-1\\.0\\.${ext.replace('.', '\\.')}`),
          );
          assert.match(
            err.message,
            /package "bomb" expands beyond 2\.0 MiB, the expansion ratio limit of 2:1/,
          );
          assert.match(err.details.hint ?? '', /RELENG_EXTRACT_MAX_RATIO=20/);
          assert.match(err.details.hint ?? '', /extractLimits: \{ maxRatio: 20 \}/);
          return true;
        },
      );
      assert.deepEqual(readdirSync(out), ['.releng-state'], 'no half-extracted tree');
      rmSync(out, { recursive: true });
    });

    test(`${ext}: the size limit stops it`, async () => {
      const out = dest();
      await assert.rejects(
        extractArchive(archives[ext]!, out, {
          stripCount: 1,
          limits: { maxSize: 3 * MiB, maxRatio: 0 },
          pkg: 'bomb',
        }),
        /expands beyond the extraction size limit of 3\.0 MiB/,
      );
      assert.deepEqual(readdirSync(out), ['.releng-state']);
      rmSync(out, { recursive: true });
    });

    test(`${ext}: within the default limits it extracts (a small archive counts as 1 MiB)`, async () => {
      const out = dest();
      await extractArchive(archives[ext]!, out, { stripCount: 1 });
      assert.deepEqual(readdirSync(out).sort(), ['.releng-state', 'README', 'zeros']);
      rmSync(out, { recursive: true });
    });
  }

  test('tar: the decompressed stream counts, even for entries stripped away', async () => {
    const out = dest();
    await assert.rejects(
      extractArchive(archives.stripped!, out, {
        stripCount: 1,
        limits: { maxSize: 0, maxRatio: 2 },
      }),
      /cannot extract stripped\.tar\.gz: entry "zeros": the archive expands beyond 2\.0 MiB/,
    );
    assert.deepEqual(readdirSync(out), ['.releng-state']);
  });

  test('zip: the central directory refuses it before anything is written', async () => {
    const out = dest();
    await assert.rejects(
      extractArchive(archives.zip!, out, { stripCount: 1, limits: { maxSize: MiB, maxRatio: 0 } }),
      (err: unknown) => err instanceof ExtractError && err.entry === undefined,
    );
    assert.deepEqual(readdirSync(out), ['.releng-state']);
  });
});

describe('expansion limits through the CLI', () => {
  const roots: string[] = [];
  after(async () => {
    for (const r of roots) await removeProject(r);
  });

  test('extractLimits in the config, RELENG_EXTRACT_MAX_RATIO on the command line', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['bomb'], extractLimits: { maxRatio: 2 } };\n`,
      'package/bomb/bomb.ts': nativePackage(
        `{ version: '1.0', site: ${JSON.stringify(`file://${archives['tar.xz']}`)}, internal: true }`,
      ),
    });
    roots.push(root);
    const build = path.join(root, 'output', 'build', 'bomb-1.0');
    let r = await releng(['-R', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /cannot extract bomb-1\.0\.tar\.xz: entry "bomb-1\.0\/zeros": the archive of package "bomb" expands beyond 2\.0 MiB/,
    );
    assert.match(r.stderr, /package: bomb/);
    assert.match(
      r.stderr,
      /hint: if the archive is genuine, raise the limit: RELENG_EXTRACT_MAX_RATIO=20/,
    );
    assert.deepEqual(
      readdirSync(build).filter((n) => n !== '.releng-state'),
      [],
    );

    r = await releng(['-R', root, 'RELENG_EXTRACT_MAX_RATIO=0']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(path.join(build, 'zeros')));
  });

  test('a bad extractLimits fails at load', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: [], extractLimits: { maxSize: 'lots' } };\n`,
    });
    roots.push(root);
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /extractLimits\.maxSize must be a size in bytes or like "16G", not "lots"/,
    );
    assert.match(r.stderr, /releng\.config\.ts/);
  });
});
