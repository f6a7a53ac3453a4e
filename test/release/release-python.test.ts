/**
 * The Python offline bundle: the project's sdist and every dependency as a
 * wheel, installed by its install.sh into an empty venv with the network
 * off (a network namespace of its own); the upload to a PyPI-compatible
 * index on 127.0.0.1 (twine as the reference client, pip installing from
 * it); the same bytes when made again.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { releng } from '../helpers.ts';
import { releaseRepo } from './fixture.ts';
import { startPypiServer } from './pypi-server.ts';

const PYTHON = process.env.RELENG_TEST_PYTHON ?? '/usr/bin/python3';
// setuptools first: importing pip before it trips Debian's distutils shim.
const usable =
  spawnSync(PYTHON, ['-c', 'import setuptools, wheel, build, venv, ensurepip, pip']).status === 0;
const netns = spawnSync('unshare', ['-n', 'true']).status === 0;
const twine = spawnSync('twine', ['--version']).status === 0;

const PYPROJECT = (name: string, version: string, deps: string) =>
  `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${name}"\nversion = "${version}"\ndependencies = [${deps}]\n`;

/** Runs a command without blocking the event loop (the index answers from this process). */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c;
    });
    child.on('close', (status) => resolve({ status, out }));
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop() as string);

test('python bundle installs offline into an empty venv; PyPI upload (twine agrees, pip installs); same bytes again', {
  skip:
    !usable &&
    `${PYTHON} lacks setuptools/wheel/build/venv/pip (python3-build python3-pip python3-wheel python3-venv)`,
}, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'releng-py-'));
  const index = await startPypiServer('uploader', 'secret-token');
  t.after(async () => {
    await index.close();
    rmSync(work, { recursive: true, force: true });
  });
  // A dependency, built into a wheelhouse by the test (no index anywhere).
  const dep = join(work, 'tinydep');
  mkdirSync(join(dep, 'tinydep'), { recursive: true });
  writeFileSync(join(dep, 'pyproject.toml'), PYPROJECT('tinydep', '0.4.0', ''));
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
  bundles: [{ type: 'python', python: ${JSON.stringify(PYTHON)}, findLinks: [${JSON.stringify(wheelhouse)}], platforms: [{ name: 'linux' }, { name: 'windows', platform: ['win_amd64'], pythonVersion: '3.11' }], formats: ['tar.bz2', 'zip'] }],
  uploads: [{ type: 'pypi', url: '${index.url}/legacy/', simpleUrl: '${index.url}/simple/' }],
} };\n`,
    'pyproject.toml': `${PYPROJECT('demo-app', '1.2.3', '"tinydep>=0.4"')}\n[tool.setuptools]\npackages = ["demo_app"]\n`,
    'demo_app/__init__.py': '__version__ = "1.2.3"\n',
  });
  const penv = { ...env, TWINE_USERNAME: 'uploader', TWINE_PASSWORD: 'secret-token' };
  // A commit hook records the environment git's children get: the upload password is not in it.
  const hookEnv = join(work, 'hook-env');
  writeFileSync(join(root, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\nenv > '${hookEnv}'\n`, {
    mode: 0o755,
  });
  const r = await releng(['release', 'apply'], { cwd: root, env: penv });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /secret-token/);
  assert.match(readFileSync(hookEnv, 'utf8'), /TWINE_USERNAME=uploader/);
  assert.doesNotMatch(readFileSync(hookEnv, 'utf8'), /secret-token/);
  const dist = join(root, 'output', 'release', '1.3.0');
  const names = readdirSync(dist).sort();
  for (const n of [
    'demo-1.3.0-linux.tar.bz2',
    'demo-1.3.0-linux.zip',
    'demo-1.3.0-windows.zip',
    'demo-app-1.3.0.tar.gz',
    'demo_app-1.3.0-py3-none-any.whl',
  ])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.equal(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist }).status, 0);

  // The bundle: sdist + every wheel; install.sh into an empty venv with no network at all.
  const x = join(work, 'x');
  mkdirSync(x);
  execFileSync('tar', ['-xjf', join(dist, 'demo-1.3.0-linux.tar.bz2'), '-C', x]);
  const top = join(x, 'demo-1.3.0-linux');
  assert.deepEqual(readdirSync(join(top, 'wheels')).sort(), [
    'demo_app-1.3.0-py3-none-any.whl',
    'tinydep-0.4.0-py3-none-any.whl',
  ]);
  assert.deepEqual(readdirSync(join(top, 'sdist')), ['demo-app-1.3.0.tar.gz']);
  const venv = join(work, 'venv');
  execFileSync(PYTHON, ['-m', 'venv', venv], { stdio: 'ignore' });
  const venvEnv = { ...process.env, PYTHON: join(venv, 'bin', 'python') };
  const install = netns
    ? spawnSync('unshare', ['-n', 'sh', join(top, 'install.sh')], {
        env: venvEnv,
        encoding: 'utf8',
      })
    : spawnSync('sh', [join(top, 'install.sh')], {
        env: { ...venvEnv, PIP_INDEX_URL: 'http://127.0.0.1:9/' },
        encoding: 'utf8',
      });
  assert.equal(install.status, 0, install.stdout + install.stderr);
  const imported = execFileSync(
    join(venv, 'bin', 'python'),
    ['-c', 'import demo_app, tinydep; print(demo_app.__version__, tinydep.ANSWER)'],
    { encoding: 'utf8' },
  );
  assert.equal(imported.trim(), '1.3.0 42');

  // The Windows bundle: the same pure wheels resolved for win_amd64, and install.bat.
  const winList = execFileSync('unzip', ['-Z1', join(dist, 'demo-1.3.0-windows.zip')], {
    encoding: 'utf8',
  });
  assert.match(winList, /^demo-1\.3\.0-windows\/install\.bat$/m);
  assert.match(winList, /^demo-1\.3\.0-windows\/wheels\/tinydep-0\.4\.0-py3-none-any\.whl$/m);
  assert.match(
    execFileSync(
      'unzip',
      ['-p', join(dist, 'demo-1.3.0-windows.zip'), 'demo-1.3.0-windows/install.bat'],
      { encoding: 'utf8' },
    ),
    /--no-index --find-links "%~dp0wheels" %\* demo-app\r\n$/,
  );
  assert.ok(!readdirSync(top).includes('install.bat'), 'no install.bat for linux');

  // The index got the sdist and the wheel; a re-upload is harmless; wrong credentials are refused.
  assert.deepEqual([...index.files.keys()].sort(), [
    'demo-app-1.3.0.tar.gz',
    'demo_app-1.3.0-py3-none-any.whl',
  ]);
  const again = await releng(['release', 'upload', '--json'], { cwd: root, env: penv });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(lastJson(again.stdout).uploads[0].uploaded, []);
  const denied = await releng(['release', 'upload'], {
    cwd: root,
    env: { ...penv, TWINE_PASSWORD: 'wrong' },
  });
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /refused .*403/);
  const tinydep = join(wheelhouse, 'tinydep-0.4.0-py3-none-any.whl');
  if (twine) {
    // twine, the reference client, uploads the dependency; releng's form carries what twine's does.
    const tenv = {
      ...process.env,
      TWINE_USERNAME: 'uploader',
      TWINE_PASSWORD: 'secret-token',
      TWINE_NON_INTERACTIVE: '1',
    };
    const tw = await run(
      'twine',
      [
        'upload',
        '--disable-progress-bar',
        '--repository-url',
        `${index.url}/legacy/`,
        tinydep,
        join(dist, 'demo_app-1.3.0-py3-none-any.whl'),
      ],
      tenv,
    );
    assert.equal(tw.status, 0, tw.out);
    // The same wheel as releng sent it and as twine sent it: every field twine fills, releng fills alike.
    const wheel = index.uploads.filter((u) => u.file === 'demo_app-1.3.0-py3-none-any.whl');
    const twineForm = wheel.find((u) => /twine/i.test(u.agent))?.fields;
    const relengForm = wheel.find((u) => !/twine/i.test(u.agent))?.fields;
    assert.ok(twineForm && relengForm, `uploads: ${wheel.map((u) => u.agent).join(', ')}`);
    const ignored = new Set(['comment', 'gpg_signature', 'attestations', ':action']);
    for (const [k, v] of Object.entries(twineForm)) {
      if (ignored.has(k) || v.every((x) => x === '')) continue;
      assert.deepEqual(relengForm[k], v, `form field ${k}`);
    }
    assert.deepEqual(relengForm.requires_dist, ['tinydep (>=0.4)']);
  } else {
    const bytes = readFileSync(tinydep);
    index.files.set('tinydep-0.4.0-py3-none-any.whl', {
      project: 'tinydep',
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  // pip installs the release from the index (into the same venv, emptied again: a venv costs seconds).
  const venv2 = venv;
  execFileSync(
    join(venv, 'bin', 'python'),
    ['-m', 'pip', 'uninstall', '-q', '-y', 'demo-app', 'tinydep'],
    { stdio: 'ignore' },
  );
  const pip = await run(join(venv2, 'bin', 'python'), [
    '-m',
    'pip',
    'install',
    '-q',
    '--index-url',
    `${index.url}/simple/`,
    'demo-app==1.3.0',
  ]);
  assert.equal(pip.status, 0, pip.out);
  assert.equal(
    execFileSync(
      join(venv2, 'bin', 'python'),
      ['-c', 'import demo_app, tinydep; print(demo_app.__version__)'],
      { encoding: 'utf8' },
    ).trim(),
    '1.3.0',
  );

  // Made again from the tag: the same bytes.
  const before = Object.fromEntries(names.map((n) => [n, readFileSync(join(dist, n))]));
  rmSync(dist, { recursive: true });
  const remade = await releng(['release', 'dist'], { cwd: root, env: penv });
  assert.equal(remade.code, 0, remade.stderr);
  for (const [n, bytes] of Object.entries(before))
    assert.ok(bytes.equals(readFileSync(join(dist, n))), `${n} differs when made again`);
});
