import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DownloadError, downloadFile } from '../../src/sources/download.ts';
import { fileExtension, mirrorUrl, siteFileName } from '../../src/sources/url.ts';
import { makeProject, nativePackage, type RunResult, releng, removeProject } from '../helpers.ts';
import { makeTarball, redirect, serve, startServer, type TestServer } from './server.ts';

const cleanup: string[] = [];
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const dir of cleanup) await removeProject(dir);
});

async function ownServer(routes: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(routes);
  servers.push(s);
  return s;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'releng-url-'));
  cleanup.push(dir);
  return dir;
}

/** Fast retries for the CLI runs (the defaults wait 0.5 s, 1 s, 2 s). */
const FAST = { RELENG_DOWNLOAD_BACKOFF: '0.01', RELENG_DOWNLOAD_RETRIES: '3' };

function run(root: string, args: string[] = []): Promise<RunResult> {
  return releng(['-R', root, ...args], { env: FAST });
}

function ok(r: RunResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
}

/** A native project with one package `p` (version 1.0) at `site`. */
async function urlProject(
  site: string,
  options: { pkg?: string; config?: string; files?: Record<string, string> } = {},
): Promise<string> {
  const root = await makeProject({
    'releng.config.ts': `export default { packages: ['p']${options.config ? `, ${options.config}` : ''} };\n`,
    'package/p/p.ts': nativePackage(`{
      version: '1.0',
      site: ${JSON.stringify(site)},
      ${options.pkg ?? ''}
      async build(ctx) {
        const fs = await import('node:fs');
        const names = fs.readdirSync(ctx.buildDir).filter((n) => !n.startsWith('.releng'));
        fs.writeFileSync(ctx.dirs.output + '/built.txt', names.sort().join(','));
      },
    }`),
    ...options.files,
  });
  cleanup.push(root);
  return root;
}

const buildDir = (root: string) => join(root, 'output/build/p-1.0');
const dlEntries = async (root: string) => (await readdir(join(root, 'dl')).catch(() => [])).sort();

let tarball: Buffer;
let sha256: string;
let server: TestServer;

before(async () => {
  tarball = await makeTarball(await tempDir(), 'p-1.0');
  sha256 = createHash('sha256').update(tarball).digest('hex');
  server = await ownServer({
    '/p-1.0.tar.gz': serve(tarball),
    '/r1': redirect('/r2', 302),
    '/r2': redirect('/files/p-1.0.tar.gz', 301),
    '/files/p-1.0.tar.gz': serve(tarball),
    '/loop': redirect('/loop'),
    '/flaky.tar.gz': (req, res, count) => {
      if (count <= 2) res.writeHead(503).end('busy');
      else serve(tarball)(req, res, count);
    },
    '/truncated.tar.gz': (_req, res) => {
      res.writeHead(200, { 'content-length': tarball.length });
      res.write(tarball.subarray(0, Math.floor(tarball.length / 2)));
      setTimeout(() => res.socket?.destroy(), 20);
    },
    '/download': serve(tarball),
    '/mirror/p-1.0.tar.gz': serve(tarball),
    '/gone': (_req, res) => {
      res.writeHead(410).end();
    },
  });
});

describe('downloadFile', () => {
  it('follows a bounded redirect chain', async () => {
    const dest = join(await tempDir(), 'out');
    const lines: string[] = [];
    const r = await downloadFile(`${server.base}/r1`, dest, { log: (l) => lines.push(l) });
    assert.equal(r.url, `${server.base}/files/p-1.0.tar.gz`);
    assert.deepEqual(await readFile(dest), tarball);
    assert.equal(lines.filter((l) => l.startsWith('redirected')).length, 2);
    await assert.rejects(
      downloadFile(`${server.base}/loop`, dest, { maxRedirects: 3 }),
      /too many redirects \(more than 3\)/,
    );
  });

  it('retries transient errors with back-off but not a 404 or 410', async () => {
    const dest = join(await tempDir(), 'out');
    server.counts.delete('/flaky.tar.gz');
    const lines: string[] = [];
    await downloadFile(`${server.base}/flaky.tar.gz`, dest, {
      backoffMs: 5,
      log: (l) => lines.push(l),
    });
    assert.equal(server.counts.get('/flaky.tar.gz'), 3);
    assert.equal(lines.filter((l) => /HTTP 503 .*retrying in/.test(l)).length, 2);
    for (const path of ['/nothing-here', '/gone']) {
      server.counts.delete(path);
      await assert.rejects(
        downloadFile(`${server.base}${path}`, dest, { backoffMs: 5 }),
        (e: DownloadError) => !e.transient && /HTTP 4\d\d/.test(e.message),
      );
      assert.equal(server.counts.get(path), 1);
    }
  });

  it('gives up on a slow server that stops sending, and retries a 500', async () => {
    const dest = join(await tempDir(), 'out');
    // Headers, a few bytes, then silence: the idle timeout must end the attempt.
    server.route('/stalls.tar.gz', (_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('partial');
    });
    server.counts.delete('/stalls.tar.gz');
    await assert.rejects(
      downloadFile(`${server.base}/stalls.tar.gz`, dest, {
        retries: 1,
        backoffMs: 5,
        timeoutMs: 200,
      }),
      (e: DownloadError) => e.transient && /gave up after 2 attempts/.test(e.message),
    );
    assert.equal(server.counts.get('/stalls.tar.gz'), 2);
    server.route('/error500', (_req, res, count) => {
      if (count === 1) res.writeHead(500).end('oops');
      else serve(tarball)(_req, res, count);
    });
    server.counts.delete('/error500');
    await downloadFile(`${server.base}/error500`, dest, { backoffMs: 5 });
    assert.equal(server.counts.get('/error500'), 2);
    assert.deepEqual(await readFile(dest), tarball);
  });

  it('treats a truncated body as a failure, retried then reported', async () => {
    const dest = join(await tempDir(), 'out');
    server.counts.delete('/truncated.tar.gz');
    await assert.rejects(
      downloadFile(`${server.base}/truncated.tar.gz`, dest, { retries: 1, backoffMs: 5 }),
      (e: DownloadError) => e.transient && /gave up after 2 attempts/.test(e.message),
    );
    assert.equal(server.counts.get('/truncated.tar.gz'), 2);
  });

  it('retries a refused connection, and copies file: URLs', async () => {
    const dir = await tempDir();
    const closed = await startServer();
    const port = closed.port;
    await closed.close();
    await assert.rejects(
      downloadFile(`http://127.0.0.1:${port}/x`, join(dir, 'out'), { retries: 1, backoffMs: 5 }),
      /ECONNREFUSED.*gave up after 2 attempts/,
    );
    await writeFile(join(dir, 'a b.txt'), 'local');
    await downloadFile(`file://${dir}/a%20b.txt`, join(dir, 'copy'));
    assert.equal(await readFile(join(dir, 'copy'), 'utf8'), 'local');
  });

  it('names cache extensions the way releng-tool does', () => {
    assert.equal(fileExtension('libfoo-1.2.tar.gz'), 'tar.gz');
    assert.equal(fileExtension('libfoo-1.2.TGZ'), 'TGZ');
    assert.equal(fileExtension('x.tar.zst'), 'tar.zst');
    assert.equal(fileExtension('fix.patch'), 'patch');
    assert.equal(fileExtension('libfoo-1.2.3'), undefined);
    assert.equal(fileExtension('25134'), undefined);
    assert.equal(siteFileName('https://h/a/libfoo-1.0.zip?raw=1#x'), 'libfoo-1.0.zip');
    assert.equal(siteFileName('https://h/a/my%20file.tgz'), 'my file.tgz');
    assert.equal(mirrorUrl('ftp://m/data/', 'p-1.0.tgz'), 'ftp://m/data/p-1.0.tgz');
    assert.equal(mirrorUrl('https://m/data', 'p-1.0.tgz'), 'https://m/data/p-1.0.tgz');
    const pkg = { name: 'p', version: '1.0' };
    assert.equal(
      mirrorUrl('https://m/{name}/{version}/', 'p-1.0.tgz', pkg),
      'https://m/p/1.0/p-1.0.tgz',
    );
  });
});

describe('url sites (CLI)', () => {
  it('downloads, verifies, extracts; a later run works offline', async () => {
    const own = await ownServer({ '/p-1.0.tar.gz': serve(tarball) });
    const root = await urlProject(`${own.base}/p-1.0.tar.gz`, {
      files: {
        'package/p/p.hash': `# from the test\nsha256 ${sha256} p-1.0.tar.gz\n`,
        // Left by an interrupted run of a process that is gone.
        'dl/p-1.0.tar.gz.part-999999999': 'partial',
      },
    });
    const first = await run(root);
    ok(first);
    assert.deepEqual(await dlEntries(root), ['p-1.0.tar.gz']);
    assert.deepEqual(await readFile(join(root, 'dl/p-1.0.tar.gz')), tarball);
    const dir = buildDir(root);
    assert.equal(await readFile(join(dir, 'README'), 'utf8'), 'hello from p-1.0\n');
    assert.equal((await lstat(join(dir, 'bin/run.sh'))).mode & 0o111, 0o111);
    assert.equal(await readlink(join(dir, 'link')), 'README');
    assert.equal(await readFile(join(root, 'output/built.txt'), 'utf8'), 'README,bin,link');
    const log = await readFile(join(root, 'output/logs/p.log'), 'utf8');
    assert.match(log, /verified p-1\.0\.tar\.gz/);
    assert.doesNotMatch(first.stderr, /no hash/);

    // Offline: the server is gone, the build directory too; dl/ is enough.
    await own.close();
    await rm(join(root, 'output'), { recursive: true });
    ok(await run(root));
    assert.equal(await readFile(join(buildDir(root), 'README'), 'utf8'), 'hello from p-1.0\n');
    assert.equal(own.counts.get('/p-1.0.tar.gz'), 1);
  });

  it('follows redirects, retries a 503, and warns about a missing hash', async () => {
    const root = await urlProject(`${server.base}/r1`, { pkg: `extension: 'tar.gz',` });
    const r = await run(root);
    ok(r);
    assert.deepEqual(await dlEntries(root), ['p-1.0.tar.gz']);
    assert.match(r.stdout + r.stderr, /no hash for p-1\.0\.tar\.gz/);

    server.counts.delete('/flaky.tar.gz');
    const flaky = await urlProject(`${server.base}/flaky.tar.gz`);
    ok(await run(flaky));
    assert.equal(server.counts.get('/flaky.tar.gz'), 3);
    assert.ok(existsSync(join(buildDir(flaky), 'README')));
    assert.match(await readFile(join(flaky, 'output/logs/p.log'), 'utf8'), /HTTP 503.*retrying/);
  });

  it('fails clearly on a 404 and a truncated download, leaving nothing in dl/', async () => {
    const missing = await urlProject(`${server.base}/nope-1.0.tar.gz`);
    let r = await run(missing);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /cannot fetch p-1\.0\.tar\.gz for package "p": HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/nope-1\.0\.tar\.gz/,
    );
    assert.deepEqual(await dlEntries(missing), []);

    const truncated = await urlProject(`${server.base}/truncated.tar.gz`);
    r = await run(truncated);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /connection lost after .* of .*gave up after 4 attempts/);
    assert.deepEqual(await dlEntries(truncated), []);
  });

  it('rejects a hash mismatch and keeps no final file', async () => {
    const root = await urlProject(`${server.base}/p-1.0.tar.gz`, {
      files: { 'package/p/p.hash': `sha256 ${'0'.repeat(64)} p-1.0.tar.gz\n` },
    });
    const r = await run(root);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hash mismatch for p-1\.0\.tar\.gz/);
    const entries = await dlEntries(root);
    assert.ok(!entries.includes('p-1.0.tar.gz'), entries.join(','));
    assert.ok(!entries.some((e) => e.includes('.part-')), entries.join(','));
    assert.ok(!existsSync(join(buildDir(root), 'README')));

    // Fixing the hash file fetches again.
    await writeFile(join(root, 'package/p/p.hash'), `sha256 ${sha256} p-1.0.tar.gz\n`);
    ok(await run(root));
    assert.ok(existsSync(join(root, 'dl/p-1.0.tar.gz')));
  });

  it('tries url_mirror first, falls back to the site, and --only-mirror uses nothing else', async () => {
    server.counts.clear();
    // The site does not exist; the mirror has the file under the cache file name.
    const mirrored = await urlProject(`${server.base}/elsewhere/p-1.0.tar.gz`, {
      config: `urlMirror: '${server.base}/mirror/'`,
    });
    ok(await run(mirrored, ['--only-mirror']));
    assert.equal(server.counts.get('/mirror/p-1.0.tar.gz'), 1);
    assert.equal(server.counts.get('/elsewhere/p-1.0.tar.gz'), undefined);

    // A mirror without the file: fall back to the site, unless --only-mirror.
    const fallback = await urlProject(`${server.base}/p-1.0.tar.gz`, {
      config: `urlMirror: '${server.base}/empty-mirror'`,
    });
    let r = await run(fallback, ['--only-mirror']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 404 .*empty-mirror\/p-1\.0\.tar\.gz/);
    assert.equal(server.counts.get('/p-1.0.tar.gz'), undefined);
    assert.deepEqual(await dlEntries(fallback), []);
    r = await run(fallback);
    ok(r);
    assert.equal(server.counts.get('/p-1.0.tar.gz'), 1);
    assert.equal(server.counts.get('/empty-mirror/p-1.0.tar.gz'), 2);

    // A mirror copy that fails the hash check is set aside; the site's copy is used.
    server.route('/bad-mirror/p-1.0.tar.gz', serve(Buffer.from('not the archive')));
    const tampered = await urlProject(`${server.base}/p-1.0.tar.gz`, {
      config: `urlMirror: '${server.base}/bad-mirror'`,
      files: { 'package/p/p.hash': `sha256 ${sha256} p-1.0.tar.gz\n` },
    });
    r = await run(tampered);
    ok(r);
    assert.match(
      r.stdout + r.stderr,
      /p-1\.0\.tar\.gz from url_mirror was rejected \(hash mismatch/,
    );
    assert.deepEqual(await readFile(join(tampered, 'dl/p-1.0.tar.gz')), tarball);

    const noMirror = await urlProject(`${server.base}/p-1.0.tar.gz`);
    r = await run(noMirror, ['--only-mirror']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--only-mirror is set but the project has no url_mirror/);
  });

  it('names the cache file from EXTENSION and cacheExt; NO_EXTRACTION copies it', async () => {
    const byExt = await urlProject(`${server.base}/download?id=5`, { pkg: `extension: 'tgz',` });
    ok(await run(byExt));
    assert.deepEqual(await dlEntries(byExt), ['p-1.0.tgz']);
    assert.ok(existsSync(join(buildDir(byExt), 'README')));

    const byCacheExt = await urlProject(`${server.base}/download?id=6`, {
      config: `cacheExt: (site) => site.includes('/download') ? 'tar.gz' : undefined`,
      pkg: `noExtraction: true,`,
    });
    ok(await run(byCacheExt));
    assert.deepEqual(await dlEntries(byCacheExt), ['p-1.0.tar.gz']);
    assert.deepEqual(await readFile(join(buildDir(byCacheExt), 'p-1.0.tar.gz')), tarball);
  });

  it('downloads ftp:// through curl (or wget), and says so when neither exists', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'p-1.0.tar.gz'), tarball);
    // A stand-in curl: copies the served file to --output and records its arguments.
    const fakeCurl = join(dir, 'curl');
    await writeFile(
      fakeCurl,
      `#!/bin/sh\necho "$@" > ${dir}/curl-args\nwhile [ "$1" != --output ]; do shift; done\ncp ${dir}/p-1.0.tar.gz "$2"\n`,
      { mode: 0o755 },
    );
    const root = await urlProject('ftp://127.0.0.1/pub/p-1.0.tar.gz', {
      pkg: `fetchOpts: ['--ftp-pasv'],`,
    });
    ok(await releng(['-R', root], { env: { ...FAST, RELENG_CURL: fakeCurl } }));
    assert.deepEqual(await dlEntries(root), ['p-1.0.tar.gz']);
    assert.match(
      await readFile(join(dir, 'curl-args'), 'utf8'),
      /--ftp-pasv --output .*\.part-\d+ ftp:\/\/127\.0\.0\.1\/pub\/p-1\.0\.tar\.gz/,
    );
    assert.ok(existsSync(join(buildDir(root), 'README')));

    const none = await urlProject('ftp://127.0.0.1/pub/p-1.0.tar.gz');
    const r = await releng(['-R', none], {
      env: { ...FAST, RELENG_CURL: join(dir, 'no-curl'), RELENG_WGET: join(dir, 'no-wget') },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ftp needs curl or wget, and neither is installed/);
    assert.deepEqual(await dlEntries(none), []);
  });

  it('copies file:// and file+ sites through dl/ (verified) and extracts them', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'p-1.0.tar.gz'), tarball);
    const hash = { 'package/p/p.hash': `sha256 ${sha256} p-1.0.tar.gz\n` };
    const url = await urlProject(`file://${dir}/p-1.0.tar.gz`, { files: hash });
    ok(await run(url));
    assert.deepEqual(await dlEntries(url), ['p-1.0.tar.gz']);
    assert.equal(await readFile(join(buildDir(url), 'README'), 'utf8'), 'hello from p-1.0\n');
    assert.match(
      await readFile(join(url, 'output/logs/p.log'), 'utf8'),
      /verified p-1\.0\.tar\.gz/,
    );

    const rel = await urlProject('file+files/p-1.0.tar.gz', {
      files: { ...hash, 'files/p-1.0.tar.gz': '' },
    });
    await writeFile(join(rel, 'files/p-1.0.tar.gz'), tarball);
    ok(await run(rel));
    assert.ok(existsSync(join(buildDir(rel), 'bin/run.sh')));

    const missing = await urlProject(`file://${dir}/absent.tar.gz`);
    const r = await run(missing);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not exist: .*absent\.tar\.gz/);
  });
});
