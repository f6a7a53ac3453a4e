/**
 * scp against a real sshd on 127.0.0.1: a throwaway server configuration,
 * host key and client key, all in a temporary folder. When sshd cannot run
 * here the integration tests are skipped with the reason (the argument
 * building is covered by units.test.ts either way).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDir, hasTool, ok, run, tempDir, tool, toolEnv, tree, vcsProject } from './helpers.ts';

const SSHD = '/usr/sbin/sshd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts sshd; resolves to the process, or to the reason it could not run. */
async function startSshd(
  config: string,
  port: number,
  log: string[],
): Promise<ChildProcess | string> {
  // Debian's sshd refuses to start without its privilege separation folder,
  // which systemd normally creates; a container may not have it.
  if (!existsSync('/run/sshd') && process.getuid?.() === 0) {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);
  }
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => log.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => log.push(c.toString()));
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', (err) => {
    exited = true;
    log.push(err.message);
  });
  for (let i = 0; i < 100; i++) {
    if (exited) return `sshd exited: ${log.join('').trim()}`;
    if (await canConnect(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  return `sshd did not listen on port ${port}: ${log.join('').trim()}`;
}

const prerequisites = !existsSync(SSHD)
  ? `${SSHD} is not installed (openssh-server)`
  : !hasTool('scp') || !hasTool('ssh-keygen')
    ? 'scp/ssh-keygen are not installed (openssh-client)'
    : undefined;

describe('scp sites', { skip: prerequisites ?? false }, () => {
  let base: string;
  let env: Record<string, string>;
  let port: number;
  let sshd: ChildProcess | undefined;
  let unavailable: string | undefined;
  let sshOptions: string[];
  let remoteArchive: string;
  const user = userInfo().username;

  before(async () => {
    base = await tempDir('scp');
    env = toolEnv(base);
    port = await freePort();
    const hostKey = join(base, 'host_key');
    const userKey = join(base, 'user_key');
    tool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    tool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey]);
    await writeFile(join(base, 'authorized_keys'), await readFile(`${userKey}.pub`));
    const config = join(base, 'sshd_config');
    await writeFile(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${join(base, 'authorized_keys')}`,
        `PidFile ${join(base, 'sshd.pid')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    sshOptions = [
      '-F',
      '/dev/null',
      '-i',
      userKey,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
    ];
    const rel = join(base, 'rel');
    await mkdir(join(rel, 'libremote-1.0', 'src'), { recursive: true });
    await writeFile(join(rel, 'libremote-1.0', 'src', 'remote.c'), 'int remote;\n');
    remoteArchive = join(base, 'libremote-1.0.tar.gz');
    tool('tar', ['-czf', remoteArchive, '-C', rel, 'libremote-1.0']);

    const log: string[] = [];
    const started = await startSshd(config, port, log);
    if (typeof started === 'string') unavailable = started;
    else sshd = started;
  });

  after(() => {
    sshd?.kill();
  });

  it('fails on a missing remote file without leaving anything in dl/', async (t) => {
    if (unavailable) return t.skip(`sshd cannot run here: ${unavailable}`);
    const opts = JSON.stringify(['-P', String(port), ...sshOptions]);
    const root = await vcsProject({
      gone: `{ version: '1.0', site: 'scp+${user}@127.0.0.1:${base}/missing-1.0.tar.gz', fetchOpts: ${opts} }`,
    });
    const r = await run(root, ['gone-fetch'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /command failed: scp/);
    assert.deepEqual(existsSync(join(root, 'dl')) ? tool('ls', ['-A', join(root, 'dl')]) : '', '');
  });

  it('copies an archive over scp (port and key in fetchOpts, or the scp:// form) and extracts it', async (t) => {
    if (unavailable) return t.skip(`sshd cannot run here: ${unavailable}`);
    const opts = JSON.stringify(['-P', String(port), ...sshOptions]);
    const root = await vcsProject({
      remote: `{ version: '1.0', site: 'scp+${user}@127.0.0.1:${remoteArchive}', fetchOpts: ${opts} }`,
      uri: `{ version: '1.0', site: 'scp+scp://${user}@127.0.0.1:${port}/${remoteArchive}', fetchOpts: ${JSON.stringify(sshOptions)} }`,
    });
    ok(await run(root, [], env));
    assert.deepEqual(await tree(buildDir(root, 'remote', '1.0')), ['src/', 'src/remote.c']);
    assert.deepEqual(await tree(buildDir(root, 'uri', '1.0')), ['src/', 'src/remote.c']);
    assert.deepEqual(
      await readFile(join(root, 'dl', 'remote-1.0.tar.gz')),
      await readFile(remoteArchive),
    );

    // Offline: with the server stopped, the file in dl/ is enough.
    sshd?.kill();
    await new Promise((r) => setTimeout(r, 100));
    await rm(join(root, 'output'), { recursive: true, force: true });
    ok(await run(root, [], env));
    assert.deepEqual(await tree(buildDir(root, 'remote', '1.0')), ['src/', 'src/remote.c']);
  });
});
