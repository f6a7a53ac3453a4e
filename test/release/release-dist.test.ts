/**
 * The release folder: artifacts, the generic sources bundle (tar.gz, zip,
 * tar.bz2), SBOM, SHA256SUMS signed with a releng key, the provenance
 * statement; the directory upload; the same bytes when made again.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { releng } from '../helpers.ts';
import { git, releaseRepo } from './fixture.ts';

const SCHEMA = fileURLToPath(
  new URL('../fixtures/release/slsa-provenance-v1.schema.json', import.meta.url),
);

async function provenanceValidator() {
  const { default: Ajv } = await import('ajv');
  const { default: addFormats } = await import('ajv-formats');
  const ajv = new (Ajv as unknown as typeof import('ajv').default)({
    strict: false,
    allErrors: true,
  });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
}

const FILES: Record<string, string> = {
  '.gitignore': 'output/\ndl/\ncache/\n',
  'releng.config.ts': `import { defineProject } from 'releng';
export default defineProject({
  packages: ['foo'],
  release: {
    name: 'demo',
    files: [{ path: 'package.json' }],
    artifacts: ['output/images/*.txt'],
    bundles: [{ type: 'sources', formats: ['tar.gz', 'zip', 'tar.bz2'] }],
    uploads: [{ type: 'directory' }],
  },
});
`,
  'package/foo/foo.ts': `import { definePackage } from 'releng';
export default definePackage({ version: '1.0', site: 'https://example.invalid/foo-1.0.tar.gz', license: 'MIT' });
`,
  'package.json': '{ "name": "demo", "version": "1.2.3" }\n',
  'run.sh': '#!/bin/sh\necho hi\n',
};

const hasGpg = spawnSync('gpg', ['--version']).status === 0;

test('the release folder: bundles, SHA256SUMS and its signature, SBOM, provenance; uploaded to RELEASE_DIR; the same bytes again', {
  skip: !hasGpg && 'gpg is not installed',
}, async () => {
  const { root, env, home } = await releaseRepo(FILES);
  execFileSync('chmod', ['+x', join(root, 'run.sh')]);
  git(root, env, 'add', 'run.sh');
  git(root, env, 'commit', '-q', '-m', 'fix: run.sh is executable');
  mkdirSync(join(root, 'dl'));
  writeFileSync(join(root, 'dl', 'foo-1.0.tar.gz'), 'not really a tarball\n');
  mkdirSync(join(root, 'cache', 'foo'), { recursive: true });
  writeFileSync(join(root, 'cache', 'foo', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(root, 'output', 'images'), { recursive: true });
  writeFileSync(join(root, 'output', 'images', 'demo-notes.txt'), 'built by the project\n');
  const key = join(home, 'release.key');
  const pub = join(home, 'release.pub');
  assert.equal(
    (
      await releng(
        [
          'key',
          'generate',
          '--name',
          'Rel Eng',
          '--email',
          'releng@example.invalid',
          '--out',
          key,
          '--public-out',
          pub,
        ],
        { env },
      )
    ).code,
    0,
  );
  const releaseDir = mkdtempSync(join(tmpdir(), 'releng-release-dir-'));
  const renv = { ...env, RELEASE_DIR: releaseDir };

  const r = await releng(['release', 'apply', '--key', key], { cwd: root, env: renv });
  assert.equal(r.code, 0, r.stderr);
  const dist = join(root, 'output', 'release', '1.3.0');
  const names = readdirSync(dist).sort();
  assert.deepEqual(names, [
    'SHA256SUMS',
    'SHA256SUMS.asc',
    'demo-1.3.0-sources.tar.bz2',
    'demo-1.3.0-sources.tar.gz',
    'demo-1.3.0-sources.zip',
    'demo-1.3.0.provenance.json',
    'demo-1.3.0.spdx.json',
    'demo-notes.txt',
  ]);
  // sha256sum -c and gpg --verify, as a user checks a download.
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.equal(check.stdout.trim().split('\n').length, 6);
  const gnupg = join(home, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const genv = { ...process.env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['--batch', '--import', pub], { env: genv, stdio: 'ignore' });
  const verify = spawnSync('gpg', ['--batch', '--verify', 'SHA256SUMS.asc', 'SHA256SUMS'], {
    cwd: dist,
    env: genv,
    encoding: 'utf8',
  });
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stderr, /Good signature from "Rel Eng <releng@example\.invalid>"/);

  // Provenance: valid against the in-toto/SLSA schema; subjects are SHA256SUMS; sources and dl/ are dependencies.
  const statement = JSON.parse(readFileSync(join(dist, 'demo-1.3.0.provenance.json'), 'utf8'));
  const validate = await provenanceValidator();
  const valid: boolean = validate(statement);
  assert.ok(valid, JSON.stringify(validate.errors));
  const sums = readFileSync(join(dist, 'SHA256SUMS'), 'utf8');
  for (const s of statement.subject)
    assert.ok(sums.includes(`${s.digest.sha256}  ${s.name}\n`), s.name);
  assert.equal(statement.subject.length, 5);
  assert.match(sums, / {2}demo-1\.3\.0\.provenance\.json\n/);
  const deps = statement.predicate.buildDefinition.resolvedDependencies;
  assert.equal(deps[0].digest.gitCommit, git(root, env, 'rev-parse', 'v1.3.0^{commit}').trim());
  const dl = deps.find((d: { name?: string }) => d.name === 'dl/foo-1.0.tar.gz');
  assert.equal(dl?.uri, 'https://example.invalid/foo-1.0.tar.gz');
  assert.equal(
    dl?.digest.sha256,
    execFileSync('sha256sum', [join(root, 'dl', 'foo-1.0.tar.gz')], { encoding: 'utf8' }).split(
      ' ',
    )[0],
  );
  // A broken statement fails the schema (the check can fail).
  assert.equal(validate({ ...statement, subject: [] }), false);
  // SBOM: the project's package with its source hash, and the artifacts.
  const sbom = JSON.parse(readFileSync(join(dist, 'demo-1.3.0.spdx.json'), 'utf8'));
  assert.equal(sbom.spdxVersion, 'SPDX-2.3');
  assert.ok(
    sbom.packages.some(
      (p: { name: string; checksums?: unknown[] }) => p.name === 'foo' && p.checksums?.length === 1,
    ),
  );
  assert.ok(sbom.packages.some((p: { name: string }) => p.name === 'demo-1.3.0-sources.tar.gz'));

  // The sources bundle: committed tree (modes kept), dl/ and cache/ with hashes that check.
  const x = mkdtempSync(join(tmpdir(), 'releng-bundle-'));
  execFileSync('tar', ['-xzf', join(dist, 'demo-1.3.0-sources.tar.gz'), '-C', x]);
  const top = join(x, 'demo-1.3.0-sources');
  assert.equal(
    readFileSync(join(top, 'src', 'package.json'), 'utf8'),
    '{ "name": "demo", "version": "1.3.0" }\n',
  );
  assert.equal(spawnSync('test', ['-x', join(top, 'src', 'run.sh')]).status, 0);
  assert.equal(spawnSync('sha256sum', ['-c', 'SOURCES.sha256'], { cwd: top }).status, 0);
  assert.match(readFileSync(join(top, 'SOURCES.sha256'), 'utf8'), / {2}cache\/foo\/HEAD\n/);
  assert.equal(spawnSync('bzip2', ['-t', join(dist, 'demo-1.3.0-sources.tar.bz2')]).status, 0);
  if (spawnSync('unzip', ['-v']).status === 0) {
    const list = execFileSync('unzip', ['-Z1', join(dist, 'demo-1.3.0-sources.zip')], {
      encoding: 'utf8',
    });
    assert.match(list, /^demo-1\.3\.0-sources\/dl\/foo-1\.0\.tar\.gz$/m);
  }
  rmSync(x, { recursive: true, force: true });

  // Uploaded to RELEASE_DIR, checksums hold there; a re-upload sends nothing; a changed file is never replaced.
  const up = join(releaseDir, '1.3.0');
  assert.equal(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: up }).status, 0);
  const again = await releng(['release', 'upload', '--json'], { cwd: root, env: renv });
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout.trim().split('\n').pop() as string);
  assert.deepEqual(report.uploads[0].uploaded, []);
  assert.equal(report.uploads[0].unchanged.length, 8);
  writeFileSync(join(up, 'demo-notes.txt'), 'tampered\n');
  const tampered = await releng(['release', 'upload'], { cwd: root, env: renv });
  assert.equal(tampered.code, 1);
  assert.match(tampered.stderr, /exists with other content/);

  // Made again from the tag: the same bytes, SHA256SUMS.asc too (dated the
  // release time, no random salt).
  const before = Object.fromEntries(names.map((n) => [n, readFileSync(join(dist, n))]));
  assert.ok('SHA256SUMS.asc' in before);
  rmSync(dist, { recursive: true });
  const remade = await releng(['release', 'dist', '--key', key], { cwd: root, env: renv });
  assert.equal(remade.code, 0, remade.stderr);
  for (const [n, bytes] of Object.entries(before))
    assert.ok(bytes.equals(readFileSync(join(dist, n))), `${n} differs`);
  rmSync(releaseDir, { recursive: true, force: true });
});

for (const point of ['release-dist-before-rename', 'release-after-dist']) {
  test(`killed at ${point}: the re-run finishes the release folder and the upload`, async () => {
    const files: Record<string, string> = {
      ...FILES,
      'releng.config.ts': FILES['releng.config.ts']?.replace(
        "packages: ['foo']",
        'packages: []',
      ) as string,
    };
    delete files['package/foo/foo.ts'];
    const { root, env } = await releaseRepo(files);
    mkdirSync(join(root, 'output', 'images'), { recursive: true });
    writeFileSync(join(root, 'output', 'images', 'demo-notes.txt'), 'built by the project\n');
    const releaseDir = mkdtempSync(join(tmpdir(), 'releng-release-dir-'));
    const renv = { ...env, RELEASE_DIR: releaseDir };
    const killed = await releng(['release', 'apply'], {
      cwd: root,
      env: { ...renv, RELENG_TEST_KILL_AT: point },
    });
    assert.equal(killed.code, null, killed.stderr);
    const again = await releng(['release', 'apply'], { cwd: root, env: renv });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(join(root, 'output', 'release')), ['1.3.0']);
    assert.equal(
      spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(releaseDir, '1.3.0') }).status,
      0,
    );
    assert.equal(git(root, env, 'status', '--porcelain'), '');
    rmSync(releaseDir, { recursive: true, force: true });
  });
}
