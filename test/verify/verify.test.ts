import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { verifyFile, verifyLicenseFile } from '../../src/sources/verify.ts';
import { RelengError } from '../../src/util/errors.ts';
import { type FakeOptions, fakeContext, removeTemp, tempProject, write } from './helpers.ts';

const SHA1_ABC = 'a9993e364706816aba3e25717850c26c9cd0d89d';
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const WRONG256 = 'e'.repeat(64);

let root: string;
beforeEach(async () => {
  root = await tempProject('verify');
});
afterEach(() => removeTemp(root));

/** A package `pkg` with the given hash file (none when undefined) and a download `abc`. */
async function setup(hash: string | undefined, options: FakeOptions = {}) {
  const ctx = fakeContext(root, options);
  if (hash !== undefined) await write(join(ctx.pkg.defDir, `${ctx.pkg.name}.hash`), hash);
  const file = join(ctx.dirs.dl, '.tmp-download');
  await write(file, 'abc');
  return { ctx, file };
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('verifyFile', () => {
  it('accepts a file whose every listed algorithm matches, quietly', async () => {
    const { ctx, file } = await setup(
      `# hashes\nsha1 ${SHA1_ABC} abc-1.0.tgz\nsha256 ${SHA256_ABC} abc-1.0.tgz # upstream\n`,
    );
    await verifyFile(ctx, file, 'abc-1.0.tgz');
    assert.deepEqual(ctx.warnings, []);
    assert.ok(await exists(file));
    assert.match(ctx.output.join(''), /verified abc-1\.0\.tgz \(sha1, sha256\)/);
  });

  it('moves a mismatching download aside and explains what to do', async () => {
    const { ctx, file } = await setup(
      `sha1 ${SHA1_ABC} abc-1.0.tgz\n\nsha256 ${WRONG256} abc-1.0.tgz\n`,
    );
    const hashFile = join(ctx.pkg.defDir, 'pkg.hash');
    const e = await rejects(verifyFile(ctx, file, 'abc-1.0.tgz'));
    // Not left where a re-run (or the caller) would trust it.
    assert.equal(await exists(file), false);
    const aside = (await readdir(ctx.dirs.dl)).filter((n) => n.startsWith('abc-1.0.tgz.mismatch-'));
    assert.equal(aside.length, 1);
    assert.match(aside[0]!, /^abc-1\.0\.tgz\.mismatch-\d{8}T\d{6}Z$/);
    assert.equal(await readFile(join(ctx.dirs.dl, aside[0]!), 'utf8'), 'abc');
    assert.match(e.message, /hash mismatch for abc-1\.0\.tgz/);
    assert.ok(e.message.includes(`sha256 expected: ${WRONG256}`), e.message);
    assert.ok(e.message.includes(`sha256 actual:   ${SHA256_ABC}`), e.message);
    assert.ok(e.message.includes(`${hashFile}:3`), e.message);
    assert.ok(e.message.includes(join(ctx.dirs.dl, aside[0]!)), e.message);
    assert.doesNotMatch(e.message, /sha1 expected/);
    assert.equal(e.details.file, hashFile);
    assert.equal(e.details.line, 3);
    assert.equal(e.details.pkg, 'pkg');
    assert.match(e.details.hint ?? '', /update .*pkg\.hash.*fetch again/);
  });

  it('accepts any one of several digests of the same algorithm', async () => {
    const { ctx, file } = await setup(`sha256 ${WRONG256} abc.tgz\nsha256 ${SHA256_ABC} abc.tgz\n`);
    await verifyFile(ctx, file, 'abc.tgz');
    assert.ok(await exists(file));
  });

  it('warns about a missing entry for an external package, with the line to add', async () => {
    const { ctx, file } = await setup(`sha256 ${SHA256_ABC} other.tgz\n`);
    await verifyFile(ctx, file, 'abc.tgz');
    assert.deepEqual(ctx.warnings, [
      `no hash for abc.tgz in ${join(ctx.pkg.defDir, 'pkg.hash')}: add \`sha256 ${SHA256_ABC} abc.tgz\``,
    ]);
    assert.ok(await exists(file));
  });

  it('warns when there is no hash file at all', async () => {
    const { ctx, file } = await setup(undefined);
    await verifyFile(ctx, file, 'abc.tgz');
    assert.equal(ctx.warnings.length, 1);
    assert.match(ctx.warnings[0]!, /no hash for abc\.tgz: .*pkg\.hash does not exist/);
    assert.ok(ctx.warnings[0]!.includes(`sha256 ${SHA256_ABC} abc.tgz`));
  });

  it('is silent for internal packages', async () => {
    for (const hash of [undefined, `sha256 ${SHA256_ABC} other.tgz\n`]) {
      const { ctx, file } = await setup(hash, { pkg: { internal: true } });
      await verifyFile(ctx, file, 'abc.tgz');
      assert.deepEqual(ctx.warnings, []);
    }
  });

  it('fails under --werror when the entry is missing', async () => {
    const { ctx, file } = await setup(undefined, { werror: true });
    const e = await rejects(verifyFile(ctx, file, 'abc.tgz'));
    assert.match(e.message, /no hash for abc\.tgz/);
    assert.match(e.details.hint ?? '', /--werror/);
  });

  it('uses <pkg>.hash-<revision> in development mode', async () => {
    const pkg = { revision: 'main' };
    const { ctx, file } = await setup(`sha256 ${SHA256_ABC} abc.tgz\n`, { pkg, devmode: true });
    await write(join(ctx.pkg.defDir, 'pkg.hash-main'), `sha256 ${WRONG256} abc.tgz\n`);
    const e = await rejects(verifyFile(ctx, file, 'abc.tgz'));
    assert.equal(e.details.file, join(ctx.pkg.defDir, 'pkg.hash-main'));
    // Outside development mode the plain hash file applies.
    const normal = await setup(`sha256 ${SHA256_ABC} abc.tgz\n`, { pkg });
    await verifyFile(normal.ctx, normal.file, 'abc.tgz');
    assert.deepEqual(normal.ctx.warnings, []);
  });

  it('reports a malformed hash file with its line', async () => {
    const { ctx, file } = await setup(`sha256 ${SHA256_ABC} abc.tgz\nsha256 abc.tgz\n`);
    const e = await rejects(verifyFile(ctx, file, 'abc.tgz'));
    assert.equal(e.details.line, 2);
    assert.equal(e.details.file, join(ctx.pkg.defDir, 'pkg.hash'));
    assert.ok(await exists(file));
  });
});

describe('verifyLicenseFile', () => {
  it('checks a license file relative to the sources, leaving it in place', async () => {
    const { ctx } = await setup(`sha256 ${SHA256_ABC} doc/COPYING\nsha256 ${WRONG256} LICENSE\n`);
    const src = ctx.paths.buildBaseDir;
    await write(join(src, 'doc', 'COPYING'), 'abc');
    await write(join(src, 'LICENSE'), 'abc');
    await verifyLicenseFile(ctx, 'doc/COPYING', src);
    const e = await rejects(verifyLicenseFile(ctx, 'LICENSE', src));
    assert.match(e.message, /hash mismatch for license file LICENSE/);
    assert.equal(e.details.line, 2);
    assert.ok(await exists(join(src, 'LICENSE')));
    await write(join(src, 'NOTICE'), 'abc');
    await verifyLicenseFile(ctx, 'NOTICE', src);
    assert.match(
      ctx.warnings.join('\n'),
      /no hash for NOTICE in .*: add `sha256 [0-9a-f]{64} NOTICE`/,
    );
    await verifyLicenseFile(ctx, 'NOTICE', src, { warnMissing: false });
    assert.equal(ctx.warnings.length, 1);
  });
});
