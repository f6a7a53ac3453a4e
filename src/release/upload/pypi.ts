/**
 * A PyPI-compatible index through the legacy upload API (what twine and
 * PyPI's warehouse speak): one multipart POST per file with `:action =
 * file_upload`, the core metadata read from the file itself (PKG-INFO of an
 * sdist, METADATA of a wheel) and its digests, HTTP Basic authentication
 * with the credentials from environment variables (`__token__` and an API
 * token on PyPI). As on warehouse, the same file again is accepted (200) and
 * a different file under the same name refused ("File already exists").
 * With `simpleUrl`, every file is fetched back through the simple index
 * afterwards and its SHA-256 compared.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2b } from '@noble/hashes/blake2.js';
import { extractArchive } from '../../extract/index.ts';
import { RelengError } from '../../util/errors.ts';
import { maskCredentials } from '../../util/redact.ts';
import type { UploadConfig, UploadContext, UploadReport, UploadTarget } from './types.ts';

/** The options of a `pypi` uploads entry. */
export interface PypiUploadConfig extends UploadConfig {
  type: 'pypi';
  /** The legacy upload URL (PyPI: `https://upload.pypi.org/legacy/`). */
  url: string;
  /** The simple index to check the upload against (PyPI: `https://pypi.org/simple/`). */
  simpleUrl?: string;
  /** Environment variable with the user name (default `TWINE_USERNAME`). */
  usernameEnv?: string;
  /** Environment variable with the password or token (default `TWINE_PASSWORD`). */
  passwordEnv?: string;
}

/** Core metadata fields that may repeat, and the form field each goes to (as twine sends them). */
const MULTI: Record<string, string> = {
  classifier: 'classifiers',
  'requires-dist': 'requires_dist',
  'provides-extra': 'provides_extra',
  'project-url': 'project_urls',
  platform: 'platform',
  'supported-platform': 'supported_platform',
  dynamic: 'dynamic',
  'license-file': 'license_file',
};

/** Parses core metadata (RFC 822 style headers, the description as body). */
export function parseCoreMetadata(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const [head, ...body] = text.replace(/\r\n/g, '\n').split('\n\n');
  let last: [string, string] | undefined;
  for (const line of (head ?? '').split('\n')) {
    if (/^\s/.test(line) && last) {
      last[1] += `\n${line.replace(/^ {7}\|?/, '')}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (!m) continue;
    last = [(m[1] as string).toLowerCase(), m[2] as string];
    out.push(last);
  }
  const description = body.join('\n\n').trim();
  if (description) out.push(['description', description]);
  return out;
}

/** The metadata of an sdist or wheel, or undefined when the file is neither (a bundle). */
async function metadataOf(
  file: string,
  name: string,
): Promise<Array<[string, string]> | undefined> {
  const wheel = name.endsWith('.whl');
  if (!wheel && !name.endsWith('.tar.gz')) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'releng-pypi-'));
  try {
    await extractArchive(file, dir, { stripCount: 0, type: wheel ? 'zip' : 'tar.gz' });
    const tops = await readdir(dir);
    const path = wheel
      ? tops.filter((t) => t.endsWith('.dist-info')).map((t) => join(dir, t, 'METADATA'))[0]
      : tops.length === 1
        ? join(dir, tops[0] as string, 'PKG-INFO')
        : undefined;
    if (!path) return undefined;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : parseCoreMetadata(text);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `pyversion` of a wheel: its python tag (`py3`, `cp311`); `source` for an sdist. */
function pyversion(name: string): string {
  if (!name.endsWith('.whl')) return 'source';
  const parts = name.slice(0, -4).split('-');
  return parts[parts.length - 3] ?? 'py3';
}

const normalize = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export const pypiTarget: UploadTarget = {
  async upload(ctx: UploadContext, raw): Promise<UploadReport> {
    const c = raw as PypiUploadConfig;
    if (typeof c.url !== 'string')
      throw new RelengError('the pypi upload needs a "url"', {
        hint: "PyPI's is https://upload.pypi.org/legacy/",
      });
    const url = new URL(c.url);
    const user = ctx.env[c.usernameEnv ?? 'TWINE_USERNAME'];
    const password = ctx.env[c.passwordEnv ?? 'TWINE_PASSWORD'];
    if (url.username || url.password)
      throw new RelengError('the pypi upload URL carries credentials', {
        hint: 'remove them from the URL; give them in TWINE_USERNAME/TWINE_PASSWORD (or usernameEnv/passwordEnv)',
      });
    // Credentials never travel in clear text, but to this machine (a test or proxy index).
    if (url.protocol !== 'https:' && !isLoopback(url))
      throw new RelengError(`refusing to upload to ${url.origin} without TLS`, {
        hint: 'use an https:// URL',
      });
    const auth =
      user !== undefined && password !== undefined
        ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
        : undefined;
    const uploaded: string[] = [];
    const unchanged: string[] = [];
    const sent: Array<{ name: string; project: string; sha256: string }> = [];
    for (const f of ctx.dist.files) {
      const path = join(ctx.dist.dir, f.name);
      const meta = await metadataOf(path, f.name);
      if (!meta) continue;
      const bytes = await readFile(path);
      const form = new FormData();
      form.append(':action', 'file_upload');
      form.append('protocol_version', '1');
      const fields = new Map<string, string>();
      for (const [key, value] of meta) {
        const multi = MULTI[key];
        if (multi) form.append(multi, value);
        else {
          const field = key === 'home-page' ? 'home_page' : key.replace(/-/g, '_');
          if (!fields.has(field)) fields.set(field, value);
        }
      }
      for (const [k, v] of fields) form.append(k, v);
      const project = fields.get('name');
      if (!project || !fields.get('version'))
        throw new RelengError(`${f.name} has no Name/Version in its metadata`);
      form.append('filetype', f.name.endsWith('.whl') ? 'bdist_wheel' : 'sdist');
      form.append('pyversion', pyversion(f.name));
      form.append('md5_digest', createHash('md5').update(bytes).digest('hex'));
      form.append('sha256_digest', f.sha256);
      // BLAKE2b sized to 32 bytes (not a truncated BLAKE2b-512); OpenSSL through Node cannot size it.
      form.append('blake2_256_digest', Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex'));
      form.append('content', new Blob([bytes]), f.name);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          body: form,
          headers: auth ? { authorization: auth } : {},
        });
      } catch (err) {
        throw new RelengError(
          `cannot reach ${maskCredentials(url.href)}: ${(err as Error).message}`,
        );
      }
      const text = await res.text();
      if (res.status === 200 || res.status === 201) {
        // Warehouse answers 200 for a file it holds already with the same digest; ours says which.
        (/already exists|identical/i.test(text) ? unchanged : uploaded).push(f.name);
      } else {
        throw new RelengError(
          `${maskCredentials(url.href)} refused ${f.name}: ${res.status} ${res.statusText} ${text.trim().slice(0, 200)}`,
          {
            hint:
              res.status === 403 || res.status === 401
                ? 'check the credentials in TWINE_USERNAME/TWINE_PASSWORD'
                : res.status === 400 && /exists/i.test(text)
                  ? 'a different file of that name is published: release a new version'
                  : undefined,
          },
        );
      }
      sent.push({ name: f.name, project, sha256: f.sha256 });
    }
    if (sent.length === 0)
      throw new RelengError('the release has no sdist or wheel for the pypi upload', {
        hint: 'add a python bundle to release.bundles',
      });
    if (c.simpleUrl) await verifyThroughIndex(c.simpleUrl, sent);
    ctx.log(`pypi ${url.origin}: ${uploaded.length} uploaded, ${unchanged.length} already there`);
    return { target: `pypi ${maskCredentials(url.href)}`, uploaded, unchanged };
  },
};

/** Fetches every sent file back through the simple index and compares its SHA-256. */
async function verifyThroughIndex(
  simpleUrl: string,
  sent: ReadonlyArray<{ name: string; project: string; sha256: string }>,
) {
  const base = simpleUrl.endsWith('/') ? simpleUrl : `${simpleUrl}/`;
  for (const f of sent) {
    const page = new URL(`${normalize(f.project)}/`, base);
    const html = await (await fetch(page)).text();
    const href = [...html.matchAll(/href="([^"]+)"/g)]
      .map((m) => m[1] as string)
      .find((h) => decodeURIComponent(h.split('#')[0]?.split('/').pop() ?? '') === f.name);
    if (!href) throw new RelengError(`${f.name} is not listed on ${page.href} after the upload`);
    const res = await fetch(new URL(href, page));
    const got = createHash('sha256')
      .update(Buffer.from(await res.arrayBuffer()))
      .digest('hex');
    if (!res.ok || got !== f.sha256)
      throw new RelengError(
        `${f.name} from ${page.origin} does not match SHA256SUMS after the upload`,
      );
  }
}
