import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starting python3 and the bridge takes 50-100 ms. On a run that will
 * evaluate a releng-tool project's definitions, the CLI starts the first
 * worker before it loads the rest of releng, so the two start-ups overlap;
 * PythonBridge then adopts that process instead of spawning its own.
 */

const BRIDGE_SCRIPT = fileURLToPath(new URL('./releng_bridge.py', import.meta.url));

/** What happened to an early worker before it was adopted (replayed on adoption). */
export type EarlyEvent =
  | ['error', Error]
  | ['exit', number | null, NodeJS.Signals | null]
  | ['close'];

interface EarlyWorker {
  key: string;
  proc: ChildProcess;
  early: EarlyEvent[];
  /** Stops holding its output and hands what was held to the listeners now attached. */
  release(): void;
}

const waiting: EarlyWorker[] = [];

/** A worker's command line. */
export function workerCommand(
  python: string,
  tag: string,
  flags: { debug?: boolean; verbose?: boolean },
): string[] {
  // -B: importing a project's Python modules must not write __pycache__ into the project.
  const command = [python, '-B', BRIDGE_SCRIPT, '--tag', tag];
  if (flags.debug) command.push('--debug');
  if (flags.verbose) command.push('--verbose');
  return command;
}

/** Spawns a worker: fd 1/2 for script output, fd 3 for control messages. */
export function spawnWorker(
  command: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  // Loaded on first use: a run that loads its project from the cache spawns no worker.
  const { spawn } = process.getBuiltinModule('node:child_process');
  return spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: options.env ?? process.env,
    windowsHide: true,
  });
}

/** Starts a worker now, with this process's environment and working directory. */
export function startWorkerEarly(command: readonly string[]): void {
  const proc = spawnWorker(command);
  // Its output is read and held until adoption: Node discards unread child
  // output when the process exits, and a failing python's stderr is the
  // error message.
  const held: Array<[NodeJS.EventEmitter, unknown]> = [];
  const holders: Array<[NodeJS.EventEmitter, (chunk: unknown) => void]> = [];
  for (const stream of [proc.stdout, proc.stderr, proc.stdio[3]]) {
    if (!stream) continue;
    const hold = (chunk: unknown) => held.push([stream, chunk]);
    stream.on('data', hold);
    holders.push([stream, hold]);
  }
  const onError = (error: Error) => entry.early.push(['error', error]);
  const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
    entry.early.push(['exit', code, signal]);
  const onClose = () => entry.early.push(['close']);
  const entry: EarlyWorker = {
    key: command.join('\0'),
    proc,
    early: [],
    release() {
      for (const [stream, hold] of holders) stream.off('data', hold);
      for (const [stream, chunk] of held.splice(0)) stream.emit('data', chunk);
      // From now on the process's own events reach the adopter directly.
      proc.off('error', onError);
      proc.off('exit', onExit);
      proc.off('close', onClose);
    },
  };
  // Recorded, so nothing is lost (or thrown) before the bridge listens.
  proc.on('error', onError);
  proc.on('exit', onExit);
  proc.on('close', onClose);
  // Never adopted (the run failed first): it must not keep releng running;
  // it exits by itself when releng does (its control pipe closes).
  proc.unref();
  for (const stream of [proc.stdout, proc.stderr, proc.stdio[3]]) {
    (stream as { unref?: () => void } | null)?.unref?.();
  }
  waiting.push(entry);
}

/** The early worker started with exactly this command line, if any (handed over once). */
export function adoptWorker(command: readonly string[]): EarlyWorker | undefined {
  const at = waiting.findIndex((w) => w.key === command.join('\0'));
  return at < 0 ? undefined : waiting.splice(at, 1)[0];
}
