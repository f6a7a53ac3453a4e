/**
 * Reproducible YUM repositories: with SOURCE_DATE_EPOCH, repomd.xml's
 * revision and timestamps and the repomd.xml.asc signature time come from
 * it, and the signature is deterministic, so two publishes of the same rpm
 * files with the same key give the same bytes; dnf still accepts the
 * repository. Without SOURCE_DATE_EPOCH the time is now.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoCli } from '../helpers.ts';
import { buildPackages, description, have, isRoot, run, SDE, tempDir } from '../pkgsign/helpers.ts';
import { assertSameTree } from '../same-tree.ts';
import { datedKeyFile } from '../signing/dated-key.ts';
import { dnfInstall } from './helpers.ts';

/** Signature creation times (seconds) in an armored signature file. */
function signatureTimes(file: string): number[] {
  const out = run('gpg', ['--batch', '--list-packets', file]).stdout;
  return [...out.matchAll(/version \d+, created (\d+), md5len/g)].map((m) => Number(m[1]));
}

describe('reproducible YUM repositories (SOURCE_DATE_EPOCH)', () => {
  const work = tempDir('releng-yum-repro-');
  let rpms: string[];
  let key: Awaited<ReturnType<typeof datedKeyFile>>;
  const env = { SOURCE_DATE_EPOCH: String(SDE) };

  before(async () => {
    rpms = await buildPackages('rpm', path.join(work, 'rpms'), [
      description('relalpha'),
      description('relbeta', { version: '2.0' }),
    ]);
    key = await datedKeyFile(work, 'ed25519');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  async function publish(dir: string, e: NodeJS.ProcessEnv): Promise<void> {
    let r = await repoCli(['repo', 'create', dir, '--type', 'yum', '--key', key.keyFile], e);
    assert.equal(r.code, 0, r.err);
    r = await repoCli(['repo', 'add', dir, ...rpms, '--key', key.keyFile], e);
    assert.equal(r.code, 0, r.err);
  }

  test('two publishes into two folders give the same bytes; revision, timestamps and signature are SOURCE_DATE_EPOCH', async () => {
    const [a, b] = ['a', 'b'].map((x) => path.join(work, x)) as [string, string];
    await publish(a, env);
    await publish(b, env);
    assertSameTree(a, b);
    const repomd = readFileSync(path.join(a, 'repodata/repomd.xml'), 'utf8');
    // create published once (revision SDE), add once more: kept increasing.
    assert.match(repomd, new RegExp(`<revision>${SDE + 1}</revision>`));
    const stamps = [...repomd.matchAll(/<timestamp>(\d+)<\/timestamp>/g)].map((m) => m[1]);
    assert.ok(stamps.length >= 3);
    for (const s of stamps) assert.equal(s, String(SDE + 1));
    assert.deepEqual(signatureTimes(path.join(a, 'repodata/repomd.xml.asc')), [SDE]);
    assert.doesNotMatch(
      run('gpg', ['--batch', '--list-packets', path.join(a, 'repodata/repomd.xml.asc')]).stdout,
      /salt@notations/,
    );
  });

  test('dnf accepts the repository (repo_gpgcheck=1)', {
    skip: (!have('dnf') || !isRoot) && 'dnf and root are needed',
  }, async () => {
    const r = await dnfInstall(`file://${path.join(work, 'a')}`, ['relbeta'], {
      key: key.publicKey,
      gpgcheck: false,
    });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /relbeta-2\.0-1\.noarch/);
  });

  test('without SOURCE_DATE_EPOCH: the revision is now, and the signatures are salted', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    delete process.env.SOURCE_DATE_EPOCH;
    try {
      const t0 = Math.floor(Date.now() / 1000);
      const [a, b] = ['now-a', 'now-b'].map((x) => path.join(work, x)) as [string, string];
      await publish(a, {});
      await publish(b, {});
      const revision = Number(
        /<revision>(\d+)<\/revision>/.exec(
          readFileSync(path.join(a, 'repodata/repomd.xml'), 'utf8'),
        )![1],
      );
      assert.ok(revision >= t0 && revision < t0 + 60, String(revision));
      const asc = path.join(a, 'repodata/repomd.xml.asc');
      assert.match(run('gpg', ['--batch', '--list-packets', asc]).stdout, /salt@notations/);
      assert.notEqual(
        readFileSync(asc, 'utf8'),
        readFileSync(path.join(b, 'repodata/repomd.xml.asc'), 'utf8'),
      );
    } finally {
      if (saved !== undefined) process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});
