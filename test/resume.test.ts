import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

async function waitFor(path: string, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('interruption', () => {
  it('resumes from the interrupted stage after kill -9, never trusting a half-done stage', async () => {
    // The build stage counts its runs, signals it started, then waits (as a long compile would).
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['slow'] };\n`,
      'package/slow/slow.ts': nativePackage(`{
        version: '1',
        async configure(ctx) {
          const fs = await import('node:fs');
          fs.appendFileSync(ctx.dirs.output + '/runs.txt', 'configure\\n');
        },
        async build(ctx) {
          const fs = await import('node:fs');
          fs.appendFileSync(ctx.dirs.output + '/runs.txt', 'build\\n');
          fs.writeFileSync(ctx.dirs.output + '/build-started', '');
          while (!fs.existsSync(ctx.dirs.output + '/release')) await new Promise((r) => setTimeout(r, 20));
          fs.writeFileSync(ctx.buildDir + '/artifact', 'ok');
        },
      }`),
    });
    roots.push(root);
    let pid = 0;
    const first = releng(['-R', root], { onSpawn: (p) => (pid = p) });
    await waitFor(join(root, 'output/build-started'));
    process.kill(pid, 'SIGKILL');
    const killed = await first;
    assert.equal(killed.code, null);
    const state = await readFile(join(root, 'output/build/slow-1/.releng-state'), 'utf8');
    assert.match(state, /^configure /m);
    assert.doesNotMatch(state, /^build /m);

    // A stale lock from the killed run must not block the next one.
    await writeFile(join(root, 'output/release'), '');
    const second = await releng(['-R', root]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual((await readFile(join(root, 'output/runs.txt'), 'utf8')).trim().split('\n'), [
      'configure',
      'build',
      'build',
    ]);
    assert.equal(await readFile(join(root, 'output/build/slow-1/artifact'), 'utf8'), 'ok');
  });

  it('refuses a second run on the same output directory while the first holds it', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['hold'] };\n`,
      'package/hold/hold.ts': nativePackage(`{
        async build(ctx) {
          const fs = await import('node:fs');
          fs.writeFileSync(ctx.dirs.output + '/holding', '');
          while (!fs.existsSync(ctx.dirs.output + '/release')) await new Promise((r) => setTimeout(r, 20));
        },
      }`),
    });
    roots.push(root);
    const first = releng(['-R', root]);
    await waitFor(join(root, 'output/holding'));
    const second = await releng(['-R', root]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another releng run \(pid \d+\) is using .*output/);
    await writeFile(join(root, 'output/release'), '');
    assert.equal((await first).code, 0);
  });

  it('runs independent packages at the same time with -j2, and one at a time with -j1', async () => {
    // Each build waits until the other has started: only a parallel run can finish.
    const waiting = (me: string, other: string) =>
      nativePackage(`{
        async build(ctx) {
          const fs = await import('node:fs');
          fs.writeFileSync(ctx.dirs.output + '/${me}-started', '');
          const end = Date.now() + 5000;
          while (!fs.existsSync(ctx.dirs.output + '/${other}-started')) {
            if (Date.now() > end) throw new Error('${other} did not run alongside ${me}');
            await new Promise((r) => setTimeout(r, 20));
          }
        },
      }`);
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['left', 'right'] };\n`,
      'package/left/left.ts': waiting('left', 'right'),
      'package/right/right.ts': waiting('right', 'left'),
    });
    roots.push(root);
    const parallel = await releng(['-R', root, '-j2']);
    assert.equal(parallel.code, 0, parallel.stderr);
    await rm(join(root, 'output/left-started'));
    await rm(join(root, 'output/right-started'));
    const serial = await releng(['-R', root, '-j1', 'punch']);
    assert.equal(serial.code, 1);
    assert.match(serial.stderr, /did not run alongside/);
  });

  it('stops on SIGINT with exit 130, no flag for the stage and the lock released', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['int'] };\n`,
      'package/int/int.ts': nativePackage(`{
        async build(ctx) {
          const fs = await import('node:fs');
          fs.writeFileSync(ctx.dirs.output + '/started', '');
          await new Promise((r) => setTimeout(r, 60000));
        },
      }`),
    });
    roots.push(root);
    let pid = 0;
    const run = releng(['-R', root], { onSpawn: (p) => (pid = p) });
    await waitFor(join(root, 'output/started'));
    process.kill(pid, 'SIGINT');
    const r = await run;
    assert.equal(r.code, 130);
    assert.match(r.stderr, /interrupted/);
    assert.ok(!existsSync(join(root, 'output/.releng.lock')));
    const state = await readFile(join(root, 'output/build/int/.releng-state'), 'utf8');
    assert.doesNotMatch(state, /^build /m);
  });
});
