/**
 * Signatures by several keys at once, as Debian's archive signs its
 * InRelease during a key change: one clear-signed text (or one detached
 * signature file) whose signature block holds one signature packet per
 * key. A client that trusts any one of the keys accepts it; gpgv reports
 * the others as unknown keys, which apt and dnf (librepo) ignore.
 *
 * Each signer signs alone (any backend), and the signature packets are
 * then put together. openpgp.js is loaded only when there are several.
 */
import { RelengError } from '../../util/errors.ts';
import type { Signer, SignOptions } from './index.ts';

const SIG_BEGIN = '\n-----BEGIN PGP SIGNATURE-----';

/** One armored signature block holding the signature packets of all the given ones. */
async function combine(armored: readonly string[]): Promise<string> {
  const openpgp = await import('openpgp');
  const { FULL_CONFIG, PGP_CONFIG } = await import('./openpgp-backend.ts');
  const sigs = await Promise.all(
    armored.map((a) => openpgp.readSignature({ armoredSignature: a, config: PGP_CONFIG })),
  );
  const first = sigs[0]!;
  for (const s of sigs.slice(1)) for (const p of s.packets) first.packets.push(p);
  return first.armor(FULL_CONFIG);
}

function asText(sig: Uint8Array | string): string {
  return typeof sig === 'string' ? sig : Buffer.from(sig).toString('utf8');
}

/** A clear-signed text signed by every signer (InRelease). */
export async function clearsignAll(
  signers: readonly Signer[],
  text: string,
  options?: SignOptions,
): Promise<string> {
  if (signers.length === 1) return signers[0]!.clearsign(text, options);
  const signed = await Promise.all(signers.map((s) => s.clearsign(text, options)));
  const parts = signed.map((t) => {
    const i = t.indexOf(SIG_BEGIN);
    if (i === -1)
      throw new RelengError('a signer returned a clear-signed text without a signature');
    return { message: t.slice(0, i + 1), signature: t.slice(i + 1) };
  });
  const message = parts[0]!.message;
  for (const p of parts)
    if (p.message !== message)
      throw new RelengError(
        'the signers wrote the clear-signed text differently; cannot combine them',
      );
  return `${message}${await combine(parts.map((p) => p.signature))}`;
}

/** A detached, armored signature by every signer (Release.gpg, repomd.xml.asc). */
export async function detachSignAll(
  signers: readonly Signer[],
  data: Uint8Array,
  options?: SignOptions,
): Promise<string> {
  const o = { ...options, armor: true };
  if (signers.length === 1) return asText(await signers[0]!.detachSign(data, o));
  const sigs = await Promise.all(signers.map((s) => s.detachSign(data, o)));
  return combine(sigs.map(asText));
}
