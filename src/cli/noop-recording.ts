import { join } from 'node:path';
import { packagePaths } from '../engine/env.ts';
import type { Modes } from '../engine/modes.ts';
import { modeFiles } from '../engine/modes.ts';
import { writeNoopRecord } from '../engine/noop-record.ts';
import { STATE_FILE } from '../engine/state.ts';
import { configCandidates } from '../project/find-config.ts';
import type { LoadedProject } from '../project/load.ts';
import type { ProjectDirs } from '../project/model.ts';
import { formatDuration } from '../util/fs.ts';
import type { CliArgs } from './args.ts';

export { recordableCommand } from './noop-command.ts';

/** Output chunks in the order written: 1 = stdout, 2 = stderr. */
export type Chunks = Array<[1 | 2, string]>;

/**
 * A stream for the reporter that keeps what is written in `into` and passes
 * it on to `stream` (none: only kept).
 */
export function teeStream(
  stream: NodeJS.WriteStream | undefined,
  fd: 1 | 2,
  into: Chunks,
): NodeJS.WriteStream {
  return {
    write(text: string) {
      into.push([fd, text]);
      return stream ? stream.write(text) : true;
    },
  } as unknown as NodeJS.WriteStream;
}

export interface NoopRun {
  args: CliArgs;
  root: string;
  dirs: ProjectDirs;
  modes: Modes;
  key: string;
  loaded: LoadedProject;
  /** Files the engine and the tool checks read beyond the model and journals. */
  consulted: Iterable<string>;
  output: Chunks;
  /** The run's reported duration (its text in the output becomes a placeholder). */
  durationMs: number | undefined;
  exitCode: number;
}

/**
 * Records a no-op run: its output and every file its decisions read. Not
 * for the local-sources mode (each run looks for the checkouts), native
 * extensions (their modules run on every load) or a model that did not come
 * from the project cache.
 */
export async function saveNoopRecord(run: NoopRun): Promise<boolean> {
  const { args, root, dirs, loaded } = run;
  if (run.modes.localSources || !loaded.fromCache || !loaded.cacheInputs) return false;
  if (loaded.project.extensions.length > 0) return false;
  const files = [
    // a new configuration file found first would change the project
    ...configCandidates(root, args.config),
    ...modeFiles(dirs.output, root),
    dirs.build,
    dirs.host,
    dirs.staging,
    dirs.target,
    dirs.images,
    ...run.consulted,
  ];
  for (const pkg of loaded.project.packageDefs.values())
    files.push(join(packagePaths(dirs, pkg).buildBaseDir, STATE_FILE));
  const duration = run.durationMs === undefined ? undefined : `(${formatDuration(run.durationMs)})`;
  await writeNoopRecord(dirs.output, run.key, {
    stamped: loaded.cacheInputs,
    files,
    output: run.output,
    duration,
    exitCode: run.exitCode,
  });
  return true;
}
