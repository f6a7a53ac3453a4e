import { join, resolve } from 'node:path';
import type { ProjectDirs } from './model.ts';

export interface DirOptions {
  outDir?: string;
  dlDir?: string;
  cacheDir?: string;
  imagesDir?: string;
}

/** The run's directories: defaults under the root, or where the options point. */
export function projectDirs(root: string, options: DirOptions = {}): ProjectDirs {
  const output = options.outDir ? resolve(options.outDir) : join(root, 'output');
  return {
    root,
    output,
    build: join(output, 'build'),
    cache: options.cacheDir ? resolve(options.cacheDir) : join(root, 'cache'),
    dl: options.dlDir ? resolve(options.dlDir) : join(root, 'dl'),
    host: join(output, 'host'),
    staging: join(output, 'staging'),
    target: join(output, 'target'),
    images: options.imagesDir ? resolve(options.imagesDir) : join(output, 'images'),
    license: join(output, 'licenses'),
    symbols: join(output, 'symbols'),
    logs: join(output, 'logs'),
  };
}

/** The directory variables scripts and definitions see. */
export function directoryVariables(dirs: ProjectDirs): Record<string, string> {
  return {
    ROOT_DIR: dirs.root,
    OUTPUT_DIR: dirs.output,
    BUILD_DIR: dirs.build,
    CACHE_DIR: dirs.cache,
    DL_DIR: dirs.dl,
    HOST_DIR: dirs.host,
    STAGING_DIR: dirs.staging,
    TARGET_DIR: dirs.target,
    IMAGES_DIR: dirs.images,
    LICENSE_DIR: dirs.license,
    SYMBOLS_DIR: dirs.symbols,
  };
}
