/**
 * A publish that changes nothing writes nothing (byte-identical tree, same
 * mtimes, no new signature), for APT and YUM; and by-hash keeps the
 * previous generations, so an apt client holding an older InRelease still
 * updates after a real change followed by no-op publishes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoCli } from '../helpers.ts';
import { buildPackages, description } from '../pkgsign/helpers.ts';
import { aptSandbox, have, makeDeb, tempDir } from './helpers.ts';

/**
 * Every file and folder under `dir` → content digest and mtime; but the
 * lock, and the mtime of the state folder that taking the lock changes.
 */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, r);
      if (e.isDirectory()) {
        if (r !== '.releng-repo') out[`${r}/`] = String(statSync(abs).mtimeMs);
        walk(r);
      } else if (r !== '.releng-repo/lock') {
        out[r] =
          `${createHash('sha256').update(readFileSync(abs)).digest('hex')} ${statSync(abs).mtimeMs}`;
      }
    }
  };
  walk('');
  return out;
}

const work = tempDir('releng-noop-');
const key = path.join(work, 'keys', 'archive.key');
const pub = path.join(work, 'archive.asc');
after(() => rmSync(work, { recursive: true, force: true }));
before(async () => {
  const r = await repoCli([
    'key',
    'generate',
    '--name',
    'Noop',
    '--email',
    'noop@example.org',
    '--out',
    key,
    '--public-out',
    pub,
  ]);
  assert.equal(r.code, 0, r.err);
});

describe('an unchanged repository is not written', () => {
  test('APT: the same repo add again (and an empty index) writes nothing', async () => {
    const repo = path.join(work, 'apt');
    const deb = await makeDeb(path.join(work, 'debs'), { name: 'same', version: '1' });
    assert.equal((await repoCli(['repo', 'create', repo, '--key', key])).code, 0);
    assert.equal((await repoCli(['repo', 'add', repo, deb, '--key', key])).code, 0);
    const before = tree(repo);
    await new Promise((r) => setTimeout(r, 20));
    const again = await repoCli(['repo', 'add', repo, deb, '--key', key, '--json']);
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out).noop, true);
    const idx = await repoCli(['repo', 'index', repo, '--key', key]);
    assert.match(idx.out, /unchanged: nothing to publish/);
    assert.deepEqual(tree(repo), before);
    // repo sign still re-signs on purpose.
    const sign = await repoCli(['repo', 'sign', repo, '--key', key]);
    assert.equal(sign.code, 0, sign.err);
    assert.notDeepEqual(tree(repo), before);
  });

  test('YUM: the same repo add again writes nothing', async () => {
    const repo = path.join(work, 'yum');
    const [rpm] = await buildPackages('rpm', path.join(work, 'rpms'), [description('same')]);
    assert.equal((await repoCli(['repo', 'create', repo, '--type', 'yum', '--key', key])).code, 0);
    assert.equal((await repoCli(['repo', 'add', repo, rpm!, '--key', key])).code, 0);
    const before = tree(repo);
    await new Promise((r) => setTimeout(r, 20));
    const again = await repoCli(['repo', 'add', repo, rpm!, '--key', key]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /unchanged: nothing to publish/);
    assert.deepEqual(tree(repo), before);
  });
});

describe('by-hash keeps earlier generations', {
  skip: !have('apt-get') || !have('gpgv') ? 'apt-get and gpgv are needed' : false,
}, () => {
  test('a client holding the InRelease from before a change still updates by hash', async () => {
    const repo = path.join(work, 'byhash');
    const debs = path.join(work, 'debs-bh');
    const one = await makeDeb(debs, { name: 'bh-one', version: '1', arch: 'amd64' });
    const two = await makeDeb(debs, { name: 'bh-two', version: '1', arch: 'amd64' });
    assert.equal((await repoCli(['repo', 'create', repo, '--key', key])).code, 0);
    assert.equal((await repoCli(['repo', 'add', repo, one, '--key', key])).code, 0);
    // What a client fetched before the change: the InRelease of that moment.
    const stale = readFileSync(path.join(repo, 'dists/stable/InRelease'));
    // One real change, then the same command again four times (no-ops).
    for (let i = 0; i < 5; i++) {
      const r = await repoCli(['repo', 'add', repo, two, '--key', key]);
      assert.equal(r.code, 0, r.err);
    }
    // A mirror that still serves the old InRelease while the rest is new:
    // apt then fetches the index files by the hashes the old InRelease names.
    const hits: string[] = [];
    const server = createServer((req, res) => {
      const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      hits.push(url);
      if (url === '/dists/stable/InRelease') {
        res.writeHead(200, { 'content-length': stale.length });
        res.end(stale);
        return;
      }
      try {
        const data = readFileSync(path.join(repo, path.normalize(url)));
        res.writeHead(200, { 'content-length': data.length });
        res.end(data);
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const sb = aptSandbox('amd64', work);
      sb.sources(`deb [signed-by=${pub}] http://127.0.0.1:${port} stable main`);
      const u = await sb.aptGet(['update']);
      assert.equal(u.code, 0, u.stdout + u.stderr);
      assert.ok(
        hits.some((h) => h.includes('/by-hash/')),
        `apt fetched by hash: ${hits.join(' ')}`,
      );
      const inst = await sb.install(['bh-one']);
      assert.equal(inst.code, 0, inst.stdout + inst.stderr);
    } finally {
      server.close();
    }
  });

  test('byHashKeep: older generations beyond it are removed', async () => {
    const repo = path.join(work, 'keep');
    const debs = path.join(work, 'debs-keep');
    mkdirSync(debs, { recursive: true });
    let r = await repoCli(['repo', 'create', repo, '--by-hash-keep', '1']);
    assert.equal(r.code, 0, r.err);
    const byHash = path.join(repo, 'dists/stable/main/binary-amd64/by-hash/SHA256');
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await makeDeb(debs, { name: `keep-${i}`, version: '1' });
      r = await repoCli(['repo', 'add', repo, d]);
      assert.equal(r.code, 0, r.err);
      counts.push(readdirSync(byHash).length);
    }
    // Three files (Packages, .gz, .xz) per generation: the current one plus one kept.
    assert.deepEqual(counts, [6, 6, 6, 6]);
  });
});
