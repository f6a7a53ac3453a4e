import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';
import { startServer, type TestServer } from './sources-url/server.ts';

const roots: string[] = [];
let server: TestServer;
const PIECE = 64 * 1024;
const BODY = Buffer.alloc(16 * PIECE, 1);

before(async () => {
  // 1 MiB in 16 pieces, one every 50 ms.
  server = await startServer({
    '/big.tar.gz': (_req, res) => {
      let sent = 0;
      res.writeHead(200, { 'content-length': BODY.length });
      const timer = setInterval(() => {
        res.write(BODY.subarray(sent, sent + PIECE));
        sent += PIECE;
        if (sent >= BODY.length) {
          clearInterval(timer);
          res.end();
        }
      }, 50);
      res.on('close', () => clearInterval(timer));
    },
  });
});
after(async () => {
  await server.close();
  for (const r of roots) await removeProject(r);
});

async function project(files: Record<string, string>): Promise<string> {
  const root = await makeProject(files);
  roots.push(root);
  return root;
}

/** Every stdout line parsed; fails on a line that is not JSON. */
function events(stdout: string): Array<Record<string, unknown>> {
  const parsed: Array<Record<string, unknown>> = [];
  for (const line of stdout.split('\n').filter(Boolean)) {
    try {
      parsed.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      assert.fail(`not a JSON line on stdout: ${line}`);
    }
  }
  return parsed;
}

const PRINTING = {
  'releng.config.ts': `export default { packages: ['a', 'b'] };\n`,
  'package/a/a.ts': `import { definePackage } from 'releng';
console.log('from the definition of a');
export default definePackage({
  version: '1',
  async build(ctx) {
    console.log('from the build hook of %s', ctx.name);
    console.error('an error line from a');
    console.table([{ x: 1 }]);
    await new Promise((r) => setTimeout(r, 20));
    console.info('after an await');
  },
});
`,
  'package/b/b.ts': nativePackage(`{ version: '1', async install() { console.log('from b'); } }`),
};

describe('--json: stdout carries only JSON', () => {
  it("routes a native hook's and a definition's console output into output events and the log", async () => {
    const root = await project(PRINTING);
    const r = await releng(['-R', root, '--json', '-j2']);
    assert.equal(r.code, 0, r.stderr);
    const all = events(r.stdout);
    const output = all.filter((e) => e.type === 'output');
    const lines = (pkg: string, stream: string) =>
      output.filter((e) => e.pkg === pkg && e.stream === stream).map((e) => e.line);
    assert.ok(lines('a', 'stdout').includes('from the build hook of a'), r.stdout);
    assert.ok(lines('a', 'stdout').includes('after an await'), r.stdout);
    assert.ok(
      lines('a', 'stdout').some((l) => String(l).includes('│')),
      'console.table too',
    );
    assert.deepEqual(lines('a', 'stderr'), ['an error line from a']);
    assert.deepEqual(lines('b', 'stdout'), ['from b']);
    assert.ok(lines('(definitions)', 'stdout').includes('from the definition of a'), r.stdout);
    assert.equal(r.stderr, '');
    const log = await readFile(join(root, 'output/logs/a.log'), 'utf8');
    assert.match(log, /from the build hook of a\n/);
    assert.match(log, /an error line from a\n/);
  });

  it('in text mode a hook prints like package output: in the log and on the console (prefixed while several packages run)', async () => {
    const root = await project(PRINTING);
    let r = await releng(['-R', root, '-j2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      await readFile(join(root, 'output/logs/a.log'), 'utf8'),
      /from the build hook of a/,
    );
    r = await releng(['-R', root, '-j1', 'a-rebuild']);
    assert.equal(r.code, 0, r.stderr);
    const shown = r.stdout.slice(r.stdout.indexOf('building a...'));
    assert.match(shown, /\nfrom the build hook of a\n/);
    assert.match(r.stderr, /an error line from a/);
  });

  it('with -j2, lines printed while two packages run name their package; a package alone does not', async () => {
    // a prints while b is inside its install hook (each waits for the other's mark)
    const wait = (file: string) =>
      `const deadline = Date.now() + 20000;\n    while (!existsSync(join(ctx.dirs.root, '${file}')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));`;
    const root = await project({
      'releng.config.ts': `export default { packages: ['a', 'b', 'c'] };\n`,
      'package/a/a.ts': `import { existsSync, writeFileSync } from 'node:fs';\nimport { join } from 'node:path';\nimport { definePackage } from 'releng';\nexport default definePackage({ version: '1', async build(ctx) {\n    ${wait('b-in')}\n    console.log('a while b runs');\n    writeFileSync(join(ctx.dirs.root, 'a-out'), '');\n  } });\n`,
      'package/b/b.ts': `import { existsSync, writeFileSync } from 'node:fs';\nimport { join } from 'node:path';\nimport { definePackage } from 'releng';\nexport default definePackage({ version: '1', async install(ctx) {\n    writeFileSync(join(ctx.dirs.root, 'b-in'), '');\n    ${wait('a-out')}\n  } });\n`,
      // c needs both: it builds alone
      'package/c/c.ts': nativePackage(
        `{ version: '1', dependencies: ['a', 'b'], async build() { console.log('c alone'); } }`,
      ),
    });
    const r = await releng(['-R', root, '-j2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^a \| a while b runs$/m);
    assert.match(r.stdout, /^c alone$/m);
  });

  it('reports download progress as events', async () => {
    const sha256 = createHash('sha256').update(BODY).digest('hex');
    const root = await project({
      'releng.config.ts': `export default { packages: ['big'] };\n`,
      'package/big/big.ts': nativePackage(`{ version: '2', site: '${server.base}/big.tar.gz' }`),
      'package/big/big.hash': `sha256 ${sha256} big-2.tar.gz\n`,
    });
    const r = await releng(['-R', root, '--json', 'big-fetch']);
    assert.equal(r.code, 0, r.stderr);
    const downloads = events(r.stdout).filter((e) => e.type === 'download');
    assert.ok(downloads.length >= 3, r.stdout);
    for (const d of downloads) {
      assert.equal(d.pkg, 'big');
      assert.equal(d.file, 'big-2.tar.gz');
      assert.equal(d.total, BODY.length);
    }
    assert.deepEqual(
      { received: downloads[0]!.received, done: downloads[0]!.done },
      { received: 0, done: false },
    );
    const last = downloads.at(-1)!;
    assert.deepEqual(
      { received: last.received, done: last.done },
      { received: BODY.length, done: true },
    );
    const received = downloads.map((d) => Number(d.received));
    assert.deepEqual(
      received,
      [...received].sort((x, y) => x - y),
      'received only grows',
    );
    // About 0.8 s of body: at most two progress events a second, plus the first and the last.
    assert.ok(downloads.length <= 6, `${downloads.length} events`);
  });
});
