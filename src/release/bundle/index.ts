/** Bundle kinds: one module each, registered here by `type`. */
import { pythonBundler } from './python.ts';
import { sourcesBundler } from './sources.ts';
import type { Bundler } from './types.ts';

export type { BundleConfig, BundleContext, Bundler } from './types.ts';

export const BUNDLERS: Readonly<Record<string, Bundler>> = {
  sources: sourcesBundler,
  python: pythonBundler,
};
