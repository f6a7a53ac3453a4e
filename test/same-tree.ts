// Byte-for-byte comparison of two output trees (reproducibility tests).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Every file under `dir` (relative path → bytes), the repository state folder left out. */
export function fileTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.releng-repo') continue;
      if (e.isDirectory()) walk(r);
      else out.set(r, readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return out;
}

/** Fails unless `a` and `b` hold the same files with the same bytes. */
export function assertSameTree(a: string, b: string): void {
  const ta = fileTree(a);
  const tb = fileTree(b);
  assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort());
  for (const [rel, bytes] of ta) assert.ok(bytes.equals(tb.get(rel)!), `${rel} differs`);
}
