// releng-tool's network-isolation and Python-extension tests
// (unit-tests/test_network_isolation.py, test_prj_configs_network_isolation.py,
// test_extension*.py, test_prj_configs_extensions.py,
// test_pkg_configs_extensions.py), re-expressed as CLI runs.
import { cpSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';

/** A loopback HTTP server answering every request with a small text file, counting them. */
async function withHttpd<T>(body: (site: string, served: () => number) => Promise<T>): Promise<T> {
  let count = 0;
  const server = createServer((_req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Sample text file.');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  try {
    return await body(`http://127.0.0.1:${port}/test.txt`, () => count);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

// The fixture's stage scripts import releng-tool's tests.support.network
// helper; the same few lines are written into each script here, so the case
// needs nothing from releng-tool's test tree: fetch the site through the
// proxy the environment names (urllib skips proxies for loopback addresses
// unless told to use them).
const FETCH_SCRIPT = `from urllib.request import ProxyHandler, build_opener
import os

proxies = {}
if 'http_proxy' in os.environ:
    proxies['http'] = os.environ['http_proxy']
site = releng_env('RELENG_TEST_NETWORK_ISOLATION_SITE')
with build_opener(ProxyHandler(proxies)).open(site, timeout=1) as rsp:
    print('fetched', rsp.status)
`;

function networkEventsFixture(t: Ctx): void {
  for (const stage of ['configure', 'build', 'install'])
    t.write(`package/test/test-${stage}.rt`, FETCH_SCRIPT);
}

function appendTo(t: Ctx, rel: string, line: string): void {
  t.write(rel, `${t.exists(rel) ? t.read(rel) : ''}\n${line}\n`);
}

const netisoCases: Case[] = [
  {
    name: 'pyext/netiso/engine-default',
    template: 'stage-network-events',
    needs: ['python3'],
    from: 'test_network_isolation.py::test_netiso_engine_default',
    async run(t) {
      networkEventsFixture(t);
      await withHttpd(async (site, served) => {
        const r = await t.ok([], { env: { RELENG_TEST_NETWORK_ISOLATION_SITE: site } });
        assert.equal(served(), 3, `three stages fetched:\n${r.output}`);
      });
    },
  },
  ...(
    [
      ['enforced-package', 'TEST_NETWORK_ISOLATION = True', undefined],
      ['enforced-project', undefined, 'network_isolation = True'],
    ] as const
  ).map(
    ([name, pkgLine, prjLine]): Case => ({
      name: `pyext/netiso/engine-${name}`,
      template: 'stage-network-events',
      needs: ['python3'],
      from: `test_network_isolation.py::test_netiso_engine_${name.replace('-', '_')}`,
      async run(t) {
        networkEventsFixture(t);
        if (pkgLine) appendTo(t, 'package/test/test.rt', pkgLine);
        if (prjLine) appendTo(t, 'releng-tool.rt', prjLine);
        await withHttpd(async (site, served) => {
          const r = await t.fails([], undefined, {
            env: { RELENG_TEST_NETWORK_ISOLATION_SITE: site },
          });
          assert.equal(served(), 0, `no request reached the server:\n${r.output}`);
          assert.doesNotMatch(r.output, /fetched 200/);
        });
      },
    }),
  ),
  {
    name: 'pyext/netiso/engine-unenforced-project',
    template: 'stage-network-events',
    needs: ['python3'],
    from: 'test_network_isolation.py::test_netiso_engine_unenforced_project',
    async run(t) {
      networkEventsFixture(t);
      appendTo(t, 'package/test/test.rt', 'TEST_NETWORK_ISOLATION = False');
      appendTo(t, 'releng-tool.rt', 'network_isolation = True');
      await withHttpd(async (site, served) => {
        const r = await t.ok([], { env: { RELENG_TEST_NETWORK_ISOLATION_SITE: site } });
        assert.equal(served(), 3, `three stages fetched:\n${r.output}`);
      });
    },
  },
  {
    // what a user sees of network_isolate()'s proxy handling: an isolated
    // stage has the user's proxy replaced, and the stages after the package
    // (the project's post-build script) have it back
    name: 'pyext/netiso/proxy-restored',
    template: 'stage-network-events',
    needs: ['python3'],
    from: 'test_network_isolation.py::test_netiso_util_proxy_restored',
    async run(t) {
      t.write(
        'package/test/test-build.rt',
        "print('build proxy replaced', releng_env('http_proxy') != 'dummy-proxy-value')\n",
      );
      t.write('releng-tool-post-build.rt', "print('post-build proxy', releng_env('http_proxy'))\n");
      t.remove('package/test/test-configure.rt');
      t.remove('package/test/test-install.rt');
      appendTo(t, 'package/test/test.rt', 'TEST_NETWORK_ISOLATION = True');
      const r = await t.ok([], { env: { http_proxy: 'dummy-proxy-value' } });
      assert.match(r.output, /build proxy replaced True/);
      assert.match(r.output, /post-build proxy dummy-proxy-value/);
    },
  },
];

const MINIMAL_CALL = (value: string) => `releng_config(
    packages = [
        'minimal',
    ],
    network_isolation=${value},
)
`;

const prjNetisoCases: Case[] = [
  ...(
    [
      ['cfgcall-invalid', 'call', '1', false],
      ['cfgcall-valid-false', 'call', 'False', true],
      ['cfgcall-valid-true', 'call', 'True', true],
      ['global-invalid', 'global', '1', false],
      ['global-valid-false', 'global', 'False', true],
      ['global-valid-true', 'global', 'True', true],
    ] as const
  ).map(
    ([name, how, value, ok]): Case => ({
      name: `pyext/prjcfg-netiso/${name}`,
      template: 'minimal',
      from: `test_prj_configs_network_isolation.py::test_prjconfig_network_isolation_${name.replace(/-/g, '_')}`,
      async run(t) {
        if (how === 'call') t.write('releng-tool.rt', MINIMAL_CALL(value));
        else appendTo(t, 'releng-tool.rt', `network_isolation = ${value}`);
        if (ok) {
          await t.ok();
        } else {
          const r = await t.fails();
          assert.match(r.output, /network_isolation/);
        }
      },
    }),
  ),
];

// The test extensions (releng-tool's tests/unit-tests/assets/extensions),
// copied into the project as the package `compat_ext`: releng-tool's tests
// import them as `tests.unit-tests.assets.extensions.<name>` from its own
// source tree, a project imports them from its root (on the import path).
const EXT = 'compat_ext';
const RT_EXT = 'tests.unit-tests.assets.extensions.';

function withExtensions(t: Ctx): void {
  cpSync(join(HERE, 'assets', 'extensions'), t.path(EXT), { recursive: true });
  if (t.exists('releng-tool.rt'))
    t.write('releng-tool.rt', t.read('releng-tool.rt').replaceAll(RT_EXT, `${EXT}.`));
}

const STAGES = ['bootstrap', 'configure', 'build', 'install', 'post'] as const;
/** A stage script printing the `last-event` entry the events extension leaves in its environment. */
const LAST_EVENT = (label: string) => `print('${label} sees', globals().get('last-event'))\n`;

const extensionCases: Case[] = [
  {
    // the events extension records each event in the environment it is
    // given: the package's script environment for package events, the
    // post-build script's for post-build events, as a script then sees
    name: 'pyext/ext/events',
    needs: ['python3'],
    from: 'test_extensions.py::test_extension_events',
    async run(t) {
      t.write('releng-tool.rt', `packages = ['test']\nextensions = ['${EXT}.events']\n`);
      t.write('package/test/test.rt', '');
      for (const stage of STAGES) t.write(`package/test/test-${stage}.rt`, LAST_EVENT(stage));
      t.write('releng-tool-post-build.rt', LAST_EVENT('post-build'));
      withExtensions(t);
      const r = await t.ok();
      assert.match(r.output, /bootstrap sees package-bootstrap-started/);
      assert.match(r.output, /configure sees package-configure-started/);
      assert.match(r.output, /build sees package-build-started/);
      assert.match(r.output, /install sees package-install-started/);
      assert.match(r.output, /post sees package-postprocess-started/);
      assert.match(r.output, /post-build sees post-build-started/);
    },
  },
  {
    name: 'pyext/ext/requires-new',
    template: 'minimal',
    needs: ['python3'],
    from: 'test_extensions.py::test_extension_requires_new',
    async run(t) {
      t.write('releng-tool.rt', `packages = ['minimal']\nextensions = ['${EXT}.new-requires']\n`);
      withExtensions(t);
      const r = await t.fails();
      assert.match(r.output, /not supported with this version/);
      assert.match(r.output, /new-requires/);
      assert.match(r.output, /999999/);
    },
  },
  {
    name: 'pyext/ext/requires-old',
    template: 'minimal',
    needs: ['python3'],
    from: 'test_extensions.py::test_extension_requires_old',
    async run(t) {
      t.write('releng-tool.rt', `packages = ['minimal']\nextensions = ['${EXT}.old-requires']\n`);
      withExtensions(t);
      await t.ok();
    },
  },
  {
    name: 'pyext/ext/event-workdirs',
    template: 'extension-env-dirs',
    needs: ['python3'],
    from: 'test_extension_event_workdirs.py::test_extension_event_workdirs',
    async run(t) {
      withExtensions(t);
      await t.ok();
      const expected: Record<string, string> = {
        'config-loaded': t.dir,
        'post-build-started': t.path('output', 'target'),
        'post-build-finished': t.path('output', 'target'),
      };
      for (const [event, dir] of Object.entries(expected)) {
        t.assertExists(`${event}.json`);
        const data = JSON.parse(t.read(`${event}.json`)) as { wd?: string };
        assert.ok(data.wd, `${event}.json has wd`);
        assert.equal(realpathSync(data.wd), realpathSync(dir), `${event} working folder`);
      }
    },
  },
  {
    name: 'pyext/ext/inject-env',
    template: 'extension-env-inject',
    needs: ['python3'],
    from: 'test_extension_inject_env.py::test_extension_inject_env',
    async run(t) {
      withExtensions(t);
      await t.ok();
      const data = JSON.parse(t.read('output', 'target', 'status.json')) as Record<string, unknown>;
      assert.equal(data['custom-invoke'], 42);
    },
  },
  {
    name: 'pyext/ext/package-events',
    template: 'extension-pkg-events',
    needs: ['python3'],
    from: 'test_extension_package_events.py::test_extension_package_events',
    async run(t) {
      withExtensions(t);
      await t.ok();
      const data = JSON.parse(t.read('events.json')) as Record<string, number>;
      let last = 0;
      for (const stage of ['bootstrap', 'configure', 'build', 'install', 'postprocess']) {
        for (const when of ['started', 'finished']) {
          const event = `package-${stage}-${when}`;
          assert.ok(event in data, `${event} seen: ${JSON.stringify(data)}`);
          assert.ok(data[event]! > last, `${event} after the one before`);
          last = data[event]!;
          delete data[event];
        }
      }
      assert.deepEqual(data, {}, 'no other events');
    },
  },
];

// An extension package type (not in releng-tool's tests, which only load
// one): each stage records what it was given, install writes into the
// target sysroot.
const PKG_TYPE_EXT = `import os


class Touch:
    def _mark(self, stage, name, opts):
        with open(os.path.join(str(opts.build_dir), stage + '.txt'), 'w') as f:
            f.write('%s %s %s %s' % (name, opts.name, opts.version, opts.ext))
        return True

    def configure(self, name, opts):
        return self._mark('configure', name, opts)

    def build(self, name, opts):
        return self._mark('build', name, opts)

    def install(self, name, opts):
        target = os.path.join(str(opts.target_dir), 'touched.txt')
        with open(target, 'w') as f:
            f.write(os.environ['TOUCH_GREETING'] + ' ' + opts.prefix + ' ' + str(opts.env['PKG_NAME']))
        return os.path.basename(os.getcwd()) == 'test-1.0'


def releng_setup(app):
    app.add_package_type('ext-touch', Touch)
`;

// An extension fetch type writing an archive into opts.cache_file, which
// is then extracted as any fetched archive.
const FETCH_TYPE_EXT = `import io
import os
import tarfile


class Gen:
    def fetch(self, name, opts):
        with tarfile.open(str(opts.cache_file), 'w:gz') as tar:
            data = ('generated for %s %s from %s' % (opts.name, opts.version, opts.site)).encode()
            info = tarfile.TarInfo('test-1.0/hello.txt')
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        return opts.cache_file


def releng_setup(app):
    app.add_fetch_type('ext-gen', Gen)
`;

extensionCases.push(
  {
    name: 'pyext/ext/fetch-type',
    needs: ['python3'],
    from: 'releng-tool extension API: RelengRegistry.add_fetch_type (no releng-tool test runs one)',
    async run(t) {
      t.write('releng-tool.rt', "packages = ['test']\nextensions = ['gen_ext']\n");
      t.write(
        'package/test/test.rt',
        "TEST_VCS_TYPE = 'ext-gen'\nTEST_SITE = 'gen://example/test-1.0.tar.gz'\nTEST_VERSION = '1.0'\n",
      );
      t.write('package/test/test-build.rt', "print(open('hello.txt').read())\n");
      t.write('gen_ext/__init__.py', FETCH_TYPE_EXT);
      const r = await t.ok();
      assert.match(r.output, /generated for test 1\.0 from gen:\/\/example\/test-1\.0\.tar\.gz/);
      // a second run keeps what was fetched
      const again = await t.ok(['test-rebuild']);
      assert.match(again.output, /generated for test 1\.0/);
    },
  },
  {
    name: 'pyext/ext/package-type',
    needs: ['python3'],
    from: 'releng-tool extension API: RelengRegistry.add_package_type (no releng-tool test runs one)',
    async run(t) {
      t.write(
        'releng-tool.rt',
        "packages = ['test']\nextensions = ['touch_ext']\nenvironment = {'TOUCH_GREETING': 'hello'}\n",
      );
      t.write(
        'package/test/test.rt',
        "TEST_TYPE = 'ext-touch'\nTEST_VERSION = '1.0'\nTEST_EXTOPT = {'mode': 'fast'}\n",
      );
      t.write('touch_ext/__init__.py', PKG_TYPE_EXT);
      await t.ok();
      assert.equal(
        t.read('output', 'build', 'test-1.0', 'configure.txt'),
        "ext-touch test 1.0 {'mode': 'fast'}",
      );
      assert.equal(
        t.read('output', 'build', 'test-1.0', 'build.txt'),
        "ext-touch test 1.0 {'mode': 'fast'}",
      );
      assert.equal(t.read('output', 'target', 'touched.txt'), 'hello /usr test');
    },
  },
  {
    name: 'pyext/ext/package-type-unknown',
    needs: ['python3'],
    from: 'releng-tool extension API: an ext- package type no extension registers',
    async run(t) {
      t.write('releng-tool.rt', "packages = ['test']\n");
      t.write('package/test/test.rt', "TEST_TYPE = 'ext-touch'\n");
      const r = await t.fails();
      assert.match(r.output, /TEST_TYPE/);
    },
  },
);

/** Extensions given in the project configuration (releng_config call or global), checked through what they do. */
const prjExtensionCases: Case[] = (
  [
    ['cfgcall-invalid', 'call', '1', []],
    [
      'cfgcall-valid-list',
      'call',
      `['${EXT}.events', '${EXT}.pkg-events']`,
      ['events', 'pkg-events'],
    ],
    ['cfgcall-valid-str', 'call', `'${EXT}.events'`, ['events']],
    ['global-invalid', 'global', '1', []],
    [
      'global-valid-list',
      'global',
      `['${EXT}.events', '${EXT}.pkg-events']`,
      ['events', 'pkg-events'],
    ],
    ['global-valid-str', 'global', `'${EXT}.events'`, ['events']],
  ] as const
).map(
  ([name, how, value, loaded]): Case => ({
    name: `pyext/prjcfg-ext/${name}`,
    template: 'minimal',
    needs: ['python3'],
    from: `test_prj_configs_extensions.py::test_prjconfig_extensions_${name.replace(/-/g, '_')}`,
    async run(t) {
      if (how === 'call')
        t.write(
          'releng-tool.rt',
          `releng_config(\n    packages = [\n        'minimal',\n    ],\n    extensions=${value},\n)\n`,
        );
      else appendTo(t, 'releng-tool.rt', `extensions = ${value}`);
      t.write('releng-tool-post-build.rt', LAST_EVENT('post-build'));
      withExtensions(t);
      if (loaded.length === 0) {
        const r = await t.fails();
        assert.match(r.output, /extensions/);
        return;
      }
      const r = await t.ok();
      // events: the post-build script sees the event it recorded
      assert.match(r.output, /post-build sees post-build-started/);
      // pkg-events: its record of the package's events
      assert.equal(t.exists('events.json'), (loaded as readonly string[]).includes('pkg-events'));
    },
  }),
);

// test_pkg_configs_extensions.py: a package definition from assets/configs
// as package `test` (releng-tool's LOAD), run.
const EXTRACT_EXT = `class Extract:
    def extract(self, name, opts):
        return False


def releng_setup(app):
    app.add_extract_type('ext-my-custom-extract-type', Extract)
`;

function pkgConfigProject(t: Ctx, config: string, extensions: string[] = []): void {
  const ext = extensions.length > 0 ? `extensions = ${JSON.stringify(extensions)}\n` : '';
  t.write('releng-tool.rt', `packages = ['test']\n${ext}`);
  t.write('package/test/test.rt', readFileSync(join(HERE, 'assets', 'configs', config), 'utf8'));
}

const pkgExtensionCases: Case[] = [
  ...(
    [
      ['ext-mods-invalid', 'ext-mods-invalid-type', /EXTOPT/],
      ['ext-mods-missing', 'missing', undefined],
      ['ext-mods-valid-empty', 'ext-mods-valid-empty', undefined],
      ['ext-mods-valid-data', 'ext-mods-valid-data', undefined],
      ['extract-type-invalid', 'extract-type-invalid-type', /EXTRACT_TYPE/],
      ['extract-type-missing', 'missing', undefined],
      ['extract-type-unregistered', 'extract-type-valid', /EXTRACT_TYPE/],
    ] as const
  ).map(
    ([name, config, error]): Case => ({
      name: `pyext/pkgcfg-ext/${name}`,
      needs: ['python3'],
      from: `test_pkg_configs_extensions.py::test_pkgconfig_${name.replace(/-/g, '_').replace('ext_mods_valid_empty', 'ext_mods_valid').replace('ext_mods_valid_data', 'ext_mods_valid')}`,
      async run(t) {
        pkgConfigProject(t, config);
        if (error) {
          const r = await t.fails();
          assert.match(r.output, error);
        } else {
          await t.ok();
        }
      },
    }),
  ),
  {
    name: 'pyext/pkgcfg-ext/extract-type-registered',
    needs: ['python3'],
    from: 'test_pkg_configs_extensions.py::test_pkgconfig_extract_type_registered',
    async run(t) {
      pkgConfigProject(t, 'extract-type-valid', ['my_extract_ext']);
      t.write('my_extract_ext/__init__.py', EXTRACT_EXT);
      await t.ok();
    },
  },
];

export const pyextCases: Case[] = [
  ...pkgExtensionCases,
  ...netisoCases,
  ...prjNetisoCases,
  ...extensionCases,
  ...prjExtensionCases,
];
