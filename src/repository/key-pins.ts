/**
 * Signing-key pinning, shared by the APT and YUM writers.
 *
 * A repository's `config.json` records the fingerprints of the keys that
 * sign it (`signingKeys`), set when it is first signed. Clients trust
 * exactly those keys (`signed-by=`, `gpgkey=`), so a publish signed by any
 * other set of keys is refused: a wrong `--key` would otherwise silently
 * break every client. Changing keys is explicit and has two steps, as in
 * Debian's archive:
 *
 * 1. **rotate** (`releng repo rotate-key DIR --key OLD --new-key NEW`): the
 *    new key is added to the pinned set; from then on every publish is
 *    signed by all the pinned keys (InRelease, Release.gpg and
 *    repomd.xml.asc carry one signature per key), so clients pinned to the
 *    old key keep working while they are given the new one;
 * 2. **retire** (`releng repo retire-key DIR OLD-FINGERPRINT --key NEW`):
 *    the old key leaves the set and is no longer used.
 */
import { RelengError } from '../util/errors.ts';

/** A change of the pinned keys asked for explicitly. */
export interface KeyChange {
  /** Fingerprints to add (a rotation starts). */
  add?: readonly string[];
  /** Fingerprints (or long key ids, 16 hex digits) to retire. */
  retire?: readonly string[];
}

/** The pinned fingerprints stored in a repository configuration, if any. */
export function pinnedKeys(config: Record<string, unknown> | undefined): string[] | undefined {
  const v = config?.signingKeys;
  if (!Array.isArray(v) || v.length === 0) return undefined;
  return v.filter((x): x is string => typeof x === 'string').map(normalizeFingerprint);
}

/** Upper-case hex without spaces (`ABCD 1234 …` and `0xabcd…` accepted). */
export function normalizeFingerprint(f: string): string {
  return f.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
}

/** `ABCD 1234 …`: a fingerprint in groups of four, as gpg prints it. */
function spaced(f: string): string {
  return f.replace(/(.{4})(?=.)/g, '$1 ');
}

function list(fprs: readonly string[]): string {
  return fprs.map(spaced).join(', ');
}

/**
 * Checks the keys a publish is signed with against the pinned ones and
 * returns the fingerprints to pin after it. `signers` are the fingerprints
 * of the keys given (empty: an unsigned publish, checked elsewhere; the
 * pins stay). `label` names the repository in messages.
 */
export function checkSigningKeys(
  label: string,
  dir: string,
  pinned: readonly string[] | undefined,
  signers: readonly string[],
  change: KeyChange = {},
): string[] | undefined {
  const given = [...new Set(signers.map(normalizeFingerprint))];
  const add = [...new Set((change.add ?? []).map(normalizeFingerprint))];
  const retireSpecs = (change.retire ?? []).map(normalizeFingerprint);
  if (given.length === 0) {
    if (add.length > 0 || retireSpecs.length > 0)
      throw new RelengError(`changing the signing keys of ${label} needs the keys themselves`, {
        hint: 'pass --key FILE (or --gpg-key ID) for every key that signs after the change',
      });
    return pinned ? [...pinned] : undefined;
  }
  const rotateHint = (newFpr: string) =>
    `to change keys, rotate: \`releng repo rotate-key ${dir} --key OLD-KEY --new-key NEW-KEY\` (signs with both while clients move to ${spaced(newFpr)}), later \`releng repo retire-key ${dir} OLD-FINGERPRINT --key NEW-KEY\``;

  if (!pinned) {
    // First signed publish: the keys given become the pins.
    if (retireSpecs.length > 0)
      throw new RelengError(`${label} has no pinned signing keys to retire`);
    return given;
  }

  if (add.length > 0) {
    for (const f of add)
      if (pinned.includes(f))
        throw new RelengError(`${spaced(f)} already signs ${label}`, {
          hint: 'rotate to a key the repository does not use yet',
        });
    const next = [...pinned, ...add];
    const missing = next.filter((f) => !given.includes(f));
    if (missing.length > 0)
      throw new RelengError(
        `rotating the signing key of ${label} needs every key that signs during the transition; missing: ${list(missing)}`,
        { hint: 'give the current key with --key and the new one with --new-key' },
      );
    return next;
  }

  let wanted = [...pinned];
  if (retireSpecs.length > 0) {
    for (const spec of retireSpecs) {
      const hits = pinned.filter((f) => f === spec || (spec.length >= 16 && f.endsWith(spec)));
      if (hits.length !== 1)
        throw new RelengError(
          `${spec} is not ${hits.length > 1 ? 'one' : 'any'} of the signing keys of ${label} (${list(pinned)})`,
          { hint: 'give the full fingerprint of the key to retire' },
        );
      wanted = wanted.filter((f) => f !== hits[0]);
    }
    if (wanted.length === 0)
      throw new RelengError(`retiring ${list(retireSpecs)} would leave ${label} without a key`, {
        hint: `rotate to a new key first: releng repo rotate-key ${dir} --key OLD-KEY --new-key NEW-KEY`,
      });
  }

  const missing = wanted.filter((f) => !given.includes(f));
  const extra = given.filter((f) => !wanted.includes(f));
  if (missing.length === 0 && extra.length === 0) return wanted;
  const rotating = wanted.length > 1;
  const hint =
    retireSpecs.length > 0
      ? `retire-key signs with the keys that stay: ${list(wanted)}`
      : rotating
        ? `a key rotation is in progress: sign with every key (--key FILE for each), or finish it: releng repo retire-key ${dir} OLD-FINGERPRINT --key NEW-KEY`
        : extra.length > 0
          ? rotateHint(extra[0]!)
          : `sign with the repository's key ${spaced(wanted[0]!)}`;
  throw new RelengError(
    `${label} is signed by ${list(wanted)}${rotating ? ' (a key rotation is in progress)' : ''}, but this command was given ${list(given)}; refusing to publish (clients trust only the pinned keys)`,
    { hint },
  );
}

/**
 * Fingerprints (or, for old signatures, long key ids) of the keys that
 * made the signatures in an armored signature or clear-signed text:
 * what a repository signed before pins were recorded was signed with.
 */
export async function signatureIssuers(armored: string): Promise<string[]> {
  const openpgp = await import('openpgp');
  const begin = armored.indexOf('-----BEGIN PGP SIGNATURE-----');
  if (begin === -1) return [];
  try {
    const sig = await openpgp.readSignature({ armoredSignature: armored.slice(begin) });
    return sig.packets.map((p) => {
      const fpr = p.issuerFingerprint;
      return fpr
        ? Buffer.from(fpr).toString('hex').toUpperCase()
        : p.issuerKeyID.toHex().toUpperCase();
    });
  } catch {
    return [];
  }
}

/**
 * For a repository signed before releng recorded pins: refuses keys that
 * did not make its current signatures (fingerprints or key ids from
 * {@link signatureIssuers}).
 */
export function checkLegacySigners(
  label: string,
  dir: string,
  issuers: readonly string[],
  signers: readonly string[],
): void {
  if (issuers.length === 0 || signers.length === 0) return;
  const given = signers.map(normalizeFingerprint);
  const known = issuers.some((i) => given.some((g) => g === i || g.endsWith(i)));
  if (!known)
    throw new RelengError(
      `${label} is signed by ${list(issuers)}, but this command was given ${list(given)}; refusing to sign it with another key`,
      {
        hint: `sign with the key that signed it; to change keys: releng repo rotate-key ${dir} --key OLD-KEY --new-key NEW-KEY`,
      },
    );
}
