/** Worker thread of {@link readDebs}: reads .deb files it is sent, answers with their DebInfo. */
import { parentPort } from 'node:worker_threads';
import { RelengError } from '../../util/errors.ts';
import { readDeb } from './deb.ts';

interface Job {
  id: number;
  file: string;
  label: string;
  sha512: boolean;
}

parentPort?.on('message', async (job: Job) => {
  try {
    const info = await readDeb(job.file, job.label, { sha512: job.sha512 });
    parentPort?.postMessage({ id: job.id, info });
  } catch (err) {
    parentPort?.postMessage({
      id: job.id,
      error: (err as Error).message,
      releng: err instanceof RelengError,
      hint: err instanceof RelengError ? err.details.hint : undefined,
    });
  }
});
