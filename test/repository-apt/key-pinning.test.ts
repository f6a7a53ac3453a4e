/**
 * Signing-key pinning and rotation, checked by real clients: a repository
 * refuses another key (CLI and project builds), a rotation signs with both
 * keys so that apt (gpgv) and dnf clients pinned to the old key keep
 * working, and retiring the old key leaves only the new one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyClearsigned } from '../../src/repository/signing/index.ts';
import { makeProject, nativePackage, releng, removeProject, repoCli } from '../helpers.ts';
import { buildPackages, description, run } from '../pkgsign/helpers.ts';
import { dnfInstall } from '../repository-yum/helpers.ts';
import { aptSandbox, have, makeDeb, tempDir } from './helpers.ts';

/** Every file under `dir` (but the lock) → SHA-256 and mtime. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (r !== '.releng-repo/lock') {
        const abs = path.join(dir, r);
        out[r] =
          `${createHash('sha256').update(readFileSync(abs)).digest('hex')} ${statSync(abs).mtimeMs}`;
      }
    }
  };
  walk('');
  return out;
}

const spaced = (f: string): string => f.replace(/(.{4})(?=.)/g, '$1 ');

const work = tempDir('releng-pin-');
const keys: Record<string, { key: string; asc: string; gpg: string; fpr: string }> = {};
after(() => rmSync(work, { recursive: true, force: true }));
before(async () => {
  for (const name of ['old', 'new', 'other']) {
    const key = path.join(work, 'keys', `${name}.key`);
    const asc = path.join(work, `${name}.asc`);
    const gpg = path.join(work, `${name}.gpg`);
    const r = await repoCli([
      'key',
      'generate',
      '--name',
      `Pin ${name}`,
      '--email',
      `${name}@example.org`,
      '--out',
      key,
      '--public-out',
      asc,
    ]);
    assert.equal(r.code, 0, r.err);
    const b = await repoCli(['key', 'export', '--key', key, '--binary', '--out', gpg]);
    assert.equal(b.code, 0, b.err);
    keys[name] = { key, asc, gpg, fpr: /key ([0-9A-F]{40})/.exec(r.out)![1]! };
  }
});

/**
 * Whether gpgv finds a valid signature by `name`'s key (VALIDSIG, as apt's
 * gpgv method reads it: a signature by a key the client lacks is ignored,
 * though gpgv then exits 2).
 */
const validBy = (name: string, ...files: string[]): boolean => {
  const r = run('gpgv', ['--status-fd', '1', '--keyring', keys[name]!.gpg, ...files]);
  return r.stdout.includes(`[GNUPG:] VALIDSIG ${keys[name]!.fpr}`);
};

describe('APT: pinned signing keys and rotation', {
  skip: !have('apt-get') || !have('gpgv') ? 'apt-get and gpgv are needed' : false,
}, () => {
  const repo = path.join(work, 'apt');
  const debs = path.join(work, 'debs');
  const inRelease = path.join(repo, 'dists/stable/InRelease');
  const client = (name: 'old' | 'new') => {
    const sb = aptSandbox('amd64', work);
    sb.sources(`deb [signed-by=${keys[name]!.asc}] file://${repo} stable main`);
    return sb;
  };

  test('another key is refused, naming the repository, both keys and how to rotate', async () => {
    const a = await makeDeb(debs, { name: 'pin-a', version: '1' });
    let r = await repoCli(['repo', 'create', repo, '--key', keys.old!.key]);
    assert.equal(r.code, 0, r.err);
    r = await repoCli(['repo', 'add', repo, a, '--key', keys.old!.key]);
    assert.equal(r.code, 0, r.err);
    const config = JSON.parse(readFileSync(path.join(repo, '.releng-repo/config.json'), 'utf8'));
    assert.deepEqual(config.signingKeys, [keys.old!.fpr]);

    const before = snapshot(repo);
    const b = await makeDeb(debs, { name: 'pin-b', version: '1' });
    r = await repoCli(['repo', 'add', repo, b, '--key', keys.other!.key]);
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.err,
      new RegExp(`APT repository '${repo}' is signed by ${spaced(keys.old!.fpr)}`),
    );
    assert.ok(r.err.includes(spaced(keys.other!.fpr)), r.err);
    assert.match(r.err, /releng repo rotate-key/);
    for (const cmd of [
      ['remove', repo, 'pin-a'],
      ['index', repo],
      ['sign', repo],
    ]) {
      const x = await repoCli(['repo', ...cmd, '--key', keys.other!.key]);
      assert.equal(x.code, 1, `${cmd[0]}: ${x.out}`);
      assert.match(x.err, /refusing to publish/);
    }
    assert.deepEqual(snapshot(repo), before, 'nothing written');

    // A repository signed before pins were recorded: the key of its InRelease counts.
    delete config.signingKeys;
    writeFileSync(path.join(repo, '.releng-repo/config.json'), JSON.stringify(config));
    r = await repoCli(['repo', 'add', repo, b, '--key', keys.other!.key]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /refusing to sign it with another key/);
    r = await repoCli(['repo', 'add', repo, b, '--key', keys.old!.key]);
    assert.equal(r.code, 0, r.err);
    const again = JSON.parse(readFileSync(path.join(repo, '.releng-repo/config.json'), 'utf8'));
    assert.deepEqual(again.signingKeys, [keys.old!.fpr], 'pinned again');
  });

  test('rotation: both signatures; clients pinned to either key work, then the old key retires', async () => {
    const oldClient = client('old');
    let u = await oldClient.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);

    let r = await repoCli([
      'repo',
      'rotate-key',
      repo,
      '--key',
      keys.old!.key,
      '--new-key',
      keys.new!.key,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /rotation started/);
    // gpgv accepts the InRelease and Release.gpg with either key alone.
    const dist = path.dirname(inRelease);
    for (const k of ['old', 'new']) {
      assert.ok(validBy(k, inRelease), k);
      assert.ok(validBy(k, `${dist}/Release.gpg`, `${dist}/Release`), k);
    }
    for (const k of ['old', 'new']) {
      const v = await verifyClearsigned({
        text: readFileSync(inRelease, 'utf8'),
        publicKey: readFileSync(keys[k]!.asc, 'utf8'),
      });
      assert.equal(v.fingerprint, keys[k]!.fpr);
    }

    // During the transition every publish needs both keys.
    const c = await makeDeb(debs, { name: 'pin-c', version: '1' });
    r = await repoCli(['repo', 'add', repo, c, '--key', keys.old!.key]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /a key rotation is in progress/);
    r = await repoCli(['repo', 'add', repo, c, '--key', keys.old!.key, '--key', keys.new!.key]);
    assert.equal(r.code, 0, r.err);

    // A client pinned to the old key keeps working through the transition, and so does a new one.
    u = await oldClient.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    let inst = await oldClient.install(['pin-c']);
    assert.equal(inst.code, 0, inst.stdout + inst.stderr);
    const newClient = client('new');
    u = await newClient.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);

    r = await repoCli(['repo', 'retire-key', repo, keys.old!.fpr, '--key', keys.new!.key]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /retired/);
    assert.ok(validBy('new', inRelease));
    assert.ok(!validBy('old', inRelease), 'no longer signed by the old key');
    const config = JSON.parse(readFileSync(path.join(repo, '.releng-repo/config.json'), 'utf8'));
    assert.deepEqual(config.signingKeys, [keys.new!.fpr]);
    r = await repoCli(['repo', 'add', repo, c, '--key', keys.old!.key]);
    assert.equal(r.code, 1, 'the retired key is refused');
    const d = await makeDeb(debs, { name: 'pin-d', version: '1' });
    r = await repoCli(['repo', 'add', repo, d, '--key', keys.new!.key]);
    assert.equal(r.code, 0, r.err);
    u = await newClient.aptGet(['update']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    inst = await newClient.install(['pin-d']);
    assert.equal(inst.code, 0, inst.stdout + inst.stderr);
  });
});

describe('YUM: pinned signing keys and rotation', {
  skip: !have('dnf') ? 'dnf is needed' : false,
}, () => {
  const repo = path.join(work, 'yum');
  let rpms: string[];
  before(async () => {
    rpms = await buildPackages('rpm', path.join(work, 'rpms'), [
      description('pin-one'),
      description('pin-two'),
      description('pin-three'),
    ]);
  });

  test('another key is refused; dnf pinned to the old key works through a rotation', async () => {
    let r = await repoCli(['repo', 'create', repo, '--type', 'yum', '--key', keys.old!.key]);
    assert.equal(r.code, 0, r.err);
    r = await repoCli(['repo', 'add', repo, rpms[0]!, '--key', keys.old!.key]);
    assert.equal(r.code, 0, r.err);
    const before = snapshot(repo);
    r = await repoCli(['repo', 'add', repo, rpms[1]!, '--key', keys.other!.key]);
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.err,
      new RegExp(`YUM repository '${repo}' is signed by ${spaced(keys.old!.fpr)}`),
    );
    assert.match(r.err, /rotate-key/);
    assert.deepEqual(snapshot(repo), before);

    r = await repoCli([
      'repo',
      'rotate-key',
      repo,
      '--key',
      keys.old!.key,
      '--new-key',
      keys.new!.key,
    ]);
    assert.equal(r.code, 0, r.err);
    r = await repoCli([
      'repo',
      'add',
      repo,
      rpms[1]!,
      '--key',
      keys.old!.key,
      '--key',
      keys.new!.key,
    ]);
    assert.equal(r.code, 0, r.err);
    for (const k of ['old', 'new']) {
      assert.ok(validBy(k, `${repo}/repodata/repomd.xml.asc`, `${repo}/repodata/repomd.xml`), k);
      const d = await dnfInstall(`file://${repo}`, ['pin-two'], {
        key: keys[k]!.asc,
        gpgcheck: false,
      });
      assert.equal(d.code, 0, `${k}: ${d.output}`);
    }

    r = await repoCli([
      'repo',
      'retire-key',
      repo,
      keys.old!.fpr.slice(-16),
      '--key',
      keys.new!.key,
    ]);
    assert.equal(r.code, 0, r.err);
    r = await repoCli(['repo', 'add', repo, rpms[2]!, '--key', keys.new!.key]);
    assert.equal(r.code, 0, r.err);
    const d = await dnfInstall(`file://${repo}`, ['pin-three'], {
      key: keys.new!.asc,
      gpgcheck: false,
    });
    assert.equal(d.code, 0, d.output);
    const old = await dnfInstall(`file://${repo}`, ['pin-three'], {
      key: keys.old!.asc,
      gpgcheck: false,
    });
    assert.notEqual(old.code, 0, 'a client of the retired key no longer trusts the repository');
  });
});

describe('a project build publishes only with the pinned key', () => {
  let root: string;
  after(async () => {
    if (root) await removeProject(root);
  });

  test('changing signingKey in the project is refused with the same message', async () => {
    const config = (keyFile: string) => `export default {
        packages: ['tool'],
        outputs: [{
          name: 'tool', version: '1.0.0', architecture: 'all', maintainer: 'T <t@example.org>',
          summary: 'a tool', description: 'A tool for the pinning test.', license: 'MIT',
          formats: ['deb', 'rpm'],
          contents: [{ src: 'usr/bin/tool', dst: '/usr/bin/tool', mode: 0o755 }],
        }],
        repositories: [
          { type: 'apt', dir: 'repo/apt', signingKey: ${JSON.stringify(keyFile)} },
          { type: 'yum', dir: 'repo/yum', signingKey: ${JSON.stringify(keyFile)} },
        ],
      };\n`;
    root = await makeProject({
      'releng.config.ts': config(keys.old!.key),
      'package/tool/tool.ts': nativePackage(`{
        async install(ctx) {
          const fs = await import('node:fs');
          fs.mkdirSync(ctx.dirs.target + '/usr/bin', { recursive: true });
          fs.writeFileSync(ctx.dirs.target + '/usr/bin/tool', '#!/bin/sh\\necho tool\\n', { mode: 0o755 });
        },
      }`),
    });
    let r = await releng(['-R', root], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(path.join(root, 'releng.config.ts'), config(keys.other!.key));
    r = await releng(['-R', root, '--no-cache'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /APT repository '.*repo\/apt' is signed by/);
    assert.ok(r.stderr.includes(spaced(keys.other!.fpr)), r.stderr);
    assert.match(r.stderr, /rotate-key/);
  });
});
