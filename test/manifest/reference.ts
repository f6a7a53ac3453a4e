/**
 * The pkg(5) reference tools and the vendored oi-userland data for the
 * manifest tests (built by scripts/setup-pkg5.sh; see test/reference/README.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO } from '../helpers.ts';
import { tempDir } from '../tmp.ts';

/** The build stamp scripts/setup-pkg5.sh names its build by: the archive and the script's content. */
function stamp(): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(REPO, 'test', 'reference', 'pkg5.tar.xz')));
  h.update(readFileSync(join(REPO, 'scripts', 'setup-pkg5.sh')));
  return h.digest('hex').slice(0, 16);
}

/** The folder holding bin/pkgfmt etc. for this checkout, or undefined when the set-up script has not run. */
export function pkg5Home(): string | undefined {
  const s = stamp();
  const candidates = [
    process.env.RELENG_PKG5_HOME,
    join('/opt/releng-pkg5-builds', s),
    join(homedir(), '.cache', 'releng-pkg5', s),
  ];
  return candidates.find((c): c is string => !!c && existsSync(join(c, 'bin', 'pkgfmt')));
}

/** A reason to skip, or false when the reference tools are there. */
export const skipWithoutPkg5: string | false = pkg5Home()
  ? false
  : 'the pkg(5) reference tools are not built (run bash scripts/setup-pkg5.sh)';

/** Path of a reference tool. */
export function tool(name: string): string {
  return join(pkg5Home() as string, 'bin', name);
}

/** Extracts test/reference/oi-userland.tar.xz into a new temporary folder and returns it. */
export function extractOiUserland(): string {
  const dir = tempDir('releng-oiu-');
  execFileSync('tar', ['-xJf', join(REPO, 'test', 'reference', 'oi-userland.tar.xz'), '-C', dir]);
  return dir;
}

/** Every file under `dir` whose name ends with `suffix`, relative, sorted. */
export function filesUnder(dir: string, suffix = ''): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(suffix)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** The transforms oi-userland's make-rules/ips.mk passes to pkgmogrify (PUBLISH_TRANSFORMS), in order. */
export const PUBLISH_TRANSFORMS = [
  'license-changes',
  'variant-cleanup',
  'autopyc',
  'python',
  'perl',
  'defaults',
  'actuators',
  'devel',
  'docs',
  'locale',
  'python-3-soabi',
  'python-3-no-32bit',
  'libtool-drop',
  'ignore-libs',
  'ignore-gcc-usr-lib',
  'publish-cleanup',
].map((t) => `transforms/${t}`);

/** Macros as a component build defines them (the seed's list and what the transforms use). */
export const MACROS: [string, string][] = [
  ['MACH', 'i386'],
  ['MACH32', 'i86'],
  ['MACH64', 'amd64'],
  ['PUBLISHER', 'openindiana.org'],
  ['CONSOLIDATION', 'userland'],
  ['BUILD_VERSION', '2024.0.1.0'],
  ['SOLARIS_VERSION', '2.11'],
  ['OS_VERSION', '5.11'],
  ['IPS_COMPONENT_VERSION', '1.2.3'],
  ['COMPONENT_VERSION', '1.2.3'],
  ['COMPONENT_PROJECT_URL', 'https://example.org/'],
  ['COMPONENT_ARCHIVE_URL', 'https://example.org/x-1.2.3.tar.gz'],
  ['COMPONENT_RE_VERSION', '1\\.2\\.3'],
  ['IPS_COMPONENT_RE_VERSION', '1\\.2\\.3'],
  ['HUMAN_VERSION', '1.2.3'],
  ['HUMAN_VERSION_RE', '1\\.2\\.3'],
  ['COMPONENT_NAME', 'demo'],
  ['PY3_CPYTHON_NAMING', ''],
  ['PY3_ABI3_NAMING', '#'],
  ['PYVER', '3.9'],
  ['PYV', '39'],
  ['PERLVER', '5.36'],
  ['PLV', '536'],
  ['GNU_TRIPLET', 'x86_64-pc-solaris2.11'],
];

let signatureShim: string | undefined;

/**
 * Runs the reference `pkg` client with one more shim than its wrapper has:
 * its signature code (pkg(5) of the Python 3.5 days) finds hash classes in
 * `HashAlgorithm._abc_registry`, which Python 3.7's C `abc` no longer has,
 * so verifying an RSA signature fails with an AttributeError. The shim puts
 * the registry back (the build's own shims still load first); nothing else
 * about the client changes.
 */
export function pkgClientVerifyingSignatures(
  args: readonly string[],
  cwd: string,
): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const home = pkg5Home() as string;
  if (!signatureShim) {
    signatureShim = join(tempDir('releng-pkgshim-'), 'shim');
    mkdirSync(signatureShim);
  }
  const shim = signatureShim;
  writeFileSync(
    join(shim, 'sitecustomize.py'),
    [
      'import runpy',
      `runpy.run_path(${JSON.stringify(join(home, 'shim', 'sitecustomize.py'))})`,
      'from cryptography.hazmat.primitives import hashes',
      'hashes.HashAlgorithm._abc_registry = [hashes.SHA1, hashes.SHA256, hashes.SHA384, hashes.SHA512]',
      '',
    ].join('\n'),
  );
  return spawnSync(
    '/usr/bin/python3',
    ['-W', 'ignore::SyntaxWarning', join(home, 'src', 'src', 'client.py'), ...args],
    {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        PKG_CMDPATH: join(home, 'cmd-image', 'pkg'),
        PYTHONPATH: [shim, join(home, 'shim'), join(home, 'lib')].join(':'),
      },
    },
  ) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}
