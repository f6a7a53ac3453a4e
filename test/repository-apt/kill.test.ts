/**
 * kill -9 during `releng repo add` (APT and YUM): the CLI is really killed,
 * at each named point of a publish (RELENG_TEST_KILL_AT) and after growing
 * delays; the same command run again must succeed, `repo verify` must then
 * say OK, no temporary file may be left, and apt-get / dnf install the
 * packages. Before the re-run, verify must report what the kill left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKey } from '../../src/repository/signing/index.ts';
import { buildPackages, description } from '../pkgsign/helpers.ts';
import { dnfInstall } from '../repository-yum/helpers.ts';
import { aptSandbox, have, makeDeb, tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/releng.mjs', import.meta.url));

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the real CLI in a new process; kills it with SIGKILL after `killAfterMs` when given. */
function releng(
  args: string[],
  opts: { env?: Record<string, string>; killAfterMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    const timer =
      opts.killAfterMs !== undefined
        ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs)
        : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

/** Every temporary file (`*.tmp-PID-*`, `*.releng-tmp-PID-*`) under a folder. */
function temporaries(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else if (/\.(releng-)?tmp-\d+/.test(d.name)) out.push(r);
    }
  };
  walk('');
  return out;
}

const work = tempDir('releng-kill-');
const key = path.join(work, 'keys', 'archive.key');
const pub = path.join(work, 'archive.asc');
after(() => rmSync(work, { recursive: true, force: true }));
before(async () => {
  const k = await generateKey({ name: 'Kill Test', email: 'kill@example.org', out: key });
  writeFileSync(pub, k.publicKeyArmored);
});

for (const type of ['apt', 'yum'] as const) {
  const skip =
    type === 'apt'
      ? !have('apt-get') || !have('gpgv')
        ? 'apt-get and gpgv are needed'
        : false
      : !have('dnf')
        ? 'dnf is needed'
        : false;
  describe(`kill -9 during repo add (${type})`, { skip }, () => {
    const repo = path.join(work, `repo-${type}`);
    const points =
      type === 'apt'
        ? [
            'apt-journal',
            'apt-pool-copied',
            'apt-pool-linked',
            'apt-signed',
            'apt-index-saved',
            'apt-state-saved',
            'apt-index-renamed',
            'apt-switched',
          ]
        : [
            'yum-journal',
            'yum-pool-copied',
            'yum-pool-linked',
            'yum-data-written',
            'yum-state-saved',
            'yum-index-saved',
            'yum-switched',
          ];
    const names: string[] = [];
    const make = async (name: string): Promise<string> => {
      names.push(name);
      if (type === 'apt')
        return makeDeb(path.join(work, `debs-${name}`), { name, version: '1.0', arch: 'amd64' });
      const [file] = await buildPackages('rpm', path.join(work, `rpms-${name}`), [
        description(name),
      ]);
      return file!;
    };
    const typeArgs = type === 'yum' ? ['--type', 'yum'] : [];

    before(async () => {
      const r = await releng(['repo', 'create', repo, ...typeArgs, '--key', key]);
      assert.equal(r.code, 0, r.err);
    });

    test('killed at each point of a publish, the same command run again succeeds', async () => {
      for (const point of points) {
        const name = `k-${point}`;
        const file = await make(name);
        const add = ['repo', 'add', repo, file, '--key', key];
        const killed = await releng(add, { env: { RELENG_TEST_KILL_AT: point } });
        assert.equal(killed.signal, 'SIGKILL', `${point}: ${killed.err}`);
        if (point.endsWith('pool-linked')) {
          // What the kill left shows in verify: an unlisted package file and a temporary.
          const v = await releng(['repo', 'verify', repo, '--public-key', pub]);
          assert.equal(v.code, 1, `${point}: ${v.out}`);
          assert.match(v.out, /is not in (any Packages index|primary\.xml)/);
          assert.match(v.out, /temporary file of an interrupted publish/);
        }
        const again = await releng(add);
        assert.equal(again.code, 0, `${point}: ${again.err}`);
        assert.deepEqual(temporaries(repo), [], point);
        const v = await releng(['repo', 'verify', repo, '--public-key', pub]);
        assert.equal(v.code, 0, `${point}: ${v.out}`);
      }
    });

    test('killed while replacing a package in place (--replace), the re-run completes it', async () => {
      const at =
        type === 'apt'
          ? ['apt-pool-copied', 'apt-index-saved', 'apt-state-saved', 'apt-index-renamed']
          : ['yum-pool-copied', 'yum-state-saved', 'yum-index-saved'];
      const first = await make('k-replaced');
      let r = await releng(['repo', 'add', repo, first, '--key', key]);
      assert.equal(r.code, 0, r.err);
      for (const [i, point] of at.entries()) {
        const rebuilt =
          type === 'apt'
            ? await makeDeb(path.join(work, `debs-rebuilt-${i}`), {
                name: 'k-replaced',
                version: '1.0',
                arch: 'amd64',
                payload: `rebuild ${i}`,
              })
            : (
                await buildPackages('rpm', path.join(work, `rpms-rebuilt-${i}`), [
                  description('k-replaced', {
                    files: { '/usr/share/k-replaced/hello.txt': `rebuild ${i}\n` },
                  }),
                ])
              )[0]!;
        const add = ['repo', 'add', repo, rebuilt, '--replace', '--key', key];
        const killed = await releng(add, { env: { RELENG_TEST_KILL_AT: point } });
        assert.equal(killed.signal, 'SIGKILL', `${point}: ${killed.err}`);
        r = await releng(add);
        assert.equal(r.code, 0, `${point}: ${r.err}`);
        assert.deepEqual(temporaries(repo), [], point);
        const v = await releng(['repo', 'verify', repo, '--public-key', pub]);
        assert.equal(v.code, 0, `${point}: ${v.out}`);
      }
    });

    test('killed after growing delays, the same command run again succeeds', async () => {
      for (let i = 0; i < 8; i++) {
        const file = await make(`d-${i}`);
        const add = ['repo', 'add', repo, file, '--key', key];
        await releng(add, { killAfterMs: 150 + i * 60 });
        const again = await releng(add);
        assert.equal(again.code, 0, `delay ${150 + i * 60} ms: ${again.err}`);
        assert.deepEqual(temporaries(repo), []);
      }
      const v = await releng(['repo', 'verify', repo, '--public-key', pub]);
      assert.equal(v.code, 0, v.out);
    });

    test('the client installs every package', async () => {
      if (type === 'apt') {
        const sb = aptSandbox();
        sb.sources(`deb [signed-by=${pub}] file://${repo} stable main`);
        const u = await sb.aptGet(['update']);
        assert.equal(u.code, 0, u.stdout + u.stderr);
        const inst = await sb.install(names);
        assert.equal(inst.code, 0, inst.stdout + inst.stderr);
      } else {
        const r = await dnfInstall(`file://${repo}`, names, { key: pub, gpgcheck: false });
        assert.equal(r.code, 0, r.output);
      }
    });
  });
}
