/**
 * An HTTP/WebDAV server (nginx's dav module, Apache mod_dav, …): the release
 * folder under `<url>/<version>/`. Each file is PUT under a temporary name
 * and MOVEd into place without overwriting, so a reader never sees half a
 * file; a file already there with the same bytes is left alone, one with
 * other bytes stops the upload. Every file is fetched back and checked
 * against SHA256SUMS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RelengError } from '../../util/errors.ts';
import { maskCredentials } from '../../util/redact.ts';
import { releaseFiles, type UploadConfig, type UploadTarget } from './types.ts';

/** The options of a `webdav` uploads entry. */
export interface WebdavUploadConfig extends UploadConfig {
  type: 'webdav';
  /** The collection releases go under, e.g. `https://dl.example.org/releases/`. */
  url: string;
  /** Environment variables with the Basic credentials (default RELENG_WEBDAV_USERNAME / RELENG_WEBDAV_PASSWORD). */
  usernameEnv?: string;
  passwordEnv?: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export const webdavTarget: UploadTarget = {
  async upload(ctx, raw) {
    const c = raw as WebdavUploadConfig;
    if (typeof c.url !== 'string') throw new RelengError('the webdav upload needs a "url"');
    const base = new URL(c.url.endsWith('/') ? c.url : `${c.url}/`);
    if (base.username || base.password)
      throw new RelengError('the webdav upload URL carries credentials', {
        hint: 'remove them; set RELENG_WEBDAV_USERNAME/RELENG_WEBDAV_PASSWORD (or usernameEnv/passwordEnv)',
      });
    const user = ctx.env[c.usernameEnv ?? 'RELENG_WEBDAV_USERNAME'];
    const password = ctx.env[c.passwordEnv ?? 'RELENG_WEBDAV_PASSWORD'];
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname);
    if (base.protocol !== 'https:' && !loopback && user !== undefined)
      throw new RelengError(`refusing to send credentials to ${base.origin} without TLS`, {
        hint: 'use an https:// URL',
      });
    const headers: Record<string, string> =
      user !== undefined && password !== undefined
        ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }
        : {};
    const where = maskCredentials(base.href);
    const call = async (
      method: string,
      url: URL,
      init: { body?: Uint8Array; headers?: Record<string, string> } = {},
    ) => {
      try {
        return await fetch(url, {
          method,
          body: init.body as BodyInit | undefined,
          headers: { ...headers, ...init.headers },
        });
      } catch (err) {
        throw new RelengError(`cannot reach ${where}: ${(err as Error).message}`);
      }
    };
    const fail = (what: string, res: Response): never => {
      throw new RelengError(`${where}: ${what} failed: ${res.status} ${res.statusText}`, {
        hint:
          res.status === 401 || res.status === 403
            ? 'check the WebDAV credentials'
            : 'is WebDAV (PUT, MKCOL, MOVE) enabled there?',
      });
    };
    const dir = new URL(`${encodeURIComponent(ctx.version)}/`, base);
    const col = await call('MKCOL', dir);
    // 201: made; 405: exists already (RFC 4918 §9.3.1).
    if (col.status !== 201 && col.status !== 405) fail(`MKCOL ${dir.pathname}`, col);
    const uploaded: string[] = [];
    const unchanged: string[] = [];
    for (const name of releaseFiles(ctx.dist)) {
      const bytes = await readFile(join(ctx.dist.dir, name));
      const target = new URL(encodeURIComponent(name), dir);
      const there = await call('GET', target);
      if (there.ok) {
        if (sha256(new Uint8Array(await there.arrayBuffer())) === sha256(bytes)) {
          unchanged.push(name);
          continue;
        }
        throw new RelengError(`${target.href} exists with other content`, {
          hint: 'a published file is never replaced: release a new version instead',
        });
      }
      await there.arrayBuffer().catch(() => undefined);
      if (there.status !== 404) fail(`GET ${target.pathname}`, there);
      const tmp = new URL(
        `.${encodeURIComponent(name)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
        dir,
      );
      const put = await call('PUT', tmp, { body: bytes });
      if (put.status !== 201 && put.status !== 204) fail(`PUT ${tmp.pathname}`, put);
      const move = await call('MOVE', tmp, {
        headers: { destination: target.pathname, overwrite: 'F' },
      });
      if (move.status !== 201 && move.status !== 204) {
        await call('DELETE', tmp);
        fail(`MOVE to ${target.pathname}`, move);
      }
      uploaded.push(name);
    }
    for (const f of ctx.dist.files) {
      const res = await call('GET', new URL(encodeURIComponent(f.name), dir));
      if (!res.ok || sha256(new Uint8Array(await res.arrayBuffer())) !== f.sha256)
        throw new RelengError(`${f.name} on ${where} does not match SHA256SUMS after the upload`);
    }
    ctx.log(
      `webdav ${where}${ctx.version}/: ${uploaded.length} uploaded, ${unchanged.length} already there`,
    );
    return { target: `webdav ${where}`, uploaded, unchanged };
  },
};
