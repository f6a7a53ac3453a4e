/**
 * The Python offline bundle: the project's sdist and every dependency as a
 * wheel, installed by its install.sh into an empty venv with the network
 * off (a network namespace of its own), and the same bytes when made again.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { releng } from '../helpers.ts';
import { releaseRepo } from './fixture.ts';

const PYTHON = process.env.RELENG_TEST_PYTHON ?? '/usr/bin/python3';
const usable =
  spawnSync(PYTHON, ['-c', 'import setuptools, wheel, build, venv, ensurepip, pip']).status === 0;
const netns = spawnSync('unshare', ['-n', 'true']).status === 0;

test('python bundle: sdist + dependency wheels install offline into an empty venv; same bytes again', {
  skip:
    !usable &&
    `${PYTHON} lacks build/pip/setuptools/wheel/venv (python3-build python3-pip python3-wheel python3-venv)`,
}, async () => {
  // A dependency, built into a wheelhouse by the test (no index anywhere).
  const work = mkdtempSync(join(tmpdir(), 'releng-py-'));
  const dep = join(work, 'tinydep');
  mkdirSync(join(dep, 'tinydep'), { recursive: true });
  writeFileSync(
    join(dep, 'pyproject.toml'),
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "tinydep"\nversion = "0.4.0"\n',
  );
  writeFileSync(join(dep, 'tinydep', '__init__.py'), 'ANSWER = 42\n');
  const wheelhouse = join(work, 'wheelhouse');
  execFileSync(
    PYTHON,
    [
      '-m',
      'pip',
      'wheel',
      '-q',
      '--no-index',
      '--no-build-isolation',
      '--no-deps',
      '-w',
      wheelhouse,
      dep,
    ],
    { stdio: 'ignore' },
  );

  const { root, env } = await releaseRepo({
    'releng.config.ts': `export default { packages: [], release: {
  name: 'demo',
  files: [{ path: 'pyproject.toml' }, { path: 'demo_app/__init__.py', search: '__version__ = "{version}"' }],
  bundles: [{ type: 'python', python: ${JSON.stringify(PYTHON)}, findLinks: [${JSON.stringify(wheelhouse)}], platforms: [{ name: 'linux' }], formats: ['tar.bz2', 'zip'] }],
} };\n`,
    'pyproject.toml':
      '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "demo-app"\nversion = "1.2.3"\ndependencies = ["tinydep>=0.4"]\n\n[tool.setuptools]\npackages = ["demo_app"]\n',
    'demo_app/__init__.py': '__version__ = "1.2.3"\n',
  });
  const r = await releng(['release', 'apply'], { cwd: root, env });
  assert.equal(r.code, 0, r.stderr);
  const dist = join(root, 'output', 'release', '1.3.0');
  const names = readdirSync(dist).sort();
  for (const n of [
    'demo-1.3.0-linux.tar.bz2',
    'demo-1.3.0-linux.zip',
    'demo-app-1.3.0.tar.gz',
    'demo_app-1.3.0-py3-none-any.whl',
  ])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.equal(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist }).status, 0);

  const x = join(work, 'x');
  mkdirSync(x);
  execFileSync('tar', ['-xjf', join(dist, 'demo-1.3.0-linux.tar.bz2'), '-C', x]);
  const top = join(x, 'demo-1.3.0-linux');
  assert.deepEqual(readdirSync(join(top, 'wheels')).sort(), [
    'demo_app-1.3.0-py3-none-any.whl',
    'tinydep-0.4.0-py3-none-any.whl',
  ]);
  assert.deepEqual(readdirSync(join(top, 'sdist')), ['demo-app-1.3.0.tar.gz']);
  // An empty venv (pip from Python's own bundled wheel), then install.sh with no network at all.
  const venv = join(work, 'venv');
  execFileSync(PYTHON, ['-m', 'venv', venv], { stdio: 'ignore' });
  const install = netns
    ? spawnSync('unshare', ['-n', 'sh', join(top, 'install.sh')], {
        env: { ...process.env, PYTHON: join(venv, 'bin', 'python') },
        encoding: 'utf8',
      })
    : spawnSync('sh', [join(top, 'install.sh')], {
        env: {
          ...process.env,
          PYTHON: join(venv, 'bin', 'python'),
          PIP_INDEX_URL: 'http://127.0.0.1:9/',
        },
        encoding: 'utf8',
      });
  assert.equal(install.status, 0, install.stdout + install.stderr);
  const check = execFileSync(
    join(venv, 'bin', 'python'),
    ['-c', 'import demo_app, tinydep; print(demo_app.__version__, tinydep.ANSWER)'],
    { encoding: 'utf8' },
  );
  assert.equal(check.trim(), '1.3.0 42');

  // Made again from the tag: the same bytes.
  const before = Object.fromEntries(names.map((n) => [n, readFileSync(join(dist, n))]));
  rmSync(dist, { recursive: true });
  const again = await releng(['release', 'dist'], { cwd: root, env });
  assert.equal(again.code, 0, again.stderr);
  for (const [n, bytes] of Object.entries(before))
    assert.ok(bytes.equals(readFileSync(join(dist, n))), `${n} differs when made again`);
  rmSync(work, { recursive: true, force: true });
});
