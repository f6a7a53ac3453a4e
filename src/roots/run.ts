/**
 * Helpers over {@link RootBackend.exec} for the recipes: a command's output
 * captured, and failures turned into a RelengError with the last lines.
 */
import { RelengError } from '../util/errors.ts';
import type { RootBackend, RootExecRequest } from './types.ts';

/** What a captured command printed. */
export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs in a fresh root and captures the output (also passed to `request.onOutput`). */
export async function execCaptured(
  backend: RootBackend,
  name: string,
  request: RootExecRequest,
): Promise<Captured> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const code = await backend.exec(name, {
    ...request,
    onOutput: (c, s) => {
      (s === 'stdout' ? out : err).push(c);
      request.onOutput?.(c, s);
    },
  });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** The last `n` non-empty lines of some output. */
export function lastLines(text: string, n = 20): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

/** Throws a RelengError for a failed root command (`what` says which step). */
export function failed(what: string, c: Captured, hint?: string): never {
  throw new RelengError(`${what} failed (exit ${c.code})`, {
    exitCode: c.code,
    logTail: lastLines(`${c.stdout}\n${c.stderr}`),
    ...(hint ? { hint } : {}),
  });
}
