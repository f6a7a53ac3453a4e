import type { EventSink, LogLevel, RelengEvent } from '../engine/events.ts';
import { STAGE_VERBS } from '../engine/events.ts';
import type { RelengErrorDetails } from '../util/errors.ts';
import { formatDuration } from '../util/fs.ts';
import { formatError } from './errors.ts';
import { type DownloadStatus, statusText } from './status-line.ts';

export interface ReporterOptions {
  json: boolean;
  color: boolean;
  /** Draw a live status line (downloads, and running packages with showRunning): only on a TTY. */
  live: boolean;
  /** The live line lists the running packages (parallel runs). */
  showRunning?: boolean;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  /** Show package output on the console (otherwise it only goes to the logs). */
  showOutput: boolean;
  /**
   * Package output and messages may name their package (parallel runs): a
   * line is prefixed only while more than one package is running, so a
   * package built alone reads as in releng-tool.
   */
  prefixOutput: boolean;
  /** Paths are printed relative to this directory when shorter. */
  cwd: string;
}

const COLORS: Partial<Record<LogLevel, string>> = {
  error: '31',
  warn: '33',
  success: '32',
  note: '1',
  hint: '36',
  debug: '2',
  verbose: '2',
};

/** The mark a message of each level starts with, as releng-tool prints them. */
const MARKS: Partial<Record<LogLevel, string>> = {
  error: '(error) ',
  warn: '(warn) ',
  success: '(success) ',
  debug: '(debug) ',
  verbose: '(verbose) ',
};

/**
 * Whether colour is wanted, from the flags and the NO_COLOR / FORCE_COLOR
 * conventions. `releng-tool` style is releng-tool's rule, for its projects:
 * colour always (a pipe or a file too), unless --nocolorout or a non-empty
 * NO_COLOR, and a non-empty FORCE_COLOR (even `0`) wins over both. Otherwise
 * (native projects) colour only on a terminal, FORCE_COLOR=0/false meaning off.
 */
export function colorWanted(
  noColorFlag: boolean,
  isTTY: boolean,
  style: 'native' | 'releng-tool' = 'native',
): boolean {
  if (style === 'releng-tool') {
    if (process.env.FORCE_COLOR) return true;
    return !noColorFlag && !process.env.NO_COLOR;
  }
  if (noColorFlag) return false;
  // as releng-tool: FORCE_COLOR wins over NO_COLOR
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return isTTY;
}

/**
 * Renders engine events: plain lines, an optional live status line on a TTY,
 * or one JSON object per line. Lines are always written whole, so output of
 * concurrent packages never interleaves mid-line.
 */
export class Reporter {
  readonly options: ReporterOptions;
  readonly #running = new Map<string, string>();
  /** Downloads under way by `pkg\0file`, the most recently updated last. */
  readonly #downloads = new Map<string, DownloadStatus>();
  /** When each download last went out as a JSON event. */
  readonly #downloadSent = new Map<string, number>();
  #statusShown = false;
  /** After an error the live line is gone for good: nothing may be drawn below the message. */
  #statusEnded = false;
  readonly #out: NodeJS.WriteStream;
  readonly #err: NodeJS.WriteStream;

  constructor(
    options: ReporterOptions,
    out: NodeJS.WriteStream = process.stdout,
    err: NodeJS.WriteStream = process.stderr,
  ) {
    this.options = options;
    this.#out = out;
    this.#err = err;
    if (options.live) {
      // A narrower terminal would wrap the old line: redraw it to the new width.
      out.on('resize', () => {
        if (this.#statusShown) this.#redrawStatus();
      });
      liveReporters.add(this);
      installExitHook();
    }
  }

  readonly sink: EventSink = (event) => this.handle(event);

  handle(event: RelengEvent): void {
    if (this.options.json) {
      if (event.type === 'download' && !this.#sendDownload(event)) return;
      this.#write(this.#out, `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
      if (event.type === 'run-end' || event.type === 'error') this.flush();
      return;
    }
    switch (event.type) {
      case 'stage-start':
        this.#running.set(event.pkg, event.stage);
        if (!this.options.quiet) {
          this.#line(this.#out, `${STAGE_VERBS[event.stage] ?? event.stage} ${event.pkg}...`);
        }
        break;
      case 'stage-end':
        this.#running.delete(event.pkg);
        if (this.options.debug) {
          this.#line(
            this.#out,
            this.#paint(
              'debug',
              `(debug) ${event.pkg}: ${event.stage} done (${formatDuration(event.durationMs)})`,
            ),
          );
        }
        break;
      case 'stage-skip':
        if (this.options.verbose) this.#line(this.#out, `step over ${event.pkg} (${event.stage})`);
        break;
      case 'output':
        if (this.options.showOutput || (event.always && !this.options.quiet)) {
          const text =
            this.#prefixed() && !event.always ? `${event.pkg} | ${event.line}` : event.line;
          this.#line(event.stream === 'stderr' ? this.#err : this.#out, text);
        }
        break;
      case 'log':
        this.#log(event.level, event.pkg, event.message);
        break;
      case 'download': {
        const key = `${event.pkg}\0${event.file}`;
        this.#downloads.delete(key);
        if (!event.done) {
          const { pkg, file, received, total } = event;
          this.#downloads.set(key, { pkg, file, received, total });
        }
        if (this.options.live) this.#redrawStatus();
        break;
      }
      case 'error':
        // The status line goes for good (the run is ending): the message is the last thing shown.
        this.#clearStatus();
        this.#statusEnded = true;
        this.#line(this.#err, this.formatError(event.message, event.details));
        this.flush();
        break;
      case 'run-end':
        this.#clearStatus();
        if (event.ok && !this.options.quiet) {
          this.#line(
            this.#out,
            this.#paint('success', `(success) completed (${formatDuration(event.durationMs)})`),
          );
        }
        this.flush();
        break;
      default:
        break;
    }
  }

  #log(level: LogLevel, pkg: string | undefined, message: string): void {
    if (level === 'debug' && !this.options.debug) return;
    if (level === 'verbose' && !this.options.verbose && !this.options.debug) return;
    if (this.options.quiet && (level === 'log' || level === 'note' || level === 'success')) return;
    // releng-tool's marks: (debug) and (verbose) too
    const label = MARKS[level] ?? '';
    const who = pkg && this.#prefixed() ? `${pkg}: ` : '';
    const stream = level === 'error' || level === 'warn' ? this.#err : this.#out;
    this.#line(stream, this.#paint(level, `${label}${who}${message}`));
  }

  /** Whether a package's line names it: in parallel runs, while several packages run. */
  #prefixed(): boolean {
    return this.options.prefixOutput && this.#running.size > 1;
  }

  /** The one complete error message: what failed, where, and what to do. */
  formatError(message: string, d: RelengErrorDetails): string {
    return formatError(message, d, this.options);
  }

  #paint(level: LogLevel, text: string): string {
    const code = COLORS[level];
    return this.options.color && code ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  #line(stream: NodeJS.WriteStream, text: string): void {
    this.#clearStatus();
    this.#write(stream, `${text}\n`);
    this.#drawStatus();
  }

  /**
   * Output waiting for the end of this turn of the event loop: a 200-package
   * build prints about 800 lines in bursts, and one write(2) per burst instead
   * of one per line keeps the main thread free for the build. Order across
   * stdout and stderr is kept; errors and the final line flush at once.
   */
  readonly #queue: Array<[NodeJS.WriteStream, string]> = [];
  #flushScheduled = false;

  #write(stream: NodeJS.WriteStream, text: string): void {
    const last = this.#queue[this.#queue.length - 1];
    if (last && last[0] === stream) last[1] += text;
    else this.#queue.push([stream, text]);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
      holdingOutput.add(this);
      installExitHook();
    }
  }

  /** Writes everything queued (called by the CLI before it exits). */
  flush(): void {
    this.#flushScheduled = false;
    holdingOutput.delete(this);
    for (const [stream, text] of this.#queue.splice(0)) stream.write(text);
  }

  /** Ends the live line (the process is exiting): cleared, and written out at once. */
  endStatus(): void {
    this.#clearStatus();
    this.#statusEnded = true;
    this.flush();
  }

  /**
   * Whether a download event goes out under --json: its start and end
   * always, progress at most twice a second per download.
   */
  #sendDownload(event: Extract<RelengEvent, { type: 'download' }>): boolean {
    const key = `${event.pkg}\0${event.file}`;
    const now = Date.now();
    const last = this.#downloadSent.get(key);
    if (event.done) {
      this.#downloadSent.delete(key);
      return true;
    }
    if (last !== undefined && event.received > 0 && now - last < 500) return false;
    this.#downloadSent.set(key, now);
    return true;
  }

  #clearStatus(): void {
    if (this.#statusShown) {
      this.#write(this.#out, '\r\x1b[K');
      this.#statusShown = false;
    }
  }

  #redrawStatus(): void {
    this.#clearStatus();
    this.#drawStatus();
  }

  #drawStatus(): void {
    if (!this.options.live || this.#statusEnded) return;
    const text = statusText({
      running: this.options.showRunning ? [...this.#running] : [],
      downloads: [...this.#downloads.values()],
      columns: this.#out.columns || 80,
    });
    if (!text) return;
    this.#write(this.#out, this.#paint('debug', text));
    this.#statusShown = true;
  }
}

/** Reporters with output queued right now, flushed if the process exits first. */
const holdingOutput = new Set<Reporter>();
/** Reporters drawing a live line, cleared if the process exits (an error, Ctrl-C, process.exit). */
const liveReporters = new Set<Reporter>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', flushAllAtExit);
}

function flushAllAtExit(): void {
  for (const reporter of liveReporters) reporter.endStatus();
  for (const reporter of holdingOutput) reporter.flush();
}

/** Renders an event sink that drops everything (library use, tests). */
export const silentSink: EventSink = (_e: RelengEvent) => {};
