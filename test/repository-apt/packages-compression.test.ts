/**
 * Packages.gz and Packages.xz built from cached chunks: valid for the real
 * tools, the same bytes whatever the cache held before, and only the chunks
 * that changed are compressed again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ChunkCache, renderPackages, type Stanza } from '../../src/repository/apt/compress.ts';
import { tempDir } from './helpers.ts';

const work = tempDir('releng-pkgcompress-');
after(() => rmSync(work, { recursive: true, force: true }));

/** Stanzas alike enough that deflate finds matches across chunk boundaries. */
function stanzas(names: string[]): Stanza[] {
  return names.map((name) => {
    // Fields derive from the name only: other packages do not change a stanza.
    const i = Number.parseInt(name.slice(3), 10);
    return {
      name,
      text: [
        `Package: ${name}`,
        `Version: 1.${i}-1`,
        'Architecture: amd64',
        'Maintainer: Example Maintainer <maint@example.org>',
        `Depends: libc6 (>= 2.36), lib${name}-common (= 1.${i}-1)`,
        `Filename: pool/main/${name[0]}/${name}/${name}_1.${i}-1_amd64.deb`,
        `Size: ${1000 + ((i * 7919) % 50000)}`,
        `SHA256: ${((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8)}`,
        `Description: the ${name} tool`,
        ` It does what ${name} does, as a package of the test repository.`,
        '',
      ].join('\n'),
    };
  });
}

const names = Array.from({ length: 600 }, (_, i) => `pkg${String(i).padStart(4, '0')}`);

function tool(cmd: string, args: string[], input: Buffer): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout;
}

describe('Packages.gz and Packages.xz from cached chunks', () => {
  test('valid, reproducible whatever was cached, and incremental', async () => {
    const cacheDir = path.join(work, 'cache');
    const first = await renderPackages(stanzas(names), new ChunkCache(cacheDir));
    const chunks = readdirSync(cacheDir).filter((n) => n.endsWith('.xz')).length;
    assert.ok(chunks > 5, `${chunks} chunks`);

    // One package added in the middle, one removed near the start.
    const changed = [...names.slice(0, 10), ...names.slice(11)];
    changed.splice(300, 0, 'pkg0299a');
    const cache = new ChunkCache(cacheDir);
    const next = await renderPackages(stanzas(changed), cache);
    assert.ok(cache.compressed >= 1 && cache.compressed <= 3, `${cache.compressed} recompressed`);
    assert.notDeepEqual(next.gz, first.gz);

    const fresh = await renderPackages(stanzas(changed), new ChunkCache(path.join(work, 'fresh')));
    assert.deepEqual(next.plain, fresh.plain);
    assert.deepEqual(next.gz, fresh.gz, 'Packages.gz does not depend on what the cache held');
    assert.deepEqual(next.xz, fresh.xz, 'Packages.xz does not depend on what the cache held');

    for (const r of [first, next]) {
      assert.deepEqual(gunzipSync(r.gz), r.plain);
      assert.deepEqual(tool('gzip', ['-dc'], r.gz), r.plain);
      assert.deepEqual(tool('xz', ['-dc'], r.xz), r.plain);
    }
    // Priming each chunk with the text before it keeps the ratio of one deflate run.
    const whole = gzipSync(next.plain, { level: 6 }).length;
    assert.ok(next.gz.length < whole * 1.04, `${next.gz.length} bytes against ${whole}`);
  });

  test('blocks made by another xz program are not reused', async () => {
    const cacheDir = path.join(work, 'xz-program');
    const st = stanzas(names.slice(0, 300));
    const first = await renderPackages(st, new ChunkCache(cacheDir));
    const chunks = readdirSync(cacheDir).filter((n) => n.endsWith('.xz')).length;
    // Another xz first in PATH (a wrapper around the same one, as after an upgrade).
    const bin = path.join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const real = spawnSync('sh', ['-c', 'command -v xz'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(path.join(bin, 'xz'), `#!/bin/sh\nexec ${real} "$@"\n`, { mode: 0o755 });
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    try {
      const cache = new ChunkCache(cacheDir);
      const again = await renderPackages(st, cache);
      assert.equal(cache.compressed, chunks, 'every block compressed again');
      assert.deepEqual(again.xz, first.xz, 'the same xz gives the same bytes');
    } finally {
      process.env.PATH = savedPath;
    }
    const cache = new ChunkCache(cacheDir);
    await renderPackages(st, cache);
    assert.equal(cache.compressed, 0, 'back to the first xz: its blocks are cached');
  });

  test('an empty index: valid empty files', async () => {
    const r = await renderPackages([], new ChunkCache(path.join(work, 'empty')));
    assert.equal(r.plain.length, 0);
    assert.equal(tool('gzip', ['-dc'], r.gz).length, 0);
    assert.equal(tool('xz', ['-dc'], r.xz).length, 0);
  });
});
