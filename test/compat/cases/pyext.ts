// releng-tool's network-isolation and Python-extension tests
// (unit-tests/test_network_isolation.py, test_prj_configs_network_isolation.py,
// test_extension*.py, test_prj_configs_extensions.py,
// test_pkg_configs_extensions.py), re-expressed as CLI runs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assert, type Case, type Ctx } from '../lib.ts';

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

export const pyextCases: Case[] = [...netisoCases, ...prjNetisoCases];
