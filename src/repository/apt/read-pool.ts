/**
 * Reading many .deb files on every core. Hashing dominates large packages,
 * and node:crypto hashes on the calling thread, so big batches are split
 * between the main thread and worker threads (each reads, parses and hashes
 * whole files). Small batches stay on the main thread: a worker costs tens
 * of milliseconds to start.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { RelengError } from '../../util/errors.ts';
import { type DebInfo, readDeb } from './deb.ts';

/** Batches smaller than this (bytes) are read on the main thread only (a worker takes ~0.15 s to start). */
const PARALLEL_BYTES = 256 << 20;

export interface ReadJob {
  file: string;
  label: string;
}

interface Reply {
  id: number;
  info?: DebInfo;
  error?: string;
  releng?: boolean;
  hint?: string;
}

function workerUrl(): URL {
  // Sources run as .ts (type stripping); the published build as .js.
  return new URL(
    import.meta.url.endsWith('.ts') ? './read-worker.ts' : './read-worker.js',
    import.meta.url,
  );
}

/** Reads every file (in order of `jobs`); fails with the first error, like sequential reads. */
export async function readDebs(
  jobs: readonly ReadJob[],
  sha512: boolean,
  opts: { parallelBytes?: number } = {},
): Promise<DebInfo[]> {
  let bytes = 0;
  for (const j of jobs) {
    try {
      bytes += statSync(j.file).size;
    } catch {
      // readDeb reports it
    }
  }
  const cores = availableParallelism();
  const workers = Math.min(cores - 1, 3, Math.floor(jobs.length / 64));
  if (bytes < (opts.parallelBytes ?? PARALLEL_BYTES) || workers < 1) {
    const out: DebInfo[] = [];
    for (const j of jobs) out.push(await readDeb(j.file, j.label, { sha512 }));
    return out;
  }
  const results = new Array<DebInfo | undefined>(jobs.length);
  let next = 0;
  let failure: Error | undefined;
  const take = (): number | undefined => (failure || next >= jobs.length ? undefined : next++);
  // Imported here: most calls read a few files in this thread and need no workers.
  const { Worker } = await import('node:worker_threads');
  const pool = Array.from({ length: workers }, () => new Worker(workerUrl()));
  try {
    const runWorker = (w: Worker): Promise<void> =>
      new Promise((resolve) => {
        const send = (): void => {
          const i = take();
          if (i === undefined) {
            resolve();
            return;
          }
          w.postMessage({ id: i, file: jobs[i]!.file, label: jobs[i]!.label, sha512 });
        };
        w.on('message', (r: Reply) => {
          if (r.error !== undefined) {
            failure ??= r.releng
              ? new RelengError(r.error, r.hint ? { hint: r.hint } : {})
              : new Error(r.error);
            return resolve();
          }
          results[r.id] = r.info;
          send();
        });
        w.on('error', (err) => {
          failure ??= err;
          resolve();
        });
        send();
      });
    const main = async (): Promise<void> => {
      for (let i = take(); i !== undefined; i = take()) {
        try {
          results[i] = await readDeb(jobs[i]!.file, jobs[i]!.label, { sha512 });
        } catch (err) {
          failure ??= err as Error;
        }
        // readDeb is synchronous for most files: let the workers' replies in.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([main(), ...pool.map(runWorker)]);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return results as DebInfo[];
}
