import { definedOnly } from './object.ts';
import { maskCredentials } from './redact.ts';

/**
 * One error type for everything the user can fix. It carries what the
 * reporter needs to print a single, complete message: the file (and line),
 * the package and stage, the exit code of what failed, its log and last lines.
 */
export interface RelengErrorDetails {
  file?: string;
  line?: number;
  pkg?: string;
  stage?: string;
  exitCode?: number;
  logPath?: string;
  logTail?: string[];
  /** What the user can do about it. */
  hint?: string;
  /**
   * The process's exit code for this failure (a releng-tool script's
   * `releng_exit(msg, 3)`), when not 1; 0 when a script's successful exit
   * (`sys.exit(0)`) ended the run.
   */
  processExit?: number;
}

export class RelengError extends Error {
  readonly details: RelengErrorDetails;

  constructor(message: string, details: RelengErrorDetails = {}) {
    // A message often quotes a site or a command line: its credentials never
    // reach the console, the --json error event or a log.
    super(maskCredentials(message));
    this.name = 'RelengError';
    this.details = maskDetails(details);
  }

  /** A copy with more context filled in (existing details win). */
  with(more: RelengErrorDetails): RelengError {
    const merged = new RelengError(this.message, { ...more, ...definedOnly(this.details) });
    merged.stack = this.stack;
    return merged;
  }
}

function maskDetails(details: RelengErrorDetails): RelengErrorDetails {
  const { hint, logTail } = details;
  if (hint === undefined && logTail === undefined) return details;
  const masked = { ...details };
  if (hint !== undefined) masked.hint = maskCredentials(hint);
  if (logTail !== undefined) masked.logTail = logTail.map(maskCredentials);
  return masked;
}

/** Wraps anything thrown into a RelengError, keeping its message. */
export function asRelengError(err: unknown, details: RelengErrorDetails = {}): RelengError {
  if (err instanceof RelengError) return err.with(details);
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = new RelengError(message, details);
  if (err instanceof Error && err.stack) wrapped.stack = err.stack;
  return wrapped;
}

/**
 * A run asked to do nothing but check (EngineOptions.noopOnly, or a load
 * from the project cache only) reached work; nothing of it has started.
 */
export class WorkNeeded extends Error {}
