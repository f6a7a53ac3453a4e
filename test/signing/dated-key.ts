/**
 * Signing keys created at a chosen time, for the reproducibility tests: a
 * SOURCE_DATE_EPOCH before the key's creation moves the signature time up to
 * the creation, so testing "the signature carries SOURCE_DATE_EPOCH" needs a
 * key older than it. `releng key generate` always makes keys dated now.
 */
import { writeFileSync } from 'node:fs';
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
