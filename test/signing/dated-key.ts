/**
 * Signing keys created at a chosen time, for the reproducibility tests: a
 * SOURCE_DATE_EPOCH before the key's creation moves the signature time up to
 * the creation, so testing "the signature carries SOURCE_DATE_EPOCH" needs a
 * key older than it. `releng key generate` always makes keys dated now.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as openpgp from 'openpgp';

/** 2020-01-01T00:00:00Z: older than every SOURCE_DATE_EPOCH the tests use. */
export const KEY_CREATED = new Date('2020-01-01T00:00:00Z');

/** Writes an unprotected OpenPGP v4 private key file (0600) created at `date`; returns its path. */
export async function datedKeyFile(
  dir: string,
  algorithm: 'ed25519' | 'rsa',
  date: Date = KEY_CREATED,
): Promise<{ keyFile: string; publicKey: string; fingerprint: string }> {
  const common = {
    userIDs: [{ name: `Dated ${algorithm}`, email: 'dated@example.org' }],
    date,
    format: 'object' as const,
    config: { v6Keys: false, preferredHashAlgorithm: openpgp.enums.hash.sha512 },
  };
  const { privateKey, publicKey } =
    algorithm === 'rsa'
      ? await openpgp.generateKey({ ...common, type: 'rsa', rsaBits: 2048 })
      : await openpgp.generateKey({ ...common, type: 'ecc', curve: 'ed25519Legacy' });
  const keyFile = path.join(dir, `dated-${algorithm}.key`);
  writeFileSync(keyFile, privateKey.armor(), { mode: 0o600 });
  const pub = path.join(dir, `dated-${algorithm}.asc`);
  writeFileSync(pub, publicKey.armor());
  return { keyFile, publicKey: pub, fingerprint: publicKey.getFingerprint().toUpperCase() };
}

/**
 * An Ed25519 key created at {@link KEY_CREATED} that expired a year later,
 * whose expiry gpg then removed (`--quick-set-expire FPR 0`, a new
 * self-signature dated now): openpgp.js sees no valid self-signature before
 * now. Needs gpg; `home` is a fresh gpg home.
 */
export async function extendedKeyFile(
  dir: string,
  home: string,
): Promise<{ keyFile: string; publicKey: string; fingerprint: string; extendedAt: number }> {
  const { privateKey } = await openpgp.generateKey({
    userIDs: [{ name: 'Extended', email: 'extended@example.org' }],
    date: KEY_CREATED,
    keyExpirationTime: 365 * 86400,
    format: 'object',
    type: 'ecc',
    curve: 'ed25519Legacy',
    config: { v6Keys: false },
  });
  const fpr = privateKey.getFingerprint().toUpperCase();
  const old = path.join(dir, 'extended-old.key');
  writeFileSync(old, privateKey.armor(), { mode: 0o600 });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (...args: string[]): Buffer => {
    const r = spawnSync('gpg', ['--homedir', home, '--batch', ...args]);
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  gpg('--import', old);
  const extendedAt = Math.floor(Date.now() / 1000);
  gpg('--quick-set-expire', fpr, '0');
  const keyFile = path.join(dir, 'extended.key');
  writeFileSync(keyFile, gpg('--armor', '--export-secret-keys', fpr), { mode: 0o600 });
  const publicKey = path.join(dir, 'extended.asc');
  writeFileSync(publicKey, gpg('--armor', '--export', fpr));
  spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
  return { keyFile, publicKey, fingerprint: fpr, extendedAt };
}
