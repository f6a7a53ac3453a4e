import type { SiteOperations } from './types.ts';

/** A virtual package: no sources, an empty build directory. */
export const noneSite: SiteOperations = {
  async fetch() {},
  async extract() {},
};
