// child_process (with net and streams) is imported on first use: most runs
// of a built project start no command.
import type { ChildProcess } from 'node:child_process';
import { RelengError } from './errors.ts';
import { withSharedEnv } from './shared-env.ts';

export interface ExecOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Receives output chunks as they arrive. */
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Tool name → path overrides (the project's override_tools). */
  overrideTools?: Readonly<Record<string, string>>;
}

/** Commands running right now, so an interrupt can stop them too. */
const running = new Set<ChildProcess>();

/** Sends a signal to every command started by execStreaming that is still running. */
export function killRunningCommands(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) child.kill(signal);
}

/** Resolves a tool through the project's overrides and `RELENG_<TOOL>` variables. */
export function resolveTool(
  command: string,
  overrides: Readonly<Record<string, string>> = {},
  env: Record<string, string | undefined> = process.env,
): string {
  const fromEnv = env[`RELENG_${command.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
  return overrides[command] ?? fromEnv ?? command;
}

/**
 * Runs a command with its output streamed to `onOutput`. Rejects with a
 * RelengError carrying the exit code (or the signal), and a clear message when
 * the tool does not exist.
 */
export function execStreaming(
  command: string,
  args: readonly string[],
  options: ExecOptions,
): Promise<void> {
  return execInternal(command, args, options, false).then(() => undefined);
}

/** Like execStreaming, but collects stdout and returns it (stderr still streams). */
export function execCapture(
  command: string,
  args: readonly string[],
  options: ExecOptions,
): Promise<string> {
  return execInternal(command, args, options, true);
}

async function execInternal(
  command: string,
  args: readonly string[],
  options: ExecOptions,
  captureStdout: boolean,
): Promise<string> {
  const { spawn } = await import('node:child_process');
  const tool = resolveTool(command, options.overrideTools, options.env);
  const captured: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      cwd: options.cwd,
      env: withSharedEnv(options.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.on('exit', () => running.delete(child));
    child.stdout.on('data', (c: Buffer) =>
      captureStdout ? captured.push(c) : options.onOutput(c, 'stdout'),
    );
    child.stderr.on('data', (c: Buffer) => options.onOutput(c, 'stderr'));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new RelengError(`command not found: ${tool}`, {
            hint: `install "${command}" on this machine, or point override_tools/RELENG_${command.toUpperCase()} at it`,
          }),
        );
      } else {
        reject(new RelengError(`cannot run ${tool}: ${err.message}`));
      }
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(captured).toString());
      else
        reject(
          new RelengError(
            `command failed: ${[tool, ...args].join(' ')}${signal ? ` (killed by ${signal})` : ''}`,
            { exitCode: code ?? 128 },
          ),
        );
    });
  });
}
