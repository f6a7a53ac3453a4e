import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_CONFIG_NAMES } from '../project/config-names.ts';
import { projectDirs } from '../project/dirs.ts';
import { RELENG_TOOL_CONFIG_NAMES } from '../project/releng-tool/names.ts';
import type { CliArgs } from './args.ts';

/**
 * On a run that will evaluate a releng-tool project's definitions (no
 * project cache yet), starts the first Python worker before the rest of
 * releng loads, so the two start-ups overlap (about 70 ms of a 200-package
 * first run). A run that loads the project from its cache needs no Python
 * and starts none.
 */
export async function prestartPython(args: CliArgs, root: string): Promise<void> {
  if (args.action === 'init' || args.action === 'package') return;
  if (NATIVE_CONFIG_NAMES.some((name) => existsSync(join(root, name)))) return;
  if (!RELENG_TOOL_CONFIG_NAMES.some((name) => existsSync(join(root, name)))) return;
  const cache = join(projectDirs(root, args).output, '.releng', 'project-cache.json');
  if (!args.noCache && existsSync(cache)) return;
  const { startWorkerEarly, workerCommand } = await import('../project/python/prespawn.ts');
  // The bridge names its first worker w1 and adopts this one if the command matches.
  startWorkerEarly(workerCommand(args.python ?? 'python3', 'w1', args));
}
