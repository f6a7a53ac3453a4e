/**
 * Downloading one URL to one file: http(s) with Node's own client, `file:`
 * by copying, and protocols Node has no client for (ftp) through a callback
 * the caller provides (a host tool). Redirects are followed (bounded),
 * transient failures are retried with exponential back-off, progress is
 * reported to a callback (the CLI draws it), and a short body is an error,
 * never a success.
 */
import { createWriteStream } from 'node:fs';
import { copyFile, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { RelengError } from '../util/errors.ts';
import { isAlive } from '../util/pid.ts';
import { maskCredentials } from '../util/redact.ts';

export interface DownloadOptions {
  /** Retries after the first attempt, on transient errors only (default 3). */
  retries?: number;
  /** Delay before the first retry, doubled for each further one (default 500 ms). */
  backoffMs?: number;
  /** An attempt fails when the connection stays silent this long (default 30 s). */
  timeoutMs?: number;
  /** Redirects followed before giving up (default 10). */
  maxRedirects?: number;
  /** Receives one line per notable event (request, redirect, retry, size). */
  log?: (line: string) => void;
  /**
   * Receives the progress of an http(s) body: once at its start, at most ten
   * times a second while it arrives, and once at its end (`done`, also when it
   * fails). The CLI draws it (a bar on a terminal, events under --json).
   */
  onProgress?: (progress: DownloadProgress) => void;
  /** Downloads a URL of a protocol Node has no client for (ftp, ftps). */
  external?: (url: string, dest: string) => Promise<void>;
  /** How https servers are trusted (releng-tool's urlopen_context); the system's CAs by default. */
  tls?: TlsTrust;
}

/** Trust for https downloads. */
export interface TlsTrust {
  /** PEM certificates trusted besides the system's. */
  ca: string[];
  /** False: any certificate is accepted (an ssl context with CERT_NONE). */
  verify: boolean;
  /** False: the certificate need not name the host. */
  checkHostname: boolean;
}

/** How far one download is. */
export interface DownloadProgress {
  /** Bytes received so far. */
  received: number;
  /** The body's size, when the server said (Content-Length). */
  total?: number;
  /** The last report of this attempt (finished or failed). */
  done: boolean;
}

/** A failed download; `transient` ones are worth trying again. */
export class DownloadError extends RelengError {
  readonly transient: boolean;
  readonly status?: number;
  /** What the server asked for in Retry-After, in ms. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    transient: boolean,
    extra: { status?: number; retryAfterMs?: number; hint?: string } = {},
  ) {
    super(message, { hint: extra.hint });
    this.name = 'DownloadError';
    this.transient = transient;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
  }
}

/** Network error codes that usually go away on their own. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

const MAX_BACKOFF_MS = 30_000;

/**
 * Downloads `url` into `dest` (created or truncated), retrying transient
 * failures. On failure `dest` may hold a partial file: the caller writes to a
 * temporary name and removes it.
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<{ bytes: number; url: string }> {
  const retries = Math.max(0, options.retries ?? 3);
  const backoff = Math.max(0, options.backoffMs ?? 500);
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptDownload(url, dest, options);
    } catch (err) {
      const e = toDownloadError(err, url);
      if (!e.transient || attempt >= retries) {
        if (attempt > 0 && e.transient) {
          throw new DownloadError(`${e.message} (gave up after ${attempt + 1} attempts)`, true, {
            status: e.status,
            hint: e.details.hint,
          });
        }
        throw e;
      }
      const delay = Math.min(e.retryAfterMs ?? backoff * 2 ** attempt, MAX_BACKOFF_MS);
      options.log?.(
        `${e.message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${retries + 1})`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function toDownloadError(err: unknown, url: string): DownloadError {
  if (err instanceof DownloadError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const message = `${e?.message ?? String(err)}${code && !e?.message?.includes(code) ? ` (${code})` : ''}`;
  return new DownloadError(
    `cannot download ${maskCredentials(url)}: ${message}`,
    TRANSIENT_CODES.has(code) || code.startsWith('HPE_'),
  );
}

async function attemptDownload(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<{ bytes: number; url: string }> {
  const maxRedirects = options.maxRedirects ?? 10;
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new DownloadError(`not a valid URL: ${url}`, false);
  }
  for (let redirects = 0; ; redirects++) {
    switch (current.protocol) {
      case 'file:': {
        const path = fileURLToPath(current);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) throw new DownloadError(`no such file: ${path}`, false);
        options.log?.(`copying ${path}`);
        await copyFile(path, dest);
        return { bytes: info.size, url: current.href };
      }
      case 'ftp:':
      case 'ftps:':
        if (!options.external) {
          throw new DownloadError(`no downloader for ${current.protocol} URLs`, false);
        }
        options.log?.(`requesting ${maskCredentials(current.href)}`);
        await options.external(current.href, dest);
        return { bytes: (await stat(dest)).size, url: current.href };
      case 'http:':
      case 'https:':
        break;
      default:
        throw new DownloadError(
          `unsupported URL scheme "${current.protocol}" in ${maskCredentials(current.href)}`,
          false,
          { hint: 'use http, https, ftp or file URLs, or set the package VCS type' },
        );
    }
    options.log?.(`requesting ${maskCredentials(current.href)}`);
    const res = await request(current, options.timeoutMs ?? 30_000, options.tls);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (redirects >= maxRedirects) {
        throw new DownloadError(
          `too many redirects (more than ${maxRedirects}) downloading ${maskCredentials(url)}`,
          false,
        );
      }
      const next = new URL(res.headers.location, current);
      options.log?.(`redirected (${status}) to ${maskCredentials(next.href)}`);
      current = next;
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      const transient = status >= 500 || status === 408 || status === 429;
      throw new DownloadError(
        `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${maskCredentials(current.href)}`,
        transient,
        { status, retryAfterMs: retryAfter(res.headers['retry-after']) },
      );
    }
    const bytes = await saveBody(res, dest, current, options);
    options.log?.(`downloaded ${formatSize(bytes)}`);
    return { bytes, url: current.href };
  }
}

async function request(url: URL, timeoutMs: number, tls?: TlsTrust): Promise<IncomingMessage> {
  // Loaded on first download: importing node:http costs ~70 ms of start-up
  // that runs without downloads (no-op and offline builds) should not pay.
  const https = url.protocol === 'https:';
  const client = https ? await import('node:https') : await import('node:http');
  const trust =
    https && tls
      ? {
          ca: [...(await import('node:tls')).rootCertificates, ...tls.ca],
          rejectUnauthorized: tls.verify,
          ...(tls.checkHostname ? {} : { checkServerIdentity: () => undefined }),
        }
      : {};
  return new Promise((resolve, reject) => {
    const req = client.get(url, {
      ...trust,
      headers: {
        'user-agent': 'releng',
        accept: '*/*',
        // The bytes as stored: a .tar.gz served with Content-Encoding: gzip
        // must not arrive decompressed (its hash would not match).
        'accept-encoding': 'identity',
      },
    });
    req.setTimeout(timeoutMs, () => {
      const err = new Error(
        `no data for ${Math.round(timeoutMs / 1000)} s`,
      ) as NodeJS.ErrnoException;
      err.code = 'ETIMEDOUT';
      req.destroy(err);
    });
    req.on('response', resolve);
    req.on('error', reject);
  });
}

async function saveBody(
  res: IncomingMessage,
  dest: string,
  url: URL,
  options: DownloadOptions,
): Promise<number> {
  const lengthHeader = res.headers['content-length'];
  const total =
    lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const report = options.onProgress;
  let received = 0;
  let lastReport = Date.now();
  report?.({ received, total, done: false });
  try {
    await pipeline(
      res,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          if (report && Date.now() - lastReport >= 100) {
            lastReport = Date.now();
            report({ received, total, done: false });
          }
          yield chunk;
        }
      },
      createWriteStream(dest),
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.syscall === 'open' || e.syscall === 'write' || e.code === 'ENOSPC') {
      throw new DownloadError(`cannot write ${dest}: ${e.message}`, false);
    }
    throw new DownloadError(
      `connection lost after ${formatSize(received)}${total !== undefined ? ` of ${formatSize(total)}` : ''} from ${maskCredentials(url.href)}: ${e.message}`,
      true,
    );
  } finally {
    report?.({ received, total, done: true });
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(
      `truncated download: ${received} of ${total} bytes from ${maskCredentials(url.href)}`,
      true,
    );
  }
  return received;
}

/** Retry-After as milliseconds (seconds or an HTTP date), when present. */
function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** `1.5 MiB` */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  for (const unit of units) {
    if (value < 1024 || unit === 'GiB') return `${unit === 'B' ? value : value.toFixed(1)} ${unit}`;
    value /= 1024;
  }
  return `${bytes} B`;
}

/** A temporary name beside `path`, private to this process. */
export function partialPath(path: string): string {
  return `${path}.part-${process.pid}`;
}

/**
 * Removes temporaries beside `path` left by processes that are gone (an
 * interrupted download or clone), so they never pile up or get trusted.
 */
export async function removeStalePartials(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.part-`;
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    await rm(join(dir, entry), { recursive: true, force: true });
  }
}
