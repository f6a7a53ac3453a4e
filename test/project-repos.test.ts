import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

describe('a project build ends with published repositories', () => {
  it('puts its .deb into a signed APT repository and its .rpm into a signed YUM repository', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default {
        packages: ['tool'],
        outputs: [{
          name: 'tool', version: '1.0.0', architecture: 'all', maintainer: 'T <t@example.org>',
          summary: 'a tool', description: 'A tool for the repository test.', license: 'MIT',
          formats: ['deb', 'rpm'],
          contents: [{ src: 'usr/bin/tool', dst: '/usr/bin/tool', mode: 0o755 }],
        }],
        repositories: [
          { type: 'apt', dir: 'repo/apt', suite: 'stable', signingKey: 'keys/signing.asc' },
          { type: 'yum', dir: 'repo/yum', signingKey: 'keys/signing.asc' },
        ],
      };\n`,
      'package/tool/tool.ts': nativePackage(`{
        async install(ctx) {
          const fs = await import('node:fs');
          fs.mkdirSync(ctx.dirs.target + '/usr/bin', { recursive: true });
          fs.writeFileSync(ctx.dirs.target + '/usr/bin/tool', '#!/bin/sh\\necho tool\\n', { mode: 0o755 });
        },
      }`),
    });
    roots.push(root);
    let r = await releng([
      'key',
      'generate',
      '--name',
      'Test Signer',
      '--email',
      'sign@example.org',
      '--out',
      join(root, 'keys/signing.asc'),
      '--public-out',
      join(root, 'keys/public.asc'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    r = await releng(['-R', root], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.equal(r.code, 0, r.stderr);

    const packages = await readFile(
      join(root, 'repo/apt/dists/stable/main/binary-amd64/Packages'),
      'utf8',
    );
    assert.match(packages, /^Package: tool$/m);
    assert.ok(existsSync(join(root, 'repo/apt/dists/stable/InRelease')));
    r = await releng([
      'repo',
      'verify',
      join(root, 'repo/apt'),
      '--public-key',
      join(root, 'keys/public.asc'),
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // gpgv itself accepts the InRelease with the exported public key.
    const keyring = join(root, 'keys/public.gpg');
    execFileSync('gpg', [
      '--batch',
      '--dearmor',
      '--output',
      keyring,
      join(root, 'keys/public.asc'),
    ]);
    execFileSync('gpgv', ['--keyring', keyring, join(root, 'repo/apt/dists/stable/InRelease')], {
      stdio: 'ignore',
    });

    const repomd = await readFile(join(root, 'repo/yum/repodata/repomd.xml'), 'utf8');
    assert.match(repomd, /<data type="primary">/);
    assert.ok(existsSync(join(root, 'repo/yum/repodata/repomd.xml.asc')));
    execFileSync(
      'gpgv',
      [
        '--keyring',
        keyring,
        join(root, 'repo/yum/repodata/repomd.xml.asc'),
        join(root, 'repo/yum/repodata/repomd.xml'),
      ],
      { stdio: 'ignore' },
    );

    // A rebuild with the same inputs publishes again without complaint (same content).
    r = await releng(['-R', root, 'punch'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.equal(r.code, 0, r.stderr);
  });

  it('refuses to publish unsigned unless asked', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default {
        packages: ['t'],
        outputs: [{ name: 'tt', version: '1', architecture: 'all', maintainer: 'T <t@example.org>', summary: 's', description: 'd', format: 'deb', contents: [{ src: 'f', dst: '/usr/share/t/f' }] }],
        repositories: [{ type: 'apt', dir: 'repo' }],
      };\n`,
      'package/t/t.ts': nativePackage(
        `{ async install(ctx) { (await import('node:fs')).writeFileSync(ctx.dirs.target + '/f', 'x'); } }`,
      ),
    });
    roots.push(root);
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /repositories\[0\] \(apt\) has no signingKey or gpgKey/);
  });

  it('warns when the signing key file is readable by others, and fails under -W with nothing published', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default {
        packages: ['t'],
        outputs: [{ name: 'tt', version: '1', architecture: 'all', maintainer: 'T <t@example.org>', summary: 's', description: 'd', format: 'deb', contents: [{ src: 'f', dst: '/usr/share/t/f' }] }],
        repositories: [{ type: 'apt', dir: 'repo', signingKey: 'keys/signing.asc' }],
      };\n`,
      'package/t/t.ts': nativePackage(
        `{ internal: true, async install(ctx) { (await import('node:fs')).writeFileSync(ctx.dirs.target + '/f', 'x'); } }`,
      ),
    });
    roots.push(root);
    const key = join(root, 'keys/signing.asc');
    let r = await releng([
      'key',
      'generate',
      '--name',
      'T',
      '--email',
      't@example.org',
      '--out',
      key,
    ]);
    assert.equal(r.code, 0, r.stderr);
    chmodSync(key, 0o644);
    r = await releng(['-R', root, '-W']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /chmod 600/);
    assert.ok(!existsSync(join(root, 'repo/dists')), 'nothing published under -W');
    r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /chmod 600/);
    assert.ok(existsSync(join(root, 'repo/dists/stable/InRelease')));
  });
});
