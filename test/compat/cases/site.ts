// releng-tool's url-site, mirror, urlopen-context and patch tests, re-expressed
// as CLI runs: tests/unit-tests/test_site_url.py, test_url_mirror.py,
// test_prj_configs_url_mirror.py, test_prj_configs_urlopen_context.py and
// tests/tool-tests/test_tool_patch{,_filtering}.py. Sites are real HTTP(S)
// servers on 127.0.0.1 started by the case (a throwaway self-signed
// certificate made with openssl for HTTPS), answering from a queue of
// responses as releng-tool's tests/support/http_daemon.py does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { assert, type Case, type Ctx, HERE } from '../lib.ts';

const SAMPLES = join(HERE, 'assets', 'sample-files');

/** A loopback server answering each request with the next queued response (501 once empty). */
export interface Httpd {
  url: string;
  port: number;
  /** Responses still queued. */
  rsp: Array<[number, Buffer | string | null]>;
  /** Requests seen: method and path. */
  req: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (HTTPS with `tls`), on a free port. */
export async function httpd(tls?: { key: string; cert: string }): Promise<Httpd> {
  const state: Httpd = {
    url: '',
    port: 0,
    rsp: [],
    req: [],
    close: async () => {},
  };
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    state.req.push({ method: request.method ?? '', path: request.url ?? '' });
    request.resume();
    request.on('end', () => {
      const [code, data] = state.rsp.shift() ?? [501, null];
      response.writeHead(code, { Connection: 'close' });
      response.end(data ?? undefined);
    });
  };
  const server = tls ? createHttps(tls, handler) : createHttp(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  state.port = (server.address() as AddressInfo).port;
  state.url = `${tls ? 'https' : 'http'}://${tls ? 'localhost' : '127.0.0.1'}:${state.port}`;
  state.close = () =>
    new Promise((done) => {
      server.closeAllConnections?.();
      server.close(() => done());
    });
  return state;
}

/** Runs `body` with servers started, and always stops them. */
async function withServers(
  n: number,
  body: (servers: Httpd[]) => Promise<void>,
  tls?: { key: string; cert: string },
): Promise<void> {
  const servers: Httpd[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await httpd(tls));
    await body(servers);
  } finally {
    for (const s of servers) await s.close();
  }
}

/** Appends lines to a file of the project (releng-tool's tests append to definitions). */
function append(t: Ctx, rel: string, lines: string[]): void {
  t.write(rel, `${t.exists(rel) ? t.read(rel) : ''}\n${lines.join('\n')}\n`);
}
const MINIMAL = 'package/minimal/minimal.rt';
const BUILD = 'output/build/minimal-v1.0';
const sample = (name: string) => readFileSync(join(SAMPLES, name));

/** A url-site case on the `minimal` fixture: one server, a queued answer, a path on it. */
function urlCase(
  name: string,
  path: string,
  answers: Array<[number, Buffer | string | null]>,
  check: (t: Ctx, s: Httpd) => Promise<void>,
): Case {
  return {
    name: `site/url-${name}`,
    template: 'minimal',
    from: `test_site_url.py::test_site_url_${name.replace(/-/g, '_')}`,
    async run(t) {
      await withServers(1, async ([s]) => {
        s!.rsp.push(...answers);
        append(t, MINIMAL, [`MINIMAL_SITE="${s!.url}${path}"`]);
        await check(t, s!);
      });
    },
  };
}

/** A tar archive holding one member `../test` (a path leading out of the build folder). */
function traversalTar(): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, len: number, text: string) =>
    header.write(text.padEnd(len, '\0').slice(0, len), offset, 'latin1');
  field(0, 100, '../test');
  field(100, 8, '0000644');
  field(108, 8, '0000000');
  field(116, 8, '0000000');
  field(124, 12, '00000000004');
  field(136, 12, '00000000000');
  field(156, 1, '0');
  field(257, 6, 'ustar');
  field(263, 2, '00');
  field(148, 8, '        ');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const body = Buffer.alloc(512);
  body.write('test');
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

const siteUrlCases: Case[] = [
  urlCase(
    'fetch-archive-tar-bz2-valid',
    '/test.tar.bz2',
    [[200, sample('sample-files.tar.bz2')]],
    async (t) => {
      await t.ok();
      t.assertExists(BUILD, 'bz2-file-container.txt');
    },
  ),
  urlCase('fetch-archive-tar-invalid', '/test.tgz', [[200, 'not-an-archive']], async (t) => {
    await t.fails();
  }),
  urlCase(
    'fetch-archive-tar-path-traversal',
    '/traversal.tar',
    [[200, traversalTar()]],
    async (t) => {
      await t.fails();
      t.assertMissing('output', 'build', 'test');
      t.assertMissing('output', 'test');
    },
  ),
  urlCase(
    'fetch-archive-tar-valid-external-extract',
    '/test.tar',
    [[200, sample('sample-files.tar')]],
    async (t) => {
      await t.ok();
      t.assertExists(BUILD, 'tar-file-container.txt');
    },
  ),
  {
    name: 'site/url-fetch-archive-tar-valid-internal-extract',
    template: 'minimal',
    from: 'test_site_url.py::test_site_url_fetch_archive_tar_valid_internal_extract',
    async run(t) {
      await withServers(1, async ([s]) => {
        const data = sample('sample-files.tar');
        s!.rsp.push([200, data]);
        append(t, MINIMAL, [`MINIMAL_SITE="${s!.url}/test.tar"`]);
        await t.ok();
        t.assertExists(BUILD, 'tar-file-container.txt');
        // again in a new project, without stripping the top folder
        t.remove('output');
        t.remove('dl');
        t.remove('cache');
        s!.rsp.push([200, data]);
        append(t, MINIMAL, ['MINIMAL_STRIP_COUNT=0']);
        await t.ok();
        t.assertExists(BUILD, 'tar-file-root');
        t.assertExists(BUILD, 'container', 'tar-file-container.txt');
      });
    },
  },
  urlCase(
    'fetch-archive-tgz-valid',
    '/test.tgz',
    [[200, sample('sample-files.tgz')]],
    async (t) => {
      await t.ok();
      t.assertExists(BUILD, 'tgz-file-container.txt');
    },
  ),
  urlCase(
    'fetch-archive-txz-valid',
    '/test.tar.xz',
    [[200, sample('sample-files.tar.xz')]],
    async (t) => {
      await t.ok();
      t.assertExists(BUILD, 'txz-file-container.txt');
    },
  ),
  urlCase('fetch-archive-zip-invalid', '/test.zip', [[200, 'not-an-archive']], async (t) => {
    await t.fails();
  }),
  urlCase(
    'fetch-archive-zip-valid',
    '/test.zip',
    [[200, sample('sample-files.zip')]],
    async (t) => {
      await t.ok();
    },
  ),
  urlCase('fetch-file-http', '/test.txt', [[200, 'Sample text file.']], async (t, s) => {
    await t.ok();
    assert.equal(s.rsp.length, 0, 'the file was not fetched');
  }),
  urlCase('fetch-missing', '/missing.txt', [[404, null]], async (t) => {
    await t.fails();
  }),
  urlCase(
    'fetch-retry',
    '/test.txt',
    [
      [503, null],
      [200, 'Sample text file.'],
    ],
    async (t, s) => {
      await t.ok();
      assert.equal(s.rsp.length, 0, 'no retry after the 503');
    },
  ),
];

/** A throwaway key and self-signed certificate for localhost / 127.0.0.1, made with openssl. */
function selfSigned(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/** The https-self-signed fixture's project, with the certificate made for this run. */
const httpsProject = (certFile: string) => `import ssl

packages = [
    'pkg',
]

# configure for testing self-signed certificates
urlopen_context = ssl.create_default_context()
urlopen_context.load_verify_locations(${JSON.stringify(certFile)})
`;

const httpsCases: Case[] = [
  {
    name: 'site/url-fetch-file-https',
    template: 'https-self-signed',
    needs: ['openssl'],
    from: 'test_site_url.py::test_site_url_fetch_file_https',
    async run(t) {
      const dir = mkdtempSync(join(t.dir, '..', 'tls-'));
      try {
        const tls = selfSigned(dir);
        t.write('releng-tool.rt', httpsProject(tls.certFile));
        await withServers(
          1,
          async ([s]) => {
            s!.rsp.push([200, 'Sample text file.']);
            append(t, 'package/pkg/pkg.rt', [`PKG_SITE="${s!.url}/test.txt"`]);
            await t.ok();
            assert.equal(s!.rsp.length, 0, 'the file was not fetched');
          },
          tls,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'site/url-fetch-file-https-untrusted',
    template: 'https-self-signed',
    needs: ['openssl'],
    from: 'test_site_url.py::test_site_url_fetch_file_https (without the urlopen_context: the certificate is refused)',
    async run(t) {
      const dir = mkdtempSync(join(t.dir, '..', 'tls-'));
      try {
        const tls = selfSigned(dir);
        t.write('releng-tool.rt', "packages = ['pkg']\n");
        await withServers(
          1,
          async ([s]) => {
            s!.rsp.push([200, 'Sample text file.']);
            append(t, 'package/pkg/pkg.rt', [`PKG_SITE="${s!.url}/test.txt"`]);
            await t.fails();
            t.assertMissing('output/build/pkg');
          },
          tls,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];

/** A url_mirror case: the site server and the mirror server. */
function mirrorCase(
  name: string,
  run: (t: Ctx, site: Httpd, mirror: Httpd) => Promise<void>,
): Case {
  return {
    name: `site/url-mirror-${name}`,
    template: 'minimal',
    from: `test_url_mirror.py::test_url_mirror_${name.replace(/-/g, '_')}`,
    async run(t) {
      await withServers(2, async ([site, mirror]) => run(t, site!, mirror!));
    },
  };
}
/** The download is kept where releng-tool keeps it: dl/minimal/minimal-v1.0.txt. */
const assertDownloaded = (t: Ctx) => t.assertExists('dl/minimal/minimal-v1.0.txt');
const methods = (s: Httpd) => new Set(s.req.map((r) => r.method)).size;

const mirrorCases: Case[] = [
  mirrorCase('fallback-default', async (t, site, mirror) => {
    site.rsp.push([200, 'Sample text file.']);
    mirror.rsp.push([404, null]);
    append(t, 'releng-tool.rt', [`url_mirror = "${mirror.url}/"`]);
    append(t, MINIMAL, [`MINIMAL_SITE="${site.url}/test.txt"`]);
    await t.ok();
    assertDownloaded(t);
    assert.equal(methods(site), 1);
    assert.equal(site.rsp.length, 0);
    assert.equal(methods(mirror), 1);
    assert.equal(mirror.rsp.length, 0);
  }),
  mirrorCase('fallback-restricted', async (t, site, mirror) => {
    site.rsp.push([200, 'Sample text file.']);
    mirror.rsp.push([404, null]);
    append(t, 'releng-tool.rt', [`url_mirror = "${mirror.url}/"`]);
    append(t, MINIMAL, [`MINIMAL_SITE="${site.url}/test.txt"`]);
    await t.fails(['--only-mirror']);
    assert.equal(site.req.length, 0, 'the site was asked in only-mirror mode');
    assert.equal(site.rsp.length, 1);
    assert.equal(methods(mirror), 1);
    assert.equal(mirror.rsp.length, 0);
  }),
  mirrorCase('pkg-hint', async (t, site, mirror) => {
    mirror.rsp.push([200, 'Sample text file.']);
    site.rsp.push([500, null]);
    append(t, 'releng-tool.rt', [`url_mirror = "${mirror.url}/{name}/{version}/"`]);
    append(t, MINIMAL, [`MINIMAL_SITE="${site.url}/test.txt"`]);
    await t.ok();
    assertDownloaded(t);
    assert.equal(site.req.length, 0);
    assert.equal(site.rsp.length, 1);
    assert.equal(mirror.rsp.length, 0);
    const gets = mirror.req.filter((r) => r.method === 'GET');
    assert.equal(gets.length, 1);
    assert.equal(gets[0]!.path, '/minimal/v1.0/minimal-v1.0.txt');
  }),
  mirrorCase('used', async (t, site, mirror) => {
    mirror.rsp.push([200, 'Sample text file.']);
    site.rsp.push([500, null]);
    append(t, 'releng-tool.rt', [`url_mirror = "${mirror.url}/"`]);
    append(t, MINIMAL, [`MINIMAL_SITE="${site.url}/test.txt"`]);
    await t.ok();
    assertDownloaded(t);
    assert.equal(site.req.length, 0);
    assert.equal(site.rsp.length, 1);
    assert.equal(methods(mirror), 1);
    assert.equal(mirror.rsp.length, 0);
  }),
];

/**
 * The project-option tests of a setting: given through `releng_config(...)`
 * or as a global, valid or of the wrong type. Valid: the run succeeds and
 * the setting is in effect (`effect`); invalid: the configuration is refused.
 */
function prjOption(
  file: string,
  option: string,
  valid: { pre?: string; value: string },
  invalid: string,
  effect?: (t: Ctx) => Promise<void>,
): Case[] {
  const stem = file.replace(/^test_|\.py$/g, '');
  const cfg = (pre: string, body: string) => `${pre}${body}`;
  const make = (how: 'cfgcall' | 'global', ok: boolean): Case => ({
    name: `site/${option.replace(/_/g, '-')}-${how}-${ok ? 'valid' : 'invalid'}`,
    template: 'minimal',
    from: `${file}::test_prjconfig_${option}_${how}_${ok ? 'valid' : 'invalid'}`,
    async run(t) {
      const value = ok ? valid.value : invalid;
      const pre = ok && valid.pre ? `${valid.pre}\n` : '';
      t.write(
        'releng-tool.rt',
        how === 'cfgcall'
          ? cfg(
              pre,
              `releng_config(\n    packages = [\n        'minimal',\n    ],\n    ${option}=${value},\n)\n`,
            )
          : cfg(pre, `packages = [\n    'minimal',\n]\n${option} = ${value}\n`),
      );
      if (!ok) {
        const r = await t.fails();
        assert.match(r.output, new RegExp(option));
        return;
      }
      await t.ok();
      await effect?.(t);
    },
  });
  void stem;
  return [
    make('cfgcall', false),
    make('cfgcall', true),
    make('global', false),
    make('global', true),
  ];
}

const prjCases: Case[] = [
  ...prjOption(
    'test_prj_configs_url_mirror.py',
    'url_mirror',
    { value: "'https://pkgs.example.com/{name}/'" },
    '1',
  ),
  ...prjOption(
    'test_prj_configs_urlopen_context.py',
    'urlopen_context',
    { pre: 'import ssl', value: 'ssl.create_default_context()' },
    '1',
  ),
];

/** A patch-file-valid case: options appended to the definition, CLI arguments, and which patched files exist. */
function filterCase(
  name: string,
  lines: string[],
  args: string[],
  folder: string,
  expect: { newFile: boolean; anotherFile: boolean },
): Case {
  return {
    name: `site/patch-filter-${name}`,
    template: 'patch-file-valid',
    needs: ['patch'],
    from: `test_tool_patch_filtering.py::test_tool_patch_filter_${name.replace(/-/g, '_')}`,
    async run(t) {
      append(t, 'package/test/test.rt', lines);
      // `-D [mode]` configures the development mode for the runs after it
      if (args.length > 0) await t.ok(args);
      await t.ok();
      assert.equal(
        t.exists('output/build', folder, 'new-file.txt'),
        expect.newFile,
        'new-file.txt',
      );
      assert.equal(
        t.exists('output/build', folder, 'another-file.txt'),
        expect.anotherFile,
        'another-file.txt',
      );
    },
  };
}
const DEV = "TEST_DEVMODE_REVISION = 'main'";
const custom = ['--development', 'custom'];

const patchCases: Case[] = [
  {
    name: 'site/patch-invalid',
    template: 'patch-file-invalid',
    needs: ['patch'],
    from: 'test_tool_patch.py::test_tool_patch_invalid',
    async run(t) {
      await t.fails();
    },
  },
  ...(
    [
      ['build-subdir', 'patch-file-build-subdir', ''],
      ['patch-subdir', 'patch-file-patch-subdir', 'container'],
    ] as const
  ).map(
    ([name, template, where]): Case => ({
      name: `site/patch-subdir-${name.replace('-subdir', '')}`,
      template,
      needs: ['patch'],
      from: `test_tool_patch.py::test_tool_patch_subdir_${name.replace('-subdir', '')}`,
      async run(t) {
        append(t, 'package/test/test.rt', [
          `TEST_SITE=r"file://${join(SAMPLES, 'sample-files.tar')}"`,
        ]);
        await t.ok();
        t.assertExists('output/build/test/container/tar-file-container.txt');
        const file = join('output/build/test', where, 'new-file.txt');
        t.assertExists(file);
        assert.match(t.read(file), /Sample file\./);
      },
    }),
  ),
  {
    name: 'site/patch-valid',
    template: 'patch-file-valid',
    needs: ['patch'],
    from: 'test_tool_patch.py::test_tool_patch_valid',
    async run(t) {
      await t.ok();
      assert.match(t.read('output/build/test/new-file.txt'), /Sample file\./);
    },
  },
  filterCase(
    'devmode-custom-disabled',
    ["TEST_DEVMODE_PATCHES = {'other': True}", DEV],
    custom,
    'test-main',
    {
      newFile: false,
      anotherFile: false,
    },
  ),
  filterCase(
    'devmode-custom-enabled',
    ["TEST_DEVMODE_PATCHES = {'custom': True}", DEV],
    custom,
    'test-main',
    {
      newFile: true,
      anotherFile: true,
    },
  ),
  filterCase(
    'devmode-custom-filter-disabled',
    ["TEST_DEVMODE_PATCHES = {'other': '*'}", DEV],
    custom,
    'test-main',
    { newFile: false, anotherFile: false },
  ),
  filterCase(
    'devmode-custom-filter-enabled',
    ["TEST_DEVMODE_PATCHES = {'custom': '002-another-new-file.patch'}", DEV],
    custom,
    'test-main',
    { newFile: false, anotherFile: true },
  ),
  filterCase('devmode-filter', ["TEST_DEVMODE_PATCHES = '001-*'", DEV], ['-D'], 'test-main', {
    newFile: true,
    anotherFile: false,
  }),
  filterCase('devmode-flag-disabled', ['TEST_DEVMODE_PATCHES = False', DEV], ['-D'], 'test-main', {
    newFile: false,
    anotherFile: false,
  }),
  filterCase('devmode-flag-enabled', ['TEST_DEVMODE_PATCHES = True', DEV], ['-D'], 'test-main', {
    newFile: true,
    anotherFile: true,
  }),
  filterCase('regular-filter-sanity', ["TEST_IGNORE_PATCHES = 'releng'"], [], 'test', {
    newFile: true,
    anotherFile: true,
  }),
  filterCase('regular-filter-set', ["TEST_IGNORE_PATCHES = '001-*'"], [], 'test', {
    newFile: false,
    anotherFile: true,
  }),
  filterCase('regular-flag-disabled', ['TEST_IGNORE_PATCHES = True'], [], 'test', {
    newFile: false,
    anotherFile: false,
  }),
  filterCase('regular-flag-enabled', [], [], 'test', { newFile: true, anotherFile: true }),
];

export const siteCases: Case[] = [
  ...siteUrlCases,
  ...httpsCases,
  ...mirrorCases,
  ...prjCases,
  ...patchCases,
];
