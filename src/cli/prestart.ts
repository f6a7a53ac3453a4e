import { existsSync } from 'node:fs';
import { cacheFile } from '../project/cache.ts';
import { projectDirs } from '../project/dirs.ts';
import type { FoundConfig } from '../project/find-config.ts';
import type { CliArgs } from './args.ts';

/**
 * On a run that will evaluate a releng-tool project's definitions (no
 * project cache yet), starts the first Python worker before the rest of
 * releng loads, so the two start-ups overlap (about 20 ms of a 200-package
 * first run's loading phase). A run that loads the project from its cache
 * needs no Python and starts none.
 */
export async function prestartPython(
  args: CliArgs,
  root: string,
  config: FoundConfig | undefined,
): Promise<void> {
  if (args.action === 'init' || args.action === 'package') return;
  // No project here (config undefined): the run reports that itself.
  if (config?.format !== 'releng-tool') return;
  if (!args.noCache && existsSync(cacheFile(projectDirs(root, args).output))) return;
  const { startWorkerEarly, workerCommand } = await import('../project/python/prespawn.ts');
  // The bridge names its first worker w1 and adopts this one if the command matches.
  startWorkerEarly(workerCommand(args.python ?? 'python3', 'w1', args));
}
