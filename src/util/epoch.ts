/**
 * SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/):
 * the time every generated file carries instead of "now", so the same inputs
 * give the same bytes.
 */
import { RelengError } from './errors.ts';

/**
 * SOURCE_DATE_EPOCH as a Date; undefined when it is unset or empty. A value
 * that is not whole seconds since 1970 is an error (the specification asks
 * tools to fail rather than fall back to the current time).
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): Date | undefined {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new RelengError(
      `SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, not '${value}'`,
      { hint: 'e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it' },
    );
  return new Date(Number(value) * 1000);
}

/**
 * How signatures are made under SOURCE_DATE_EPOCH (a `SignOptions` of
 * src/repository/signing): dated by it and deterministic (no random salt),
 * so a signed output is as reproducible as an unsigned one. Empty (now,
 * salted) when it is unset.
 */
export function reproducibleSigning(env: NodeJS.ProcessEnv = process.env): {
  date?: Date;
  deterministic?: boolean;
} {
  const date = sourceDateEpoch(env);
  return date ? { date, deterministic: true } : {};
}
