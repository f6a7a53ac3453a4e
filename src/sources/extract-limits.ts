import { type ExtractLimits, resolveLimits } from '../extract/limits.ts';
import type { SiteContext } from './types.ts';

/**
 * The expansion limits for a package's extraction (src/extract/limits.ts):
 * `RELENG_EXTRACT_MAX_SIZE`/`RELENG_EXTRACT_MAX_RATIO` in its environment,
 * else the project's `extractLimits` (checked at load), else the defaults.
 */
export function extractLimitsFor(ctx: SiteContext): ExtractLimits {
  return resolveLimits(
    ctx.env,
    ctx.project.options.extractLimits as Partial<ExtractLimits> | undefined,
  );
}
