import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, nativePackage, REPO, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

async function chainProject(): Promise<string> {
  const root = await makeProject({});
  roots.push(root);
  await cp(join(REPO, 'test/fixtures/chain'), root, { recursive: true });
  return root;
}

describe('package types build real software that finds its dependencies in the sysroots', () => {
  let root = '';
  let result: Awaited<ReturnType<typeof releng>>;
  before(async () => {
    root = await chainProject();
    result = await releng(['-R', root, '-j2']);
  });

  it('builds the whole chain', () => {
    assert.equal(result.code, 0, result.stderr);
  });

  it('cmake library → meson program via pkg-config in staging; the program runs from the target', () => {
    const out = execFileSync(join(root, 'output/target/usr/bin/calcprog'), {
      env: { LD_LIBRARY_PATH: join(root, 'output/target/usr/lib') },
    }).toString();
    // Version and the CONF_DEFS-style define prove it linked the staged libcalc.
    assert.equal(out, 'calcprog using libcalc 3.4.5 (staged): 2+3=5\n');
    const needed = execFileSync('readelf', [
      '-d',
      join(root, 'output/target/usr/bin/calcprog'),
    ]).toString();
    assert.match(needed, /libcalc\.so\.3/);
  });

  it('scons program linked against the staged library', () => {
    const out = execFileSync(join(root, 'output/target/usr/bin/sconscalc'), {
      env: { LD_LIBRARY_PATH: join(root, 'output/target/usr/lib') },
    }).toString();
    assert.equal(out, 'sconscalc: libcalc 3.4.5\n');
  });

  it('autotools host tool (autoreconf) on PATH for later packages', async () => {
    assert.equal(
      await readFile(join(root, 'output/target/usr/share/report/hosttool.txt'), 'utf8'),
      'hosttool says from-path\n',
    );
  });

  it('cargo crate with a path dependency, built offline', () => {
    const out = execFileSync(join(root, 'output/target/usr/bin/rustcalc')).toString();
    assert.equal(out, 'rustcalc 0.2.0 2*21=42\n');
  });

  it('python wheel (hatchling) installed under the prefix without byte-code', () => {
    const site = join(root, 'output/target/usr/lib/python3.11/site-packages');
    assert.throws(() => execFileSync('test', ['-e', join(site, 'pycalc/__pycache__')]));
    const out = execFileSync('/usr/bin/python3', ['-c', 'import pycalc; pycalc.main()'], {
      env: { PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: '1' },
    }).toString();
    assert.equal(out, 'pycalc 0.3.0\n');
    const script = execFileSync('cat', [join(root, 'output/target/usr/bin/pycalc')]).toString();
    assert.match(script, /from pycalc import main/);
  });
});

describe('build failures name the package, the stage, the log and the cause', () => {
  it('a missing build tool', async () => {
    const root = await chainProject();
    await writeFile(
      join(root, 'releng.config.ts'),
      `export default { packages: ['libcalc'], overrideTools: { cmake: '/nonexistent/cmake' } };\n`,
    );
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /package "libcalc" needs "cmake" \(cmake package\), which is not installed/,
    );
  });

  it('a configure failure shows the log tail', async () => {
    const root = await chainProject();
    await writeFile(join(root, 'releng.config.ts'), `export default { packages: ['libcalc'] };\n`);
    await writeFile(
      join(root, 'package/libcalc/local/CMakeLists.txt'),
      'project(calc C)\nadd_library(\n',
    );
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /package: libcalc \(stage: configure\)/);
    assert.match(r.stderr, /log: .*output\/logs\/libcalc\.log/);
    assert.match(r.stderr, /CMakeLists\.txt/);
  });

  it('a python package whose backend is not installed says which', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['py'] };\n`,
      'package/py/py.ts': nativePackage(
        `{ version: '1', site: 'local', type: 'python', pythonInterpreter: '/usr/bin/python3' }`,
      ),
      'package/py/local/pyproject.toml':
        '[build-system]\nrequires = ["nosuch"]\nbuild-backend = "nosuch_backend.build"\n',
    });
    roots.push(root);
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /needs the build backend "nosuch_backend\.build", which \/usr\/bin\/python3 cannot import/,
    );
  });
});
