import { basename, join } from 'node:path';
import type { CliArgs } from './args.ts';

/**
 * The run's folder options: the command line, then releng-tool's environment
 * variables (RELENG_OUTPUT_DIR, …); --assets-dir / RELENG_ASSETS_DIR holds
 * cache/ and dl/ unless those are given themselves.
 */
export function dirOptions(args: CliArgs, root: string): CliArgs {
  const env = process.env;
  const assets = args.assetsDir ?? env.RELENG_ASSETS_DIR;
  // RELENG_GLOBAL_OUTPUT_CONTAINER_DIR holds one output folder per project
  // (named as the root), images included unless ..._NO_IMAGES is set.
  const container = env.RELENG_GLOBAL_OUTPUT_CONTAINER_DIR || undefined;
  const containerOut = container ? join(container, basename(root)) : undefined;
  const imagesAtHome = containerOut && env.RELENG_GLOBAL_OUTPUT_CONTAINER_NO_IMAGES;
  return {
    ...args,
    outDir: args.outDir ?? env.RELENG_OUTPUT_DIR ?? containerOut,
    imagesDir:
      args.imagesDir ??
      env.RELENG_IMAGES_DIR ??
      (imagesAtHome ? join(root, 'output', 'images') : undefined),
    cacheDir: args.cacheDir ?? env.RELENG_CACHE_DIR ?? (assets ? join(assets, 'cache') : undefined),
    dlDir: args.dlDir ?? env.RELENG_DL_DIR ?? (assets ? join(assets, 'dl') : undefined),
  };
}
