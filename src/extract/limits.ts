/**
 * How far an archive may expand. A hostile or broken archive (a few MB of
 * zeros that unpack to many GB) would otherwise fill the disk of the build
 * machine. Two limits, whichever is lower:
 *
 * - `maxSize`, the bytes an extraction may write in all. Default 32 GiB:
 *   the largest source trees distributions build unpack to a few GB (a Linux
 *   kernel release about 1.5 GB, an LLVM release about 2.5 GB), so a real
 *   archive stays an order of magnitude below it, while a disk is not filled
 *   by one package.
 * - `maxRatio`, the bytes written per byte of archive. Default 200: source
 *   tarballs expand 3 to 12 times (xz-compressed text; the kernel about 10),
 *   archives of already-compressed data about once, so 200 is far above
 *   real ones and far below a bomb (1000:1 and more; gzip reaches 1030:1 on
 *   zeros, bzip2 and xz far more). Archives smaller than 1 MiB count as
 *   1 MiB, so a tiny archive of a few sparse or empty-padded files is never
 *   refused: it may still write 200 MiB.
 *
 * `0` turns a limit off. Settings, the first found winning: the variables
 * `RELENG_EXTRACT_MAX_SIZE` / `RELENG_EXTRACT_MAX_RATIO` in the package's
 * environment (the process environment, the project's `environment`, a
 * `KEY=VALUE` word on the command line, the package's `env`), then the native
 * project's `extractLimits: { maxSize, maxRatio }`, then the defaults.
 */
import { RelengError } from '../util/errors.ts';

export interface ExtractLimits {
  /** Bytes an extraction may write in all; 0 = no limit. */
  maxSize: number;
  /** Bytes written per byte of archive; 0 = no limit. */
  maxRatio: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = { maxSize: 32 * GiB, maxRatio: 200 };

/** Archives smaller than this count as this big for the ratio. */
export const RATIO_MIN_ARCHIVE = MiB;

export const SIZE_VARIABLE = 'RELENG_EXTRACT_MAX_SIZE';
export const RATIO_VARIABLE = 'RELENG_EXTRACT_MAX_RATIO';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: MiB, G: GiB, T: 1024 * GiB };

/** Bytes from a number or `512M`, `16G`, `1.5T`, `64KiB` (binary units); undefined when not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

/** A ratio from a number, `1000` or `1000:1`; undefined when not one. */
export function parseRatio(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*1\s*)?$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** Human size: `2.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * Checks the native project's `extractLimits` (at load, so a typo fails
 * before anything runs) and returns it with its values in bytes and ratio.
 */
export function configuredLimits(value: unknown, file: string): Partial<ExtractLimits> {
  if (value === undefined) return {};
  const fail = (what: string) =>
    new RelengError(`extractLimits.${what}`, {
      file,
      hint: 'write extractLimits: { maxSize: "32G", maxRatio: 200 } (bytes or K/M/G/T; 0 turns a limit off)',
    });
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RelengError('extractLimits must be an object { maxSize?, maxRatio? }', { file });
  const out: Partial<ExtractLimits> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'maxSize') {
      const n = parseSize(v);
      if (n === undefined)
        throw fail(`maxSize must be a size in bytes or like "16G", not ${JSON.stringify(v)}`);
      out.maxSize = n;
    } else if (key === 'maxRatio') {
      const n = parseRatio(v);
      if (n === undefined)
        throw fail(`maxRatio must be a number (e.g. 200), not ${JSON.stringify(v)}`);
      out.maxRatio = n;
    } else throw fail(`${key} is not an option (maxSize, maxRatio)`);
  }
  return out;
}

/** The limits for one package: its environment's variables, then the project's settings, then the defaults. */
export function resolveLimits(
  env: Readonly<Record<string, string | undefined>>,
  configured: Partial<ExtractLimits> | undefined,
): ExtractLimits {
  const fromEnv = (name: string, parse: (v: unknown) => number | undefined): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = parse(raw);
    if (n === undefined) {
      throw new RelengError(
        `${name}=${raw} is not a valid ${name === SIZE_VARIABLE ? 'size' : 'ratio'}`,
        {
          hint:
            name === SIZE_VARIABLE
              ? 'give bytes or a size like 16G (0 turns the limit off)'
              : 'give a number like 200 (0 turns the limit off)',
        },
      );
    }
    return n;
  };
  return {
    maxSize:
      fromEnv(SIZE_VARIABLE, parseSize) ?? configured?.maxSize ?? DEFAULT_EXTRACT_LIMITS.maxSize,
    maxRatio:
      fromEnv(RATIO_VARIABLE, parseRatio) ??
      configured?.maxRatio ??
      DEFAULT_EXTRACT_LIMITS.maxRatio,
  };
}

/** What an extraction of an archive of `archiveSize` bytes may write, and the limit that sets it. */
export interface ByteBudget {
  bytes: number;
  /** For the error message: which limit, and its value. */
  by: 'size' | 'ratio';
  limits: ExtractLimits;
  archiveSize: number;
}

export function byteBudget(limits: ExtractLimits, archiveSize: number): ByteBudget | undefined {
  const bySize = limits.maxSize > 0 ? limits.maxSize : Number.POSITIVE_INFINITY;
  const byRatio =
    limits.maxRatio > 0
      ? Math.floor(limits.maxRatio * Math.max(archiveSize, RATIO_MIN_ARCHIVE))
      : Number.POSITIVE_INFINITY;
  const bytes = Math.min(bySize, byRatio);
  if (bytes === Number.POSITIVE_INFINITY) return undefined;
  return { bytes, by: byRatio < bySize ? 'ratio' : 'size', limits, archiveSize };
}

/** The reason and hint of a refused extraction. */
export function budgetExceeded(
  budget: ByteBudget,
  pkg: string | undefined,
): { reason: string; hint: string } {
  const of = pkg ? ` of package "${pkg}"` : '';
  const limit =
    budget.by === 'size'
      ? `the extraction size limit of ${formatBytes(budget.limits.maxSize)}`
      : `${formatBytes(budget.bytes)}, the expansion ratio limit of ${budget.limits.maxRatio}:1 for an archive of ${formatBytes(budget.archiveSize)}${budget.archiveSize < RATIO_MIN_ARCHIVE ? ' (counted as 1 MiB)' : ''}`;
  const [variable, option, example] =
    budget.by === 'size'
      ? [SIZE_VARIABLE, 'maxSize', `${Math.ceil((budget.limits.maxSize * 4) / GiB)}G`]
      : [RATIO_VARIABLE, 'maxRatio', String(budget.limits.maxRatio * 10)];
  return {
    reason: `the archive${of} expands beyond ${limit}; stopped and removed what was extracted (a guard against archive bombs)`,
    hint: `if the archive is genuine, raise the limit: ${variable}=${example} in the environment or on the command line ("releng ${variable}=${example}"), or extractLimits: { ${option}: ${budget.by === 'size' ? `'${example}'` : example} } in releng.config.ts; 0 turns it off`,
  };
}
