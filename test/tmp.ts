/**
 * Temporary folders for tests: each is removed when the test file's process
 * ends, whether or not the test cleaned up after itself, so a run leaves
 * nothing behind in the system's temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a folder a test made undeletable (chattr +i) stays; the test says so itself
    }
  }
});

/** A fresh folder `<tmp>/<prefix>XXXXXX`, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
