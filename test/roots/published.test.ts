/**
 * The records of root-built packages (src/recipes/published.ts): what the
 * release step reads back stays inside the images folder whatever a record
 * says, and only the project's packages count.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { recordArtifacts, recordedArtifacts } from '../../src/recipes/published.ts';

describe('recipe records', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'releng-published-'));
  const build = path.join(dir, 'build');
  const images = path.join(dir, 'images');
  mkdirSync(images, { recursive: true });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('round trip: recorded files come back as paths in the images folder', async () => {
    writeFileSync(path.join(images, 'a_1.0_all.deb'), 'deb');
    writeFileSync(path.join(images, 'b-1-1.noarch.rpm'), 'rpm');
    await recordArtifacts(build, images, 'a', [path.join(images, 'a_1.0_all.deb')]);
    await recordArtifacts(build, images, 'b', [path.join(images, 'b-1-1.noarch.rpm')]);
    const got = await recordedArtifacts(build, images, ['a', 'b']);
    assert.deepEqual(got.files, [
      path.join(images, 'a_1.0_all.deb'),
      path.join(images, 'b-1-1.noarch.rpm'),
    ]);
    assert.deepEqual(got.missing, []);
    // No temporary file stays beside the records.
    assert.deepEqual(readdirSync(path.join(build, '.releng-recipes')).sort(), ['a.json', 'b.json']);
    // A package no longer in the project publishes nothing.
    assert.deepEqual((await recordedArtifacts(build, images, ['b'])).files, [
      path.join(images, 'b-1-1.noarch.rpm'),
    ]);
  });

  test('a file outside the images folder is refused when recording', async () => {
    await assert.rejects(
      recordArtifacts(build, images, 'c', [path.join(dir, 'elsewhere.deb')]),
      /recipe output .*elsewhere\.deb is not a file of/,
    );
  });

  test('a record naming paths outside, symlinks or vanished files gives none of them', async () => {
    writeFileSync(path.join(dir, 'secret.deb'), 'x');
    symlinkSync(path.join(dir, 'secret.deb'), path.join(images, 'link.deb'));
    writeFileSync(
      path.join(build, '.releng-recipes', 'evil.json'),
      JSON.stringify({ files: ['../secret.deb', '/etc/passwd', 'link.deb', 'gone.deb', 42] }),
    );
    writeFileSync(path.join(build, '.releng-recipes', 'broken.json'), '{');
    const got = await recordedArtifacts(build, images, ['evil', 'broken']);
    assert.deepEqual(got.files, []);
    assert.deepEqual(got.missing, ['link.deb', 'gone.deb']);
  });
});
