// Differences between releng-tool 4.x and releng that were once left open,
// each checked here through the command line on a small project of this
// harness's own: an unknown action's exit code, a script's SystemExit, colours,
// `--config`, local sites, warnings, per-package variables, autotools, console
// marks and the SPDX licenseConcluded. Where a releng-tool test checks the
// same thing through its internal API, `from` names it; otherwise `from` says
// what of releng-tool's behaviour the case holds (found by running it).
import { chmodSync } from 'node:fs';
import { assert, type Case, type Ctx } from '../lib.ts';
import { fakeTool, toolCalls } from './eng.ts';

/** A project of script packages; `defs` maps a package to its extra definition lines. */
function scriptProject(t: Ctx, defs: Record<string, string>, project = ''): void {
  const names = Object.keys(defs);
  t.write('releng-tool.rt', `packages = [${names.map((n) => `'${n}'`).join(', ')}]\n${project}`);
  for (const [name, lines] of Object.entries(defs)) {
    const key = name.toUpperCase().replace(/-/g, '_');
    t.write(`package/${name}/${name}.rt`, `${key}_VERSION = '1.0'\n${lines}`);
  }
}

/** Two packages, `b` needing `a`; `a`'s build script is `build`, every other stage script prints its name. */
function exitProject(t: Ctx, build: string): void {
  scriptProject(t, { a: '', b: "B_NEEDS = ['a']\n" });
  t.write('package/a/a-build.rt', build);
  t.write('package/a/a-install.rt', "print('a install ran')\n");
  t.write('package/b/b-build.rt', "print('b build ran')\n");
  t.write('releng-tool-post-build.rt', "print('post-build ran')\n");
}

const EXIT: Case[] = [
  {
    name: 'diffs/unknown-action-exit-code',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_unknown_action (the exit code of the run)',
    async run(t) {
      // releng-tool's main() returns 1 for an unknown action (no usage code 2)
      const r = await t.fails(['unknown-package', '--nocolorout'], 1);
      assert.match(r.output, /unknown action or package: unknown-package/);
      t.assertMissing('output/target');
    },
  },
  {
    name: 'diffs/script-sys-exit-0-ends-run',
    from: 'releng-tool: a SystemExit raised by a stage script is not caught, it ends the process (no releng-tool test)',
    async run(t) {
      exitProject(t, "import sys\nprint('a build before')\nsys.exit(0)\nprint('a build after')\n");
      const r = await t.ok(['--nocolorout']);
      assert.match(r.output, /a build before/);
      for (const gone of ['a build after', 'a install ran', 'b build ran', 'post-build ran'])
        assert.ok(!r.output.includes(gone), `"${gone}" after sys.exit(0):\n${r.output}`);
      assert.doesNotMatch(r.output, /\(error\)/);
    },
  },
  {
    name: 'diffs/script-exit-builtin-ends-run',
    from: 'releng-tool: the exit() builtin in a stage script ends the whole run, with code 0 (no releng-tool test)',
    async run(t) {
      exitProject(t, "print('a build before')\nexit()\n");
      const r = await t.ok(['--nocolorout']);
      for (const gone of ['a install ran', 'b build ran', 'post-build ran'])
        assert.ok(!r.output.includes(gone), `"${gone}" after exit():\n${r.output}`);
    },
  },
  {
    name: 'diffs/script-sys-exit-code-ends-run',
    from: 'releng-tool: sys.exit(4) in a stage script ends the whole run with code 4 (no releng-tool test)',
    async run(t) {
      exitProject(t, "import sys\nprint('a build before')\nsys.exit(4)\n");
      const r = await t.fails(['--nocolorout'], 4);
      for (const gone of ['a install ran', 'b build ran', 'post-build ran'])
        assert.ok(!r.output.includes(gone), `"${gone}" after sys.exit(4):\n${r.output}`);
    },
  },
  {
    name: 'diffs/post-build-sys-exit-0',
    from: 'releng-tool: sys.exit(0) in the post-build script ends the run there, with code 0 (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: '' });
      t.write('package/a/a-build.rt', "print('a build ran')\n");
      t.write('releng-tool-post-build.rt', 'import sys\nsys.exit(0)\n');
      const r = await t.ok(['--nocolorout']);
      assert.match(r.output, /a build ran/);
      // the run ends in the script: no closing success message after it
      assert.doesNotMatch(r.output, /\(error\)|completed/);
    },
  },
  {
    name: 'diffs/definition-sys-exit-0-ends-run',
    from: 'releng-tool: sys.exit(0) in a package definition ends the run before any stage (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: 'import sys\nsys.exit(0)\n' });
      t.write('package/a/a-build.rt', "print('a build ran')\n");
      const r = await t.ok(['--nocolorout']);
      assert.doesNotMatch(r.output, /a build ran|completed|\(error\)/);
      t.assertMissing('output/build');
    },
  },
];

const ESC = '\x1b[';

/** A one-package project whose build script records CLICOLOR_FORCE; runs it with `args` and `env`. */
async function colorRun(t: Ctx, args: string[], env: Record<string, string> = {}) {
  scriptProject(t, { a: '' });
  t.write(
    'package/a/a-build.rt',
    "releng_touch(ROOT_DIR / ('clicolor-' + os.environ.get('CLICOLOR_FORCE', 'unset')))\n",
  );
  // the harness's output is a pipe, never a terminal
  return t.ok(args, { env });
}

const COLOR: Case[] = [
  {
    name: 'diffs/color-default-on-a-pipe',
    from: 'test_mainline_color.py::test_mainline_color_force_disabled (its inverse: colour on a pipe without NO_COLOR)',
    async run(t) {
      const r = await colorRun(t, []);
      assert.ok(
        r.output.includes(ESC),
        `coloured without a terminal:\n${JSON.stringify(r.output)}`,
      );
      // and commands are told to colour too
      t.assertExists('clicolor-1');
    },
  },
  {
    name: 'diffs/color-nocolorout',
    from: "test_engine_run_args.py::test_engine_run_args_nocolorout (console output plus the commands' environment)",
    async run(t) {
      const r = await colorRun(t, ['--nocolorout']);
      assert.ok(!r.output.includes(ESC), JSON.stringify(r.output));
      t.assertExists('clicolor-unset');
    },
  },
  {
    name: 'diffs/color-no-color-env',
    from: 'releng-tool: a non-empty NO_COLOR turns colour off, an empty one does not (no releng-tool test)',
    async run(t) {
      const r = await colorRun(t, [], { NO_COLOR: '1' });
      assert.ok(!r.output.includes(ESC), JSON.stringify(r.output));
      t.remove('output');
      const r2 = await t.ok([], { env: { NO_COLOR: '' } });
      assert.ok(r2.output.includes(ESC), JSON.stringify(r2.output));
    },
  },
  {
    name: 'diffs/color-force-color-wins-over-nocolorout',
    from: 'releng-tool: a non-empty FORCE_COLOR (even 0) wins over --nocolorout and NO_COLOR (no releng-tool test)',
    async run(t) {
      const r = await colorRun(t, ['--nocolorout'], { FORCE_COLOR: '1' });
      assert.ok(
        r.output.includes(ESC),
        `FORCE_COLOR over --nocolorout:\n${JSON.stringify(r.output)}`,
      );
      t.assertExists('clicolor-1');
      t.remove('output');
      const r2 = await t.ok([], { env: { FORCE_COLOR: '0', NO_COLOR: '1' } });
      assert.ok(r2.output.includes(ESC), `FORCE_COLOR=0 is set:\n${JSON.stringify(r2.output)}`);
    },
  },
];

const CONFIG: Case[] = [
  {
    name: 'diffs/config-from-cwd-adds-rt',
    from: 'test_engine_run_args.py::test_engine_run_args_config_file (a relative path run from another folder)',
    async run(t) {
      scriptProject(t, { a: '' });
      // the project file moves out of the root, into the folder the command runs in
      t.write('elsewhere/custom.rt', t.read('releng-tool.rt'));
      t.remove('releng-tool.rt');
      const cwd = t.path('elsewhere');
      // relative to the working folder, `.rt` added
      const r = await t.ok(['--config', 'custom', 'printpkgs'], { cwd });
      assert.match(r.stdout, /^a \(1\.0\)$/m);
      // a `.py` file is found the same way
      t.write('elsewhere/other.py', t.read('elsewhere/custom.rt'));
      const r2 = await t.ok(['--config', 'other', 'printpkgs'], { cwd });
      assert.match(r2.stdout, /^a \(1\.0\)$/m);
      // not relative to the root: from the root's parent, `custom` is no file
      await t.fails(['--config', 'custom', 'printpkgs'], 1, { cwd: t.path('..') });
    },
  },
];

const LOCAL: Case[] = [
  {
    name: 'diffs/local-site-beside-the-project',
    from: 'releng-tool: a `local` site without package/<pkg>/local builds from <root>/../<pkg> (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: "A_SITE = 'local'\n" });
      t.write(
        'package/a/a-build.rt',
        "releng_touch(ROOT_DIR / ('saw-' + open('marker.txt').read()))\n",
      );
      // no package/a/local: the sources sit beside the project, in ../a
      t.write('../a/marker.txt', 'sibling');
      await t.ok(['--nocolorout']);
      t.assertExists('saw-sibling');
    },
  },
  {
    name: 'diffs/local-site-missing',
    from: 'releng-tool: a `local` site with neither package/<pkg>/local nor <root>/../<pkg> fails before any stage (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: "A_SITE = 'local'\n" });
      t.write('package/a/a-build.rt', "releng_touch(ROOT_DIR / 'built')\n");
      const r = await t.fails(['--nocolorout'], 1);
      assert.match(r.output, /local/);
      t.assertMissing('built');
    },
  },
];

const WARNINGS: Case[] = [
  {
    name: 'diffs/no-warning-for-unlicensed-packages',
    from: 'releng-tool: external packages without LICENSE are not warned about (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: '', b: '' });
      const r = await t.ok(['--nocolorout']);
      assert.doesNotMatch(r.output, /licen[cs]e information:|no license/i);
    },
  },
  {
    name: 'diffs/lint-releng-config-ignored-option',
    from: 'releng-tool: RT200 in its own words; a lint gives no load warning for a project option releng_config(...) overrides, a run does (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: '' });
      t.write('releng-tool.rt', "packages = ['a']\nreleng_config(packages=['a'])\n");
      const r = await t.fails(['lint', '--nocolorout'], 1);
      assert.match(
        r.output,
        /RT200 use of global option is ignored when using releng_config: packages/,
      );
      assert.doesNotMatch(r.output, /ignored since this project uses/);
      const run = await t.ok(['--nocolorout']);
      assert.match(
        run.output,
        /project option `packages` ignored since this project uses `releng_config`/,
      );
    },
  },
];

/** A script that writes every `A_*` variable of its environment to `file` (KEY=VALUE lines). */
const dumpA = (file: string): string =>
  `import os\nwith open(os.path.join(os.environ['ROOT_DIR'], '${file}'), 'w') as f:\n    for k in sorted(os.environ):\n        if k.startswith('A_'):\n            f.write('%s=%s\\n' % (k, os.environ[k]))\n`;

const VARIABLES: Case[] = [
  {
    name: 'diffs/every-package-sees-every-build-dir',
    from: 'releng-tool: each package puts its <PKG>_BUILD_DIR, _BUILD_OUTPUT_DIR, _DEFDIR, _NAME, _REVISION and _VERSION in the environment of every later script (no releng-tool test)',
    async run(t) {
      // b does not need a: it still sees a's variables; so do the commands
      // a package type runs (c's make, a stand-in recording them)
      scriptProject(t, {
        a: "A_REVISION = 'r1'\n",
        b: '',
        c: "C_SITE = 'local'\nC_TYPE = 'make'\n",
      });
      t.write('package/b/b-build.rt', dumpA('b-saw.txt'));
      t.write('releng-tool-post-build.rt', dumpA('post-saw.txt'));
      t.write('package/c/local/Makefile', 'all:\n');
      t.write('make-env.sh', `#!/bin/sh\nenv | grep '^A_' | sort > "${t.path('make-saw.txt')}"\n`);
      chmodSync(t.path('make-env.sh'), 0o755);
      await t.ok(['--nocolorout', '-j1'], { env: { RELENG_MAKE: t.path('make-env.sh') } });
      for (const file of ['b-saw.txt', 'post-saw.txt', 'make-saw.txt']) {
        const got = t.kv(file);
        assert.equal(got.A_BUILD_DIR, t.path('output/build/a-1.0'), file);
        assert.equal(got.A_BUILD_OUTPUT_DIR, t.path('output/build/a-1.0'), file);
        assert.equal(got.A_DEFDIR, t.path('package/a'), file);
        assert.equal(got.A_NAME, 'a', file);
        assert.equal(got.A_REVISION, 'r1', file);
        assert.equal(got.A_VERSION, '1.0', file);
      }
    },
  },
];

/** An autotools package `a` (local sources whose ./configure records its arguments) with the given lines; make is a stand-in. */
function autotoolsProject(t: Ctx, lines: string): Record<string, string> {
  scriptProject(t, { a: `A_SITE = 'local'\nA_TYPE = 'autotools'\n${lines}` });
  t.write(
    'package/a/local/configure',
    `#!/bin/sh\nprintf '%s\\n' "$*" >> "${t.path('configure-calls.log')}"\n`,
  );
  chmodSync(t.path('package/a/local/configure'), 0o755);
  return { RELENG_MAKE: fakeTool(t, 'make'), RELENG_AUTORECONF: fakeTool(t, 'autoreconf') };
}

const AUTOTOOLS_DEFS =
  "A_CONF_DEFS = {'--enable-x': 'yes'}\nA_CONF_OPTS = ['--with-y']\nA_BUILD_DEFS = {'V': '1'}\nA_BUILD_OPTS = ['all']\nA_INSTALL_DEFS = {'Q': '2'}\n";

const AUTOTOOLS: Case[] = [
  {
    name: 'diffs/autotools-arguments',
    from: 'test_engine_pkg_autotools.py::test_engine_pkg_autotools_default (the arguments of each command)',
    async run(t) {
      const env = autotoolsProject(t, `${AUTOTOOLS_DEFS}A_AUTOTOOLS_AUTORECONF = True\n`);
      await t.ok(['--nocolorout', '-j3'], { env });
      assert.deepEqual(
        toolCalls(t, 'autoreconf').map((c) => c.args),
        [['--verbose']],
      );
      assert.deepEqual(t.read('configure-calls.log').trim().split('\n'), [
        '--prefix=/usr --exec-prefix=/usr --enable-x=yes --with-y',
      ]);
      const make = toolCalls(t, 'make').map((c) => c.args);
      assert.deepEqual(make, [
        ['V=1', 'all', '--jobs', '3'],
        [`DESTDIR=${t.path('output/target')}`, 'install', 'Q=2'],
      ]);
    },
  },
  {
    name: 'diffs/autotools-install-opts-replace-target',
    from: 'releng-tool: an autotools INSTALL_OPTS replaces the install target; one job gives make no --jobs (no releng-tool test)',
    async run(t) {
      const env = autotoolsProject(t, `${AUTOTOOLS_DEFS}A_INSTALL_OPTS = ['install-strip']\n`);
      await t.ok(['--nocolorout', '-j1'], { env });
      const make = toolCalls(t, 'make').map((c) => c.args);
      assert.deepEqual(make, [
        ['V=1', 'all'],
        [`DESTDIR=${t.path('output/target')}`, 'Q=2', 'install-strip'],
      ]);
    },
  },
  {
    name: 'diffs/autotools-prefix-defs',
    from: 'releng-tool: CONF_DEFS may replace --prefix / --exec-prefix in place (no releng-tool test)',
    async run(t) {
      const env = autotoolsProject(t, "A_CONF_DEFS = {'--exec-prefix': '/opt'}\n");
      await t.ok(['--nocolorout', '-j1'], { env });
      assert.deepEqual(t.read('configure-calls.log').trim().split('\n'), [
        '--prefix=/usr --exec-prefix=/opt',
      ]);
    },
  },
];

const MESSAGES_SCRIPT =
  "verbose('my verbose {}', 1)\ndebug('my debug {}', 2)\nnote('my note')\nlog('my log')\nprint('invoked a package build stage')\n";

const CONSOLE: Case[] = [
  {
    name: 'diffs/console-marks-and-no-prefix',
    from: 'releng-tool: (verbose) and (debug) marks, script lines without a package prefix when one package builds, the "all packages have been processed" and sbom lines (no releng-tool test)',
    async run(t) {
      scriptProject(t, { a: '' });
      t.write('package/a/a-build.rt', MESSAGES_SCRIPT);
      // without flags: what the script prints and its log/note lines, as they are
      let r = await t.ok(['--nocolorout']);
      for (const line of ['invoked a package build stage', 'my note', 'my log'])
        assert.match(r.stdout, new RegExp(`^${line}$`, 'm'), r.stdout);
      assert.doesNotMatch(r.output, /my verbose|my debug/);
      assert.match(
        r.stdout,
        /^all packages have been processed\ngenerating sbom information\.\.\.\ngenerating license information\.\.\.$/m,
      );
      t.remove('output');
      r = await t.ok(['--nocolorout', '--verbose']);
      assert.match(r.stdout, /^\(verbose\) my verbose 1$/m, r.stdout);
      assert.doesNotMatch(r.output, /my debug/);
      t.remove('output');
      r = await t.ok(['--nocolorout', '--debug']);
      assert.match(r.output, /^\(verbose\) my verbose 1$/m);
      assert.match(r.output, /^\(debug\) my debug 2$/m);
      assert.match(r.stdout, /^invoked a package build stage$/m);
    },
  },
];

/** The `spdx:Package` element of package `name` in an SPDX RDF/XML document. */
function rdfPackage(doc: string, name: string): string {
  const found = doc
    .split('<spdx:Package')
    .slice(1)
    .find((p) => p.includes(`<spdx:name>${name}</spdx:name>`));
  assert.ok(found, `no spdx:Package ${name} in:\n${doc.slice(0, 400)}`);
  return found.split('</spdx:Package>')[0]!;
}

/** The value of an RDF element, as text content or as an rdf:resource. */
function rdfValue(pkg: string, element: string): string {
  const m = new RegExp(`<${element}(?: rdf:resource="([^"]*)")?\\s*/?>([^<]*)`).exec(pkg);
  assert.ok(m, `no ${element} in ${pkg}`);
  return (m[1] || m[2] || '').trim();
}

const SBOM: Case[] = [
  {
    name: 'diffs/spdx-license-concluded',
    from: "releng-tool: licenseConcluded is NONE for a package without a license and NOASSERTION otherwise; a local site's downloadLocation is NONE (no releng-tool test checks the values)",
    async run(t) {
      scriptProject(t, {
        a: "A_SITE = 'local'\nA_LICENSE = ['MIT']\n",
        b: "B_SITE = 'local'\n",
      });
      t.write('package/a/local/.keep', '');
      t.write('package/b/local/.keep', '');
      await t.ok(['--nocolorout', '--sbom-format', 'json-spdx,rdf-spdx']);
      const doc = JSON.parse(t.read('output/sbom-spdx.json')) as {
        packages: Array<Record<string, string>>;
      };
      const pkg = (name: string) => doc.packages.find((p) => p.name === name)!;
      assert.equal(pkg('a').licenseDeclared, 'MIT');
      assert.equal(pkg('a').licenseConcluded, 'NOASSERTION');
      assert.equal(pkg('b').licenseConcluded, 'NONE');
      assert.equal(pkg('a').downloadLocation, 'NONE');
      const rdf = t.read('output/sbom-spdx.xml');
      assert.match(rdfValue(rdfPackage(rdf, 'a'), 'spdx:licenseConcluded'), /noassertion$/i);
      assert.match(rdfValue(rdfPackage(rdf, 'b'), 'spdx:licenseConcluded'), /none$/i);
    },
  },
];

/** The cases of this file. */
export const diffsCases: Case[] = [
  ...EXIT,
  ...COLOR,
  ...CONFIG,
  ...LOCAL,
  ...WARNINGS,
  ...VARIABLES,
  ...AUTOTOOLS,
  ...CONSOLE,
  ...SBOM,
];
