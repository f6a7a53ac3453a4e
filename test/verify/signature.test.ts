import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseGpgStatus,
  signatureVerdict,
  TRUSTED_KEYS_DIR,
  verifySignature,
} from '../../src/sources/verify.ts';
import { RelengError } from '../../src/util/errors.ts';
import { type FakeContext, fakeContext, removeTemp, tempProject, write } from './helpers.ts';

/** Throwaway signers, each with its own GNUPGHOME (batch mode, no passphrase). */
let keys: string;
let signerA: string;
let signerB: string;
/** A's public key, armoured. */
let publicA: string;

function gpg(home: string, args: string[], input?: string): string {
  return execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', ...args], {
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).toString();
}

async function newSigner(name: string): Promise<string> {
  const home = join(keys, name);
  await mkdir(home, { mode: 0o700 });
  gpg(home, [
    '--passphrase',
    '',
    '--quick-gen-key',
    `Signer ${name} <${name}@example.invalid>`,
    'ed25519',
    'sign',
    'never',
  ]);
  return home;
}

function sign(home: string, file: string, out: string): void {
  gpg(home, [
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--armor',
    '--detach-sign',
    '--output',
    out,
    file,
  ]);
}

before(async () => {
  keys = await tempProject('gpg-keys');
  signerA = await newSigner('a');
  signerB = await newSigner('b');
  publicA = gpg(signerA, ['--armor', '--export']);
});

after(async () => {
  for (const home of [signerA, signerB]) {
    if (home) execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
  }
  await removeTemp(keys);
});

/** A project whose package `pkg` has `pkg.asc` signed by `signer` over the content "release". */
async function project(
  signer: string,
  options: { trustA?: boolean; env?: Record<string, string> } = {},
) {
  const root = await tempProject('sig');
  const ctx = fakeContext(root, { env: options.env });
  const file = join(ctx.dirs.dl, '.tmp-pkg-1.0.tgz');
  await write(file, 'release\n');
  await mkdir(ctx.pkg.defDir, { recursive: true });
  sign(signer, file, join(ctx.pkg.defDir, 'pkg.asc'));
  if (options.trustA) await write(join(root, TRUSTED_KEYS_DIR, 'a.asc'), publicA);
  return { root, ctx, file };
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

/** Nothing is left in <output>/tmp, and nothing was written outside the project. */
async function assertClean(ctx: FakeContext): Promise<void> {
  assert.deepEqual(await readdir(join(ctx.dirs.output, 'tmp')), []);
}

describe('verifySignature with the project keyring (trusted-keys/)', () => {
  it('accepts a good signature by a trusted key', async () => {
    const { root, ctx, file } = await project(signerA, { trustA: true });
    try {
      await verifySignature(ctx, file, 'pkg-1.0.tgz');
      assert.match(ctx.output.join(''), /good signature on pkg-1\.0\.tgz by [0-9A-F]{40}/);
      assert.ok(await exists(file));
      // A throwaway GNUPGHOME under <output>/tmp was used, then removed.
      const verify = ctx.commands.find((c) => c.includes('--verify'))!;
      assert.ok(verify[verify.indexOf('--homedir') + 1]!.startsWith(join(ctx.dirs.output, 'tmp')));
      await assertClean(ctx);
    } finally {
      await removeTemp(root);
    }
  });

  it('fails on a bad signature and moves the file aside', async () => {
    const { root, ctx, file } = await project(signerA, { trustA: true });
    try {
      await appendFile(file, 'tampered\n');
      const e = await rejects(verifySignature(ctx, file, 'pkg-1.0.tgz'));
      assert.match(e.message, /BAD signature on pkg-1\.0\.tgz/);
      assert.equal(e.details.file, join(ctx.pkg.defDir, 'pkg.asc'));
      assert.equal(await exists(file), false);
      const aside = await readdir(ctx.dirs.dl);
      assert.ok(
        aside.some((n) => n.startsWith('pkg-1.0.tgz.badsig-')),
        aside.join(' '),
      );
      await assertClean(ctx);
    } finally {
      await removeTemp(root);
    }
  });

  it('fails on a signature by a key that is not trusted', async () => {
    const { root, ctx, file } = await project(signerB, { trustA: true });
    try {
      const e = await rejects(verifySignature(ctx, file, 'pkg-1.0.tgz'));
      assert.match(
        e.message,
        /cannot verify the signature on pkg-1\.0\.tgz: no public key [0-9A-F]+ in the keys in .*trusted-keys/,
      );
      assert.match(e.details.hint ?? '', /trusted-keys/);
      await assertClean(ctx);
    } finally {
      await removeTemp(root);
    }
  });

  it('fails when the keyring folder holds no keys, or a file that is not a key', async () => {
    const { root, ctx, file } = await project(signerA);
    try {
      await mkdir(join(root, TRUSTED_KEYS_DIR));
      let e = await rejects(verifySignature(ctx, file, 'pkg-1.0.tgz'));
      assert.match(e.message, /holds no public keys/);
      await write(join(root, TRUSTED_KEYS_DIR, 'junk.asc'), 'not a key\n');
      e = await rejects(verifySignature(ctx, file, 'pkg-1.0.tgz'));
      assert.match(e.message, /trusted-keys/);
    } finally {
      await removeTemp(root);
    }
  });

  it('fails closed when gpg cannot run, or the .asc is not a signature', async () => {
    for (const trustA of [true, false]) {
      const { root, ctx, file } = await project(signerA, {
        trustA,
        env: { RELENG_GPG: '/nonexistent/gpg' },
      });
      try {
        const e = await rejects(verifySignature(ctx, file, 'pkg-1.0.tgz'));
        assert.match(e.message, /command not found: \/nonexistent\/gpg/);
        assert.equal(e.details.file, join(ctx.pkg.defDir, 'pkg.asc'));
        assert.ok(await exists(file));
        await assertClean(ctx);
      } finally {
        await removeTemp(root);
      }
    }
    const { root, ctx, file } = await project(signerA, { trustA: true });
    try {
      await write(join(ctx.pkg.defDir, 'pkg.asc'), 'this is not a signature\n');
      const e = await rejects(verifySignature(ctx, file, 'pkg-1.0.tgz'));
      assert.match(e.message, /does not hold an OpenPGP signature/);
    } finally {
      await removeTemp(root);
    }
  });

  it('does nothing without <pkg>.asc', async () => {
    const root = await tempProject('sig');
    try {
      const ctx = fakeContext(root);
      await verifySignature(ctx, join(root, 'missing'), 'x');
      assert.deepEqual(ctx.commands, []);
    } finally {
      await removeTemp(root);
    }
  });
});

describe('verifySignature with the user keyring', () => {
  it('uses GNUPGHOME when the project has no trusted-keys folder', async () => {
    // The user's keyring is signer A's home: A is known, B is not.
    const good = await project(signerA, { env: { GNUPGHOME: signerA } });
    const unknown = await project(signerB, { env: { GNUPGHOME: signerA } });
    try {
      await verifySignature(good.ctx, good.file, 'pkg-1.0.tgz');
      assert.match(good.ctx.output.join(''), /good signature .*your gpg keyring/);
      assert.ok(!good.ctx.commands.some((c) => c.includes('--homedir')));
      const e = await rejects(verifySignature(unknown.ctx, unknown.file, 'pkg-1.0.tgz'));
      assert.match(e.message, /no public key .* in your gpg keyring/);
      assert.match(e.details.hint ?? '', /gpg --recv-keys/);
      await assertClean(good.ctx);
    } finally {
      await removeTemp(good.root);
      await removeTemp(unknown.root);
    }
  });
});

describe('parseGpgStatus', () => {
  it('reads good, bad, missing-key, revoked and expired signatures', () => {
    const good = parseGpgStatus(
      '[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG E71A0E3C805CFBBD Test <t@x>\n[GNUPG:] VALIDSIG F54C7785E82B49E29B961A88E71A0E3C805CFBBD 2026-11-22 1795322739 0 4 0 22 8 00 F54C\n',
    );
    assert.equal(good.good, true);
    assert.deepEqual(good.valid, ['F54C7785E82B49E29B961A88E71A0E3C805CFBBD']);
    const bad = parseGpgStatus('[GNUPG:] BADSIG E71A0E3C805CFBBD Test <t@x>\n');
    assert.deepEqual([bad.good, bad.bad], [false, ['E71A0E3C805CFBBD']]);
    const missing = parseGpgStatus(
      '[GNUPG:] ERRSIG E71A0E3C805CFBBD 22 8 00 1795322739 9 F54C7785E82B49E29B961A88E71A0E3C805CFBBD\n[GNUPG:] NO_PUBKEY E71A0E3C805CFBBD\n',
    );
    assert.deepEqual(missing.missingKeys, ['F54C7785E82B49E29B961A88E71A0E3C805CFBBD']);
    const other = parseGpgStatus('[GNUPG:] ERRSIG E71A 99 8 00 1795322739 4 -\n');
    assert.equal(other.errors.length, 1);
    assert.deepEqual(parseGpgStatus('[GNUPG:] REVKEYSIG AB Test\n').revoked, ['AB']);
    const expired = parseGpgStatus('[GNUPG:] EXPKEYSIG AB Test\n[GNUPG:] VALIDSIG ABCD\n');
    assert.equal(expired.good, true);
    assert.equal(expired.expired.length, 1);
    assert.equal(parseGpgStatus('[GNUPG:] NODATA 1\n').noData, true);
    // Only status lines count: a user id cannot forge one.
    assert.equal(parseGpgStatus('gpg: [GNUPG:] GOODSIG X\n').good, false);
  });
});

describe('signatureVerdict', () => {
  const GOOD = '[GNUPG:] GOODSIG AB T\n[GNUPG:] VALIDSIG ABCD 2026-01-01 0\n';
  it('is good only with GOODSIG, VALIDSIG, no error and a zero exit', () => {
    assert.equal(signatureVerdict(parseGpgStatus(GOOD), true), 'good');
    assert.equal(signatureVerdict(parseGpgStatus(GOOD), false), 'unverified');
    assert.equal(signatureVerdict(parseGpgStatus('[GNUPG:] GOODSIG AB T\n'), true), 'unverified');
    assert.equal(signatureVerdict(parseGpgStatus('[GNUPG:] VALIDSIG ABCD\n'), true), 'unverified');
    assert.equal(signatureVerdict(parseGpgStatus(''), true), 'unverified');
    const twoSigs = `${GOOD}[GNUPG:] ERRSIG CD 99 8 00 1 4 -\n`;
    assert.equal(signatureVerdict(parseGpgStatus(twoSigs), true), 'unverified');
    assert.equal(signatureVerdict(parseGpgStatus(`${GOOD}[GNUPG:] BADSIG CD T\n`), true), 'bad');
    assert.equal(
      signatureVerdict(parseGpgStatus(`[GNUPG:] REVKEYSIG AB T\n[GNUPG:] VALIDSIG ABCD\n`), true),
      'revoked',
    );
    assert.equal(
      signatureVerdict(parseGpgStatus('[GNUPG:] ERRSIG AB 22 8 00 1 9 ABCD\n'), false),
      'missing-key',
    );
    assert.equal(signatureVerdict(parseGpgStatus('[GNUPG:] NODATA 1\n'), false), 'no-signature');
    const expired = '[GNUPG:] EXPKEYSIG AB T\n[GNUPG:] VALIDSIG ABCD\n';
    assert.equal(signatureVerdict(parseGpgStatus(expired), true), 'good');
  });
});
