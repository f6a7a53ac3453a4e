import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { statusText } from '../src/cli/status-line.ts';
import { makeProject, nativePackage, removeProject } from './helpers.ts';
import { startServer, type TestServer } from './sources-url/server.ts';
import { replay, runOnPty } from './tty.ts';

const COLUMNS = 40;
const PIECE = 64 * 1024;
const BODY = Buffer.alloc(32 * PIECE, 7);
const roots: string[] = [];
let server: TestServer;

before(async () => {
  // 2 MiB in 64 KiB pieces, one every 40 ms: a download of about 1.3 s.
  server = await startServer({
    '/slow-download-with-a-long-file-name-1.0.tar.gz': (_req, res) => {
      let left = 32;
      res.writeHead(200, { 'content-length': BODY.length });
      const timer = setInterval(() => {
        res.write(BODY.subarray((32 - left) * PIECE, (33 - left) * PIECE));
        if (--left === 0) {
          clearInterval(timer);
          res.end();
        }
      }, 40);
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

/** A package whose fetch downloads the slow file (with its hash, so no warning is printed). */
function downloadProject(): Promise<string> {
  const sha256 = createHash('sha256').update(BODY).digest('hex');
  return project({
    'releng.config.ts': `export default { packages: ['downloader'] };\n`,
    'package/downloader/downloader.ts': nativePackage(
      `{ version: '1.0', site: '${server.base}/slow-download-with-a-long-file-name-1.0.tar.gz' }`,
    ),
    'package/downloader/downloader.hash': `sha256 ${sha256} downloader-1.0.tar.gz\n`,
  });
}

/** Sleeps `seconds` in its build stage. */
const sleeper = (seconds: number) =>
  nativePackage(`{ version: '1', async build(ctx) { await ctx.exec('sleep', ['${seconds}']); } }`);

describe('the live line on a terminal', () => {
  it('draws download progress cut to the width: nothing wraps, and it is gone at the end', async () => {
    const root = await downloadProject();
    const r = await runOnPty(['-R', root, 'downloader-fetch'], { columns: COLUMNS });
    const screen = replay(r.raw, COLUMNS);
    assert.equal(r.code, 0, r.raw);
    const bars = screen.frames.filter((f) => /%/.test(f));
    assert.ok(bars.length >= 3, `progress was drawn:\n${screen.frames.join('\n')}`);
    assert.ok(
      bars.some((f) => /\[#+ *\]/.test(f)),
      `with a bar: ${bars.join('\n')}`,
    );
    // Package output (the download's own lines, shown as releng-tool shows
    // them) wraps like any terminal text; the live line itself never does.
    for (const f of bars) assert.ok(f.length < COLUMNS, `"${f}" fits`);
    assert.ok(!screen.rows.some((row) => /%/.test(row)), `no bar left:\n${screen.rows.join('\n')}`);
  });

  it('redraws the progress to a narrower width after the terminal is resized', async () => {
    const root = await downloadProject();
    // Narrowed to 24 columns half-way, announced by a marker line.
    const r = await runOnPty(['-R', root, 'downloader-fetch'], {
      columns: COLUMNS,
      after: 'sleep 0.8; stty cols 24; kill -WINCH $!; echo RESIZED',
    });
    assert.equal(r.code, 0, r.raw);
    const afterResize = replay(r.raw.slice(r.raw.indexOf('RESIZED')), 24);
    const bars = afterResize.frames.filter((f) => /%/.test(f));
    assert.ok(
      bars.length >= 2,
      `progress drawn after the resize:\n${afterResize.frames.join('\n')}`,
    );
    // The first redraw may race the resize; the ones after it fit the new width.
    for (const f of bars.slice(1)) assert.ok(f.length < 24, `"${f}" fits 24 columns`);
  });

  it('is cleared for good when a package fails', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['slow1', 'slow2', 'bad'] };\n`,
      'package/slow1/slow1.ts': sleeper(3),
      'package/slow2/slow2.ts': sleeper(3),
      'package/bad/bad.ts': nativePackage(
        `{ version: '1', async build(ctx) { await ctx.exec('sh', ['-c', 'sleep 0.5; exit 3']); } }`,
      ),
    });
    const r = await runOnPty(['-R', root, '-j3'], { columns: 80 });
    assert.equal(r.code, 1, r.raw);
    const screen = replay(r.raw, 80);
    assert.ok(
      screen.frames.some((f) => f.startsWith('[running ')),
      'the status line was shown while running',
    );
    assert.ok(
      screen.rows.some((row) => row.includes('(error) command failed: sh -c')),
      r.raw,
    );
    assert.ok(
      !screen.rows.some((row) => row.includes('[running')),
      `no status line left:\n${screen.rows.join('\n')}`,
    );
  });

  it('is cleared on Ctrl-C', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['slow1', 'slow2'] };\n`,
      'package/slow1/slow1.ts': sleeper(30),
      'package/slow2/slow2.ts': sleeper(30),
    });
    const r = await runOnPty(['-R', root, '-j2'], {
      columns: 80,
      when: /\[running 2\] .*\(build\).*\(build\)/,
      input: (type) => type('\x03'),
    });
    assert.equal(r.code, 130, r.raw);
    const screen = replay(r.raw, 80);
    assert.ok(
      screen.rows.some((row) => row.includes('(error) interrupted (SIGINT)')),
      r.raw,
    );
    assert.ok(
      !screen.rows.some((row) => row.includes('[running')),
      `no status line left:\n${screen.rows.join('\n')}`,
    );
  });
});

describe('statusText', () => {
  const download = {
    pkg: 'libfoo',
    file: 'libfoo-1.2.3.tar.gz',
    received: 512 * 1024,
    total: 1024 * 1024,
  };
  it('never exceeds the width, giving up the label before the numbers', () => {
    for (const columns of [10, 24, 40, 80, 200]) {
      const text = statusText({ running: [['libfoo', 'fetch']], downloads: [download], columns });
      assert.ok(text.length <= columns - 1, `${columns}: "${text}"`);
    }
    assert.match(
      statusText({ running: [], downloads: [download], columns: 80 }),
      /^libfoo: libfoo-1\.2\.3\.tar\.gz \[#+ +\] {2}50% 512\.0 KiB \/ 1\.0 MiB$/,
    );
    assert.match(
      statusText({ running: [], downloads: [download], columns: 30 }),
      /50% 512\.0 KiB \/ 1\.0 MiB$/,
    );
  });

  it('lists running packages when nothing downloads, and counts other downloads', () => {
    assert.equal(
      statusText({
        running: [
          ['a', 'build'],
          ['b', 'patch'],
        ],
        downloads: [],
        columns: 80,
      }),
      '[running 2] a (build), b (patch)',
    );
    assert.match(
      statusText({ running: [], downloads: [download, { ...download, pkg: 'x' }], columns: 80 }),
      /^x: .* \(\+1\)$/,
    );
    assert.equal(statusText({ running: [], downloads: [], columns: 80 }), '');
  });
});
