import { relative } from 'node:path';
import { asRelengError, RelengError, type RelengErrorDetails } from '../util/errors.ts';
import { UsageError } from './args.ts';

/** How a failure is printed: as text on stderr, or as a JSON `error` event on stdout. */
export interface ErrorOutput {
  json: boolean;
  color: boolean;
  /** Paths are printed relative to this folder when shorter. */
  cwd: string;
  /** Also print the stack (text only). */
  debug?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * The exit code of a failure: 2 for a command-line mistake (1 for an unknown
 * option, as releng-tool), a script's own exit code (0 for a script that ended
 * the run with `sys.exit(0)`, see endedByScript), 1 for anything else.
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return err.status;
  const own = err instanceof RelengError ? err.details.processExit : undefined;
  return own !== undefined && Number.isInteger(own) && own >= 0 && own < 256 ? own : 1;
}

/**
 * Whether a "failure" is a Python script's successful exit (`sys.exit(0)`,
 * `exit()`, `releng_exit()`): as in releng-tool, where that SystemExit is never
 * caught, it ends the whole run with code 0 and nothing is reported.
 */
export function endedByScript(err: unknown): boolean {
  return err instanceof RelengError && err.details.processExit === 0;
}

/**
 * The one complete error message: what failed, where, and what to do.
 * `(error) …` then indented `package:`, `file:`, `exit code:`, `log:`, the
 * last lines of the log and `hint:` lines, each only when known.
 */
export function formatError(
  message: string,
  d: RelengErrorDetails,
  options: { color: boolean; cwd: string },
): string {
  const first = `(error) ${message}`;
  const lines = [options.color ? `\x1b[31m${first}\x1b[0m` : first];
  const rel = (p: string): string => {
    const r = relative(options.cwd, p);
    return r.length < p.length && !r.startsWith('../..') ? r : p;
  };
  if (d.pkg) lines.push(`  package: ${d.pkg}${d.stage ? ` (stage: ${d.stage})` : ''}`);
  else if (d.stage) lines.push(`  stage: ${d.stage}`);
  if (d.file) lines.push(`  file: ${rel(d.file)}${d.line ? `:${d.line}` : ''}`);
  if (d.exitCode !== undefined) lines.push(`  exit code: ${d.exitCode}`);
  if (d.logPath) lines.push(`  log: ${rel(d.logPath)}`);
  if (d.logTail && d.logTail.length > 0) {
    lines.push('  last lines of the log:');
    for (const l of d.logTail) lines.push(`    ${l}`);
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

/** A JSON `error` event line, as `--json` prints it (docs/cli.md). */
export function jsonErrorLine(message: string, details: RelengErrorDetails): string {
  return `${JSON.stringify({ time: new Date().toISOString(), type: 'error', message, details })}\n`;
}

/**
 * Prints a failure the way every releng command does (the build CLI, and
 * `releng repo` / `releng key`): a text message on stderr, or under --json
 * one `error` event on stdout. Returns the exit code (2 usage, 1 otherwise).
 */
export function reportError(err: unknown, out: ErrorOutput): number {
  const e = asRelengError(err);
  const usage = err instanceof UsageError;
  const stdout = out.stdout ?? process.stdout;
  const stderr = out.stderr ?? process.stderr;
  if (out.json) {
    stdout.write(jsonErrorLine(e.message, e.details));
  } else {
    if (out.debug && e.stack && !usage) stderr.write(`${e.stack}\n`);
    stderr.write(`${formatError(e.message, e.details, out)}\n`);
  }
  return exitCodeOf(err);
}
