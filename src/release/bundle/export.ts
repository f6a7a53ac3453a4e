/** The project's sources at the release commit, exported once per dist into the scratch folder. */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathExists } from '../../util/fs.ts';
import type { BundleContext } from './types.ts';

const run = promisify(execFile);

/** A folder holding exactly the committed tree (`git archive`: export-ignore honoured, modes kept). */
export async function exportedSources(ctx: BundleContext): Promise<string> {
  const dir = join(ctx.scratch, 'sources');
  if (await pathExists(join(ctx.scratch, 'sources.done'))) return dir;
  await mkdir(dir, { recursive: true });
  const archive = join(ctx.scratch, 'sources.tar');
  await ctx.git.ok(['archive', '--format=tar', `--output=${archive}`, ctx.commit]);
  await run('tar', ['-xf', archive, '-C', dir]);
  await mkdir(join(ctx.scratch, 'sources.done'));
  return dir;
}
