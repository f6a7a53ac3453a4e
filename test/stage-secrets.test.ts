import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { filesUnder, makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

const PASS = 'pass-Wh1sper-7781';

describe('secrets stay out of stage environments', () => {
  it('withholds passphraseEnv from stages, hooks and post-build; publishing still signs with it', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default {
        packages: ['tool'],
        outputs: [{
          name: 'tool', version: '1.0.0', architecture: 'all', maintainer: 'T <t@example.org>',
          summary: 'a tool', description: 'A tool for the secrets test.', license: 'MIT',
          format: 'deb',
          contents: [{ src: 'usr/bin/tool', dst: '/usr/bin/tool', mode: 0o755 }],
        }],
        repositories: [
          { type: 'apt', dir: 'repo/apt', signingKey: 'keys/signing.asc', passphraseEnv: 'RELENG_TEST_PASS' },
        ],
        async post(ctx) {
          await ctx.exec('env');
          ctx.log('post sees ' + (process.env.RELENG_TEST_PASS ?? 'nothing'));
        },
      };\n`,
      'package/tool/tool.ts': nativePackage(`{
        async build(ctx) {
          await ctx.exec('env');
          await ctx.exec('sh', ['-c', 'echo "child sees [$RELENG_TEST_PASS]"']);
          ctx.log('hook sees ' + (process.env.RELENG_TEST_PASS ?? 'nothing') + ' / ' + (ctx.env.RELENG_TEST_PASS ?? 'nothing'));
        },
        async install(ctx) {
          const fs = await import('node:fs');
          fs.mkdirSync(ctx.dirs.target + '/usr/bin', { recursive: true });
          fs.writeFileSync(ctx.dirs.target + '/usr/bin/tool', '#!/bin/sh\\necho tool\\n', { mode: 0o755 });
        },
      }`),
    });
    roots.push(root);
    const env = { RELENG_TEST_PASS: PASS };
    let r = await releng(
      [
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
        '--passphrase-env',
        'RELENG_TEST_PASS',
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(await readFile(join(root, 'keys/signing.asc'), 'utf8'), /PRIVATE KEY/);

    r = await releng(['-R', root, '-j1', '--verbose'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(PASS), r.stdout + r.stderr);
    const log = await readFile(join(root, 'output/logs/tool.log'), 'utf8');
    assert.match(log, /^PATH=/m, 'the stage printed its environment');
    assert.match(log, /child sees \[\]/);
    assert.match(r.stdout + r.stderr, /hook sees nothing \/ nothing/);
    assert.match(r.stdout + r.stderr, /post sees nothing/);
    assert.match(await readFile(join(root, 'output/logs/post-build.log'), 'utf8'), /^PATH=/m);
    for (const file of await filesUnder(join(root, 'output'))) {
      const text = await readFile(file, 'latin1');
      assert.ok(!text.includes(PASS), `the passphrase is in ${file}`);
    }

    // Published and signed with the passphrase-protected key.
    const inRelease = join(root, 'repo/apt/dists/stable/InRelease');
    assert.ok(existsSync(inRelease));
    const keyring = join(root, 'keys/public.gpg');
    execFileSync('gpg', [
      '--batch',
      '--dearmor',
      '--output',
      keyring,
      join(root, 'keys/public.asc'),
    ]);
    execFileSync('gpgv', ['--keyring', keyring, inRelease], { stdio: 'ignore' });
  });
});
