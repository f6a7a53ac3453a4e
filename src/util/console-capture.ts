/**
 * Native hooks and definition modules run inside the releng process, so a
 * `console.log` in them would write straight to releng's stdout: between the
 * JSON events of `--json`, over the live status line, and never into the
 * package's log. Code run through `captureConsole` has its console output
 * handed to a callback instead (the package log, which also emits `output`
 * events). Everything else (releng's own output included) is untouched.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { Writable } from 'node:stream';

/** Receives captured console output, as text, with the stream it was meant for. */
export type ConsoleWrite = (text: string, stream: 'stdout' | 'stderr') => void;

interface Target {
  write: ConsoleWrite;
  /** Made on first use: most hooks never print. */
  console?: Console;
}

const current = new AsyncLocalStorage<Target>();

/** Console methods that print (all of them, so nothing slips through to stdout). */
const METHODS = [
  'log',
  'info',
  'debug',
  'warn',
  'error',
  'trace',
  'dir',
  'dirxml',
  'table',
  'group',
  'groupCollapsed',
  'groupEnd',
  'count',
  'countReset',
  'time',
  'timeEnd',
  'timeLog',
  'assert',
] as const;

let installed = false;

/** Routes the global console's methods through the current target, once per process. */
function install(): void {
  if (installed) return;
  installed = true;
  const global = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const method of METHODS) {
    const original = global[method];
    if (typeof original !== 'function') continue;
    global[method] = function (this: unknown, ...args: unknown[]) {
      const target = current.getStore();
      if (!target) return original.apply(console, args);
      target.console ??= consoleFor(target.write);
      return (target.console as unknown as Record<string, (...a: unknown[]) => void>)[method]!(
        ...args,
      );
    };
  }
}

function consoleFor(write: ConsoleWrite): Console {
  const stream = (name: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        write(chunk.toString(), name);
        done();
      },
    });
  return new Console({ stdout: stream('stdout'), stderr: stream('stderr'), colorMode: false });
}

/**
 * Runs `fn` (and everything it starts, awaited or not) with console output
 * going to `write`.
 */
export function captureConsole<T>(write: ConsoleWrite, fn: () => T): T {
  install();
  return current.run({ write }, fn);
}
