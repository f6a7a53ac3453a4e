/**
 * The repo/key command line around errors: secret files others can read
 * (warning, refused under -W), --json errors as the main CLI's error
 * event, did-you-mean, usage exit codes, and the passphrase prompt on a
 * terminal (key export of a protected key).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoCli } from '../helpers.ts';
import { have, makeDeb, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/releng.mjs', import.meta.url));

describe('repo/key CLI errors', () => {
  const work = tempDir('releng-clierr-');
  const key = path.join(work, 'plain.key');
  const protectedKey = path.join(work, 'protected.key');
  const pass = path.join(work, 'pass.txt');
  after(() => rmSync(work, { recursive: true, force: true }));
  before(async () => {
    writeFileSync(pass, 'sesame\n', { mode: 0o600 });
    for (const [out, extra] of [
      [key, []],
      [protectedKey, ['--passphrase-file', pass]],
    ] as const) {
      const r = await repoCli([
        'key',
        'generate',
        '--name',
        'Errors',
        '--email',
        'e@example.org',
        '--out',
        out,
        ...extra,
      ]);
      assert.equal(r.code, 0, r.err);
    }
  });

  test('a key file others can read: a warning naming it and chmod 600; -W refuses', async () => {
    const repo = path.join(work, 'perm');
    chmodSync(key, 0o644);
    let r = await repoCli(['repo', 'create', repo, '--key', key]);
    assert.equal(r.code, 0, r.err);
    assert.ok(
      r.err.includes(
        `(warn) signing key file '${key}' is accessible to others (mode 0644); run \`chmod 600 ${key}\``,
      ),
      r.err,
    );
    const deb = await makeDeb(path.join(work, 'debs'), { name: 'perm', version: '1' });
    for (const flag of ['-W', '--werror']) {
      r = await repoCli(['repo', 'add', repo, deb, '--key', key, flag]);
      assert.equal(r.code, 1, r.out);
      assert.match(r.err, /accessible to others/);
      assert.match(r.err, /chmod 600/);
    }
    r = await repoCli(['repo', 'list', repo]);
    assert.match(r.out, /no packages/, 'nothing published under -W');
    chmodSync(key, 0o640);
    r = await repoCli(['repo', 'add', repo, deb, '--key', key]);
    assert.match(r.err, /accessible to its group \(mode 0640\)/);
    chmodSync(key, 0o600);
    r = await repoCli(['key', 'export', '--key', key, '-W']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    // A passphrase file is a secret too.
    chmodSync(pass, 0o666);
    r = await repoCli(['key', 'export', '--key', protectedKey, '--passphrase-file', pass, '-W']);
    assert.equal(r.code, 1);
    assert.match(r.err, /passphrase file '.*pass\.txt' is accessible to others \(mode 0666\)/);
    chmodSync(pass, 0o600);
  });

  test('--json: errors are the main CLI error event on stdout, with the exit code', async () => {
    let r = await repoCli(['repo', 'add', path.join(work, 'nowhere'), 'x.deb', '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.err, '');
    const event = JSON.parse(r.out) as {
      type: string;
      message: string;
      details: { hint?: string };
      time: string;
    };
    assert.equal(event.type, 'error');
    assert.match(event.message, /is not a releng APT repository/);
    assert.match(event.details.hint!, /releng repo create/);
    assert.ok(!Number.isNaN(Date.parse(event.time)));
    r = await repoCli(['repo', 'add', work, 'x.deb', '--bogus', '--json']);
    assert.equal(r.code, 2);
    const usage = JSON.parse(r.out) as {
      type: string;
      message: string;
      details: Record<string, unknown>;
    };
    assert.equal(usage.type, 'error');
    assert.match(usage.message, /unknown option --bogus/);
    assert.deepEqual(usage.details, {});
  });

  test('-W and --json given before repo/key on the releng command line still apply', async () => {
    const { releng } = await import('../helpers.ts');
    let r = await releng(['--json', 'repo', 'add', path.join(work, 'nowhere'), 'x.deb']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).type, 'error', r.stdout);
    chmodSync(key, 0o644);
    r = await releng(['-W', 'key', 'export', '--key', key]);
    chmodSync(key, 0o600);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /accessible to others/);
    r = await releng(['-W', 'repo']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /releng repo/);
  });

  test('unknown commands and options: did you mean, exit 2', async () => {
    let r = await repoCli(['repo', 'ad', work, 'x.deb']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'repo ad' \(did you mean "add"/);
    r = await repoCli(['key', 'exprot', '--key', key]);
    assert.equal(r.code, 2);
    assert.match(r.err, /did you mean "export"/);
    r = await repoCli(['repo', 'add', work, 'x.deb', '--replce']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option --replce \(did you mean "--replace"/);
    r = await repoCli(['repo', 'rotate-kee', work]);
    assert.match(r.err, /did you mean "rotate-key"/);
    r = await repoCli([
      'repo',
      'add',
      work,
      'x.deb',
      '--key',
      key,
      '--key',
      key,
      '--suite',
      'a',
      '--suite',
      'b',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--suite is given more than once/);
    r = await repoCli(['repo', 'retire-key', work, '--key', key]);
    assert.equal(r.code, 2);
    assert.match(r.err, /needs the fingerprint/);
  });

  test('key export of a protected key asks for the passphrase on a terminal, without echo', {
    skip: !have('script') ? 'script (bsdutils) is needed' : false,
  }, async () => {
    // Without a terminal: a clear error, no prompt.
    const r = await repoCli(['key', 'export', '--key', protectedKey]);
    assert.equal(r.code, 1);
    assert.match(r.err, /protected by a passphrase, and none was given/);
    // On a terminal (script(1) gives the CLI a pty): asked, used, not echoed.
    const out = await new Promise<string>((resolve) => {
      const child = spawn(
        'script',
        ['-qec', `${process.execPath} ${BIN} key export --key ${protectedKey}`, '/dev/null'],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d;
        if (text.includes('passphrase for') && !text.includes('\u0000sent')) {
          text += '\u0000sent';
          child.stdin.write('sesame\r');
        }
      });
      child.on('close', () => resolve(text));
    });
    assert.match(out, /passphrase for signing key '.*protected\.key': /);
    assert.match(out, /BEGIN PGP PUBLIC KEY BLOCK/);
    assert.doesNotMatch(out, /sesame/);
    assert.ok(!existsSync(path.join(work, 'sesame')));
  });
});
