/**
 * examples/python-venv-app, built through the CLI in two temporary copies and
 * checked with dpkg-deb, dpkg, rpm, tar and lintian: the venv under
 * /opt/greeter, the unit and the conffile are packaged; the console script
 * runs once the tree is at /opt; the packages are byte-identical across the
 * two trees and hold no byte-code and no path of either build tree.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP, VENV } from '../examples/python-venv-app/app.ts';
import { REPO, releng, removeProject } from './helpers.ts';

const EXAMPLE = join(REPO, 'examples', 'python-venv-app');
const SDE = '1714564800'; // 2024-05-01T12:00:00Z
const PYTHON = process.env.VENV_PYTHON ?? '/usr/bin/python3';
const DEB = `${APP.name}_${APP.version}-1_all.deb`;
const RPM = `${APP.name}-${APP.version}-1.noarch.rpm`;
const TGZ = `${APP.name}-${APP.version}.tar.gz`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? String(r.error ?? ''),
  };
}

function ok(cmd: string, args: readonly string[], env: Record<string, string> = {}): string {
  const r = run(cmd, args, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Why the example cannot be built here, or false. */
function missing(): string | false {
  for (const tool of ['dpkg-deb', 'dpkg', 'rpm', 'tar']) {
    if (run('sh', ['-c', `command -v ${tool}`]).code !== 0) return `${tool} is not installed`;
  }
  const py = run(PYTHON, [
    '-c',
    "import importlib.util as u; print(*[m for m in ('venv', 'pip', 'setuptools', 'wheel') if u.find_spec(m) is None])",
  ]);
  if (py.code !== 0 || py.stdout.trim()) {
    return `${PYTHON} cannot build the example (needs python3-venv python3-pip python3-setuptools python3-wheel): ${py.code === 0 ? `missing ${py.stdout.trim()}` : py.stderr.trim()}`;
  }
  return false;
}
const skip = missing();

/** `major.minor` of the interpreter the example builds with. */
function pythonVersion(): string[] {
  return ok(PYTHON, ['-c', 'import sys; print(*sys.version_info[:2])']).trim().split(' ');
}

/** Every path below `dir` (not following symlinks). */
async function walk(dir: string): Promise<Array<{ path: string; kind: 'file' | 'dir' | 'link' }>> {
  const out: Array<{ path: string; kind: 'file' | 'dir' | 'link' }> = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isSymbolicLink()) out.push({ path, kind: 'link' });
    else if (e.isDirectory()) out.push({ path, kind: 'dir' }, ...(await walk(path)));
    else out.push({ path, kind: 'file' });
  }
  return out;
}

/**
 * Copies the example without its outputs. `deep` nests it so far down that
 * the venv's python path exceeds the 127-byte shebang limit: pip then writes
 * a /bin/sh exec trampoline, which the relocation must turn back into the
 * same plain shebang a short build path gets.
 */
const temps: string[] = [];
async function copyExample(deep = false): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'releng-venv-'));
  temps.push(base);
  const root = deep ? join(base, 'd'.repeat(60), 'e'.repeat(60)) : base;
  await cp(EXAMPLE, root, {
    recursive: true,
    filter: (src) => !['output', 'dl', 'cache'].includes(relative(EXAMPLE, src).split('/')[0]!),
  });
  return root;
}

/**
 * How to run a command with a directory mounted over /opt, in a private mount
 * namespace (the host's /opt is not touched): `unshare --mount` as root, else
 * in a user namespace. Undefined when neither works here.
 */
let unshareArgs: string[] | undefined | null = null;
function optRunner(): string[] | undefined {
  if (unshareArgs !== null) return unshareArgs;
  unshareArgs = undefined;
  for (const args of [['--mount'], ['--user', '--map-root-user', '--mount']]) {
    if (run('unshare', [...args, 'sh', '-c', 'mount --bind "$0" /opt', tmpdir()]).code === 0) {
      unshareArgs = args;
      break;
    }
  }
  return unshareArgs;
}
function atOpt(optDir: string, argv: readonly string[]): Run {
  const args = optRunner();
  assert.ok(args, 'unshare is unavailable');
  return run('unshare', [
    ...args,
    'sh',
    '-c',
    'mount --bind "$0" /opt && shift && exec "$@"',
    optDir,
    'x',
    ...argv,
  ]);
}

describe('examples/python-venv-app', { skip }, () => {
  const roots: string[] = [];
  let images: string[] = [];
  let x = ''; // the .deb extracted with dpkg-deb -x

  before(async () => {
    roots.push(await copyExample(), await copyExample(true));
    assert.ok(join(roots[1]!, 'output/target', VENV, 'bin/python').length > 127);
    const results = await Promise.all(
      roots.map((root) => releng(['-R', root], { env: { SOURCE_DATE_EPOCH: SDE } })),
    );
    for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
    images = roots.map((root) => join(root, 'output', 'images'));
    x = join(roots[0]!, 'extracted');
    ok('dpkg-deb', ['-x', join(images[0]!, DEB), x]);
  });
  after(async () => {
    for (const dir of temps) await removeProject(dir);
  });

  it('writes a .deb, an .rpm and a .tar.gz, byte-identical from two build trees', async () => {
    assert.deepEqual((await readdir(images[0]!)).sort(), [RPM, TGZ, DEB].sort());
    for (const name of [DEB, RPM, TGZ]) {
      const [a, b] = await Promise.all(images.map((d) => readFile(join(d, name))));
      assert.ok(a!.equals(b!), `${name} differs between ${roots.join(' and ')}`);
    }
  });

  it('dpkg-deb: control fields, conffile, maintainer scripts', () => {
    const deb = join(images[0]!, DEB);
    const f = (field: string) => ok('dpkg-deb', ['-f', deb, field]).trim();
    const [major, minor] = pythonVersion();
    assert.equal(f('Package'), APP.name);
    assert.equal(f('Version'), `${APP.version}-1`);
    assert.equal(f('Architecture'), 'all');
    assert.equal(
      f('Depends'),
      `python3 (>= ${major}.${minor}), python3 (<< ${major}.${Number(minor) + 1})`,
    );
    assert.equal(
      ok('dpkg-deb', ['-I', deb, 'conffiles']).trim(),
      `/etc/${APP.name}/${APP.name}.toml`,
    );
    const postinst = ok('dpkg-deb', ['-I', deb, 'postinst']);
    assert.match(postinst, /\[ -z "\$\{DPKG_ROOT:-\}" \] && \[ -d \/run\/systemd\/system \]/);
    assert.match(postinst, /systemctl daemon-reload/);
    assert.match(postinst, new RegExp(`venv="\\$\\{DPKG_ROOT:-\\}${VENV}"`));
    assert.doesNotMatch(postinst, /\{\{|\{%/);
  });

  it('dpkg-deb --contents: the venv under /opt, the unit, the conffile, no byte-code', () => {
    const listing = ok('dpkg-deb', ['--contents', join(images[0]!, DEB)]);
    const paths = listing
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[5]!);
    const [major, minor] = pythonVersion();
    const site = `.${VENV}/lib/python${major}.${minor}/site-packages`;
    for (const p of [
      `.${VENV}/pyvenv.cfg`,
      `.${VENV}/bin/${APP.name}`,
      `${site}/${APP.name}/cli.py`,
      `${site}/${APP.name}-${APP.version}.dist-info/RECORD`,
      `${site}/wordcase/__init__.py`,
      `./usr/lib/systemd/system/${APP.name}.service`,
      `./etc/${APP.name}/${APP.name}.toml`,
    ]) {
      assert.ok(paths.includes(p), `${p} missing from\n${listing}`);
    }
    assert.match(listing, new RegExp(`^-rwxr-xr-x root/root .* \\.${VENV}/bin/${APP.name}$`, 'm'));
    assert.match(listing, new RegExp(`^lrwxrwxrwx .* \\.${VENV}/bin/python3 -> ${PYTHON}$`, 'm'));
    assert.equal(
      paths.filter((p) => /__pycache__|\.py[co]$/.test(p)).join(' '),
      '',
      'no byte-code in the package',
    );
    assert.ok(!paths.some((p) => /\/pip|setuptools/.test(p)), 'no pip/setuptools in the venv');
  });

  it('the packaged tree holds no path of the build trees and a consistent RECORD', async () => {
    const leaks: string[] = [];
    for (const { path, kind } of await walk(x)) {
      if (kind === 'dir') continue;
      const data = kind === 'link' ? Buffer.from(await readlink(path)) : await readFile(path);
      for (const root of roots)
        if (data.includes(root)) leaks.push(`${relative(x, path)}: ${root}`);
      if (path.startsWith(join(x, 'opt')) && data.includes('/output/target/')) {
        leaks.push(`${relative(x, path)}: /output/target/`);
      }
    }
    assert.deepEqual(leaks, []);
    // grep agrees (binary files too).
    const grep = run('grep', ['-rlF', '-e', roots[0]!, '-e', roots[1]!, join(x, 'opt')]);
    assert.equal(grep.code, 1, `grep found build paths in: ${grep.stdout}`);

    const cfg = await readFile(join(x, VENV, 'pyvenv.cfg'), 'utf8');
    assert.match(cfg, new RegExp(`^command = .* -m venv --without-pip ${VENV}$`, 'm'));
    assert.match(cfg, /^home = \//m);
    assert.match(cfg, /^include-system-site-packages = false$/m);
    const script = await readFile(join(x, VENV, 'bin', APP.name), 'utf8');
    assert.equal(script.split('\n')[0], `#!${VENV}/bin/python`);
    assert.match(
      await readFile(join(x, VENV, 'bin', 'activate'), 'utf8'),
      new RegExp(`^VIRTUAL_ENV="?${VENV}"?$`, 'm'),
    );

    // Every RECORD entry with a hash matches the file (rewritten scripts included).
    let checked = 0;
    for (const { path } of (await walk(join(x, VENV, 'lib'))).filter((e) =>
      e.path.endsWith('.dist-info/RECORD'),
    )) {
      const base = dirname(dirname(path));
      const text = await readFile(path, 'utf8');
      assert.ok(!/\r\n/.test(text) || !/[^\r]\n/.test(text), `${path} mixes line endings`);
      for (const line of text.split(/\r?\n/)) {
        const [name, hash, size] = line.split(',');
        if (!name || !hash) continue;
        const data = await readFile(resolve(base, name));
        assert.equal(
          hash,
          `sha256=${createHash('sha256').update(data).digest('base64url')}`,
          `${name} in ${path}`,
        );
        assert.equal(size, String(data.length), name);
        checked++;
      }
    }
    assert.ok(checked >= 10, `${checked} RECORD entries checked`);
  });

  it('renders the systemd unit from its template', async () => {
    const unit = await readFile(join(x, 'usr/lib/systemd/system', `${APP.name}.service`), 'utf8');
    assert.match(
      unit,
      new RegExp(
        `^ExecStart=${VENV}/bin/${APP.name} --config /etc/${APP.name}/${APP.name}.toml serve$`,
        'm',
      ),
    );
    assert.match(unit, new RegExp(`^# ${APP.name} ${APP.version}: rendered`, 'm'));
    assert.match(unit, /^Description=Greeting service/m);
    assert.match(unit, /^WantedBy=multi-user\.target$/m);
    assert.doesNotMatch(unit, /\{\{|\{%|\}\}/);
  });

  it("runs the application with the extracted venv's python, from anywhere", () => {
    const py = join(x, VENV, 'bin', 'python');
    const conf = join(x, 'etc', APP.name, `${APP.name}.toml`);
    assert.equal(
      ok(py, ['-m', APP.name, '--config', conf, 'greet', 'ada', 'lovelace']).trim(),
      'Hello, Ada Lovelace!',
    );
    const where = JSON.parse(ok(py, ['-m', APP.name, 'where']));
    assert.equal(where.prefix, join(x, VENV), 'python finds its venv from bin/python');
    assert.equal(where.version, APP.version);
    assert.ok(where.wordcase.startsWith(join(x, VENV, 'lib')), where.wordcase);
  });

  it('runs the console script once the tree is at /opt (private mount namespace)', (t) => {
    if (!optRunner()) {
      t.skip('unshare cannot mount over /opt here: covered by the python -m run above');
      return;
    }
    const conf = join(x, 'etc', APP.name, `${APP.name}.toml`);
    let r = atOpt(join(x, 'opt'), [
      `${VENV}/bin/${APP.name}`,
      '--config',
      conf,
      'greet',
      'grace',
      'hopper',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'Hello, Grace Hopper!');
    r = atOpt(join(x, 'opt'), [`${VENV}/bin/${APP.name}`, 'where']);
    assert.equal(r.code, 0, r.stderr);
    const where = JSON.parse(r.stdout);
    assert.equal(where.prefix, VENV);
    assert.equal(where.executable, `${VENV}/bin/python`);
    assert.ok(where.wordcase.startsWith(`${VENV}/lib/`), where.wordcase);
    r = atOpt(join(x, 'opt'), [`${VENV}/bin/${APP.name}`, '--version']);
    assert.equal(r.stdout.trim(), `${APP.name} ${APP.version}`);
    // With ExecStart's program in place, systemd accepts the rendered unit.
    if (run('sh', ['-c', 'command -v systemd-analyze']).code === 0) {
      const unit = join(x, 'usr/lib/systemd/system', `${APP.name}.service`);
      r = atOpt(join(x, 'opt'), ['systemd-analyze', 'verify', '--man=no', unit]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  });

  it('dpkg --root installs it (postinst compiles), verifies clean, removes every venv file', async (t) => {
    const root = join(roots[0]!, 'dpkg-root');
    await mkdir(join(root, 'var/lib/dpkg/info'), { recursive: true });
    await mkdir(join(root, 'var/lib/dpkg/updates'), { recursive: true });
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    await writeFile(join(root, 'var/lib/dpkg/available'), '');
    const dpkg = (...args: string[]) =>
      ok('dpkg', [
        `--root=${root}`,
        '--force-script-chrootless',
        '--force-depends',
        '--force-not-root',
        ...args,
      ]);
    dpkg('-i', join(images[0]!, DEB));
    const [major, minor] = pythonVersion();
    const site = join(root, VENV, 'lib', `python${major}.${minor}`, 'site-packages');
    const compiled = await readdir(join(site, APP.name, '__pycache__'));
    assert.ok(
      compiled.some((f) => f.startsWith('cli.')),
      `postinst compiled: ${compiled.join(' ')}`,
    );
    assert.equal(dpkg('--verify'), '');

    if (optRunner()) {
      const r = atOpt(join(root, 'opt'), [
        `${VENV}/bin/${APP.name}`,
        '--config',
        join(root, 'etc', APP.name, `${APP.name}.toml`),
        'greet',
        'world',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'Hello, World!');
    } else t.diagnostic('unshare unavailable: installed console script not run');

    const conf = join(root, 'etc', APP.name, `${APP.name}.toml`);
    await writeFile(conf, '[greeting]\nstyle = "shout"\n');
    dpkg('-r', APP.name);
    assert.ok(
      !existsSync(join(root, APP.home)),
      `${APP.home} left behind: prerm removes the byte-code`,
    );
    assert.ok(!existsSync(join(root, 'usr/lib/systemd/system', `${APP.name}.service`)));
    assert.equal(
      readFileSync(conf, 'utf8'),
      '[greeting]\nstyle = "shout"\n',
      'a changed conffile survives remove',
    );
    dpkg('-P', APP.name);
    assert.ok(!existsSync(conf), 'purge removes the conffile');
  });

  it('rpm -qp: header, file list, config file, requires, scripts, digests', async () => {
    const rpm = join(images[0]!, RPM);
    const info = ok('rpm', ['-qpi', rpm]);
    assert.match(info, new RegExp(`^Name\\s*: ${APP.name}$`, 'm'));
    assert.match(info, new RegExp(`^Version\\s*: ${APP.version}$`, 'm'));
    assert.match(info, /^Release\s*: 1$/m);
    assert.match(info, /^Architecture: noarch$/m);
    assert.match(info, /^Build Date\s*: Wed May {2}1 12:00:00 2024$/m);
    const list = ok('rpm', ['-qp', '--list', rpm]).trim().split('\n');
    for (const p of [
      `${VENV}/pyvenv.cfg`,
      `${VENV}/bin/${APP.name}`,
      `/usr/lib/systemd/system/${APP.name}.service`,
      `/etc/${APP.name}/${APP.name}.toml`,
      APP.home,
    ]) {
      assert.ok(list.includes(p), `${p} missing from the rpm`);
    }
    assert.ok(!list.includes('/opt') && !list.includes('/etc'), 'system directories are not owned');
    assert.deepEqual(
      list.filter((p) => /__pycache__|\.py[co]$/.test(p)),
      [],
    );
    assert.equal(
      ok('rpm', ['-qp', '--configfiles', rpm]).trim(),
      `/etc/${APP.name}/${APP.name}.toml`,
    );
    const [major, minor] = pythonVersion();
    const requires = ok('rpm', ['-qp', '--requires', rpm]);
    assert.match(requires, new RegExp(`^python3 >= ${major}\\.${minor}$`, 'm'));
    assert.match(requires, new RegExp(`^python3 < ${major}\\.${Number(minor) + 1}$`, 'm'));
    const scripts = ok('rpm', ['-qp', '--scripts', rpm]);
    assert.match(scripts, /postinstall scriptlet \(using \/bin\/sh\)/);
    assert.match(scripts, /preuninstall scriptlet/);
    assert.match(scripts, /compileall/);
    assert.match(ok('rpm', ['-K', rpm]), /digests OK/);

    // The rpm carries the same venv bytes as the deb.
    const dump = ok('rpm', ['-qp', '--dump', rpm]).trim().split('\n');
    let compared = 0;
    for (const line of dump) {
      const [path, size, , digest, mode] = line.split(' ');
      if (!path!.startsWith(`${VENV}/`) || (Number.parseInt(mode!, 8) & 0o170000) !== 0o100000)
        continue;
      const data = await readFile(join(x, path!));
      assert.equal(Number(size), data.length, path);
      assert.equal(digest, createHash('sha256').update(data).digest('hex'), path);
      compared++;
    }
    assert.ok(compared >= 15, `${compared} venv files compared`);
  });

  it('the tar.gz holds the same tree', () => {
    const entries = ok('tar', ['-tzf', join(images[0]!, TGZ)])
      .trim()
      .split('\n');
    assert.ok(
      entries.some((e) => e.replace(/^\.\//, '') === `${VENV.slice(1)}/bin/${APP.name}`),
      entries.join('\n'),
    );
    assert.ok(!entries.some((e) => e.includes('__pycache__')));
  });

  it('lintian and rpmlint: no errors (the package ships its lintian override; rpmlint reads the example rpmlintrc)', (t) => {
    const lintian = run('lintian', ['--no-cfg', '--fail-on', 'error', join(images[0]!, DEB)]);
    assert.equal(lintian.code, 0, lintian.stdout + lintian.stderr);
    assert.doesNotMatch(lintian.stdout, /^E: /m);
    const rc = join(EXAMPLE, 'packaging/rpmlintrc.toml');
    const rpmlint = run('rpmlint', ['-c', rc, join(images[0]!, RPM)]);
    assert.equal(rpmlint.code, 0, rpmlint.stdout + rpmlint.stderr);
    assert.match(rpmlint.stdout, / 0 errors/);
    // The warnings, listed (and justified in docs/outputs.md).
    for (const line of `${lintian.stdout}\n${rpmlint.stdout}`.split('\n')) {
      if (/^W: |: W: /.test(line)) t.diagnostic(line);
    }
  });
});
