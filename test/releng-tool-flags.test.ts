// A releng-tool project keeps its development and local-sources modes in
// releng-tool's file flags in the project root (.releng-flag-devmode,
// .releng-flag-local-sources), written as releng-tool writes them, so a
// project switched between the two tools stays in its modes. Native projects
// keep output/.releng-mode.json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

/** A build script writing the modes it sees to output/modes.json. */
const REPORT = [
  'import json, os',
  "keys = ['RELENG_DEVMODE', 'RELENG_LOCALSRCS', 'PKG_BUILD_DIR']",
  "with open(os.path.join(OUTPUT_DIR, 'modes.json'), 'w') as f:",
  '    json.dump({k: os.environ.get(k) for k in keys}, f)',
  '',
].join('\n');

/** `<base>/project`, a releng-tool project with one internal package `app` fetched from a site. */
async function project(): Promise<{ base: string; root: string }> {
  const base = await makeProject({
    'project/releng-tool.rt': "packages = ['app']\n",
    'project/package/app/app.rt':
      "APP_VERSION = '1'\nAPP_SITE = 'https://releng.invalid/app-1.tar.gz'\nAPP_INTERNAL = True\n",
    'project/package/app/app-build.rt': REPORT,
    // the checkout `-L` (no folder) takes: beside the project
    'app/README': 'checkout\n',
  });
  roots.push(base);
  return { base, root: join(base, 'project') };
}

const flag = (root: string, name: string) =>
  readFileSync(join(root, `.releng-flag-${name}`), 'utf8');
const seen = (root: string) =>
  JSON.parse(readFileSync(join(root, 'output/modes.json'), 'utf8')) as Record<
    string,
    string | null
  >;

describe('releng-tool projects: modes in releng-tool file flags', () => {
  it('writes the flags releng-tool writes, and keeps nothing in output/', async () => {
    const { base, root } = await project();
    const r = await releng([
      '-R',
      root,
      '-D',
      'beta',
      '-L',
      '-L',
      `other:${join(base, 'x')}`,
      '-L',
      'gone@',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // releng-tool's json.dump(..., indent=4): no final newline, null for the parent folder
    assert.equal(flag(root, 'devmode'), '{\n    "mode": "beta"\n}');
    assert.equal(
      flag(root, 'local-sources'),
      `{\n    "*": null,\n    "other": "${join(base, 'x')}",\n    "gone": null\n}`,
    );
    assert.ok(!existsSync(join(root, 'output/.releng-mode.json')), 'no releng mode file');

    // the next run is in both modes: app comes from the checkout, nothing is fetched
    const built = await releng(['-R', root]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    assert.deepEqual(seen(root), {
      RELENG_DEVMODE: 'beta',
      RELENG_LOCALSRCS: '1',
      PKG_BUILD_DIR: join(base, 'app'),
    });

    // unset removes each flag, as releng-tool does
    assert.equal((await releng(['-R', root, '-D', 'unset'])).code, 0);
    assert.ok(!existsSync(join(root, '.releng-flag-devmode')));
    assert.equal((await releng(['-R', root, '-L', 'unset'])).code, 0);
    assert.ok(!existsSync(join(root, '.releng-flag-local-sources')));
  });

  it('reads flags releng-tool left (its older empty-file form too); mrproper removes them', async () => {
    const { base, root } = await project();
    await writeFile(join(root, '.releng-flag-devmode'), '');
    await writeFile(join(root, '.releng-flag-local-sources'), '{\n    "*": null\n}');
    const r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(seen(root), {
      RELENG_DEVMODE: '1',
      RELENG_LOCALSRCS: '1',
      PKG_BUILD_DIR: join(base, 'app'),
    });
    const clean = await releng(['-R', root, 'mrproper']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stderr + clean.stdout, /development mode has been unconfigured/);
    assert.match(clean.stderr + clean.stdout, /local-sources mode has been unconfigured/);
    assert.ok(!existsSync(join(root, '.releng-flag-devmode')));
    assert.ok(!existsSync(join(root, '.releng-flag-local-sources')));
  });

  it('refuses a flag it cannot read, naming it, unless the mode is being configured again', async () => {
    const { root } = await project();
    await writeFile(join(root, '.releng-flag-devmode'), 'not json');
    const r = await releng(['-R', root, 'printpkgs']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read the development mode file .*\.releng-flag-devmode/);
    // JSON without releng-tool's "mode" is no more readable to it
    await writeFile(join(root, '.releng-flag-devmode'), '{"other": 1}');
    assert.equal((await releng(['-R', root, 'printpkgs'])).code, 1);
    const again = await releng(['-R', root, '-D']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(flag(root, 'devmode'), '{\n    "mode": true\n}');
  });

  it('moves the modes an older releng kept in output/ into the flags on the next change', async () => {
    const { root } = await project();
    await mkdir(join(root, 'output'), { recursive: true });
    await writeFile(join(root, 'output/.releng-mode.json'), '{"development": "old"}\n');
    // -L changes a mode: both modes are written as flags, the development one as it was
    assert.equal((await releng(['-R', root, '-L'])).code, 0);
    assert.equal(flag(root, 'devmode'), '{\n    "mode": "old"\n}');
    assert.ok(existsSync(join(root, '.releng-flag-local-sources')));
    assert.ok(!existsSync(join(root, 'output/.releng-mode.json')));
  });

  it('native projects keep output/.releng-mode.json and write nothing in the root', async () => {
    const root = await makeProject({
      'releng.config.ts': "export default { packages: ['hello'] };\n",
      'package/hello/hello.ts': nativePackage("{ version: '1' }"),
    });
    roots.push(root);
    const r = await releng(['-R', root, '-D']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(root, 'output/.releng-mode.json')));
    assert.ok(!existsSync(join(root, '.releng-flag-devmode')));
  });
});
