/**
 * The WebDAV upload against Debian's nginx (http_dav_module) on 127.0.0.1
 * with Basic authentication: files in place and checked, a re-upload
 * sending nothing, other bytes never replaced, wrong credentials refused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { releng } from '../helpers.ts';
import { tempDir } from '../tmp.ts';
import { releaseRepo } from './fixture.ts';

const hasNginx = /http_dav_module/.test(
  spawnSync('nginx', ['-V'], { encoding: 'utf8' }).stderr ?? '',
);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** nginx in the foreground with a DAV location at /releases/ behind Basic auth. */
async function startNginx(
  prefix: string,
): Promise<{ url: string; root: string; child: ChildProcess }> {
  const root = join(prefix, 'www');
  mkdirSync(join(root, 'releases'), { recursive: true, mode: 0o777 });
  spawnSync('chmod', ['0777', root, join(root, 'releases')]);
  mkdirSync(join(prefix, 'tmp'), { mode: 0o777 });
  writeFileSync(join(prefix, 'htpasswd'), 'uploader:{PLAIN}dav-secret\n');
  const port = await freePort();
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `${user}worker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  client_body_temp_path ${prefix}/tmp;\n  proxy_temp_path ${prefix}/tmp; fastcgi_temp_path ${prefix}/tmp; uwsgi_temp_path ${prefix}/tmp; scgi_temp_path ${prefix}/tmp;\n  client_max_body_size 64m;\n  server {\n    listen 127.0.0.1:${port};\n    root ${root};\n    location /releases/ {\n      auth_basic "releases";\n      auth_basic_user_file ${prefix}/htpasswd;\n      dav_methods PUT DELETE MKCOL COPY MOVE;\n      create_full_put_path on;\n      dav_access user:rw group:r all:r;\n    }\n  }\n}\n`,
  );
  const child = spawn(
    'nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}/releases/`, root: join(root, 'releases'), child };
}

test('webdav upload to nginx: in place and checked, idempotent, never replaces, refuses wrong credentials', {
  skip: !hasNginx && 'nginx with http_dav_module is not installed',
}, async (t) => {
  const prefix = tempDir('releng-nginx-');
  const server = await startNginx(prefix);
  t.after(() => {
    server.child.kill('SIGTERM');
    rmSync(prefix, { recursive: true, force: true });
  });
  const { root, env } = await releaseRepo({
    'releng.config.ts': `export default { packages: [], release: {
  name: 'demo',
  files: [{ path: 'VERSION', search: '{version}' }],
  bundles: [{ type: 'sources' }],
  uploads: [{ type: 'webdav', url: '${server.url}' }],
} };\n`,
    VERSION: '1.2.3\n',
  });
  const denv = { ...env, RELENG_WEBDAV_USERNAME: 'uploader', RELENG_WEBDAV_PASSWORD: 'dav-secret' };
  const wrong = await releng(['release', 'apply'], {
    cwd: root,
    env: { ...denv, RELENG_WEBDAV_PASSWORD: 'nope' },
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /MKCOL .* failed: 401/);
  assert.doesNotMatch(wrong.stderr, /nope|dav-secret/);
  // The tag is made; the re-run finishes the interrupted release with the right credentials.
  const r = await releng(['release', 'apply'], { cwd: root, env: denv });
  assert.equal(r.code, 0, r.stderr);
  const up = join(server.root, '1.3.0');
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: up, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /demo-1\.3\.0-sources\.tar\.gz: OK/);
  assert.equal(
    spawnSync('sh', ['-c', `ls -a ${up} | grep -c tmp-`], { encoding: 'utf8' }).stdout.trim(),
    '0',
  );
  const again = await releng(['release', 'upload', '--json'], { cwd: root, env: denv });
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout.trim().split('\n').pop() as string);
  assert.deepEqual(report.uploads[0].uploaded, []);
  writeFileSync(
    join(up, 'SHA256SUMS'),
    `${readFileSync(join(up, 'SHA256SUMS'), 'utf8')}# changed\n`,
  );
  const changed = await releng(['release', 'upload'], { cwd: root, env: denv });
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /exists with other content/);
});
