import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { maskCredentials } from '../util/redact.ts';
import type { EventSink } from './events.ts';

const TAIL_LINES = 20;
/** Log folders already created by this process (one mkdir per folder, not per package). */
const madeDirs = new Set<string>();

/**
 * A package's output: every line goes to `output/logs/<pkg>.log` and becomes
 * an `output` event; the last lines are kept for error messages. Partial lines
 * are held per stream until complete, so concurrent writers never interleave
 * mid-line.
 */
export class PackageLog {
  readonly path: string;
  readonly pkg: string;
  readonly #sink: EventSink;
  #file: WriteStream | undefined;
  readonly #partial = { stdout: '', stderr: '' };
  readonly #tail: string[] = [];
  /** Engine notes held until the package writes something, so silent packages create no log. */
  #pending: string[] = [];

  constructor(pkg: string, path: string, sink: EventSink) {
    this.pkg = pkg;
    this.path = path;
    this.#sink = sink;
  }

  #stream(): WriteStream {
    if (!this.#file) {
      const dir = dirname(this.path);
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      this.#file = createWriteStream(this.path, { flags: 'a' });
      this.#file.write(`==== ${new Date().toISOString()} releng run (pid ${process.pid})\n`);
      for (const line of this.#pending) this.#file.write(line);
      this.#pending = [];
    }
    return this.#file;
  }

  /** Raw output from a process or script. */
  write(chunk: Buffer | string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const text = this.#partial[stream] + chunk.toString();
    const lines = text.split('\n');
    this.#partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.#emit(line, stream);
  }

  /** A download's progress, for the console (never written to the log). */
  progress(file: string, p: { received: number; total?: number; done: boolean }): void {
    this.#sink({ type: 'download', pkg: this.pkg, file, ...p });
  }

  /** A line written by the engine itself (stage markers, commands). */
  note(rawLine: string, open = false): void {
    const line = maskCredentials(rawLine);
    if (this.#file || open) this.#stream().write(`${line}\n`);
    else this.#pending.push(`${line}\n`);
  }

  /** Flushes held partial lines (at the end of a stage). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream]) {
        const line = this.#partial[stream];
        this.#partial[stream] = '';
        this.#emit(line, stream);
      }
    }
  }

  #emit(rawLine: string, stream: 'stdout' | 'stderr'): void {
    // Tools print their remote (`git fetch`, a stage script's `env`): never its credentials.
    const line = maskCredentials(rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine);
    this.#stream().write(`${line}\n`);
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    this.#sink({ type: 'output', pkg: this.pkg, stream, line });
  }

  /** The last lines written, for error reports. */
  tail(): string[] {
    return [...this.#tail];
  }

  async close(): Promise<void> {
    this.flush();
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    await new Promise<void>((resolve) => file.end(resolve));
  }
}
