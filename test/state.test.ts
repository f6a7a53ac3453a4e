import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StageState } from '../src/engine/state.ts';

describe('StageState', () => {
  it('records, reads back and clears stage flags without leaving temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'releng-state-'));
    try {
      const state = new StageState(join(dir, 'pkg-1.0'));
      assert.equal(await state.isDone('build'), false);
      await state.markDone('configure', { durationMs: 1 });
      await state.markDone('build', { durationMs: 2 });
      const fresh = new StageState(join(dir, 'pkg-1.0'));
      assert.equal(await fresh.isDone('configure'), true);
      assert.equal(await fresh.isDone('build'), true);
      assert.equal(await fresh.isDone('install'), false);
      await fresh.clear(['build']);
      assert.equal(await new StageState(join(dir, 'pkg-1.0')).isDone('build'), false);
      assert.deepEqual(await readdir(join(dir, 'pkg-1.0')), ['.releng-state']);
      // A torn last line (power loss mid-write) does not count as done.
      await appendFile(join(dir, 'pkg-1.0/.releng-state'), 'install 2026');
      assert.equal(new StageState(join(dir, 'pkg-1.0')).isDone('install'), false);
      assert.equal(new StageState(join(dir, 'pkg-1.0')).isDone('configure'), true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes deferred records with the next record, or at close; a crash before loses only them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'releng-state-'));
    try {
      const base = join(dir, 'pkg-1.0');
      const state = new StageState(base);
      state.markDone('fetch', { durationMs: 0, defer: true });
      state.markDone('extract', { durationMs: 0, defer: true });
      assert.equal(state.isDone('extract'), true, 'this object knows at once');
      // Not on disk yet: a process killed now would do fetch and extract again.
      assert.equal(new StageState(base).isDone('fetch'), false);
      state.markDone('patch', { durationMs: 1 });
      const afterPatch = new StageState(base);
      assert.deepEqual(
        ['fetch', 'extract', 'patch'].map((s) => afterPatch.isDone(s)),
        [true, true, true],
      );
      state.markDone('post', { durationMs: 0, defer: true });
      assert.equal(new StageState(base).isDone('post'), false);
      state.close();
      assert.equal(new StageState(base).isDone('post'), true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
