import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { maskCredentials } from '../../src/util/redact.ts';
import { filesUnder, makeProject, nativePackage, releng, removeProject } from '../helpers.ts';
import { tempDir } from '../tmp.ts';
import { makeTarball, startServer, type TestServer } from './server.ts';

const USER = 'builder';
const PASSWORD = 'S3cretPassw0rd';
const cleanup: string[] = [];
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const dir of cleanup) await removeProject(dir);
});

async function assertNoPassword(dir: string): Promise<string[]> {
  const files = await filesUnder(dir);
  for (const file of files) {
    const text = await readFile(file, 'latin1');
    assert.ok(!text.includes(PASSWORD), `the password is in ${file}:\n${text.slice(0, 2000)}`);
  }
  return files;
}

describe('URL credentials', () => {
  it('masks credentials in text, keeping everything else', () => {
    assert.equal(
      maskCredentials('git fetch https://u:p@ss@host/r.git and svn+ssh://me:pw@h/x, not a@b'),
      'git fetch https://***@host/r.git and svn+ssh://***@h/x, not a@b',
    );
    assert.equal(maskCredentials('https://TOKEN@host/x'), 'https://***@host/x');
    // an ssh user name is not a secret (and keeps such projects cached)
    for (const kept of ['git+ssh://git@github.com/o/r.git', 'ssh://git@host/r', 'sftp://me@h/f']) {
      assert.equal(maskCredentials(kept), kept);
    }
    const plain = 'https://host/~user@x/y';
    assert.equal(maskCredentials(plain), plain);
  });

  it('fetch with them, while no output file, log, event or message shows the password', async () => {
    const tarball = await makeTarball(tempDir('releng-cred-'), 'p-1.0');
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    let authorized = 0;
    const server = await startServer({
      '/p-1.0.tar.gz': (req, res) => {
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('no\n');
          return;
        }
        authorized++;
        res.writeHead(200, { 'content-length': tarball.length }).end(tarball);
      },
    });
    servers.push(server);
    const site = `http://${USER}:${PASSWORD}@127.0.0.1:${server.port}/p-1.0.tar.gz`;
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['p', 'q'], sbomFormat: ['text', 'html', 'json-spdx', 'json-cyclonedx'] };\n`,
      'package/p/p.ts': nativePackage(`{
        version: '1.0',
        site: ${JSON.stringify(site)},
        license: 'MIT',
        licenseFiles: ['README'],
        async build(ctx) {
          // what a stage script sees: PKG_SITE and P_SITE carry the site
          await ctx.exec('env');
          ctx.log('building from ' + ctx.env.PKG_SITE);
        },
      }`),
      // a wrong path on the same server: the error names the URL
      'package/q/q.ts': nativePackage(`{
        version: '1.0',
        site: ${JSON.stringify(site.replace('p-1.0', 'missing'))},
        dependencies: ['p'],
      }`),
    });
    cleanup.push(root);
    const env = { RELENG_DOWNLOAD_BACKOFF: '0.01', RELENG_DOWNLOAD_RETRIES: '0' };

    const built = await releng(['-R', root, '--json', 'p'], { env });
    assert.equal(built.code, 0, built.stdout + built.stderr);
    assert.equal(authorized, 1, 'the download sent the credentials');
    const printvars = await releng(['-R', root, 'p-printvars'], { env });
    assert.match(printvars.stdout, /P_SITE=http:\/\/\*\*\*@127\.0\.0\.1/);

    // The whole project: q fails with an HTTP error naming its URL.
    const failed = await releng(['-R', root, '--json'], { env });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /HTTP 404/);
    // the SBOM of the packages built so far
    const sbom = await releng(['-R', root, 'sbom'], { env });
    assert.equal(sbom.code, 0, sbom.stderr);
    const licenses = await releng(['-R', root, 'p-license'], { env });
    assert.equal(licenses.code, 0, licenses.stderr);

    for (const r of [built, printvars, failed, sbom, licenses]) {
      assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), r.stdout + r.stderr);
    }
    const files = await assertNoPassword(join(root, 'output'));
    for (const name of ['sbom.txt', 'sbom.html', 'sbom-spdx.json', 'sbom-cyclonedx.json']) {
      const file = join(root, 'output', name);
      assert.ok(files.includes(file), `${name} was written`);
      assert.match(await readFile(file, 'utf8'), /http:\/\/\*\*\*@127\.0\.0\.1/);
    }
    assert.ok(
      files.some((f) => f.includes(join('output', 'licenses'))),
      files.join('\n'),
    );
    const log = await readFile(join(root, 'output', 'logs', 'p.log'), 'utf8');
    assert.match(log, /PKG_SITE=http:\/\/\*\*\*@127\.0\.0\.1/);
    assert.match(log, /building from http:\/\/\*\*\*@/);
    // no project cache holds the credentials: every run evaluated the definitions again
    assert.ok(!files.some((f) => f.endsWith('project-cache.json')));
  });

  it('masks them in git commands, their output and the error', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['g'] };\n`,
      'package/g/g.ts': nativePackage(`{
        version: '1.0',
        site: 'git+http://${USER}:${PASSWORD}@127.0.0.1:9/none.git',
      }`),
    });
    cleanup.push(root);
    const r = await releng(['-R', root, '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cannot fetch http:\/\/\*\*\*@127\.0\.0\.1:9\/none\.git/);
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), r.stdout + r.stderr);
    await assertNoPassword(join(root, 'output'));
  });

  it('fetches a git site with them over HTTP, and no file under output/ or cache/ holds them', async () => {
    // A real repository served by "dumb" HTTP behind basic auth.
    const work = tempDir('releng-cred-git-');
    cleanup.push(work);
    const sh = (cmd: string, cwd: string) =>
      execFileSync('sh', ['-c', cmd], { cwd, stdio: 'pipe' });
    const src = join(work, 'src');
    await mkdir(src);
    await writeFile(join(src, 'hello.txt'), 'hello from git\n');
    sh(
      'git init -q -b main && git add . && git -c user.name=T -c user.email=t@example.org commit -qm one && git tag v1.0',
      src,
    );
    sh(`git clone -q --bare "${src}" r.git && git --git-dir=r.git update-server-info`, work);
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    let authorized = 0;
    const http = createServer(async (req, res) => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
        return;
      }
      authorized++;
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      try {
        const body = await readFile(join(work, path));
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    after(() => new Promise<void>((resolve) => http.close(() => resolve())));

    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['g'] };\n`,
      'package/g/g.ts': nativePackage(`{
        version: '1.0',
        revision: 'v1.0',
        site: 'git+http://${USER}:${PASSWORD}@127.0.0.1:${port}/r.git',
      }`),
    });
    cleanup.push(root);
    const r = await releng(['-R', root, '--json', 'g'], { env: { GIT_TERMINAL_PROMPT: '0' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(authorized > 0, 'git sent the credentials');
    assert.equal(
      await readFile(join(root, 'output', 'build', 'g-1.0', 'hello.txt'), 'utf8'),
      'hello from git\n',
    );
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), r.stdout + r.stderr);
    await assertNoPassword(join(root, 'output'));
    await assertNoPassword(join(root, 'cache'));
  });
});
