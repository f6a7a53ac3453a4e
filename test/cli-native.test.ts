import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});
async function project(files: Record<string, string>): Promise<string> {
  const root = await makeProject(files);
  roots.push(root);
  return root;
}

/** A package whose stages append "<pkg>:<stage>" to output/trace.txt. */
function tracing(deps: string[] = [], extra = ''): string {
  const hook = (stage: string) =>
    `async ${stage}(ctx) { const fs = await import('node:fs'); fs.appendFileSync(ctx.dirs.output + '/trace.txt', ctx.name + ':${stage}\\n'); }`;
  return nativePackage(
    `{ version: '1.0', dependencies: ${JSON.stringify(deps)}, ${extra} ${['configure', 'build', 'install'].map(hook).join(', ')} }`,
  );
}

describe('native projects', () => {
  it('builds packages in dependency order, loading dependencies implicitly, and skips done stages', async () => {
    const root = await project({
      'releng.config.ts': `import { defineProject } from 'releng';\nexport default defineProject({ packages: ['app'] });\n`,
      'package/app/app.ts': tracing(['liba', 'libb']),
      'package/liba/liba.ts': tracing(['libb']),
      'package/libb/libb.ts': tracing(),
    });
    const first = await releng(['-R', root, '-j', '4']);
    assert.equal(first.code, 0, first.stderr);
    const trace = (await readFile(join(root, 'output/trace.txt'), 'utf8')).trim().split('\n');
    assert.ok(trace.indexOf('libb:install') < trace.indexOf('liba:configure'));
    assert.ok(trace.indexOf('liba:install') < trace.indexOf('app:configure'));
    assert.equal(trace.length, 9);
    assert.match(first.stdout, /configuring libb\.\.\./);
    assert.match(first.stdout, /\(success\) completed \(0:00:0\d\)/);

    const again = await releng(['-R', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      (await readFile(join(root, 'output/trace.txt'), 'utf8')).trim().split('\n').length,
      9,
    );
    assert.doesNotMatch(again.stdout, /building/);

    const printed = await releng(['-R', root, 'printpkgs']);
    assert.deepEqual(printed.stdout.trim().split('\n'), ['libb', 'liba', 'app']);
  });

  it('passes the guide environment to hooks and KEY=VALUE words into it', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['envpkg'], sysrootPrefix: '/opt', environment: { FROM_PROJECT: 'p' } };\n`,
      'package/envpkg/envpkg.ts': nativePackage(`{
        version: '2.0', fixedJobs: 3, installType: 'staging_and_target',
        async build(ctx) {
          const fs = await import('node:fs');
          const keys = ['PKG_NAME','PKG_VERSION','ENVPKG_VERSION','PREFIX','TARGET_DIR','STAGING_DIR','NJOBS','FROM_PROJECT','FROM_CLI','PKG_BUILD_DIR'];
          const out = Object.fromEntries(keys.map((k) => [k, ctx.env[k]]));
          out.installDirs = ctx.installDirs; out.cwd = process.cwd(); out.jobs = ctx.jobs;
          fs.writeFileSync(ctx.dirs.output + '/env.json', JSON.stringify(out));
          await ctx.exec('sh', ['-c', 'echo "$PKG_NAME from sh" > shell.txt']);
        },
      }`),
    });
    const r = await releng(['-R', root, 'FROM_CLI=yes']);
    assert.equal(r.code, 0, r.stderr);
    const env = JSON.parse(await readFile(join(root, 'output/env.json'), 'utf8'));
    assert.equal(env.PKG_NAME, 'envpkg');
    assert.equal(env.PKG_VERSION, '2.0');
    assert.equal(env.ENVPKG_VERSION, '2.0');
    assert.equal(env.PREFIX, '/opt');
    assert.equal(env.TARGET_DIR, join(root, 'output/target'));
    assert.deepEqual(env.installDirs, [join(root, 'output/staging'), join(root, 'output/target')]);
    assert.equal(env.NJOBS, '3');
    assert.equal(env.jobs, 3);
    assert.equal(env.FROM_PROJECT, 'p');
    assert.equal(env.FROM_CLI, 'yes');
    assert.equal(env.PKG_BUILD_DIR, join(root, 'output/build/envpkg-2.0'));
    assert.equal(
      (await readFile(join(root, 'output/build/envpkg-2.0/shell.txt'), 'utf8')).trim(),
      'envpkg from sh',
    );
  });

  it('rejects an unknown key naming the file and the closest valid key', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': nativePackage(`{ version: '1', dependecies: [] }`),
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown option "dependecies" \(did you mean "dependencies"\?\)/);
    assert.match(r.stderr, /package: a/);
    assert.match(r.stderr, /file: .*package\/a\/a\.ts/);
  });

  it('rejects a wrong type and an unknown project key', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': nativePackage(`{ version: '1', stripCount: 'one' }`),
    });
    let r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /option "stripCount" must be a whole number, not string "one"/);
    const other = await project({
      'releng.config.ts': `export default { packages: [], sysrootPrefx: '/usr' };\n`,
    });
    r = await releng(['-R', other]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown option "sysrootPrefx" \(did you mean "sysrootPrefix"\?\)/);
    assert.match(r.stderr, /file: .*releng\.config\.ts/);
  });

  it('reports a TypeScript syntax error with file and line', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': `// comment\nconst x: number = ;\nexport default {};\n`,
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot load definition of package "a"/);
    assert.match(r.stderr, /file: .*package\/a\/a\.ts:2/);
  });

  it('prints a dependency cycle and a missing package with suggestions', async () => {
    const cyc = await project({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': nativePackage(`{ dependencies: ['b'] }`),
      'package/b/b.ts': nativePackage(`{ dependencies: ['a'] }`),
    });
    let r = await releng(['-R', cyc]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dependency cycle: a -> b -> a/);
    const missing = await project({
      'releng.config.ts': `export default { packages: ['app'] };\n`,
      'package/app/app.ts': nativePackage(`{ dependencies: ['libfo'] }`),
      'package/libfoo/libfoo.ts': nativePackage(`{}`),
    });
    r = await releng(['-R', missing]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /package "app" depends on unknown package "libfo" \(did you mean "libfoo"\?\)/,
    );
    // a folder whose definition is misnamed: said as such, not "did you mean" itself
    const misnamed = await project({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/package.ts': nativePackage(`{}`),
    });
    r = await releng(['-R', misnamed]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /package "a" has a folder package\/a\/ but no definition file in it/);
    assert.match(r.stderr, /package\/a\/a\.ts/);
    assert.doesNotMatch(r.stderr, /did you mean "a"/);
  });

  it('reports a failing stage with package, stage, exit code, log path and last lines', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['bad'] };\n`,
      'package/bad/bad.ts': nativePackage(`{
        version: '1',
        async build(ctx) {
          await ctx.exec('sh', ['-c', 'echo compiling; echo "error: broken" >&2; exit 7']);
        },
      }`),
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(error\) command failed: sh -c/);
    assert.match(r.stderr, /package: bad \(stage: build\)/);
    assert.match(r.stderr, /exit code: 7/);
    assert.match(r.stderr, /log: .*output\/logs\/bad\.log/);
    assert.match(r.stderr, /error: broken/);
    assert.match(r.stderr, /file: .*package\/bad\/bad\.ts:5/);
    const log = await readFile(join(root, 'output/logs/bad.log'), 'utf8');
    assert.match(log, /compiling\nerror: broken/);
    const state = await readFile(join(root, 'output/build/bad-1/.releng-state'), 'utf8');
    assert.match(state, /^configure /m);
    assert.doesNotMatch(state, /^build /m);
  });

  it('names a missing tool and the package that needs it', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['t'] };\n`,
      'package/t/t.ts': nativePackage(
        `{ async configure(ctx) { await ctx.exec('no-such-tool-xyz', ['--version']); } }`,
      ),
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /command not found: no-such-tool-xyz/);
    assert.match(r.stderr, /package: t \(stage: configure\)/);
  });

  it('runs per-package actions: -rebuild, -clean, -printvars, -exec', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['app'] };\n`,
      'package/app/app.ts': tracing(['lib']),
      'package/lib/lib.ts': tracing(),
    });
    assert.equal((await releng(['-R', root])).code, 0);
    const trace = () =>
      readFile(join(root, 'output/trace.txt'), 'utf8').then((t) => t.trim().split('\n'));
    assert.equal((await trace()).length, 6);
    let r = await releng(['-R', root, 'lib-rebuild']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await trace()).slice(6), ['lib:build', 'lib:install']);
    r = await releng(['-R', root, 'app-reconfigure']);
    assert.deepEqual((await trace()).slice(8), ['app:configure', 'app:build', 'app:install']);
    r = await releng(['-R', root, 'app-printvars']);
    assert.match(r.stdout, /^APP_DEPENDENCIES=lib$/m);
    assert.match(r.stdout, /^APP_VERSION=1\.0$/m);
    r = await releng(['-R', root, 'app-exec', 'echo "$PKG_NAME in $(basename "$PWD")" > exec.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      (await readFile(join(root, 'output/build/app-1.0/exec.txt'), 'utf8')).trim(),
      'app in app-1.0',
    );
    r = await releng(['-R', root, 'app-clean']);
    assert.ok(!existsSync(join(root, 'output/build/app-1.0')));
    assert.ok(existsSync(join(root, 'output/build/lib-1.0')));
    r = await releng(['-R', root, 'clean']);
    assert.ok(!existsSync(join(root, 'output/build')));
  });

  it('prints one JSON event per line with --json', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': nativePackage(`{ async build(ctx) { ctx.log('hi'); } }`),
    });
    const r = await releng(['-R', root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(events[0].type, 'run-start');
    assert.ok(
      events.some(
        (e) => e.type === 'stage-end' && e.stage === 'build' && typeof e.durationMs === 'number',
      ),
    );
    assert.ok(events.some((e) => e.type === 'log' && e.message === 'hi' && e.pkg === 'a'));
    assert.deepEqual(events.at(-1).type, 'run-end');
  });

  it('scaffolds a project with init that then builds', async () => {
    const root = await project({});
    let r = await releng(['-R', join(root, 'new'), 'init']);
    assert.equal(r.code, 0, r.stderr);
    r = await releng(['-R', join(root, 'new')]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(root, 'new/output/target/usr/share/hello/hello.txt')));
    r = await releng(['-R', join(root, 'new'), 'init']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already holds a project/);
  });

  it('loads TypeScript definitions as ES modules even under a "type": "commonjs" package.json', async () => {
    const root = await project({
      'package.json': '{ "name": "p", "type": "commonjs" }\n',
      'releng.config.ts': `import { defineProject } from 'releng';\nexport default defineProject({ packages: ['a'] });\n`,
      'package/a/a.ts': nativePackage(`{ version: '1' }`),
    });
    const r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('punch re-runs every stage exactly once (fetch too)', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['a', 'b'] };\n`,
      'package/a/a.ts': nativePackage(`{ version: '1', site: 'local' }`),
      'package/a/local/x.txt': 'x\n',
      'package/b/b.ts': nativePackage(`{ version: '1', site: 'local', dependencies: ['a'] }`),
      'package/b/local/y.txt': 'y\n',
    });
    assert.equal((await releng(['-R', root])).code, 0);
    const r = await releng(['-R', root, 'punch']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/^fetching a\.\.\.$/gm)?.length, 1);
    assert.equal(r.stdout.match(/^building b\.\.\.$/gm)?.length, 1);
  });

  it('refuses an unknown action with a suggestion and a non-zero exit', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['libx'] };\n`,
      'package/libx/libx.ts': nativePackage(`{}`),
    });
    const r = await releng(['-R', root, 'libz']);
    assert.equal(r.code, 2, 'a usage error');
    assert.match(
      r.stderr,
      /unknown action or package: libz \(did you mean "libx"(?: or "lint")?\?\)/,
    );
  });

  it('loads extensions that register package types, and checks prerequisites first', async () => {
    const root = await project({
      'releng.config.ts': `export default { packages: ['x'], extensions: ['./ext/marker.ts'] };\n`,
      'ext/marker.ts': `export default function (api) {
        api.registerPackageType({
          name: 'marker',
          async install(ctx) {
            const fs = await import('node:fs');
            fs.writeFileSync(ctx.stage.dirs.target + '/marker-' + ctx.pkg.name, ctx.pkg.version);
          },
        });
      }\n`,
      'package/x/x.ts': nativePackage(`{ version: '5', type: 'marker' }`),
    });
    let r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(root, 'output/target/marker-x'), 'utf8'), '5');
    // Cached project: the extension must still be active.
    r = await releng(['-R', root, 'x-reinstall']);
    assert.equal(r.code, 0, r.stderr);

    const typo = await project({
      'releng.config.ts': `export default { packages: ['x'] };\n`,
      'package/x/x.ts': nativePackage(`{ type: 'scrpt' }`),
    });
    r = await releng(['-R', typo]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /unknown package type "scrpt" for package "x" \(did you mean "script"\?\)/,
    );

    const prereq = await project({
      'releng.config.ts': `export default { packages: ['x'], prerequisites: ['sh', 'no-such-tool-abc'] };\n`,
      'package/x/x.ts': nativePackage(`{ async build() { throw new Error('must not run'); } }`),
    });
    r = await releng(['-R', prereq]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /missing host tool: no-such-tool-abc/);
  });
});
