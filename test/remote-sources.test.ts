// releng-tool's REMOTE_CONFIG / REMOTE_SCRIPTS: options and stage scripts
// from a package's extracted sources, and what such a file may not do.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});
async function project(files: Record<string, string>): Promise<string> {
  const root = await makeProject({ 'releng-tool.rt': "packages = ['p']\n", ...files });
  roots.push(root);
  return root;
}
const DEF = "P_VCS_TYPE = 'local'\nP_VERSION = '1.0'\n";
const RECORD = "releng_touch(TARGET_DIR / f'jobs-{NJOBSCONF}-prefix-{PREFIX}'.replace('/', '_'))\n";

describe('REMOTE_CONFIG and REMOTE_SCRIPTS', () => {
  it('applies unset options from .releng-tool.rt, on a cached run too, and only those', async () => {
    const root = await project({
      'package/p/p.rt': `${DEF}P_REMOTE_CONFIG = True\nP_MAX_JOBS = 5\n`,
      // SITE and VERSION are the definition's alone; FIXED_JOBS and PREFIX are unset there
      'package/p/local/.releng-tool.rt':
        "P_FIXED_JOBS = 3\nP_PREFIX = '/opt'\nP_VERSION = '9.9'\nP_SITE = '/etc'\n",
      'package/p/p-build.rt': RECORD,
    });
    let r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(root, 'output/target/jobs-3-prefix-_opt')));
    assert.ok(existsSync(join(root, 'output/build/p-1.0')));
    assert.ok(!existsSync(join(root, 'output/build/p-9.9')));
    const flag = join(root, 'output/target/jobs-3-prefix-_opt');
    // a second load comes from the project cache: the remote file is read again
    rmSync(flag);
    r = await releng(['-R', root, 'p-rebuild']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(flag));
    rmSync(flag);
    r = await releng(['-R', root, 'p-rebuild', '--quirk', 'releng.disable_remote_configs']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(!existsSync(flag));
  });

  it('refuses a remote PREFIX with a ".." component, naming the file', async () => {
    const root = await project({
      'package/p/p.rt': `${DEF}P_REMOTE_CONFIG = True\n`,
      'package/p/local/.releng-tool.rt': "P_PREFIX = '/usr/../../../../escape'\n",
      'package/p/p-build.rt': RECORD,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /P_PREFIX .* has a "\.\." component/);
    assert.match(r.stderr, /\.releng-tool\.rt/);
    assert.ok(!existsSync(join(root, 'escape')));
  });

  it("refuses a remote ENV that sets a folder variable the project's scripts read", async () => {
    const root = await project({
      'package/p/p.rt': `${DEF}P_REMOTE_CONFIG = True\n`,
      'package/p/local/.releng-tool.rt': "P_ENV = {'TARGET_DIR': '/tmp', 'OK': '1'}\n",
      'package/p/p-build.rt': RECORD,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /P_ENV .* sets TARGET_DIR, which releng sets itself/);
  });

  it('runs remote stage scripts only for stages the definition folder has none for', async () => {
    const root = await project({
      'package/p/p.rt': `${DEF}P_REMOTE_SCRIPTS = True\n`,
      'package/p/p-install.rt': "releng_touch(TARGET_DIR / 'install-def')\n",
      'package/p/local/releng-tool-build.rt': "releng_touch(TARGET_DIR / 'build-remote')\n",
      'package/p/local/releng-tool-install.rt': "releng_touch(TARGET_DIR / 'install-remote')\n",
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(root, 'output/target/build-remote')));
    assert.ok(existsSync(join(root, 'output/target/install-def')));
    assert.ok(!existsSync(join(root, 'output/target/install-remote')));
  });
});
