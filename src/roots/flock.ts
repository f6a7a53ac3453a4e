/**
 * Advisory locks with flock(2), through util-linux `flock(1)` (Node has no
 * flock): a helper process takes the lock and holds it until we close its
 * stdin, or until we die — the kernel drops the lock with the last
 * descriptor, so a kill -9 never leaves a stale lock behind.
 */
import { spawn } from 'node:child_process';
import { RelengError } from '../util/errors.ts';

/** A held lock; `release()` lets it go (idempotent). */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes `file`'s lock, exclusive unless `shared`. With `wait: false`
 * resolves to undefined when another holder has it.
 */
export function flockFile(
  file: string,
  options: { shared?: boolean; wait?: boolean } = {},
): Promise<HeldLock | undefined> {
  const args = [options.shared ? '-s' : '-x'];
  if (options.wait === false) args.push('-n');
  // `echo` says the lock is ours; `cat` then holds it until stdin closes.
  args.push(file, 'sh', '-c', 'echo locked; exec cat >/dev/null');
  return new Promise((resolve, reject) => {
    const child = spawn('flock', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let got = false;
    let stderr = '';
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.once('data', () => {
      got = true;
      let released = false;
      resolve({
        release: async () => {
          if (released) return;
          released = true;
          child.stdin.end();
          await exited;
        },
      });
    });
    child.on('error', (err) =>
      reject(new RelengError(`cannot run flock: ${err.message}`, { hint: 'install util-linux' })),
    );
    child.on('close', (code) => {
      if (got) return;
      if (code === 1 && options.wait === false) resolve(undefined);
      else
        reject(new RelengError(`cannot lock ${file}: ${stderr.trim() || `flock exited ${code}`}`));
    });
  });
}
