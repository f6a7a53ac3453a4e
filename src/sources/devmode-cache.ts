import type { PackageModel, ProjectModel } from '../project/model.ts';
import type { SiteRunOptions } from './types.ts';

/**
 * releng-tool's DEVMODE_IGNORE_CACHE: in development mode the package is
 * fetched afresh on every run instead of reusing its cached download. The
 * package's option wins over the project's `default_devmode_ignore_cache`,
 * which the `releng.disable_devmode_ignore_cache` quirk turns off.
 */
export function devmodeIgnoresCache(
  pkg: PackageModel,
  project: ProjectModel,
  options: Pick<SiteRunOptions, 'devmode' | 'quirks'>,
): boolean {
  if (!options.devmode) return false;
  const own = (pkg.options.relengTool as Record<string, unknown> | undefined)?.DEVMODE_IGNORE_CACHE;
  if (typeof own === 'boolean') return own;
  if (options.quirks?.includes('releng.disable_devmode_ignore_cache')) return false;
  return project.options.defaultDevmodeIgnoreCache === true;
}
