/**
 * The environment variables holding a release's secrets (passphrases,
 * upload passwords): read in this process only, and dropped from the
 * environment of every command a release starts (git, gpg, pip, builds).
 */
import type { ResolvedReleaseConfig } from './config.ts';

/** Variables the uploads read credentials from when the config names none. */
export const DEFAULT_SECRET_VARS = ['TWINE_PASSWORD', 'RELENG_WEBDAV_PASSWORD'];

/** Every variable holding a secret of this release: passphrases and upload passwords. */
export function releaseSecretNames(config: ResolvedReleaseConfig): string[] {
  const names = new Set(DEFAULT_SECRET_VARS);
  if (config.sign !== false && 'key' in config.sign && config.sign.passphraseEnv)
    names.add(config.sign.passphraseEnv);
  for (const u of config.uploads)
    for (const k of ['passwordEnv', 'passphraseEnv'])
      if (typeof u[k] === 'string' && u[k] !== '') names.add(u[k] as string);
  return [...names];
}

/** A copy of `env` without the named variables. */
export function withoutVars(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const n of names) delete out[n];
  return out;
}
