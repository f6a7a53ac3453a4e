/**
 * Runs releng-tool project files (configs, package definitions, stage scripts) in a pool
 * of long-lived python3 workers (see releng_bridge.py for the Python side).
 *
 * Each worker runs one request at a time (cwd and os.environ are process-global). Its fd 1
 * and fd 2 carry the running script's output; fd 3 is a socket carrying JSON lines. A
 * request ends when its result message and the end markers on both output streams have
 * arrived, so no output of a finished script can trail its completion.
 */

import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import path from 'node:path';
import { sharedEnv } from '../../util/shared-env.ts';
import { adoptWorker, spawnWorker, workerCommand } from './prespawn.ts';

export type LogLevel = 'log' | 'note' | 'warn' | 'err' | 'success' | 'debug' | 'verbose' | 'hint';
export type OutputStream = 'stdout' | 'stderr';
export type OutputHandler = (chunk: Buffer, stream: OutputStream) => void;
export type LogHandler = (level: LogLevel, message: string) => void;
export type EnvMap = Record<string, string | undefined>;

/** The type names releng-tool extensions registered, by kind. */
export interface ExtensionTypes {
  extract: string[];
  fetch: string[];
  package: string[];
}

/** A Python callable returned by evalFile/callFunction; call it with callFunction. */
export interface PyFunctionRef {
  $pyfunc: string;
}

export interface PythonBridgeOptions {
  /** interpreter to run (default `python3`) */
  python?: string;
  /** maximum number of worker processes (default 1); spawned on demand */
  workers?: number;
  /** enables the `debug` helper and `releng_is_debug_mode()` */
  debug?: boolean;
  /** enables the `verbose` helper and `releng_is_verbose_mode()` */
  verbose?: boolean;
  /** working directory of the workers between requests */
  cwd?: string;
  /** environment of the workers (base of evalFile/callFunction environments) */
  env?: EnvMap;
  /** output not claimed by a request's onOutput (default: this process's stdout/stderr) */
  onOutput?: OutputHandler;
  /** log messages not claimed by a request's onLog (default: printed to stdout/stderr) */
  onLog?: LogHandler;
}

interface RequestHandlers {
  onOutput?: OutputHandler;
  onLog?: LogHandler;
}

/** One script of a chain (runScripts). */
export interface ChainStep extends RequestHandlers {
  file: string;
  cwd: string;
}

/** A chain step's state on the Node side. */
interface StepState {
  handlers: RequestHandlers;
  file: string;
  resolve: () => void;
  reject: (error: Error) => void;
  result?: ControlMessage;
  settled: boolean;
}

export interface EvalOptions extends RequestHandlers {
  /** extra globals (names ending in `_DIR`, and `PREFIX`, become path strings) */
  globals?: Record<string, unknown>;
  /** added to the worker's environment and exposed as globals */
  env?: EnvMap;
  cwd?: string;
}

export interface RunOptions extends RequestHandlers {
  globals?: Record<string, unknown>;
  /** the script's complete environment (os.environ is set to exactly this) */
  env: EnvMap;
  cwd: string;
}

export interface CallOptions extends RequestHandlers {
  env?: EnvMap;
  cwd?: string;
}

export interface PythonErrorInfo {
  file?: string;
  line?: number;
  traceback?: string;
  exitCode?: number;
  pythonType?: string;
}

/** A failure reported by (or about) Python: syntax errors, exceptions, non-zero exits. */
export class PythonError extends Error {
  override name = 'PythonError';
  file?: string;
  line?: number;
  traceback: string;
  exitCode?: number;
  /** the Python exception type, e.g. `SyntaxError`, `SystemExit` */
  pythonType?: string;

  constructor(message: string, info: PythonErrorInfo = {}) {
    super(message);
    this.file = info.file;
    this.line = info.line;
    this.traceback = info.traceback ?? '';
    this.exitCode = info.exitCode;
    this.pythonType = info.pythonType;
  }

  /** `file:line: message` */
  get location(): string {
    if (!this.file) return this.message;
    return `${this.file}${this.line ? `:${this.line}` : ''}: ${this.message}`;
  }
}

/** give up on output still missing this long after a worker died */
const EXIT_DRAIN_MS = 250;
const MAX_MARKER_TAG = 64;
/** how long after its result a request waits for its output end markers */
const END_MARKER_GRACE_MS = 10_000;
/** How long a request waits for a busy pool before another worker starts. */
const GROW_AFTER_MS = 25;

interface PathEntry {
  path: string;
  prepend: boolean;
}

interface ErrorPayload {
  type?: string;
  message?: string;
  file?: string | null;
  line?: number | null;
  traceback?: string;
  exitCode?: number;
}

interface ControlMessage {
  type: 'ready' | 'log' | 'result' | 'step';
  id?: number | null;
  /** a chain step's position (type 'step') */
  index?: number;
  pid?: number;
  version?: string;
  level?: LogLevel;
  message?: string;
  seq?: number;
  marker?: boolean;
  ok?: boolean;
  value?: unknown;
  error?: ErrorPayload;
  streams?: { stdout?: boolean; stderr?: boolean };
  pythonPaths?: string[];
  envPaths?: PathEntry[];
}

type StreamItem =
  | { kind: 'data'; buf: Buffer }
  | { kind: 'stray'; buf: Buffer }
  | { kind: 'marker'; tag: string };

/** Splits a worker output stream into request output, markers and stray output. */
class StreamDemux {
  private prefix: Buffer | null = null;
  private carry: Buffer | null = null;
  private readonly onItem: (item: StreamItem) => void;

  constructor(onItem: (item: StreamItem) => void) {
    this.onItem = onItem;
  }

  setNonce(nonce: string | null): void {
    this.flush();
    this.prefix = nonce ? Buffer.from(`\0RLNG${nonce}:`, 'latin1') : null;
  }

  push(chunk: Buffer): void {
    let buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    while (buf.length > 0) {
      const prefix = this.prefix;
      if (!prefix) {
        this.onItem({ kind: 'stray', buf });
        return;
      }
      const at = buf.indexOf(prefix);
      if (at < 0) {
        const keep = partialPrefix(buf, prefix);
        if (buf.length > keep)
          this.onItem({ kind: 'data', buf: buf.subarray(0, buf.length - keep) });
        if (keep > 0) this.carry = Buffer.from(buf.subarray(buf.length - keep));
        return;
      }
      if (at > 0) this.onItem({ kind: 'data', buf: buf.subarray(0, at) });
      const tagStart = at + prefix.length;
      const end = buf.subarray(tagStart, tagStart + MAX_MARKER_TAG + 1).indexOf(0);
      if (end < 0) {
        if (buf.length - tagStart > MAX_MARKER_TAG) {
          // not a marker after all
          this.onItem({ kind: 'data', buf: buf.subarray(at, tagStart) });
          buf = buf.subarray(tagStart);
          continue;
        }
        this.carry = Buffer.from(buf.subarray(at));
        return;
      }
      const tag = buf.toString('latin1', tagStart, tagStart + end);
      buf = buf.subarray(tagStart + end + 1);
      if (tag === 'end') this.prefix = null;
      this.onItem({ kind: 'marker', tag });
    }
  }

  /** delivers bytes held back as a possible marker start */
  flush(): void {
    if (!this.carry) return;
    const buf = this.carry;
    this.carry = null;
    this.onItem({ kind: this.prefix ? 'data' : 'stray', buf });
  }
}

function partialPrefix(buf: Buffer, prefix: Buffer): number {
  const max = Math.min(prefix.length - 1, buf.length);
  for (let k = max; k > 0; k--) {
    const start = buf.length - k;
    if (buf[start] === 0 && buf.compare(prefix, 0, k, start, buf.length) === 0) return k;
  }
  return 0;
}

type Op = 'eval' | 'evalMany' | 'run' | 'runChain' | 'call' | 'extLoad' | 'extEmit' | 'extCall';

/** One request: queued, then running on a worker until result + both end markers arrive. */
class Job {
  readonly id: number;
  readonly op: Op;
  readonly payload: Record<string, unknown>;
  readonly file: string | undefined;
  readonly affinity: Worker | undefined;
  readonly handlers: RequestHandlers;
  readonly bridge: PythonBridge;
  private readonly resolve: (value: unknown) => void;
  private readonly reject: (error: Error) => void;
  nonce = '';
  /** When the request was queued (the pool grows when requests wait). */
  readonly queuedAt = Date.now();
  settled = false;
  result: ControlMessage | undefined;
  private ended = { stdout: false, stderr: false };
  private blockedOn: number | null = null;
  private queue: StreamItem[] = [];
  private logs = new Map<number, ControlMessage>();
  private graceTimer: NodeJS.Timeout | undefined;
  /** A chain's steps, and which step each stream's output currently belongs to. */
  steps: StepState[] | undefined;
  private readonly stepAt = { stdout: 0, stderr: 0 };
  private nextStep = 0;

  constructor(
    bridge: PythonBridge,
    op: Op,
    payload: Record<string, unknown>,
    handlers: RequestHandlers,
    settle: { resolve: (value: unknown) => void; reject: (error: Error) => void },
    affinity?: Worker,
  ) {
    this.bridge = bridge;
    this.id = bridge.nextJobId();
    this.op = op;
    this.payload = payload;
    this.file = typeof payload.file === 'string' ? payload.file : undefined;
    this.handlers = handlers;
    this.resolve = settle.resolve;
    this.reject = settle.reject;
    this.affinity = affinity;
  }

  output(buf: Buffer, stream: OutputStream): void {
    if (buf.length === 0) return;
    const handlers = this.steps?.[this.stepAt[stream]]?.handlers ?? this.handlers;
    this.bridge.deliverOutput(buf, stream, handlers.onOutput);
  }

  /** an item from the worker's stdout/stderr while this job owns it */
  feed(stream: OutputStream, item: StreamItem): void {
    if (stream === 'stderr') {
      if (item.kind === 'marker') {
        if (item.tag === 'end') this.ended.stderr = true;
        else if (item.tag.startsWith('s')) this.stepAt.stderr = Number(item.tag.slice(1));
        this.settleSteps();
      } else this.output(item.buf, 'stderr');
      this.maybeFinish();
      return;
    }
    if (this.blockedOn !== null) this.queue.push(item);
    else this.process(item);
    this.maybeFinish();
  }

  private process(item: StreamItem): void {
    if (item.kind !== 'marker') {
      this.output(item.buf, 'stdout');
    } else if (item.tag === 'end') {
      this.ended.stdout = true;
      this.settleSteps();
    } else if (item.tag.startsWith('s')) {
      this.stepAt.stdout = Number(item.tag.slice(1));
      this.settleSteps();
    } else if (item.tag.startsWith('l')) {
      const seq = Number(item.tag.slice(1));
      const log = this.logs.get(seq);
      if (log) {
        this.logs.delete(seq);
        this.deliverLog(log);
      } else {
        this.blockedOn = seq;
      }
    }
  }

  private drain(): void {
    while (this.blockedOn === null && this.queue.length > 0) {
      this.process(this.queue.shift()!);
    }
  }

  log(msg: ControlMessage): void {
    if (!msg.marker || typeof msg.seq !== 'number') {
      this.deliverLog(msg);
      return;
    }
    this.logs.set(msg.seq, msg);
    if (this.blockedOn === msg.seq) {
      this.logs.delete(msg.seq);
      this.blockedOn = null;
      this.deliverLog(msg);
      this.drain();
      this.maybeFinish();
    }
  }

  private deliverLog(msg: ControlMessage): void {
    const handlers = this.steps?.[this.stepAt.stdout]?.handlers ?? this.handlers;
    this.bridge.deliverLog(msg.level ?? 'log', msg.message ?? '', handlers.onLog);
  }

  /** a chain step ended in the worker (its output may still be in transit) */
  stepResult(msg: ControlMessage): void {
    const step = this.steps?.[msg.index ?? -1];
    if (!step || step.result) return;
    step.result = msg;
    this.settleSteps();
  }

  /**
   * Settles chain steps in order, each once the worker reported it and both
   * streams have moved past its output (so its promise resolves after every
   * byte it printed was delivered).
   */
  private settleSteps(): void {
    const steps = this.steps;
    if (!steps) return;
    while (this.nextStep < steps.length) {
      const i = this.nextStep;
      const step = steps[i]!;
      const passed = (stream: OutputStream) => this.ended[stream] || this.stepAt[stream] > i;
      if (!step.result || !passed('stdout') || !passed('stderr')) return;
      if (this.blockedOn !== null && !this.ended.stdout && this.stepAt.stdout <= i) return;
      this.nextStep++;
      step.settled = true;
      if (step.result.ok) step.resolve();
      else step.reject(toPythonError(step.result.error ?? {}, step.file));
    }
  }

  /** the chain is over: steps never reported did not run */
  private settleRemainingSteps(error: Error | null): void {
    for (const step of this.steps ?? []) {
      if (step.settled) continue;
      step.settled = true;
      step.reject(
        error ??
          new PythonError(`not run: an earlier script of the chain failed (${step.file})`, {
            file: step.file,
            pythonType: 'ChainSkipped',
          }),
      );
    }
  }

  setResult(msg: ControlMessage): void {
    this.result = msg;
    if (msg.streams?.stdout === false || msg.streams?.stderr === false) {
      // the worker could not write its end marker: do not wait for it
      if (msg.streams?.stderr === false) this.ended.stderr = true;
      if (msg.streams?.stdout === false) this.forceDrain();
    }
    this.maybeFinish();
    // the end markers follow the result at once (usually they are already
    // here); never wait forever for lost ones
    if (!this.settled) {
      this.graceTimer ??= setTimeout(() => {
        this.forceDrain();
        this.maybeFinish();
      }, END_MARKER_GRACE_MS);
    }
  }

  /** delivers everything held back (worker gone or markers missing) */
  forceDrain(): void {
    for (;;) {
      this.blockedOn = null;
      this.drain();
      if (this.blockedOn === null) break;
    }
    for (const seq of [...this.logs.keys()].sort((a, b) => a - b)) {
      this.deliverLog(this.logs.get(seq)!);
    }
    this.logs.clear();
    this.ended.stdout = true;
    this.ended.stderr = true;
  }

  streamEnded(stream: OutputStream): boolean {
    return this.ended[stream];
  }

  private maybeFinish(): void {
    if (this.settled || !this.result || !this.ended.stdout || !this.ended.stderr) return;
    if (this.blockedOn !== null || this.queue.length > 0) return;
    const msg = this.result;
    if (msg.ok) this.settle(null, msg.value);
    else this.settle(toPythonError(msg.error ?? {}, this.file));
  }

  settle(error: Error | null, value?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.steps) {
      this.settleSteps();
      this.settleRemainingSteps(error);
    }
    if (error) this.reject(error);
    else this.resolve(value);
    this.bridge.jobSettled(this);
  }
}

function toPythonError(e: ErrorPayload, file: string | undefined): PythonError {
  return new PythonError(e.message ?? 'python error', {
    file: e.file ?? file,
    line: e.line ?? undefined,
    traceback: e.traceback,
    exitCode: e.exitCode,
    pythonType: e.type,
  });
}

type WorkerState = 'starting' | 'idle' | 'busy' | 'dead';

class Worker {
  readonly tag: string;
  readonly proc: ChildProcess;
  readonly ctrl: Socket;
  readonly bridge: PythonBridge;
  state: WorkerState = 'starting';
  pid: number | undefined;
  job: Job | undefined;
  readonly exited: Promise<void>;
  private lineBuf = '';
  private startupStderr: Buffer[] = [];
  private startupError: PythonError | undefined;
  private readonly out: StreamDemux;
  private readonly err: StreamDemux;
  private closed = false;

  constructor(bridge: PythonBridge, tag: string) {
    this.bridge = bridge;
    this.tag = tag;
    const opts = bridge.options;
    const python = opts.python ?? 'python3';
    const command = workerCommand(python, tag, opts);
    // A worker the CLI started early is used when it runs the same command
    // with this process's own environment and working directory.
    const adopted =
      opts.env === undefined && opts.cwd === undefined ? adoptWorker(command) : undefined;
    this.proc = adopted?.proc ?? spawnWorker(command, { cwd: opts.cwd, env: opts.env });
    this.ctrl = this.proc.stdio[3] as Socket;
    this.out = new StreamDemux((item) => this.onStream('stdout', item));
    this.err = new StreamDemux((item) => this.onStream('stderr', item));
    this.exited = new Promise<void>((resolve) => {
      const wire = () => this.listen(python, resolve);
      if (!adopted) {
        wire();
        return;
      }
      // Started early, it was unreferenced; starting up keeps the loop alive, as a fresh spawn does.
      this.ref();
      // What it printed and went through before now (its ready message, a
      // spawn error, an exit) reaches the listeners after a turn of the loop,
      // once the pool has registered this worker and waits for it (delivered
      // now, a ready message would find nobody waiting). Listening starts in
      // the same step, so nothing arrives twice or out of order.
      setImmediate(() => {
        wire();
        adopted.release();
        for (const [event, ...rest] of adopted.early.splice(0)) this.proc.emit(event, ...rest);
      });
    });
  }

  /** Listens to the process and its pipes; `resolve` settles `exited`. */
  private listen(python: string, resolve: () => void): void {
    this.proc.stdout!.on('data', (chunk: Buffer) => this.out.push(chunk));
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      if (this.state === 'starting') this.startupStderr.push(chunk);
      else this.err.push(chunk);
    });
    this.ctrl.setEncoding('utf8');
    this.ctrl.on('data', (text: string) => this.onControl(text));
    this.ctrl.on('error', () => {});
    this.proc.stdout!.on('error', () => {});
    this.proc.stderr!.on('error', () => {});

    let closed = false;
    this.proc.on('close', () => {
      closed = true;
      this.closed = true;
    });
    this.proc.on('error', (error: NodeJS.ErrnoException) => {
      // only spawn failures matter here (a failed kill() of a live worker does not)
      if (this.state !== 'starting' || this.proc.pid !== undefined) return;
      const message =
        error.code === 'ENOENT'
          ? `python interpreter not found: ${python} (${error.message})`
          : `cannot start python interpreter ${python}: ${error.message}`;
      this.startupError = new PythonError(message);
      this.died(null, null);
      resolve();
    });
    this.proc.on('exit', (code, signal) => {
      if (this.state === 'dead') {
        resolve();
        return;
      }
      // let output still in the pipes arrive before failing the running request
      const finish = () => {
        this.died(code, signal);
        resolve();
      };
      if (closed || (!this.job && this.state !== 'starting')) finish();
      else {
        const timer = setTimeout(finish, EXIT_DRAIN_MS);
        this.proc.once('close', () => {
          clearTimeout(timer);
          finish();
        });
      }
    });
  }

  private onStream(stream: OutputStream, item: StreamItem): void {
    const job = this.job;
    if (item.kind === 'stray' || !job || job.streamEnded(stream)) {
      if (item.kind !== 'marker') this.bridge.deliverOutput(item.buf, stream, undefined);
      return;
    }
    job.feed(stream, item);
  }

  private onControl(text: string): void {
    this.lineBuf += text;
    let nl = this.lineBuf.indexOf('\n');
    while (nl >= 0) {
      const line = this.lineBuf.slice(0, nl);
      this.lineBuf = this.lineBuf.slice(nl + 1);
      nl = this.lineBuf.indexOf('\n');
      if (!line.trim()) continue;
      let msg: ControlMessage;
      try {
        msg = JSON.parse(line) as ControlMessage;
      } catch {
        continue;
      }
      this.onMessage(msg);
    }
  }

  private onMessage(msg: ControlMessage): void {
    if (msg.type === 'ready') {
      this.pid = msg.pid ?? this.proc.pid;
      this.state = 'idle';
      for (const chunk of this.startupStderr) this.err.push(chunk);
      this.startupStderr = [];
      this.unref();
      this.bridge.workerReady(this);
      return;
    }
    const job = this.job;
    if (msg.type === 'log') {
      if (job && msg.id === job.id) job.log(msg);
      else this.bridge.deliverLog(msg.level ?? 'log', msg.message ?? '', undefined);
      return;
    }
    if (msg.type === 'step') {
      if (job && msg.id === job.id) job.stepResult(msg);
      return;
    }
    if (msg.type === 'result' && job && msg.id === job.id) {
      this.bridge.registerPaths(msg.pythonPaths ?? [], msg.envPaths ?? []);
      job.setResult(msg);
    }
  }

  run(job: Job): void {
    this.state = 'busy';
    this.job = job;
    // A random per-worker prefix plus a counter: unguessable enough that no
    // script prints it by accident, without 800 calls into the RNG per build.
    this.nonceCounter++;
    job.nonce = `${this.noncePrefix}${this.nonceCounter.toString(16)}`;
    this.out.setNonce(job.nonce);
    this.err.setNonce(job.nonce);
    this.ref();
    const { env, ...rest } = job.payload as { env?: Record<string, string> };
    // the run's shared variables travel once per worker (util/shared-env.ts)
    const shared = env === undefined ? this.sentShared : sharedEnv();
    const sharedMessage = shared !== this.sentShared ? { sharedEnv: shared ?? {} } : {};
    this.sentShared = shared;
    this.send({
      id: job.id,
      op: job.op,
      nonce: job.nonce,
      ...rest,
      ...sharedMessage,
      ...this.envMessage(env),
      pythonPaths: this.bridge.pythonPaths,
      envPaths: this.bridge.envPaths,
    });
  }

  // Web Crypto's global, not node:crypto: importing that module costs a no-op run ~4 ms.
  private readonly noncePrefix = Buffer.from(
    globalThis.crypto.getRandomValues(new Uint8Array(9)),
  ).toString('hex');
  private nonceCounter = 0;

  /** The environment of the last request this worker was sent (it keeps a copy). */
  private lastEnv: Record<string, string> | undefined;

  /** The shared variables this worker was last sent (it keeps them). */
  private sentShared: Readonly<Record<string, string>> | undefined;

  /**
   * Consecutive requests share almost all of their ~150 variables, so after
   * the first one only the differences travel (the worker rebuilds the rest).
   */
  private envMessage(env: Record<string, string> | undefined): Record<string, unknown> {
    if (env === undefined) return {};
    const last = this.lastEnv;
    this.lastEnv = env;
    if (!last) return { env };
    const set: Record<string, string> = {};
    const unset: string[] = [];
    // a variable the run shares (util/shared-env.ts) stays in the worker's
    // environment: dropped from this one, it only travels if its value was not the shared one
    const shared = this.sentShared;
    for (const k in env) if (last[k] !== env[k]) set[k] = env[k]!;
    for (const k in last) {
      if (env[k] !== undefined) continue;
      const common = shared?.[k];
      if (common === undefined) unset.push(k);
      else if (common !== last[k]) set[k] = common;
    }
    return { envDelta: { set, unset } };
  }

  /** the running job has settled */
  jobDone(): void {
    this.job = undefined;
    this.out.setNonce(null);
    this.err.setNonce(null);
    if (this.state === 'busy') {
      this.state = 'idle';
      this.unref();
    }
  }

  send(msg: unknown): void {
    if (this.state === 'dead' || this.ctrl.destroyed || this.ctrl.writableEnded) return;
    this.ctrl.write(`${JSON.stringify(msg)}\n`);
  }

  /** asks the worker to exit once its current request is done */
  /** asks the worker to exit; `wait`: keep this process alive until it has */
  shutdown(wait = true): void {
    this.send({ op: 'exit' });
    if (!this.ctrl.destroyed && !this.ctrl.writableEnded) this.ctrl.end();
    if (wait) this.ref();
    else this.unref();
  }

  kill(): void {
    if (this.state !== 'dead') this.proc.kill('SIGKILL');
  }

  private died(code: number | null, signal: NodeJS.Signals | null): void {
    const wasStarting = this.state === 'starting';
    this.state = 'dead';
    this.out.flush();
    this.err.flush();
    const job = this.job;
    if (job && !job.settled) {
      if (job.result) {
        job.forceDrain();
        job.setResult(job.result);
      } else {
        job.forceDrain();
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        job.settle(
          new PythonError(`python worker exited unexpectedly (${how}) while running a request`, {
            file: job.file,
            pythonType: 'WorkerExit',
          }),
        );
      }
    }
    this.job = undefined;
    if (!this.closed) {
      this.ctrl.destroy();
    }
    let startError: PythonError | undefined;
    if (wasStarting) {
      const stderr = Buffer.concat(this.startupStderr).toString('utf8').trim();
      startError =
        this.startupError ??
        new PythonError(
          `python worker failed to start (${this.bridge.options.python ?? 'python3'}, ` +
            `${signal ? `signal ${signal}` : `exit code ${code}`})${stderr ? `: ${stderr}` : ''}`,
          { traceback: stderr },
        );
    }
    this.bridge.workerDied(this, startError);
  }

  private ref(): void {
    this.proc.ref();
    this.ctrl.ref();
    (this.proc.stdout as Socket | null)?.ref();
    (this.proc.stderr as Socket | null)?.ref();
  }

  /** an idle worker must not keep the event loop alive */
  private unref(): void {
    this.proc.unref();
    this.ctrl.unref();
    (this.proc.stdout as Socket | null)?.unref();
    (this.proc.stderr as Socket | null)?.unref();
  }
}

/** A pool of python3 workers evaluating releng-tool project files. */
export class PythonBridge {
  readonly options: PythonBridgeOptions;
  private maxWorkers: number;
  private workers: Worker[] = [];
  private queue: Job[] = [];
  private jobCounter = 0;
  private spawnCounter = 0;
  private startFailures = 0;
  private closing = false;
  private readonly registeredPythonPaths: string[] = [];
  private readonly registeredEnvPaths: PathEntry[] = [];
  private readyWaiters: Array<(error?: PythonError) => void> = [];
  /** The worker every request goes to (pinToOneWorker). */
  private pinned: Worker | undefined;

  private constructor(options: PythonBridgeOptions) {
    this.options = options;
    this.maxWorkers = Math.max(1, Math.floor(options.workers ?? 1));
  }

  /**
   * Starts the pool with one worker and waits for it, so a missing or broken
   * python fails here. More workers start when requests have to wait (see
   * pump).
   */
  static async start(options: PythonBridgeOptions = {}): Promise<PythonBridge> {
    const bridge = new PythonBridge(options);
    const first = bridge.spawnWorker();
    await new Promise<void>((resolve, reject) => {
      bridge.readyWaiters.push((error) => (error ? reject(error) : resolve()));
    }).catch(async (error: unknown) => {
      await first.exited;
      throw error;
    });
    return bridge;
  }

  /** total number of python processes spawned so far (including replacements) */
  get spawnedCount(): number {
    return this.spawnCounter;
  }

  /** pids of the live workers */
  get pids(): number[] {
    return this.workers.filter((w) => w.pid !== undefined).map((w) => w.pid!);
  }

  /** directories registered with releng_register_python_path (applied to every worker) */
  get pythonPaths(): string[] {
    return [...this.registeredPythonPaths];
  }

  /** directories registered with releng_register_env_path (applied to every request's PATH) */
  get envPaths(): PathEntry[] {
    return this.registeredEnvPaths.map((e) => ({ ...e }));
  }

  /**
   * Executes a config/definition file and returns its JSON-representable globals (functions
   * as PyFunctionRef); a `releng_config(**kw)` call is returned under `__releng_config__`.
   */
  evalFile(file: string, options: EvalOptions = {}): Promise<Record<string, unknown>> {
    return this.submit(
      'eval',
      {
        file: path.resolve(file),
        globals: options.globals ?? {},
        env: cleanEnv(options.env),
        cwd: options.cwd ? path.resolve(options.cwd) : undefined,
      },
      options,
    ) as Promise<Record<string, unknown>>;
  }

  /**
   * Evaluates several definition files in one request (each in a fresh
   * scope, like evalFile); one result per file, failures included. The files
   * are spread over the live workers in contiguous chunks.
   */
  async evalFiles(
    items: ReadonlyArray<{
      file: string;
      cwd?: string;
      globals?: Record<string, unknown>;
      /** Also report, as `__pykinds__`, what JSON loses of the variables with this prefix (tuples, paths, non-string keys). */
      kindsPrefix?: string;
    }>,
    options: EvalOptions = {},
  ): Promise<
    Array<{ ok: true; value: Record<string, unknown> } | { ok: false; error: PythonError }>
  > {
    const env = cleanEnv(options.env);
    // One chunk per live worker: a second worker would cost more to start
    // than the definitions take to evaluate (~0.3 ms each).
    const alive = this.workers.filter((w) => w.state === 'idle' || w.state === 'busy').length;
    const chunks = Math.max(1, Math.min(alive, items.length));
    const size = Math.ceil(items.length / chunks);
    const parts: Array<Promise<unknown>> = [];
    for (let i = 0; i < items.length; i += size) {
      parts.push(
        this.submit(
          'evalMany',
          {
            items: items.slice(i, i + size).map((item) => ({
              file: path.resolve(item.file),
              cwd: item.cwd ? path.resolve(item.cwd) : undefined,
              globals: item.globals,
              kindsPrefix: item.kindsPrefix,
            })),
            globals: options.globals ?? {},
            env,
          },
          options,
        ),
      );
    }
    const results = (await Promise.all(parts)).flat() as Array<{
      ok: boolean;
      value?: Record<string, unknown>;
      error?: ErrorPayload;
    }>;
    return results.map((r, i) =>
      r.ok
        ? { ok: true as const, value: r.value ?? {} }
        : { ok: false as const, error: toPythonError(r.error ?? {}, items[i]!.file) },
    );
  }

  /** Runs a stage script; rejects with PythonError (exitCode set for non-zero exits). */
  async runScript(file: string, options: RunOptions): Promise<void> {
    await this.submit(
      'run',
      {
        file: path.resolve(file),
        globals: options.globals ?? {},
        env: cleanEnv(options.env),
        cwd: path.resolve(options.cwd),
      },
      options,
    );
  }

  /**
   * Runs several stage scripts back to back in one request (one round trip
   * instead of one per script), with one environment and set of globals.
   * Each step gets its own output handlers and its own promise, which settles
   * once the step ended and all of its output was delivered; a step runs only
   * if the one before succeeded (later ones reject as not run).
   */
  runScripts(
    steps: readonly ChainStep[],
    options: { env: EnvMap; globals?: Record<string, unknown> },
  ): Array<Promise<void>> {
    const states: StepState[] = [];
    const promises = steps.map(
      (step) =>
        new Promise<void>((resolve, reject) => {
          states.push({
            handlers: { onOutput: step.onOutput, onLog: step.onLog },
            file: path.resolve(step.file),
            resolve,
            reject,
            settled: false,
          });
        }),
    );
    const whole = this.submit(
      'runChain',
      {
        steps: steps.map((step) => ({
          file: path.resolve(step.file),
          cwd: path.resolve(step.cwd),
        })),
        globals: options.globals ?? {},
        env: cleanEnv(options.env),
      },
      {},
      undefined,
      states,
    );
    // Failures reach the caller through the steps' promises.
    whole.catch(() => {});
    return promises;
  }

  /**
   * From now on every request goes to one worker (the first live one): what
   * a request leaves behind in Python (releng-tool extensions' listeners and
   * injected globals) is then seen by every later request.
   */
  pinToOneWorker(): void {
    this.maxWorkers = 1;
    this.pinned ??=
      this.workers.find((w) => w.state === 'idle' || w.state === 'busy') ??
      this.workers.find((w) => w.state === 'starting') ??
      this.spawnWorker();
  }

  /**
   * Imports releng-tool extensions (module names) and runs their
   * `releng_setup(app)`; resolves to one message per extension that failed.
   */
  async loadExtensions(
    names: readonly string[],
    options: { version: string; root: string; env?: EnvMap; cwd?: string },
  ): Promise<{ errors: string[]; types: ExtensionTypes }> {
    const value = await this.submit(
      'extLoad',
      {
        names,
        version: options.version,
        root: options.root,
        env: cleanEnv(options.env),
        cwd: options.cwd ? path.resolve(options.cwd) : undefined,
      },
      {},
    );
    const out = value as { errors?: string[]; types?: Partial<ExtensionTypes> } | null;
    return {
      errors: out?.errors ?? [],
      types: {
        extract: out?.types?.extract ?? [],
        fetch: out?.types?.fetch ?? [],
        package: out?.types?.package ?? [],
      },
    };
  }

  /**
   * Calls an operation of an extension's package, fetch or extract type
   * (`handler.<method>(type, opts)`); resolves to what it returned.
   */
  async callExtension(
    kind: keyof ExtensionTypes,
    extType: string,
    method: string,
    opts: Record<string, unknown>,
    options: RunOptions,
  ): Promise<unknown> {
    return this.submit(
      'extCall',
      {
        kind,
        extType,
        method,
        opts,
        globals: options.globals ?? {},
        env: cleanEnv(options.env),
        cwd: path.resolve(options.cwd),
      },
      options,
    );
  }

  /** Calls the loaded extensions' listeners of a releng-tool event (`config-loaded`, ...). */
  async emitEvent(event: string, options: RunOptions): Promise<void> {
    await this.submit(
      'extEmit',
      {
        event,
        globals: options.globals ?? {},
        env: cleanEnv(options.env),
        cwd: path.resolve(options.cwd),
      },
      options,
    );
  }

  /** Calls a Python function returned by evalFile (on the worker that holds it). */
  callFunction(
    ref: PyFunctionRef,
    args: unknown[] = [],
    options: CallOptions = {},
  ): Promise<unknown> {
    const id = ref?.$pyfunc;
    const tag = typeof id === 'string' ? id.slice(0, id.lastIndexOf(':')) : '';
    const worker = this.workers.find((w) => w.tag === tag);
    if (!worker) {
      return Promise.reject(
        new PythonError(`python function ${String(id)} is no longer available (its worker exited)`),
      );
    }
    return this.submit(
      'call',
      {
        ref: id,
        args,
        env: cleanEnv(options.env),
        cwd: options.cwd ? path.resolve(options.cwd) : undefined,
      },
      options,
      worker,
    );
  }

  /**
   * Ends the workers. Queued requests are rejected; running ones finish first unless
   * `force` is set (then the workers are killed and their requests rejected).
   */
  async close(options: { force?: boolean; leaveIdle?: boolean } = {}): Promise<void> {
    this.closing = true;
    if (this.growTimer) clearTimeout(this.growTimer);
    for (const job of this.queue.splice(0)) job.settle(new PythonError('python bridge closed'));
    const workers = [...this.workers];
    // leaveIdle: idle workers are told to exit but not waited for (a Python
    // interpreter takes ~15 ms to tear down; a CLI about to exit need not wait).
    const waitFor = workers.filter(
      (w) => options.force || !options.leaveIdle || w.state === 'busy',
    );
    for (const worker of workers) {
      if (options.force) worker.kill();
      else worker.shutdown(waitFor.includes(worker));
    }
    await Promise.all(waitFor.map((w) => w.exited));
  }

  // ------------------------------------------------------------ internals (used by Worker/Job)

  nextJobId(): number {
    return ++this.jobCounter;
  }

  deliverOutput(buf: Buffer, stream: OutputStream, handler: OutputHandler | undefined): void {
    const target = handler ?? this.options.onOutput;
    if (target) target(buf, stream);
    else (stream === 'stdout' ? process.stdout : process.stderr).write(buf);
  }

  deliverLog(level: LogLevel, message: string, handler: LogHandler | undefined): void {
    const target = handler ?? this.options.onLog;
    if (target) target(level, message);
    else if (level === 'warn' || level === 'err') process.stderr.write(`(${level}) ${message}\n`);
    else process.stdout.write(level === 'log' ? `${message}\n` : `(${level}) ${message}\n`);
  }

  registerPaths(pythonPaths: string[], envPaths: PathEntry[]): void {
    for (const p of pythonPaths) {
      if (!this.registeredPythonPaths.includes(p)) this.registeredPythonPaths.push(p);
    }
    for (const e of envPaths) {
      if (!this.registeredEnvPaths.some((x) => x.path === e.path)) {
        this.registeredEnvPaths.push({ path: e.path, prepend: Boolean(e.prepend) });
      }
    }
  }

  workerReady(worker: Worker): void {
    this.startFailures = 0;
    for (const waiter of this.readyWaiters.splice(0)) waiter();
    if (this.closing) worker.shutdown();
    this.pump();
  }

  workerDied(worker: Worker, startError: PythonError | undefined): void {
    this.workers = this.workers.filter((w) => w !== worker);
    if (startError) {
      this.startFailures++;
      for (const waiter of this.readyWaiters.splice(0)) waiter(startError);
      const live = this.workers.some((w) => w.state === 'idle' || w.state === 'busy');
      if (!live || this.startFailures >= 3) {
        const failed = this.queue.filter((j) => !j.affinity);
        this.queue = this.queue.filter((j) => j.affinity);
        for (const job of failed) job.settle(startError);
      }
    }
    // requests bound to this worker's functions can no longer run
    for (const job of this.queue.filter((j) => j.affinity === worker)) {
      this.queue = this.queue.filter((j) => j !== job);
      job.settle(
        new PythonError(
          worker === this.pinned
            ? 'the Python worker holding the project extensions exited (a script ended the interpreter?)'
            : `python function ${String(job.payload.ref)} is no longer available (its worker exited)`,
        ),
      );
    }
    if (!startError) this.pump();
  }

  jobSettled(job: Job): void {
    this.queue = this.queue.filter((j) => j !== job);
    const worker = this.workers.find((w) => w.job === job);
    if (worker) worker.jobDone();
    if (worker && this.closing) worker.shutdown();
    this.pump();
  }

  private submit(
    op: Op,
    payload: Record<string, unknown>,
    handlers: RequestHandlers,
    affinity?: Worker,
    steps?: StepState[],
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const job = new Job(
        this,
        op,
        payload,
        { onOutput: handlers.onOutput, onLog: handlers.onLog },
        { resolve, reject },
        affinity ?? this.pinned,
      );
      job.steps = steps;
      if (this.closing) {
        job.settle(new PythonError('python bridge closed'));
        return;
      }
      if (job.affinity && !this.workers.includes(job.affinity)) {
        job.settle(
          new PythonError(
            job.affinity === this.pinned
              ? 'the Python worker holding the project extensions exited (a script ended the interpreter?)'
              : 'the Python worker this request needs has exited',
          ),
        );
        return;
      }
      try {
        // Only what callers pass through can fail to serialise (the
        // environment is strings); the full message is built once, when sent.
        JSON.stringify([payload.globals, payload.args]);
      } catch (error) {
        job.settle(new PythonError(`cannot pass values to python: ${(error as Error).message}`));
        return;
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private spawnWorker(): Worker {
    this.spawnCounter++;
    const worker = new Worker(this, `w${this.spawnCounter}`);
    this.workers.push(worker);
    return worker;
  }

  private pump(): void {
    if (this.closing) return;
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i]!;
      let worker: Worker | undefined;
      if (job.affinity) {
        if (job.affinity.state === 'idle') worker = job.affinity;
      } else {
        worker = this.workers.find((w) => w.state === 'idle');
      }
      if (worker) {
        this.queue.splice(i, 1);
        worker.run(job);
      } else {
        i++;
      }
    }
    // The pool grows when requests wait: at once when no worker is alive,
    // otherwise once the oldest has waited GROW_AFTER_MS. Starting a worker
    // costs 50-100 ms of CPU; short requests (no-op scripts, definitions)
    // are served faster by the workers already there, while long ones
    // (real builds) soon make the next request wait long enough.
    const waiting = this.queue.filter((j) => !j.affinity);
    if (waiting.length === 0) return;
    const starting = this.workers.filter((w) => w.state === 'starting').length;
    const alive = this.workers.length - starting;
    let spawnable = this.maxWorkers - this.workers.length;
    let need = waiting.length - starting;
    if (alive > 0) {
      const waited = Date.now() - waiting[0]!.queuedAt;
      if (waited < GROW_AFTER_MS) {
        this.growTimer ??= setTimeout(() => {
          this.growTimer = undefined;
          this.pump();
        }, GROW_AFTER_MS - waited);
        this.growTimer.unref();
        return;
      }
    }
    for (; need > 0 && spawnable > 0; need--, spawnable--) this.spawnWorker();
  }

  private growTimer: NodeJS.Timeout | undefined;
}

/** The environment as strings only; the same object when it already is (callers do not change it later). */
function cleanEnv(env: EnvMap | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (env === undefined) return out;
  let clean = true;
  for (const key in env) {
    if (typeof env[key] !== 'string') {
      clean = false;
      break;
    }
  }
  if (clean) return env as Record<string, string>;
  for (const key in env) {
    const value = env[key];
    if (value !== undefined && value !== null)
      out[key] = typeof value === 'string' ? value : String(value);
  }
  return out;
}
