import type { SiteType } from './types.ts';

/** A virtual package: no sources, an empty build directory. */
export const noneSite: SiteType = {
  name: 'none',
  hasSources: false,
  async fetch() {},
  async extract() {},
};
