import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  checkHashEntry,
  digestFile,
  entriesFor,
  hashFileFor,
  parseHashFile,
} from '../../src/sources/hashfile.ts';
import { RelengError } from '../../src/util/errors.ts';
import { removeTemp, tempProject, write } from './helpers.ts';

const SHA1_ABC = 'a9993e364706816aba3e25717850c26c9cd0d89d';
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const MD5_ABC = '900150983cd24fb0d6963f7d28e17f72';
/** Python's hashlib, for the BLAKE2/SHAKE sizes node:crypto cannot make. */
const B2B32_ABC = 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319';
const B2B64_ABC =
  'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923';
const B2S16_ABC = 'aa4938119b1dc7b87cbad0ffd200d0ae';
const SHAKE256_20_ABC = '483366601360a8771c6863080cc4114d8db44530';
const SHA3_256_ABC = '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532';
/** 1000 bytes (i * 31 + 7) & 0xff: several BLAKE2 blocks. */
const BIG_B2B20 = '4b1a4ba0315ebe9053809eadb76774adb770d783';
const BIG_B2S20 = '29f51f1f29453d2f5143b04bfa4db328c24d0e40';

function parseError(text: string): RelengError {
  try {
    parseHashFile(text, '/p/pkg.hash');
  } catch (err) {
    assert.ok(err instanceof RelengError, String(err));
    return err;
  }
  assert.fail('expected a parse error');
}

describe('parseHashFile', () => {
  it('skips blank lines and comments, keeps inline-commented entries', () => {
    const entries = parseHashFile(
      [
        '# my hashes',
        '',
        `sha1 ${SHA1_ABC} my-archive.tgz   # from the release page`,
        '   ',
        '\t# indented comment',
        `sha256 ${SHA256_ABC} ./LICENSE#1 #trailing`,
        `MD5 ${MD5_ABC.toUpperCase()} LICENSE\r`,
      ].join('\n'),
      '/p/pkg.hash',
    );
    assert.deepEqual(
      entries.map((e) => [e.kind, e.digest, e.name, e.line]),
      [
        ['sha1', SHA1_ABC, 'my-archive.tgz', 3],
        // `#` inside a field is not a comment; `./` is dropped from names.
        ['sha256', SHA256_ABC, 'LICENSE#1', 6],
        ['md5', MD5_ABC, 'LICENSE', 7],
      ],
    );
  });

  it('reads keylens and Python spellings of algorithms', () => {
    const entries = parseHashFile(
      [
        `shake_256:20 ${SHAKE256_20_ABC} a`,
        `shake256 ${SHAKE256_20_ABC} a`,
        `blake2b:32 ${B2B32_ABC} a`,
        `blake2b ${B2B64_ABC} a`,
        `blake2s:16 ${B2S16_ABC} a`,
        `sha3_256 ${SHA3_256_ABC} a`,
        `sha256:32 ${SHA256_ABC} a`,
      ].join('\n'),
      '/p/pkg.hash',
    );
    assert.deepEqual(
      entries.map((e) => [e.algorithm, e.keylen, e.kind]),
      [
        ['shake_256', 20, 'shake256:20'],
        ['shake256', undefined, 'shake256:20'],
        ['blake2b', 32, 'blake2b:32'],
        ['blake2b', undefined, 'blake2b:64'],
        ['blake2s', 16, 'blake2s:16'],
        ['sha3_256', undefined, 'sha3-256'],
        ['sha256', 32, 'sha256'],
      ],
    );
  });

  it('keeps several entries for one file', () => {
    const entries = parseHashFile(
      [
        `sha1 ${SHA1_ABC} LICENSE`,
        `sha1 ${'0'.repeat(40)} LICENSE`,
        `md5 ${MD5_ABC} LICENSE`,
        `md5 ${MD5_ABC} other`,
      ].join('\n'),
      '/p/pkg.hash',
    );
    assert.equal(entriesFor(entries, 'LICENSE').length, 3);
    assert.equal(entriesFor(entries, './other').length, 1);
  });

  it('names the hash file and line of a malformed entry', () => {
    const e = parseError(`# header\nsha1 ${SHA1_ABC} ok\n\nsha256 ${SHA256_ABC}\n`);
    assert.equal(e.details.file, '/p/pkg.hash');
    assert.equal(e.details.line, 4);
    assert.match(e.message, /\/p\/pkg\.hash, line 4: expected 3 fields .* found 2/);
    assert.ok(e.details.hint?.includes('<algorithm>[:<keylen>] <hex digest> <file>'));
  });

  it('rejects extra fields, bad digests, wrong sizes, unknown algorithms and bad keylens', () => {
    const cases: Array<[string, RegExp]> = [
      [`sha1 ${SHA1_ABC} a b`, /found 4/],
      ['sha1 xyz a', /not a hexadecimal digest/],
      [`sha256 ${SHA1_ABC} a`, /40 hex digits; sha256 digests have 64/],
      [`sha265 ${SHA256_ABC} a`, /unsupported hash algorithm "sha265" \(did you mean .*"sha256"/],
      [`sha256:16 ${SHA256_ABC} a`, /keylen 16 does not apply to sha256/],
      [`shake256:0 ${SHAKE256_20_ABC} a`, /invalid keylen "0"/],
      [`shake256:x ${SHAKE256_20_ABC} a`, /invalid keylen "x"/],
      [`blake2s:33 ${'0'.repeat(66)} a`, /blake2s digests are 1 to 32 bytes/],
      [`shake256:32 ${SHAKE256_20_ABC} a`, /40 hex digits; shake256:32 digests have 64/],
    ];
    for (const [line, pattern] of cases) {
      const e = parseError(`\n\n${line}`);
      assert.equal(e.details.line, 3, line);
      assert.match(e.message, pattern, line);
    }
  });
});

describe('digests', () => {
  let root: string;
  before(async () => {
    root = await tempProject('hashfile');
  });
  after(() => removeTemp(root));

  it('computes node:crypto, SHAKE and BLAKE2 digests of any size', async () => {
    const abc = join(root, 'abc');
    await write(abc, 'abc');
    const d = await digestFile(abc, [
      'sha256',
      'blake2b:32',
      'blake2b:64',
      'blake2s:16',
      'shake256:20',
      'sha3-256',
    ]);
    assert.deepEqual(Object.fromEntries(d), {
      sha256: SHA256_ABC,
      'blake2b:32': B2B32_ABC,
      'blake2b:64': B2B64_ABC,
      'blake2s:16': B2S16_ABC,
      'shake256:20': SHAKE256_20_ABC,
      'sha3-256': SHA3_256_ABC,
    });
    const big = join(root, 'big');
    await write(
      big,
      Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff),
    );
    const b = await digestFile(big, ['blake2b:20', 'blake2s:20']);
    assert.equal(b.get('blake2b:20'), BIG_B2B20);
    assert.equal(b.get('blake2s:20'), BIG_B2S20);
  });

  it('checks a file: all algorithms must match, entries of one algorithm are alternatives', async () => {
    const pkg = { name: 'pkg', defDir: join(root, 'package', 'pkg'), revision: '1.0' };
    const file = join(root, 'dl', 'abc');
    await write(file, 'abc');
    await write(
      join(pkg.defDir, 'pkg.hash'),
      [
        `sha1 ${'1'.repeat(40)} abc.tgz # a CRLF variant`,
        `sha1 ${SHA1_ABC} abc.tgz`,
        `blake2b:32 ${B2B32_ABC} abc.tgz`,
      ].join('\n'),
    );
    const ok = await checkHashEntry(pkg, 'abc.tgz', file);
    assert.equal(ok.status, 'verified');

    await write(
      join(pkg.defDir, 'pkg.hash'),
      [`sha1 ${SHA1_ABC} abc.tgz`, `sha256 ${'2'.repeat(64)} abc.tgz`].join('\n'),
    );
    const bad = await checkHashEntry(pkg, 'abc.tgz', file);
    assert.equal(bad.status, 'mismatch');
    assert.ok(bad.status === 'mismatch');
    assert.deepEqual(bad.mismatches, [
      { kind: 'sha256', expected: ['2'.repeat(64)], actual: SHA256_ABC, line: 2 },
    ]);

    // A digest counts only for its own algorithm (here each is listed under the other).
    await write(
      join(pkg.defDir, 'pkg.hash'),
      [`sha256 ${SHA3_256_ABC} abc.tgz`, `sha3_256 ${SHA256_ABC} abc.tgz`].join('\n'),
    );
    const swapped = await checkHashEntry(pkg, 'abc.tgz', file);
    assert.ok(swapped.status === 'mismatch');
    assert.deepEqual(
      swapped.mismatches.map((m) => m.kind),
      ['sha256', 'sha3-256'],
    );

    assert.equal((await checkHashEntry(pkg, 'other.tgz', file)).status, 'no-entry');
    const none = { ...pkg, name: 'nohash' };
    assert.equal((await checkHashEntry(none, 'abc.tgz', file)).status, 'no-hash-file');
  });

  it('picks <pkg>.hash-<revision> in development mode only, when it exists', async () => {
    const defDir = join(root, 'package', 'dev');
    await write(join(defDir, 'dev.hash'), '');
    const pkg = { name: 'dev', defDir, revision: 'feature/x-1.2' };
    assert.equal(await hashFileFor(pkg, true), join(defDir, 'dev.hash'));
    await write(join(defDir, 'dev.hash-feature_x_1_2'), '');
    assert.equal(await hashFileFor(pkg, undefined), join(defDir, 'dev.hash'));
    assert.equal(await hashFileFor(pkg, true), join(defDir, 'dev.hash-feature_x_1_2'));
    assert.equal(await hashFileFor(pkg, 'develop'), join(defDir, 'dev.hash-feature_x_1_2'));
    // The revision as written works too when it is a plain file name.
    const plain = { name: 'dev', defDir, revision: 'v1.2' };
    assert.equal(await hashFileFor(plain, true), join(defDir, 'dev.hash'));
    await write(join(defDir, 'dev.hash-v1.2'), '');
    assert.equal(await hashFileFor(plain, true), join(defDir, 'dev.hash-v1.2'));
  });
});
