import type { RelengErrorDetails } from '../util/errors.ts';

/** Message levels used by scripts (`note`, `warn`, ...) and the engine. */
export type LogLevel = 'debug' | 'verbose' | 'log' | 'note' | 'hint' | 'success' | 'warn' | 'error';

/** Everything the engine reports. The CLI renders these as text or JSON lines. */
export type RelengEvent =
  | { type: 'run-start'; root: string; format: string; packages: number; jobs: number }
  | { type: 'stage-start'; pkg: string; stage: string }
  | { type: 'stage-end'; pkg: string; stage: string; durationMs: number }
  | { type: 'stage-skip'; pkg: string; stage: string }
  | { type: 'output'; pkg: string; stream: 'stdout' | 'stderr'; line: string; always?: boolean }
  | { type: 'log'; level: LogLevel; message: string; pkg?: string }
  | { type: 'error'; message: string; details: RelengErrorDetails }
  /** An http(s) download's progress: at its start, up to 10 times a second, and at its end. */
  | {
      type: 'download';
      pkg: string;
      file: string;
      received: number;
      total?: number;
      done: boolean;
    }
  | { type: 'run-end'; ok: boolean; durationMs: number };

export type EventSink = (event: RelengEvent) => void;

/** Human wording of a stage start, as releng-tool prints it. */
export const STAGE_VERBS: Record<string, string> = {
  bootstrap: 'bootstrapping',
  fetch: 'fetching',
  extract: 'extracting',
  patch: 'patching',
  configure: 'configuring',
  build: 'building',
  install: 'installing',
  post: 'post-processing',
  'post-build': 'post-processing',
  license: 'generating license information',
  package: 'writing',
};
