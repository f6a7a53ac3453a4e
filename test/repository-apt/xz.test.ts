/** The in-process .xz decoder and block joiner, against the system xz. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { chunkStanzas } from '../../src/repository/apt/compress.ts';
import {
  crc64,
  joinXzBlocks,
  splitXzBlocks,
  xzDecompress,
  xzPrefixReader,
} from '../../src/repository/apt/xz.ts';
import { have } from './helpers.ts';

const xz = (args: string[], input: Buffer): Buffer => {
  const r = spawnSync('xz', ['-c', ...args], { input, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr?.toString());
  return r.stdout;
};

const text = Buffer.from(
  Array.from(
    { length: 3000 },
    (_, i) => `Package: p${i}\nVersion: ${i}.0\nSHA256: ${randomBytes(32).toString('hex')}\n`,
  ).join('\n'),
);

describe('xz', { skip: !have('xz') && 'xz is not installed' }, () => {
  const inputs: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('a')],
    ['random', randomBytes(200_000)],
    ['text', text],
    ['repetitive', Buffer.from('abc'.repeat(100_000))],
  ];
  const settings: string[][] = [
    ['-0'],
    ['-6'],
    ['-9e'],
    ['--check=crc32'],
    ['--check=sha256'],
    ['--check=none'],
    ['-T2', '--block-size=20000'],
    ['--lzma2=preset=6,lc=0,lp=4,pb=4'],
    ['--lzma2=preset=1,lc=4,lp=0,pb=0'],
  ];
  for (const [name, data] of inputs)
    test(`decodes ${name} at every setting`, () => {
      for (const s of settings) assert.deepEqual(xzDecompress(xz(s, data)), data, s.join(' '));
    });

  test('read as a prefix: pauses anywhere (inside matches too), resumes, ends complete', () => {
    for (const [name, data] of inputs)
      for (const s of [['-6'], ['-T2', '--block-size=20000'], ['-0']]) {
        const compressed = xz(s, data);
        const read = xzPrefixReader(compressed);
        let want = 1;
        for (;;) {
          const { data: got, complete } = read(want);
          const label = `${name} ${s.join(' ')} at ${want}`;
          if (complete) {
            assert.deepEqual(got, data, label);
            break;
          }
          assert.ok(got.length >= want, label);
          assert.deepEqual(got, data.subarray(0, got.length), label);
          want = Math.ceil(want * 1.7) + 3;
        }
      }
  });

  test('a paused prefix read survives another decoding in between', () => {
    const a = xz(['-6'], text);
    const b = xz(['-6'], Buffer.from('other '.repeat(5000)));
    const readA = xzPrefixReader(a);
    assert.deepEqual(readA(1000).data, text.subarray(0, readA(1000).data.length));
    const readB = xzPrefixReader(b);
    readB(700);
    assert.deepEqual(xzDecompress(b).length, 30000);
    const { data, complete } = readA(text.length);
    assert.ok(complete);
    assert.deepEqual(data, text);
  });

  test('concatenated streams with padding', () => {
    const a = xz([], Buffer.from('first\n'));
    const b = xz([], Buffer.from('second\n'));
    assert.equal(
      xzDecompress(Buffer.concat([a, Buffer.alloc(8), b])).toString(),
      'first\nsecond\n',
    );
  });

  test('other filters go to the system xz', () => {
    const data = Buffer.concat([randomBytes(1000), text]);
    assert.deepEqual(xzDecompress(xz(['--x86', '--lzma2'], data)), data);
  });

  test('corruption is detected', () => {
    const c = xz([], text);
    for (const at of [20, Math.floor(c.length / 2), c.length - 20]) {
      const bad = Buffer.from(c);
      bad[at] = bad[at]! ^ 0x55;
      assert.throws(() => xzDecompress(bad));
    }
    assert.throws(() => xzDecompress(Buffer.from('not an xz file at all')), /not an \.xz file/);
  });

  test('CRC64 matches the xz check', () => {
    const c = xz(['--check=crc64'], text);
    // the check is the 8 bytes before the index of a single-block stream
    const { blocks } = splitXzBlocks(c);
    assert.deepEqual(blocks[0]!.bytes.subarray(-8), crc64(text));
  });

  test('blocks split from one stream and joined in another order make a valid stream', () => {
    const sizes = [1000, 50_000, 3000];
    const c = xz(['--check=crc32', `--block-list=${sizes.join(',')}`], text.subarray(0, 54_000));
    const { checkId, blocks } = splitXzBlocks(c);
    assert.equal(checkId, 1);
    assert.deepEqual(
      blocks.map((b) => b.uncompressedSize),
      sizes,
    );
    const joined = joinXzBlocks(checkId, [blocks[2]!, blocks[0]!]);
    const want = Buffer.concat([text.subarray(51_000, 54_000), text.subarray(0, 1000)]);
    const sys = spawnSync('xz', ['-dc'], { input: joined });
    assert.equal(sys.status, 0, sys.stderr.toString());
    assert.deepEqual(sys.stdout, want);
    assert.deepEqual(xzDecompress(joined), want);
    assert.equal(
      spawnSync('xz', ['-t'], { input: joinXzBlocks(1, []) }).status,
      0,
      'an empty stream',
    );
  });

  test('chunks of a Packages file concatenate to it and end at package boundaries', () => {
    const st = Array.from({ length: 500 }, (_, i) => ({
      name: `pkg${Math.floor(i / 2)}`,
      text: `Package: pkg${Math.floor(i / 2)}\nVersion: ${i}\n`,
    }));
    const chunks = chunkStanzas(st);
    assert.ok(chunks.length > 3 && chunks.length < 60, `${chunks.length} chunks`);
    assert.equal(chunks.join(''), st.map((s) => s.text).join('\n'));
    for (const c of chunks.slice(0, -1)) {
      assert.ok(c.endsWith('\n\n'));
      const last = c.trimEnd().split('\n\n').at(-1)!;
      const next = chunks[chunks.indexOf(c) + 1]!;
      assert.notEqual(/Package: (\S+)/.exec(last)![1], /Package: (\S+)/.exec(next)![1]);
    }
  });
});

describe('readDebs (worker threads for big batches)', () => {
  test('same results as reading one by one; errors surface', async () => {
    const { readDebs } = await import('../../src/repository/apt/read-pool.ts');
    const { readDeb } = await import('../../src/repository/apt/deb.ts');
    const { makeDeb, tempDir } = await import('./helpers.ts');
    const dir = tempDir('releng-readpool-');
    try {
      const files = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          makeDeb(dir, { name: `pool${i}`, version: '1', compression: 'xz' }),
        ),
      );
      const jobs = Array.from({ length: 160 }, (_, i) => ({ file: files[i % 4]!, label: `f${i}` }));
      const got = await readDebs(jobs, true, { parallelBytes: 0 });
      for (let i = 0; i < jobs.length; i++) {
        const want = await readDeb(jobs[i]!.file, 'x', { sha512: true });
        assert.equal(got[i]!.sha256, want.sha256);
        assert.equal(got[i]!.sha512, want.sha512);
        assert.equal(got[i]!.control.package, `pool${i % 4}`);
      }
      const bad = [...jobs, { file: `${dir}/missing.deb`, label: 'missing.deb' }];
      await assert.rejects(
        readDebs(bad, false, { parallelBytes: 0 }),
        /missing\.deb: no such file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
