import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, REPO, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

const RPMLINTRC = join(REPO, 'test/outputs/fixtures/rpmlintrc.toml');

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function ok(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}\n${r.out}`);
  return r.out;
}

/** The installed packages' control paragraphs of the build host (dpkg's status file). */
function hostStatus(): Map<string, Record<string, string>> {
  const map = new Map<string, Record<string, string>>();
  for (const para of readFileSync('/var/lib/dpkg/status', 'utf8').split(/\n\n+/)) {
    const fields: Record<string, string> = {};
    for (const m of para.matchAll(/^([A-Za-z-]+): (.*(?:\n .*)*)/gm)) fields[m[1]!] = m[2]!;
    if (fields.Package && /install ok installed/.test(fields.Status ?? ''))
      map.set(fields.Package, fields);
  }
  return map;
}

/**
 * The .debs an empty system needs for `depends`: the host's installed
 * versions of the packages named and everything they depend on, from apt's
 * archive cache or downloaded from the Debian archive with `apt-get download`.
 */
async function hostDebs(depends: string, dir: string): Promise<string[]> {
  const status = hostStatus();
  const want = new Set<string>();
  const visit = (deps: string): void => {
    for (const group of deps.split(',')) {
      const names = group
        .split('|')
        .map((a) => a.trim().split(/[\s(:]/)[0]!)
        .filter(Boolean);
      const name = names.find((n) => status.has(n));
      if (!name || want.has(name)) continue;
      want.add(name);
      const f = status.get(name)!;
      visit([f['Pre-Depends'], f.Depends].filter(Boolean).join(','));
    }
  };
  visit(depends);
  await mkdir(dir, { recursive: true });
  const missing: string[] = [];
  for (const name of want) {
    const f = status.get(name)!;
    const file = `${name}_${f.Version!.replace(/:/g, '%3a')}_${f.Architecture}.deb`;
    const cached = join('/var/cache/apt/archives', file);
    if (existsSync(cached)) await cp(cached, join(dir, file));
    else missing.push(`${name}=${f.Version}`);
  }
  if (missing.length > 0) {
    const r = spawnSync('apt-get', ['download', ...missing], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `apt-get download ${missing.join(' ')}: ${r.stderr}`);
  }
  return (await readdir(dir)).filter((n) => n.endsWith('.deb')).map((n) => join(dir, n));
}

describe('the hello-world example (README quick start)', () => {
  let root = '';
  let images = '';
  let deb = '';
  let rpm = '';
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const outputs = () => [
    deb,
    rpm,
    join(images, 'hello-world-dbgsym_1.0.0-1_amd64.deb'),
    join(images, 'hello-world-debuginfo-1.0.0-1.x86_64.rpm'),
    join(images, 'hello-world-1.0.tar.gz'),
  ];

  before(async () => {
    root = await makeProject({});
    roots.push(root);
    await cp(join(REPO, 'examples/hello-world'), root, {
      recursive: true,
      filter: (src) => !/\/(output|dl|cache)(\/|$)/.test(src.slice(REPO.length)),
    });
    const r = await releng(['-R', root], { env });
    assert.equal(r.code, 0, r.stderr);
    images = join(root, 'output/images');
    deb = join(images, 'hello-world_1.0.0-1_amd64.deb');
    rpm = join(images, 'hello-world-1.0.0-1.x86_64.rpm');
  });

  it('builds end to end: staged library, linked program, archive, .deb and .rpm with debug packages', () => {
    // The program was linked against the staged library and runs from the target.
    const out = execFileSync(join(root, 'output/target/usr/bin/hello'), ['tests']).toString();
    assert.equal(out, 'Hello, tests!\nlibgreet 1.2.0\n');
    // Staging holds the library, the target does not.
    execFileSync('test', ['-f', join(root, 'output/staging/usr/lib/libgreet.a')]);
    assert.throws(() =>
      execFileSync('test', ['-e', join(root, 'output/target/usr/lib/libgreet.a')]),
    );
    assert.equal(execFileSync('dpkg-deb', ['-f', deb, 'Package']).toString().trim(), 'hello-world');
    assert.match(execFileSync('dpkg-deb', ['--contents', deb]).toString(), /\.\/usr\/bin\/hello\n/);
    assert.match(
      execFileSync('rpm', ['-qp', '--list', rpm], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
      /^\/usr\/bin\/hello$/m,
    );
    const tarList = execFileSync('tar', ['tzf', join(images, 'hello-world-1.0.tar.gz')]).toString();
    assert.match(tarList, /^\.\/usr\/bin\/hello$/m);
    for (const f of outputs()) assert.ok(existsSync(f), basename(f));
  });

  it('generated dependencies: Depends libc6 (>= 2.34) on .deb, libc.so.6 sonames on .rpm', () => {
    assert.equal(
      execFileSync('dpkg-deb', ['-f', deb, 'Depends']).toString().trim(),
      'libc6 (>= 2.34)',
    );
    const requires = ok('rpm', ['-qp', '--requires', rpm]);
    assert.match(requires, /^libc\.so\.6\(\)\(64bit\)$/m);
    assert.match(requires, /^libc\.so\.6\(GLIBC_2\.34\)\(64bit\)$/m);
  });

  it('lintian and rpmlint report no errors on the four packages', () => {
    const debs = [deb, join(images, 'hello-world-dbgsym_1.0.0-1_amd64.deb')];
    const l = run('lintian', ['--fail-on', 'error', ...debs]);
    assert.equal(l.code, 0, l.out);
    assert.doesNotMatch(l.out, /^E: /m);
    assert.doesNotMatch(l.out, /unstripped-binary-or-object|undeclared-elf-prerequisites/);
    const rpms = [rpm, join(images, 'hello-world-debuginfo-1.0.0-1.x86_64.rpm')];
    const r = run('rpmlint', ['-c', RPMLINTRC, ...rpms]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, / 0 errors/);
    assert.doesNotMatch(r.out, /no-group-tag|no-changelogname-tag|not-listed-as-documentation/);
  });

  it('apt-get install in a throwaway root pulls libc6 from a local repository, and the program runs', async () => {
    const t = join(root, 'apt');
    const repo = join(t, 'repo');
    const depends = execFileSync('dpkg-deb', ['-f', deb, 'Depends']).toString().trim();
    await hostDebs(depends, repo);
    // apt-ftparchive names files relative to its working directory.
    await writeFile(
      join(repo, 'Packages'),
      execFileSync('apt-ftparchive', ['packages', '.'], { cwd: repo }).toString(),
    );
    for (const d of ['state/lists/partial', 'cache/archives/partial', 'root']) {
      await mkdir(join(t, d), { recursive: true });
    }
    await writeFile(join(t, 'status'), '');
    await writeFile(join(t, 'sources.list'), `deb [trusted=yes] copy:${repo} ./\n`);
    // copy: (not file:) so that apt fetches the .debs into its archive cache like any download.
    // Nothing of the host's apt state: an empty dpkg status, our lists, cache and sources only.
    const apt = [
      '-o',
      `Dir::State=${join(t, 'state')}`,
      '-o',
      `Dir::State::status=${join(t, 'status')}`,
      '-o',
      `Dir::Cache=${join(t, 'cache')}`,
      '-o',
      `Dir::Etc::SourceList=${join(t, 'sources.list')}`,
      '-o',
      'Dir::Etc::SourceParts=/nonexistent',
      '-o',
      'Dir::Etc::Preferences=/nonexistent',
      '-o',
      'Dir::Etc::PreferencesParts=/nonexistent',
      '-o',
      'Debug::NoLocking=1',
      '-o',
      'APT::Sandbox::User=root',
    ];
    ok('apt-get', [...apt, 'update']);
    const plan = ok('apt-get', [...apt, '-s', 'install', '-y', deb]);
    assert.match(plan, /^Inst libc6 /m, plan);
    assert.match(plan, /^Inst hello-world /m, plan);
    ok('apt-get', [...apt, 'install', '-y', '--download-only', deb]);
    const fetched = (await readdir(join(t, 'cache/archives'))).filter((n) => n.endsWith('.deb'));
    assert.ok(
      fetched.some((n) => n.startsWith('libc6_')),
      fetched.join(' '),
    );
    // Unpacked together, what apt pulled is what the program needs to run.
    const rootfs = join(t, 'root');
    for (const n of [...fetched.map((f) => join(t, 'cache/archives', f)), deb]) {
      ok('dpkg-deb', ['-x', n, rootfs]);
    }
    if (process.getuid?.() === 0) {
      const r = spawnSync('chroot', [rootfs, '/usr/bin/hello', 'apt'], { encoding: 'utf8' });
      assert.equal(r.stdout, 'Hello, apt!\nlibgreet 1.2.0\n', r.stderr);
    }
    await rm(t, { recursive: true, force: true });
  });

  it('is reproducible: the same inputs and SOURCE_DATE_EPOCH give the same bytes', async () => {
    const before2 = await Promise.all(outputs().map((f) => readFile(f)));
    await rm(join(root, 'output'), { recursive: true });
    const again = await releng(['-R', root], { env });
    assert.equal(again.code, 0, again.stderr);
    const after2 = await Promise.all(outputs().map((f) => readFile(f)));
    for (let i = 0; i < before2.length; i++)
      assert.ok(before2[i]!.equals(after2[i]!), `${basename(outputs()[i]!)} differs`);
  });
});
