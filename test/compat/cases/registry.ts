// releng-tool's registry tests (tests/unit-tests/test_registry.py) call the
// registry an extension's releng_setup(app) is given; here each is an
// extension module of the project's that makes the same calls, and a stage
// script or the console shows the outcome.
import { assert, type Case, type Ctx } from '../lib.ts';

/** A one-package project loading the extension module `regext` (plus `extra` extensions). */
function extensionProject(t: Ctx, setup: string, extra: string[] = []): void {
  const exts = ['regext', ...extra].map((e) => `'${e}'`).join(', ');
  t.write('releng-tool.rt', `packages = ['test']\nextensions = [${exts}]\n`);
  t.write('package/test/test.rt', '');
  t.write(
    'package/test/test-build.rt',
    "print('build sees', globals().get('last-event'), globals().get('calls'))\n",
  );
  t.write('regext.py', setup);
}

/** Listeners on config-loaded, each setting last-event to its name, connected with the given priorities. */
function prioritySetup(listeners: Array<[string, number | undefined]>): string {
  const lines = ['def releng_setup(app):'];
  for (const [name, priority] of listeners) {
    lines.push(`    def on_${name}(env):`, `        env['last-event'] = '${name}'`);
    lines.push(
      `    app.connect('config-loaded', on_${name}${priority === undefined ? '' : `, priority=${priority}`})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function lastEvent(
  name: string,
  from: string,
  listeners: Array<[string, number | undefined]>,
  expected: string,
): Case {
  return {
    name: `registry/${name}`,
    needs: ['python3'],
    from: `test_registry.py::${from}`,
    async run(t) {
      extensionProject(t, prioritySetup(listeners));
      const r = await t.ok();
      assert.match(r.output, new RegExp(`build sees ${expected} `));
    },
  };
}

export const registryCases: Case[] = [
  lastEvent(
    'priority-fifo',
    'test_registry_priority_fifo',
    [
      ['first', undefined],
      ['second', undefined],
    ],
    'second',
  ),
  lastEvent(
    'priority-lower-later',
    'test_registry_priority_scenario01',
    [
      ['first', undefined],
      ['second', 50],
    ],
    'first',
  ),
  lastEvent(
    'priority-three',
    'test_registry_priority_scenario02',
    [
      ['first', 50],
      ['second', undefined],
      ['third', 150],
    ],
    'third',
  ),
  lastEvent(
    'priority-order',
    'test_registry_priority_scenario03',
    [
      ['first', 1],
      ['second', 3],
      ['third', 2],
    ],
    'second',
  ),
  {
    name: 'registry/connect-disconnect',
    needs: ['python3'],
    from: 'test_registry.py::test_registry_connect_and_disconnect',
    async run(t) {
      extensionProject(
        t,
        `def releng_setup(app):
    def kept(env):
        env['calls'] = env.get('calls', 0) + 1
    def dropped(env):
        env['last-event'] = 'dropped'
    app.connect('config-loaded', kept)
    listener = app.connect('config-loaded', dropped)
    app.disconnect(listener)
`,
      );
      const r = await t.ok();
      assert.match(r.output, /build sees None 1/);
    },
  },
  {
    name: 'registry/already-loaded',
    needs: ['python3'],
    from: 'test_registry.py::test_registry_ignore_already_loaded_extension',
    async run(t) {
      // the same extension named twice is set up once
      extensionProject(
        t,
        `def releng_setup(app):
    def count(env):
        env['calls'] = env.get('calls', 0) + 1
    app.connect('config-loaded', count)
`,
        ['regext'],
      );
      const r = await t.ok();
      assert.match(r.output, /build sees None 1/);
    },
  },
  {
    name: 'registry/missing-extension',
    needs: ['python3'],
    from: 'test_registry.py::test_registry_missing_extension',
    async run(t) {
      extensionProject(t, 'def releng_setup(app):\n    pass\n', ['some_invalid_extension_entry']);
      const r = await t.fails();
      assert.match(r.output, /some_invalid_extension_entry/);
    },
  },
  {
    name: 'registry/invalid-registration',
    needs: ['python3'],
    from: 'test_registry.py::test_registry_invalid_registration',
    async run(t) {
      // every bad call raises RelengInvalidSetupException; the good ones do not
      extensionProject(
        t,
        `from releng_tool.api import RelengExtractExtensionInterface
from releng_tool.api import RelengFetchExtensionInterface
from releng_tool.api import RelengInvalidSetupException
from releng_tool.api import RelengPackageExtensionInterface


def releng_setup(app):
    def refused(label, call, *args):
        try:
            call(*args)
        except RelengInvalidSetupException:
            print('refused:', label)
        else:
            print('accepted:', label)

    kinds = {
        'add_extract_type': RelengExtractExtensionInterface,
        'add_fetch_type': RelengFetchExtensionInterface,
        'add_package_type': RelengPackageExtensionInterface,
    }
    for method, handler in kinds.items():
        call = getattr(app, method)
        refused(method + ' name not a string', call, False, handler)
        refused(method + ' name without ext-', call, 'invalid-name', handler)
        refused(method + ' handler not a class', call, 'ext-valid-name', False)
        refused(method + ' valid', call, 'ext-valid-name', handler)
        refused(method + ' twice', call, 'ext-valid-name', handler)
    refused('connect unknown event', app.connect, 'random-text', lambda **kw: None)
    refused('connect handler not callable', app.connect, 'config-loaded', False)
    refused('connect valid', app.connect, 'config-loaded', lambda **kw: None)
`,
      );
      const r = await t.ok();
      for (const method of ['add_extract_type', 'add_fetch_type', 'add_package_type']) {
        for (const bad of [
          'name not a string',
          'name without ext-',
          'handler not a class',
          'twice',
        ])
          assert.match(r.output, new RegExp(`refused: ${method} ${bad}`));
        assert.match(r.output, new RegExp(`accepted: ${method} valid`));
      }
      assert.match(r.output, /refused: connect unknown event/);
      assert.match(r.output, /refused: connect handler not callable/);
      assert.match(r.output, /accepted: connect valid/);
    },
  },
];
