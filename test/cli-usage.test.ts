import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject } from './helpers.ts';

let root: string;
before(async () => {
  root = await makeProject({
    'releng.config.ts': `import { defineProject } from 'releng';\nexport default defineProject({ packages: ['hello'] });\n`,
    'package/hello/hello.ts': nativePackage(`{ version: '1' }`),
  });
});
after(async () => {
  await removeProject(root);
});

describe('usage errors exit 2 with a suggestion', () => {
  for (const [args, message] of [
    [
      ['--sbom-format', 'htm'],
      /--sbom-format: unknown SBOM format "htm" \(did you mean "html"\?\)/,
    ],
    [['--sbom-format=text,spdx,cdx'], /unknown SBOM format "cdx"/],
    [['--json=yes'], /--json takes no value \(got "yes"\)/],
    [['--out-dir='], /--out-dir needs a value, not an empty word/],
    [['--root-dir'], /--root-dir needs a value/],
    [['-j', 'many'], /--jobs takes a whole number, not "many"/],
    [['-j', '1e3'], /--jobs takes a whole number, not "1e3"/],
    [['-j99999'], /--jobs 99999 is out of range/],
    [['hello-exec'], /nothing to run for hello-exec/],
    [['-L', 'hello:'], /-L "hello:" names no folder/],
    [['--development='], /needs a mode name/],
    [['--source', 'x'], /--source is an option of "releng package" only/],
    [['--out', 'x', 'clean'], /--out is an option of "releng package" only/],
    [['package'], /package needs a description file/],
    [['package', 'a.yaml', 'b.yaml'], /package takes one description file, not 2/],
    [['init', 'extra'], /"init" takes no further words \(got "extra"\)/],
    [['help', 'bogus'], /no help on "bogus"/],
  ] as const) {
    it(`releng ${args.join(' ')}`, async () => {
      const r = await releng(['-R', root, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  // releng-tool exits 1 for an unknown option (2 stays for the other usage errors)
  for (const [args, message] of [
    [['--jsn'], /unknown option --jsn \(did you mean "--json"\?\)/],
    [['-verbose'], /unknown option -verbose \(did you mean "--verbose"\?\)/],
    [['--no-colour'], /unknown option --no-colour \(did you mean "--no-color"\?\)/],
  ] as const) {
    it(`releng ${args.join(' ')} exits 1`, async () => {
      const r = await releng(['-R', root, ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  it('an unknown action is a usage error naming the closest actions and packages', async () => {
    const r = await releng(['-R', root, 'helo']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown action or package: helo \(did you mean "hello" or "help"/);
  });

  it('words after an action that takes none are refused before it runs', async () => {
    let r = await releng(['-R', root]);
    assert.equal(r.code, 0, r.stderr);
    r = await releng(['-R', root, 'clean', 'hello']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"clean" takes no further words \(got "hello"\)/);
    assert.ok(existsSync(join(root, 'output/build')), 'clean did not run');
    r = await releng(['-R', root, 'hello-rebuild', 'now']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"hello-rebuild" takes no further words/);
  });

  it('under --json a usage error is one JSON error event on stdout', async () => {
    for (const [args, code] of [
      [['--json', '--jsn'], 1],
      [['--json', 'helo'], 2],
    ] as const) {
      const r = await releng(['-R', root, ...args]);
      assert.equal(r.code, code, r.stderr);
      assert.equal(r.stderr, '');
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const error = events.find((e) => e.type === 'error');
      assert.ok(error, r.stdout);
      assert.match(error.message, /did you mean/);
      assert.equal(typeof error.details.hint, 'string');
    }
  });
});

describe('releng help', () => {
  it('is an action that prints the usage, even in a project with a package named hello', async () => {
    const r = await releng(['-R', root, 'help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^releng — build a project/);
    assert.equal(r.stdout, (await releng(['--help'])).stdout);
    assert.doesNotMatch(r.stdout + r.stderr, /did you mean/);
  });

  it('help repo prints the repository commands', async () => {
    const r = await releng(['help', 'repo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /releng repo create DIR/);
  });

  it("--help lists every command group, and help GROUP prints each one's own", async () => {
    const r = await releng(['--help']);
    assert.equal(r.code, 0, r.stderr);
    const section = r.stdout.slice(r.stdout.indexOf('command groups'));
    for (const word of ['repo', 'key', 'root', 'manifest', 'release']) {
      assert.match(section, new RegExp(`\\b${word} \\.\\.\\.`), word);
      const own = await releng(['help', word]);
      assert.equal(own.code, 0, `${word}: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`releng ${word}\\b`), word);
    }
  });
});
