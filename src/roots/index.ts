/**
 * Root backends by name: one registration line per backend, each loaded
 * only when used.
 */
import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import type { RootBackend } from './types.ts';

/** Options every backend gets. */
export interface BackendOptions {
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}

const BACKENDS: Record<string, (o: BackendOptions) => Promise<RootBackend>> = {
  'bwrap-overlay': async (o) =>
    (await import('./backends/bwrap-overlay.ts')).bwrapOverlayBackend(o),
};

/** The default backend's name. */
export const DEFAULT_BACKEND = 'bwrap-overlay';

/** Opens the named backend. */
export function openBackend(name: string, options: BackendOptions): Promise<RootBackend> {
  const make = BACKENDS[name];
  if (!make)
    throw new RelengError(
      `unknown root backend "${name}"${didYouMean(name, Object.keys(BACKENDS))}`,
      { hint: `backends: ${Object.keys(BACKENDS).join(', ')}` },
    );
  return make(options);
}
