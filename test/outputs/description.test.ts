/** Description validation, templates, and errors on bad input. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { expandDescription, resolveArchitecture } from '../../src/outputs/description.ts';
import { OutputError, writeOutputs } from '../../src/outputs/index.ts';
import { HELLO, tempDir } from './helpers.ts';

const base = {
  name: 'demo',
  version: '1.0',
  summary: 'Demo package',
  maintainer: 'A B <a@example.org>',
  license: 'MIT',
};

async function fails(
  desc: Record<string, unknown>,
  match: { field: string; message: RegExp; rule?: RegExp },
) {
  const images = tempDir();
  const src = tempDir();
  writeFileSync(path.join(src, 'a.txt'), 'a\n');
  await assert.rejects(
    writeOutputs(desc, { sourceDir: src, imagesDir: images, sourceDateEpoch: 1714564800 }),
    (err: unknown) => {
      assert.ok(err instanceof OutputError, String(err));
      assert.equal(err.field, match.field, err.message);
      assert.match(err.message, match.message);
      if (match.rule) assert.match(err.rule ?? '', match.rule);
      return true;
    },
  );
  assert.deepEqual(readdirSync(images), [], 'nothing is left in the images directory');
}

describe('description validation', () => {
  test('unknown keys get a did-you-mean', async () => {
    await fails(
      { ...base, format: 'deb', maintaner: 'x' },
      { field: 'maintaner', message: /did you mean 'maintainer'/ },
    );
    await fails(
      { ...base, format: 'deb', contents: [{ src: 'a.txt', dest: '/x' }] },
      { field: 'contents[0].dest', message: /did you mean 'dst'/ },
    );
  });

  test('unknown format and architecture', async () => {
    await fails({ ...base, format: 'debb' }, { field: 'format', message: /did you mean 'deb'/ });
    await fails(
      { ...base, format: 'rpm', architecture: 'amd46' },
      { field: 'architecture', message: /unknown architecture 'amd46'.*did you mean 'amd64'/ },
    );
  });

  test('names and versions forbidden by Debian or RPM cite the rule', async () => {
    await fails(
      { ...base, name: 'Demo_Pkg', format: 'deb' },
      { field: 'name', message: /not a valid Debian package name/, rule: /Debian Policy 5\.6\.1/ },
    );
    await fails(
      { ...base, version: 'v1.0', format: 'deb' },
      { field: 'version', message: /must start with a digit/, rule: /Policy 5\.6\.12/ },
    );
    await fails(
      { ...base, version: '1.0-beta', format: 'rpm' },
      { field: 'version', message: /no '-'/, rule: /rpmbuild/ },
    );
    await fails(
      { ...base, name: 'bad name', format: 'rpm' },
      { field: 'name', message: /not a valid RPM name/ },
    );
  });

  test('missing source, missing script, duplicate mappings', async () => {
    await fails(
      { ...base, format: 'deb', contents: [{ src: 'nope.txt', dst: '/usr/share/demo/x' }] },
      { field: 'contents[0].src', message: /does not exist/ },
    );
    await fails(
      { ...base, format: 'rpm', scripts: { postInstall: 'missing.sh' } },
      { field: 'scripts.postInstall', message: /script file 'missing.sh' does not exist/ },
    );
    await fails(
      {
        ...base,
        format: 'deb',
        contents: [
          { src: 'a.txt', dst: '/usr/share/demo/a' },
          { content: 'x', dst: '/usr/share/demo/a' },
        ],
      },
      { field: 'contents[1]', message: /already provided by contents\[0\]/ },
    );
    await fails(
      { ...base, format: 'deb', contents: [{ src: '*.nothing', dst: '/x/' }] },
      { field: 'contents[0].src', message: /matches nothing/ },
    );
  });

  test('errors name the output; a later bad output stops all writes', async () => {
    await fails(
      { ...base, outputs: [{ format: 'tar.gz' }, { format: 'deb', maintainer: undefined }] },
      { field: 'maintainer', message: /required for deb/ },
    );
    try {
      await writeOutputs(
        { ...base, format: 'deb', release: 'a-b' },
        { sourceDir: HELLO, imagesDir: tempDir() },
      );
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof OutputError);
      assert.equal(err.output, 'demo (deb)');
      assert.match(err.message, /^demo \(deb\): release: /);
    }
  });

  test('template errors name the field', async () => {
    await fails(
      { ...base, format: 'tar.gz', summary: '{{ nope }}' },
      { field: 'summary', message: /template error/ },
    );
  });

  test('a bad compression level is rejected before writing', async () => {
    await fails(
      { ...base, format: 'zip', compressionLevel: 99 },
      { field: 'compressionLevel', message: /out of range/ },
    );
  });

  test('a writer failure midway leaves no partial file', async () => {
    const src = tempDir();
    mkdirSync(path.join(src, 'd'));
    writeFileSync(path.join(src, 'd/x'), 'x'.repeat(100000));
    const images = tempDir();
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent'; // xz cannot be found: the deb writer fails after starting
    try {
      await assert.rejects(
        writeOutputs(
          {
            ...base,
            outputs: [{ format: 'tar.gz' }, { format: 'deb' }],
            contents: [{ src: 'd', dst: '/opt/d' }],
          },
          { sourceDir: src, imagesDir: images },
        ),
        /xz/,
      );
    } finally {
      process.env.PATH = savedPath;
    }
    assert.deepEqual(
      readdirSync(images),
      ['demo-1.0.tar.gz'],
      'only the completed output is there',
    );
  });

  test('expansion merges top-level fields with per-output overrides', () => {
    const outs = expandDescription({
      ...base,
      deb: { distribution: 'stable' },
      outputs: [
        { format: 'deb', deb: { urgency: 'low' } },
        { format: 'rpm', depends: ['x'] },
      ],
    });
    assert.equal(outs.length, 2);
    assert.deepEqual(outs[0]!.deb, { distribution: 'stable', urgency: 'low' });
    assert.deepEqual(outs[1]!.depends, ['x']);
  });

  test('architectures map between vocabularies', () => {
    assert.deepEqual(resolveArchitecture('x', 'x86_64'), { deb: 'amd64', rpm: 'x86_64' });
    assert.deepEqual(resolveArchitecture('x', 'arm64'), { deb: 'arm64', rpm: 'aarch64' });
    assert.deepEqual(resolveArchitecture('x', 'noarch'), { deb: 'all', rpm: 'noarch' });
    assert.deepEqual(resolveArchitecture('x', 'ppc64el'), { deb: 'ppc64el', rpm: 'ppc64le' });
  });
});
